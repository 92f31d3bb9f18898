//! The policy simulator: runs a policy and a gold schedule against simulated workers
//! and reports, per worker archetype, how often each action happens, after how many
//! gold answers, and how much of the work was spent on gold.
//!
//! Each simulated worker does `tasks` task slots, one per `task_ms` of simulated
//! time. Before each slot the gold source decides whether it is gold; after each gold
//! answer the policy takes a live [`Policy::step`]. A banned worker stops; a
//! suspended worker sits out the suspension (simulated time keeps running).
//!
//! Answer model: gold items have `classes` equiprobable classes. A worker of
//! accuracy p answers correctly with probability p; a uniform spammer picks a class
//! uniformly; a constant spammer always answers class 0 (so both are right 1/K of the
//! time on balanced gold); a degrading worker switches accuracy after a share of
//! their tasks.
//!
//! Determinism: worker `j` of archetype `a` draws from its own `ChaCha8Rng` seeded
//! from `(seed, a, j)`, workers are simulated in parallel (rayon) and the outcomes
//! collected in index order, so the report is identical for any thread count.
//!
//! ```
//! # fn main() -> crowdqc_core::Result<()> {
//! use crowdqc_policy::parse_policy;
//! use crowdqc_policy::simulate::{Archetype, SimConfig, simulate};
//! let p = parse_policy(r#"
//! [[rules]]
//! id = "sprt"
//! action = "ban"
//! sprt = { good = 0.92, bad = 0.80, alpha = 0.01, beta = 0.05 }
//! "#)?;
//! let cfg = SimConfig::new()
//!     .workers(vec![Archetype::Accuracy(0.92), Archetype::UniformSpammer])
//!     .runs(200);
//! let report = simulate(&p, &cfg)?;
//! assert!(report.archetypes[1].probability(crowdqc_policy::Action::Ban) > 0.95);
//! # Ok(()) }
//! ```

mod comparison;
pub mod economy;
mod report;

use crowdqc_core::evidence::{GoldSource, NextTask, WorkerEvidence};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub use comparison::{PolicyWarnings, SimComparison};
pub use report::{ActionStat, ArchetypeReport, SimReport};

use crate::eval::WorkerState;
use crate::spec::{Action, Policy};

/// A kind of simulated worker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Archetype {
    /// Answers gold correctly with this probability.
    Accuracy(f64),
    /// Picks a class uniformly at random.
    UniformSpammer,
    /// Always answers the first class.
    ConstantSpammer,
    /// Accuracy `from` for the first `at` share of their tasks, then `to`.
    Degrading {
        /// Accuracy before.
        from: f64,
        /// Accuracy after.
        to: f64,
        /// Share of the worker's task slots after which accuracy drops, in (0, 1).
        at: f64,
    },
}

impl Archetype {
    /// The default roster: 0.97, 0.92, 0.85, 0.70, uniform and constant spammers, and
    /// a worker who degrades from 0.95 to 0.70 half-way.
    pub fn default_roster() -> Vec<Archetype> {
        vec![
            Archetype::Accuracy(0.97),
            Archetype::Accuracy(0.92),
            Archetype::Accuracy(0.85),
            Archetype::Accuracy(0.70),
            Archetype::UniformSpammer,
            Archetype::ConstantSpammer,
            Archetype::Degrading {
                from: 0.95,
                to: 0.70,
                at: 0.5,
            },
        ]
    }

    /// Name as written in worker specs: `0.92`, `uniform`, `constant`,
    /// `degrade:0.95>0.70@0.5`.
    pub fn name(&self) -> String {
        match self {
            Archetype::Accuracy(p) => format!("{p}"),
            Archetype::UniformSpammer => "uniform".into(),
            Archetype::ConstantSpammer => "constant".into(),
            Archetype::Degrading { from, to, at } => format!("degrade:{from}>{to}@{at}"),
        }
    }

