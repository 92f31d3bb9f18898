//! Simulator settings.

use crowdqc_core::{Error, Result};

use super::{Archetype, Pace, parse_roster};

/// Simulator settings (build with [`SimConfig::new`] and the setters).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimConfig {
    /// Worker archetypes (default: [`Archetype::default_roster`]).
    pub workers: Vec<Archetype>,
    /// Share of task slots that are gold, in (0, 1] (default 0.1).
    pub gold_rate: f64,
    /// Gold slots served first to every new worker (default 0).
    pub front_gold: u64,
    /// Task slots per worker (default 1000).
    pub tasks: u64,
    /// Simulated workers per archetype (default 1000).
    pub runs: u64,
    /// Seed (default 0).
    pub seed: u64,
    /// Classes of gold items (default 2).
    pub classes: u32,
    /// Simulated time per task slot, ms (default 60 000: one task a minute), for
    /// archetypes without a pace.
    pub task_ms: i64,
    /// Per archetype (aligned with `workers`): its workers' speed, or `None` for one
    /// task slot per `task_ms` (default: none). See [`Pace`].
    pub paces: Vec<Option<Pace>>,
    /// Working time per day of workers with a pace, ms (default 8 hours).
    pub shift_ms: i64,
    /// Pay per paid task after the platform's cut, for `hourly_pay` (default none).
    pub piece_rate: Option<f64>,
    /// Each worker's first N gold answers are unpaid (qualification; default 0).
    pub qualification_gold: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            workers: Archetype::default_roster(),
            gold_rate: 0.1,
            front_gold: 0,
            tasks: 1000,
            runs: 1000,
            seed: 0,
            classes: 2,
            task_ms: 60_000,
            paces: Vec::new(),
            shift_ms: 8 * 3_600_000,
            piece_rate: None,
            qualification_gold: 0,
        }
    }
}

