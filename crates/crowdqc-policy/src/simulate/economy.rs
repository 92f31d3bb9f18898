//! The gold economy: what a gold schedule costs (the share of everyone's work spent on
//! gold) against what it buys (how fast uniform spammers are caught, how many good
//! workers are restricted by mistake), for an adaptive schedule next to flat rates.
//!
//! Every schedule is run through the same simulator ([`simulate_worker`]) with the
//! same policy, seeds and workers: good workers of the given accuracies and uniform
//! spammers. Per schedule the table gives
//!
//! - **gold share** of the good workers' task slots (the cost: good workers are the
//!   workforce) and of the spammers';
//! - **caught within N gold answers**: the share of spammers restricted (ban, suspend
//!   or untrust) by their N-th gold answer. The policy's rules look at gold answers
//!   only, so this is the same for every schedule up to Monte-Carlo noise; what a
//!   schedule changes is how many *task slots* those answers take;
//! - **task slots to catch** 50% and 99% of spammers, and the regular (non-gold) tasks a
//!   spammer does in all (spam accepted);
//! - **good workers restricted** at any time in their career.
//!
//! **The comparison** ([`EconomyTable::verdict`]): the adaptive schedule catches 99% of
//! spammers within `S` task slots. The *equivalent flat rate* is the smallest flat rate
//! `r` that catches 99% of spammers within the same `S` slots:
//! `Σₙ Δ(n) · P(Binomial(S, r) ≥ n) ≥ 0.99`, where `Δ(n)` is the share of spammers first
//! restricted at their `n`-th gold answer (pooled over every schedule's spammers) and
//! the binomial is exact (a flat schedule serves gold in each slot independently with
//! probability `r`). The adaptive schedule is economical when its good-worker gold share
//! is at most a third of that rate.
//!
//! Deterministic: simulated worker `j` of archetype `a` draws from seeds derived from
//! `(seed, a, j)` (the same for every schedule), workers run in parallel and are
//! collected in index order, so the table is identical for any thread count.
//!
//! ```
//! # fn main() -> crowdqc_core::Result<()> {
//! use crowdqc_policy::parse_policy;
//! use crowdqc_policy::simulate::economy::{EconomyConfig, GoldSchedule, gold_economy};
//! let p = parse_policy(r#"
//! [[rules]]
//! id = "three-wrong"
//! action = "ban"
//! when = [{ metric = "gold_wrong", at_least = 3 }]
//! "#)?;
//! let cfg = EconomyConfig::new().good(vec![0.99]).runs(300).tasks(200);
//! let t = gold_economy(&p, &cfg, &[GoldSchedule::flat(0.2), GoldSchedule::flat(0.3)])?;
//! // a coin-flipping spammer is caught by its 10th gold answer with P(Bin(10, ½) ≥ 3)
//! assert!((t.rows[0].caught_within[0] - 0.9453).abs() < 0.05);
//! assert!((t.rows[1].gold_share_good - 0.3).abs() < 0.01);
//! # Ok(()) }
//! ```

use std::fmt;

use crowdqc_core::evidence::{GoldSource, NextTask, WorkerEvidence};
use crowdqc_core::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::{Binomial, DiscreteCDF};

use super::{Archetype, FixedRateGold, SimConfig, WorkerOutcome, derive_seed, simulate_worker};
use crate::spec::{Action, Policy};

/// A gold schedule to compare: a name and a gold source per simulated worker.
pub struct GoldSchedule {
    /// Name in the table (`adaptive`, `flat 10%`, ...).
    pub name: String,
    /// The flat rate, for flat schedules (used for the binomial arithmetic).
    pub flat_rate: Option<f64>,
    /// A fresh gold source for one simulated worker, from a seed.
    pub factory: Box<dyn Fn(u64) -> Box<dyn GoldSource> + Sync>,
}

impl fmt::Debug for GoldSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoldSchedule")
            .field("name", &self.name)
            .field("flat_rate", &self.flat_rate)
            .finish_non_exhaustive()
    }
}

impl GoldSchedule {
    /// Each slot is gold with probability `rate` ([`FixedRateGold`], no front-loading).
    pub fn flat(rate: f64) -> Self {
        GoldSchedule {
            name: format!("flat {}%", rate * 100.0),
            flat_rate: Some(rate),
            factory: Box::new(move |seed| Box::new(FixedRateGold::new(rate, 0, seed))),
        }
    }

    /// Any other schedule (e.g. crowdqc-gold's adaptive `GoldScheduler`).
    pub fn custom(
        name: impl Into<String>,
        factory: Box<dyn Fn(u64) -> Box<dyn GoldSource> + Sync>,
    ) -> Self {
        GoldSchedule {
            name: name.into(),
            flat_rate: None,
            factory,
        }
    }
}