    /// Parses a comma-separated worker spec, e.g. `0.97,0.92,uniform,degrade:0.95>0.7@0.5`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `workers` and the bad entry.
    pub fn parse_list(spec: &str) -> Result<Vec<Archetype>> {
        let bad = |e: &str, why: &str| {
            Error::param(
                "workers",
                format!(
                    "`{e}`: {why}; valid: an accuracy in [0, 1] (0.92), uniform, constant, degrade:FROM>TO@SHARE"
                ),
            )
        };
        let acc = |e: &str, s: &str| -> Result<f64> {
            let v: f64 = s.trim().parse().map_err(|_| bad(e, "not a number"))?;
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(bad(e, "accuracy outside [0, 1]"))
            }
        };
        let mut out = Vec::new();
        for e in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let a = match e {
                "uniform" => Archetype::UniformSpammer,
                "constant" => Archetype::ConstantSpammer,
                _ => {
                    if let Some(rest) = e.strip_prefix("degrade:") {
                        let (from, rest) =
                            rest.split_once('>').ok_or_else(|| bad(e, "missing `>`"))?;
                        let (to, at) = rest.split_once('@').ok_or_else(|| bad(e, "missing `@`"))?;
                        let at = acc(e, at)?;
                        if !(at > 0.0 && at < 1.0) {
                            return Err(bad(e, "the share after `@` must be in (0, 1)"));
                        }
                        Archetype::Degrading {
                            from: acc(e, from)?,
                            to: acc(e, to)?,
                            at,
                        }
                    } else {
                        Archetype::Accuracy(acc(e, e)?)
                    }
                }
            };
            out.push(a);
        }
        if out.is_empty() {
            return Err(Error::param("workers", "no worker archetype given"));
        }
        Ok(out)
    }

    fn answer(&self, rng: &mut ChaCha8Rng, task: u64, tasks: u64, classes: u32) -> bool {
        let gold_class = rng.random_range(0..classes);
        match *self {
            Archetype::Accuracy(p) => rng.random_bool(p),
            Archetype::UniformSpammer => rng.random_range(0..classes) == gold_class,
            Archetype::ConstantSpammer => gold_class == 0,
            Archetype::Degrading { from, to, at } => {
                let p = if (task as f64) < at * tasks as f64 {
                    from
                } else {
                    to
                };
                rng.random_bool(p)
            }
        }
    }
}

/// A gold source that serves gold with a fixed probability per task slot, after an
/// optional front-loaded run of gold tasks for new workers.
#[derive(Debug, Clone)]
pub struct FixedRateGold {
    rate: f64,
    front: u64,
    served: u64,
    slots: u64,
    rng: ChaCha8Rng,
}

impl FixedRateGold {
    /// A new source (`rate` in [0, 1], the first `front` slots are gold).
    pub fn new(rate: f64, front: u64, seed: u64) -> Self {
        FixedRateGold {
            rate,
            front,
            served: 0,
            slots: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl GoldSource for FixedRateGold {
    fn next_task(&mut self, _worker: u32, _evidence: &WorkerEvidence) -> NextTask {
        self.slots += 1;
        if self.slots <= self.front || self.rng.random_bool(self.rate) {
            self.served += 1;
            NextTask::Gold((self.served - 1) as u32)
        } else {
            NextTask::Regular
        }
    }
}

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
    /// Simulated time per task slot, ms (default 60 000: one task a minute).
    pub task_ms: i64,
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
        Ok(())
    }
}

/// What happened to one simulated worker. With tiers, `Promote`/`Demote` record
/// actual tier moves (a demote rule firing on the lowest tier is not counted).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkerOutcome {
    /// Per action (index in [`Action::ALL`]): gold answered when it first happened.
    pub first: [Option<u32>; 7],
    /// Gold answered in total.
    pub gold: u32,
    /// Task slots worked (gold + regular).
    pub worked: u32,
    /// Final tier.
    pub tier: u16,
}

