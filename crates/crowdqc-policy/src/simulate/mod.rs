//! The policy simulator: runs a policy and a gold schedule against simulated workers
//! and reports, per worker archetype, how often each action happens, after how many
//! gold answers, and how much of the work was spent on gold.
//!
//! Each simulated worker does `tasks` task slots, one per `task_ms` of simulated
//! time — or, for archetypes with a [`Pace`], at their own speed in working days
//! (see [`pace`]: quotas and pay rules). Before each slot the gold source decides
//! whether it is gold; after each gold answer the policy takes a live
//! [`Policy::step`]. A banned worker stops; a
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

mod archetype;
mod comparison;
mod config;
pub mod pace;
mod report;

use crowdqc_core::Result;
use crowdqc_core::evidence::{GoldSource, NextTask, WorkerEvidence};
use crowdqc_core::progress::{NoProgress, Progress};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub use archetype::{Archetype, FixedRateGold};
pub use comparison::{PolicyWarnings, SimComparison};
pub use config::SimConfig;
pub use pace::{Pace, parse_roster};
pub use report::{ActionStat, ArchetypeReport, SimReport};

use crate::eval::WorkerState;
use crate::spec::{Action, Policy};

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
    /// Tasks per day worked after the last complete day (workers with a pace).
    pub tasks_per_day: Option<f32>,
    /// Effective hourly pay after the last complete day (with a piece rate).
    pub hourly_pay: Option<f32>,
}

/// Notes a decision's actions in the outcome (first occurrence, at `g` gold answers).
pub(crate) fn record(policy: &Policy, out: &mut WorkerOutcome, d: &crate::Decision, g: u32) {
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
            record(policy, &mut out, &d, ev.gold_answered as u32);
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
/// Invalid settings ([`SimConfig::validate`]); [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
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
                let seed = derive_seed(cfg.seed, a, j);
                let kind = cfg.workers[a as usize];
                match cfg.pace(a as usize) {
                    Some(p) => pace::simulate_paced(policy, cfg, kind, p, g.as_mut(), seed),
                    None => simulate_worker(policy, cfg, kind, g.as_mut(), seed),
                }
            })
            .collect();
        outcomes.extend(block);
        progress.advance((end - start) as u64);
    }
    progress.finish();
    Ok(SimReport::build(policy, cfg, &outcomes))
}