/// Settings of [`gold_economy`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EconomyConfig {
    /// Accuracies of the good workers (default 0.97, 0.92, 0.85).
    pub good: Vec<f64>,
    /// Gold answers N of the "caught within N" columns (default 10, 20, 30).
    pub within: Vec<u32>,
    /// Share of spammers the comparison asks to catch (default 0.99).
    pub catch_target: f64,
    /// Task slots per worker (default 1000), simulated workers per archetype (default
    /// 10,000), seed (default 0) and gold classes (default 2), as in [`SimConfig`].
    pub sim: SimConfig,
}

impl Default for EconomyConfig {
    fn default() -> Self {
        EconomyConfig {
            good: vec![0.97, 0.92, 0.85],
            within: vec![10, 20, 30],
            catch_target: 0.99,
            sim: SimConfig::new().runs(10_000),
        }
    }
}

impl EconomyConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`EconomyConfig::good`].
    #[must_use]
    pub fn good(mut self, v: Vec<f64>) -> Self {
        self.good = v;
        self
    }
    /// Sets [`EconomyConfig::within`].
    #[must_use]
    pub fn within(mut self, v: Vec<u32>) -> Self {
        self.within = v;
        self
    }
    /// Sets the task slots per worker.
    #[must_use]
    pub fn tasks(mut self, v: u64) -> Self {
        self.sim.tasks = v;
        self
    }
    /// Sets the simulated workers per archetype.
    #[must_use]
    pub fn runs(mut self, v: u64) -> Self {
        self.sim.runs = v;
        self
    }
    /// Sets the seed.
    #[must_use]
    pub fn seed(mut self, v: u64) -> Self {
        self.sim.seed = v;
        self
    }
    /// Sets the gold classes (a uniform spammer is right 1/K of the time).
    #[must_use]
    pub fn classes(mut self, v: u32) -> Self {
        self.sim.classes = v;
        self
    }

    fn sim_config(&self) -> SimConfig {
        let mut workers: Vec<Archetype> =
            self.good.iter().map(|&p| Archetype::Accuracy(p)).collect();
        workers.push(Archetype::UniformSpammer);
        self.sim.clone().workers(workers)
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `good`, `within`, `catch_target` or a
    /// simulator setting ([`SimConfig::validate`]).
    pub fn validate(&self) -> Result<()> {
        if self.good.is_empty() {
            return Err(Error::param(
                "good",
                "give at least one good-worker accuracy",
            ));
        }
        if let Some(p) = self.good.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(Error::param(
                "good",
                format!("accuracy must be in [0, 1], got {p}"),
            ));
        }
        if self.within.is_empty() || self.within.contains(&0) {
            return Err(Error::param(
                "within",
                format!("give gold-answer counts >= 1, got {:?}", self.within),
            ));
        }
        if !(self.catch_target > 0.0 && self.catch_target < 1.0) {
            return Err(Error::param(
                "catch_target",
                format!("must be in (0, 1), got {}", self.catch_target),
            ));
        }
        self.sim_config().validate()
    }
}

/// One schedule's row of the economy table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EconomyRow {
    /// Schedule name.
    pub schedule: String,
    /// Flat rate, for flat schedules.
    pub flat_rate: Option<f64>,
    /// Gold answers / task slots worked, over all good workers.
    pub gold_share_good: f64,
    /// Gold answers / task slots worked, over all spammers.
    pub gold_share_spammers: f64,
    /// Per [`EconomyConfig::within`]: share of spammers restricted by that gold answer.
    pub caught_within: Vec<f64>,
    /// Task slots by which half of the spammers were restricted (None: fewer were).
    pub slots_to_catch_half: Option<u32>,
    /// Task slots by which the catch target (99%) of spammers were restricted.
    pub slots_to_catch_target: Option<u32>,
    /// Mean regular (non-gold) task slots a spammer worked: spam accepted.
    pub spam_tasks: f64,
    /// Share of good workers (all accuracies) restricted at some point.
    pub good_restricted: f64,
    /// The same per good accuracy, in [`EconomyConfig::good`] order.
    pub good_restricted_by_accuracy: Vec<f64>,
}

/// The comparison of the first non-flat schedule with flat rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EconomyVerdict {
    /// The schedule compared (the first one without a flat rate).
    pub schedule: String,
    /// Its share of spammers caught within the largest N of
    /// [`EconomyConfig::within`].
    pub caught: f64,
    /// Task slots in which it catches the target share of spammers.
    pub slots: Option<u32>,
    /// The smallest flat rate catching the target share within those slots (exact
    /// binomial over the simulated catch curve); None when no rate can.
    pub equivalent_flat_rate: Option<f64>,
    /// The schedule's good-worker gold share divided by that rate (target ≤ 1/3).
    pub share_ratio: Option<f64>,
    /// Whether it catches the target share within the largest N and its share ratio is
    /// at most 1/3.
    pub met: bool,
}