/// Derives a per-worker seed (SplitMix64 over the inputs).
pub fn derive_seed(seed: u64, a: u64, b: u64) -> u64 {
    let mut x =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Simulates one worker.
pub fn simulate_worker(
    policy: &Policy,
    cfg: &SimConfig,
    archetype: Archetype,
    gold: &mut dyn GoldSource,
    seed: u64,
) -> WorkerOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut state = WorkerState::new(policy, 0);
    let mut ev = WorkerEvidence {
        tier: policy.tiers.as_ref().map(|t| t.start),
        ..WorkerEvidence::default()
    };
    let mut out = WorkerOutcome::default();
    for task in 0..cfg.tasks {
        let now = task as i64 * cfg.task_ms;
        if !state.active(now) {
            if matches!(state.banned, Some(crate::eval::Ban::Permanent)) {
                break;
            }
            continue;
        }
        out.worked += 1;
        ev.judgments += 1;
        ev.touch(now);
        let NextTask::Gold(item) = gold.next_task(0, &ev) else {
            continue;
        };
        let correct = archetype.answer(&mut rng, task, cfg.tasks, cfg.classes);
        gold.observe(0, item, correct);
        ev.record_gold(correct);
        out.gold += 1;
        if let Some(d) = policy.step(&mut state, &mut ev, now) {
            let g = ev.gold_answered as u32;
            let mut mark = |a: Action| {
                let slot = &mut out.first[a as usize];
                if slot.is_none() {
                    *slot = Some(g);
                }
            };
            for &i in &d.fired {
                let a = policy.rules[i as usize].action;
                // with tiers, promote/demote count when the tier actually moves
                if !(policy.tiers.is_some() && matches!(a, Action::Promote | Action::Demote)) {
                    mark(a);
                }
            }
            if d.untrust {
                mark(Action::Untrust);
            }
            if let Some(tc) = d.tier {
                mark(if tc.to > tc.from {
                    Action::Promote
                } else {
                    Action::Demote
                });
            }
        }
    }
    out.tier = state.tier;
    out
}

/// Runs the simulation with the built-in [`FixedRateGold`] schedule.
///
/// # Errors
/// Invalid settings ([`SimConfig::validate`]).
pub fn simulate(policy: &Policy, cfg: &SimConfig) -> Result<SimReport> {
    let (rate, front) = (cfg.gold_rate, cfg.front_gold);
    simulate_with(policy, cfg, &move |seed| {
        Box::new(FixedRateGold::new(rate, front, seed)) as Box<dyn GoldSource>
    })
}

/// Runs the simulation with a gold source built per simulated worker from a seed
/// (e.g. the gold crate's adaptive scheduler).
///
/// # Errors
/// Invalid settings ([`SimConfig::validate`]).
pub fn simulate_with(
    policy: &Policy,
    cfg: &SimConfig,
    gold: &(dyn Fn(u64) -> Box<dyn GoldSource> + Sync),
) -> Result<SimReport> {
    simulate_with_progress(policy, cfg, gold, &NoProgress)
}

/// Simulated workers between two progress reports and interruption checks.
const BLOCK: usize = 4096;

/// [`simulate_with`], reporting simulated workers to `progress` and stopping at the
/// next block of 4096 workers once it is interrupted. Every worker draws from its own
/// seed, so the report is identical with or without progress and for any thread
/// count.
///
/// # Errors
/// Invalid settings ([`SimConfig::validate`]); [`Error::Interrupted`].
pub fn simulate_with_progress(
    policy: &Policy,
    cfg: &SimConfig,
    gold: &(dyn Fn(u64) -> Box<dyn GoldSource> + Sync),
    progress: &dyn Progress,
) -> Result<SimReport> {
    cfg.validate()?;
    let n = (cfg.workers.len() as u64 * cfg.runs) as usize;
    progress.start(&format!("simulating `{}`", policy.name), Some(n as u64));
    let mut outcomes: Vec<WorkerOutcome> = Vec::with_capacity(n);
    for start in (0..n).step_by(BLOCK) {
        progress.check()?;
        let end = (start + BLOCK).min(n);
        let block: Vec<WorkerOutcome> = (start..end)
            .into_par_iter()
            .with_min_len(64)
            .map(|k| {
                let k = k as u64;
                let a = k / cfg.runs;
                let j = k % cfg.runs;
                let mut g = gold(derive_seed(cfg.seed, a, j ^ (1 << 63)));
                simulate_worker(
                    policy,
                    cfg,
                    cfg.workers[a as usize],
                    g.as_mut(),
                    derive_seed(cfg.seed, a, j),
                )
            })
            .collect();
        outcomes.extend(block);
        progress.advance((end - start) as u64);
    }
    progress.finish();
    Ok(SimReport::build(policy, cfg, &outcomes))
}