impl SimConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`SimConfig::workers`].
    #[must_use]
    pub fn workers(mut self, v: Vec<Archetype>) -> Self {
        self.workers = v;
        self
    }
    /// Sets [`SimConfig::gold_rate`].
    #[must_use]
    pub fn gold_rate(mut self, v: f64) -> Self {
        self.gold_rate = v;
        self
    }
    /// Sets [`SimConfig::front_gold`].
    #[must_use]
    pub fn front_gold(mut self, v: u64) -> Self {
        self.front_gold = v;
        self
    }
    /// Sets [`SimConfig::tasks`].
    #[must_use]
    pub fn tasks(mut self, v: u64) -> Self {
        self.tasks = v;
        self
    }
    /// Sets [`SimConfig::runs`].
    #[must_use]
    pub fn runs(mut self, v: u64) -> Self {
        self.runs = v;
        self
    }
    /// Sets [`SimConfig::seed`].
    #[must_use]
    pub fn seed(mut self, v: u64) -> Self {
        self.seed = v;
        self
    }
    /// Sets [`SimConfig::classes`].
    #[must_use]
    pub fn classes(mut self, v: u32) -> Self {
        self.classes = v;
        self
    }
    /// Sets [`SimConfig::task_ms`].
    #[must_use]
    pub fn task_ms(mut self, v: i64) -> Self {
        self.task_ms = v;
        self
    }

    /// Sets [`SimConfig::workers`] and [`SimConfig::paces`] from a worker spec such
    /// as `0.97~60s/0.3,0.92,uniform~5s` ([`parse_roster`]).
    ///
    /// # Errors
    /// A bad spec, naming `workers` and the entry.
    pub fn roster(mut self, spec: &str) -> Result<Self> {
        let (w, p) = parse_roster(spec)?;
        self.workers = w;
        self.paces = p;
        Ok(self)
    }
    /// Sets [`SimConfig::paces`].
    #[must_use]
    pub fn paces(mut self, v: Vec<Option<Pace>>) -> Self {
        self.paces = v;
        self
    }
    /// Sets [`SimConfig::shift_ms`].
    #[must_use]
    pub fn shift_ms(mut self, v: i64) -> Self {
        self.shift_ms = v;
        self
    }
    /// Sets [`SimConfig::piece_rate`].
    #[must_use]
    pub fn piece_rate(mut self, v: Option<f64>) -> Self {
        self.piece_rate = v;
        self
    }
    /// Sets [`SimConfig::qualification_gold`].
    #[must_use]
    pub fn qualification_gold(mut self, v: u64) -> Self {
        self.qualification_gold = v;
        self
    }

    /// The pace of archetype `a`, if any.
    pub fn pace(&self, a: usize) -> Option<Pace> {
        self.paces.get(a).copied().flatten()
    }

    /// The most task slots per simulated worker ([`SimConfig::tasks`]).
    pub const MAX_TASKS: u64 = 10_000_000;
    /// The most simulated workers per archetype ([`SimConfig::runs`]).
    pub const MAX_RUNS: u64 = 1_000_000;
    /// The most task slots simulated in all (archetypes × runs × tasks): the work
    /// estimate that refuses a run that would not finish.
    pub const MAX_SLOTS: u64 = 20_000_000_000;

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the setting: ranges, and the bounds
    /// [`MAX_TASKS`](Self::MAX_TASKS), [`MAX_RUNS`](Self::MAX_RUNS) and
    /// [`MAX_SLOTS`](Self::MAX_SLOTS).
    pub fn validate(&self) -> Result<()> {
        if !(self.gold_rate > 0.0 && self.gold_rate <= 1.0) {
            return Err(Error::param(
                "gold_rate",
                format!("must be in (0, 1], got {}", self.gold_rate),
            ));
        }
        if self.tasks == 0 {
            return Err(Error::param("tasks", "must be >= 1, got 0"));
        }
        if self.tasks > Self::MAX_TASKS {
            return Err(Error::param(
                "tasks",
                format!(
                    "at most {} task slots per worker, got {}: counts per worker are 32-bit \
                     and a simulated worker's life past ten million slots (19 years at one a \
                     minute) says nothing new",
                    Self::MAX_TASKS,
                    self.tasks
                ),
            ));
        }
        if self.runs == 0 {
            return Err(Error::param("runs", "must be >= 1, got 0"));
        }
        if self.runs > Self::MAX_RUNS {
            return Err(Error::param(
                "runs",
                format!(
                    "at most {} simulated workers per archetype, got {}: every worker's \
                     outcome is kept (about 70 bytes each), and a million already puts each \
                     probability within ±0.001",
                    Self::MAX_RUNS,
                    self.runs
                ),
            ));
        }
        let slots = (self.workers.len() as u128) * u128::from(self.runs) * u128::from(self.tasks);
        if slots > u128::from(Self::MAX_SLOTS) {
            return Err(Error::param(
                "runs",
                format!(
                    "archetypes × runs × tasks = {} × {} × {} = {slots} simulated task slots, \
                     above the limit of {} (tens of minutes of work); lower --runs or --tasks",
                    self.workers.len(),
                    self.runs,
                    self.tasks,
                    Self::MAX_SLOTS
                ),
            ));
        }
        if self.classes < 2 {
            return Err(Error::param(
                "classes",
                format!("must be >= 2, got {}", self.classes),
            ));
        }
        if self.task_ms <= 0 {
            return Err(Error::param(
                "task_ms",
                format!("must be > 0, got {}", self.task_ms),
            ));
        }
        if self.workers.is_empty() {
            return Err(Error::param("workers", "no worker archetype given"));
        }
        if self.paces.len() > self.workers.len() {
            return Err(Error::param(
                "paces",
                format!(
                    "{} paces for {} archetypes",
                    self.paces.len(),
                    self.workers.len()
                ),
            ));
        }
        if !(self.shift_ms > 0 && self.shift_ms <= crate::activity::DAY_MS) {
            return Err(Error::param(
                "shift",
                format!(
                    "the working time per day must be in (0, 24h], got {} ms",
                    self.shift_ms
                ),
            ));
        }
        if let Some(r) = self.piece_rate
            && !(r.is_finite() && r >= 0.0)
        {
            return Err(Error::param(
                "piece_rate",
                format!("must be a finite amount >= 0, got {r}"),
            ));
        }
        Ok(())
    }
}