/// The gold economy table ([`gold_economy`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EconomyTable {
    /// Policy name.
    pub policy: String,
    /// Good-worker accuracies.
    pub good: Vec<f64>,
    /// The N of the caught-within columns.
    pub within: Vec<u32>,
    /// The catch target.
    pub catch_target: f64,
    /// Task slots per worker.
    pub tasks: u64,
    /// Simulated workers per archetype and schedule.
    pub runs: u64,
    /// Seed.
    pub seed: u64,
    /// Gold classes.
    pub classes: u32,
    /// One row per schedule, in input order.
    pub rows: Vec<EconomyRow>,
    /// `catch_curve[n]`: share of spammers (pooled over all schedules) restricted by
    /// their `n`-th gold answer, `n = 0..=max gold answered`.
    pub catch_curve: Vec<f64>,
    /// The comparison, when a non-flat schedule is present.
    pub verdict: Option<EconomyVerdict>,
}

/// Records the task slot of every gold answer served through it.
struct Tracked<'a> {
    inner: &'a mut dyn GoldSource,
    slots: u32,
    gold_slots: Vec<u32>,
}

impl GoldSource for Tracked<'_> {
    fn next_task(&mut self, worker: u32, evidence: &WorkerEvidence) -> NextTask {
        self.slots += 1;
        let t = self.inner.next_task(worker, evidence);
        if matches!(t, NextTask::Gold(_)) {
            self.gold_slots.push(self.slots);
        }
        t
    }
    fn observe(&mut self, worker: u32, gold_item: u32, correct: bool) {
        self.inner.observe(worker, gold_item, correct);
    }
}

/// One simulated worker, reduced: gold and slots worked, and when first restricted
/// (gold answers, task slot).
#[derive(Debug, Clone, Copy)]
struct Life {
    gold: u32,
    worked: u32,
    restricted: Option<(u32, u32)>,
}

fn restricted_at(o: &WorkerOutcome) -> Option<u32> {
    [Action::Untrust, Action::Suspend, Action::Ban]
        .iter()
        .filter_map(|a| o.first[*a as usize])
        .min()
}

/// Simulates every schedule with `policy` and builds the table (see the module docs).
///
/// # Errors
/// Invalid settings ([`EconomyConfig::validate`]); no schedule; a flat rate outside
/// (0, 1].
pub fn gold_economy(
    policy: &Policy,
    cfg: &EconomyConfig,
    schedules: &[GoldSchedule],
) -> Result<EconomyTable> {
    cfg.validate()?;
    if schedules.is_empty() {
        return Err(Error::param("schedules", "give at least one gold schedule"));
    }
    if let Some(r) = schedules
        .iter()
        .filter_map(|s| s.flat_rate)
        .find(|r| !(*r > 0.0 && *r <= 1.0))
    {
        return Err(Error::param(
            "gold_rate",
            format!("must be in (0, 1], got {r}"),
        ));
    }
    let sim = cfg.sim_config();
    let runs = sim.runs as usize;
    let n = sim.workers.len() * runs;
    let lives: Vec<Vec<Life>> = schedules
        .iter()
        .map(|s| {
            (0..n)
                .into_par_iter()
                .with_min_len(64)
                .map(|k| {
                    let (a, j) = ((k / runs) as u64, (k % runs) as u64);
                    let mut inner = (s.factory)(derive_seed(sim.seed, a, j ^ (1 << 63)));
                    let mut g = Tracked {
                        inner: inner.as_mut(),
                        slots: 0,
                        gold_slots: Vec::new(),
                    };
                    let arch = sim.workers[a as usize];
                    let o =
                        simulate_worker(policy, &sim, arch, &mut g, derive_seed(sim.seed, a, j));
                    Life {
                        gold: o.gold,
                        worked: o.worked,
                        restricted: restricted_at(&o)
                            .map(|r| (r, g.gold_slots[r.max(1) as usize - 1])),
                    }
                })
                .collect()
        })
        .collect();
    let good = cfg.good.len() * runs;
    // the catch curve over gold answers, pooled over every schedule's spammers
    let spam_at: Vec<u32> = lives
        .iter()
        .flat_map(|l| l[good..].iter().filter_map(|x| x.restricted.map(|r| r.0)))
        .collect();
    let total = (runs * schedules.len()) as f64;
    let horizon = spam_at.iter().copied().max().unwrap_or(0) as usize;
    let mut hist = vec![0u64; horizon + 1];
    for &g in &spam_at {
        hist[g as usize] += 1;
    }
    let mut acc = 0u64;
    let catch_curve: Vec<f64> = hist
        .iter()
        .map(|&h| {
            acc += h;
            acc as f64 / total
        })
        .collect();
    let rows: Vec<EconomyRow> = schedules
        .iter()
        .zip(&lives)
        .map(|(s, l)| row(s, l, cfg, runs))
        .collect();
    let verdict = schedules
        .iter()
        .position(|s| s.flat_rate.is_none())
        .map(|i| verdict(&rows[i], &catch_curve, cfg));
    Ok(EconomyTable {
        policy: policy.name.clone(),
        good: cfg.good.clone(),
        within: cfg.within.clone(),
        catch_target: cfg.catch_target,
        tasks: sim.tasks,
        runs: sim.runs,
        seed: sim.seed,
        classes: sim.classes,
        rows,
        catch_curve,
        verdict,
    })
}

fn share(l: &[Life]) -> f64 {
    let gold: u64 = l.iter().map(|x| u64::from(x.gold)).sum();
    let worked: u64 = l.iter().map(|x| u64::from(x.worked)).sum();
    if worked == 0 {
        0.0
    } else {
        gold as f64 / worked as f64
    }
}

/// The smallest value by which a share `q` of `v` (uncaught = never) is reached.
fn quantile(v: &mut [u32], n: usize, q: f64) -> Option<u32> {
    v.sort_unstable();
    let k = ((q * n as f64).ceil() as usize).max(1);
    v.get(k - 1).copied()
}

fn row(s: &GoldSchedule, l: &[Life], cfg: &EconomyConfig, runs: usize) -> EconomyRow {
    let good = cfg.good.len() * runs;
    let spam = &l[good..];
    let restricted = |c: &[Life]| c.iter().filter(|x| x.restricted.is_some()).count() as f64;
    let mut slots: Vec<u32> = spam
        .iter()
        .filter_map(|x| x.restricted.map(|r| r.1))
        .collect();
    let n = runs as f64;
    EconomyRow {
        schedule: s.name.clone(),
        flat_rate: s.flat_rate,
        gold_share_good: share(&l[..good]),
        gold_share_spammers: share(spam),
        caught_within: cfg
            .within
            .iter()
            .map(|&w| {
                spam.iter()
                    .filter(|x| x.restricted.is_some_and(|r| r.0 <= w))
                    .count() as f64
                    / n
            })
            .collect(),
        slots_to_catch_half: quantile(&mut slots, runs, 0.5),
        slots_to_catch_target: quantile(&mut slots, runs, cfg.catch_target),
        spam_tasks: spam
            .iter()
            .map(|x| f64::from(x.worked - x.gold))
            .sum::<f64>()
            / n,
        good_restricted: restricted(&l[..good]) / good as f64,
        good_restricted_by_accuracy: l[..good].chunks(runs).map(|c| restricted(c) / n).collect(),
    }
}

/// `P(Binomial(slots, r) ≥ n)`.
fn at_least(slots: u32, r: f64, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    if n > slots as usize {
        return 0.0;
    }
    Binomial::new(r, u64::from(slots)).map_or(0.0, |b| b.sf(n as u64 - 1))
}

/// Share of spammers a flat rate `r` catches within `slots` task slots, from the catch
/// curve over gold answers (`curve[n]` = caught by the `n`-th gold answer): gold
/// answers in `slots` flat slots are `Binomial(slots, r)`.
pub fn flat_catch_within_slots(curve: &[f64], slots: u32, r: f64) -> f64 {
    let mut prev = 0.0;
    let mut p = 0.0;
    for (n, &c) in curve.iter().enumerate() {
        let d = c - prev;
        prev = c;
        if d > 0.0 {
            p += d * at_least(slots, r, n);
        }
    }
    p
}

fn verdict(r: &EconomyRow, curve: &[f64], cfg: &EconomyConfig) -> EconomyVerdict {
    let target = cfg.catch_target;
    let equivalent = r.slots_to_catch_target.and_then(|s| {
        if flat_catch_within_slots(curve, s, 1.0) < target {
            return None;
        }
        // bisection: the catch share grows with the rate
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        for _ in 0..50 {
            let mid = 0.5 * (lo + hi);
            if flat_catch_within_slots(curve, s, mid) >= target {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    });
    let caught = r.caught_within.last().copied().unwrap_or(0.0);
    let share_ratio = equivalent.map(|e| r.gold_share_good / e);
    EconomyVerdict {
        schedule: r.schedule.clone(),
        caught,
        slots: r.slots_to_catch_target,
        equivalent_flat_rate: equivalent,
        share_ratio,
        met: caught >= target && share_ratio.is_some_and(|q| q <= 1.0 / 3.0),
    }
}

#[path = "economy_text.rs"]
mod text;

#[cfg(test)]
#[path = "economy_tests.rs"]
mod tests;
