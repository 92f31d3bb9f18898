//! Worker speed in the simulator: per-worker task durations, working days, and the
//! activity and pay evidence that quota and pay rules look at.
//!
//! A simulated worker with a [`Pace`] takes `median × exp(spread × Z)` ms per task,
//! `Z` standard normal, drawn once per worker from its own seed (a log-normal spread
//! of speeds across workers; every task of one worker takes the same time). They work
//! a shift of [`SimConfig::shift_ms`] a day: ⌊shift ÷ duration⌋ tasks (at least one),
//! one after another, then stop until the next day. At the end of each complete day
//! the evidence gets `tasks_per_day` (tasks ÷ days worked) and, with a piece rate,
//! `hourly_pay` (pay for paid tasks ÷ hours worked, the first `qualification_gold`
//! gold answers unpaid), and the policy takes a step — so a daily quota is checked
//! once a day, as platforms do. The day cut short by the end of the simulation is
//! not counted.
//!
//! So the share of workers of an archetype whose daily throughput is under a quota
//! of Q tasks is exactly P(duration > shift ÷ Q) = 1 − Φ(ln(shift ÷ (Q · median)) ÷
//! spread) (for Q ≥ 2), which the tests check against the simulation.

use crowdqc_core::evidence::{GoldSource, NextTask, WorkerEvidence};
use crowdqc_core::{Error, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{Archetype, SimConfig, WorkerOutcome, derive_seed, record};
use crate::activity::DAY_MS;
use crate::eval::WorkerState;
use crate::spec::Policy;

/// How fast an archetype's workers are: a log-normal spread of per-worker task
/// durations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pace {
    /// Median task duration across workers, ms (> 0).
    pub median_ms: f64,
    /// Standard deviation of the log duration across workers (≥ 0; 0 = all equal).
    pub spread: f64,
}

impl Pace {
    /// The default spread of log durations across workers.
    pub const DEFAULT_SPREAD: f64 = 0.25;

    /// One worker's task duration, ms (at least 1), from its own seed.
    pub fn draw(&self, seed: u64) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Box–Muller: u1 in (0, 1]
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (self.median_ms * (self.spread * z).exp()).max(1.0)
    }

    /// Name as written in worker specs: `60s/0.25`.
    pub fn name(&self) -> String {
        let ms = self.median_ms;
        let d = if ms >= 60_000.0 && ms % 60_000.0 == 0.0 {
            format!("{}m", ms / 60_000.0)
        } else if ms >= 1000.0 && ms % 1000.0 == 0.0 {
            format!("{}s", ms / 1000.0)
        } else {
            format!("{ms}ms")
        };
        format!("{d}/{}", self.spread)
    }

    /// Parses `MEDIAN[/SPREAD]`: a duration with unit ms, s or m (`40s`, `1.5m`) and
    /// an optional spread (default [`Pace::DEFAULT_SPREAD`]).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `workers` and the entry.
    pub fn parse(entry: &str, s: &str) -> Result<Pace> {
        let bad = |why: &str| {
            Error::param(
                "workers",
                format!(
                    "`{entry}`: {why}; write ARCHETYPE~DURATION[/SPREAD], e.g. 0.97~40s/0.3 \
                     or uniform~5s (units ms, s, m)"
                ),
            )
        };
        let (d, spread) = match s.split_once('/') {
            Some((d, sp)) => (
                d,
                sp.trim()
                    .parse::<f64>()
                    .map_err(|_| bad("the spread is not a number"))?,
            ),
            None => (s, Self::DEFAULT_SPREAD),
        };
        let d = d.trim();
        let (num, unit) = d.split_at(d.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(d.len()));
        let v: f64 = num
            .trim()
            .parse()
            .map_err(|_| bad("the duration is not a number"))?;
        let ms = match unit {
            "ms" => v,
            "s" => v * 1000.0,
            "m" => v * 60_000.0,
            _ => return Err(bad("the duration needs a unit")),
        };
        if !(ms.is_finite() && ms > 0.0 && ms <= DAY_MS as f64) {
            return Err(bad("the duration must be > 0 and at most a day"));
        }
        if !(spread.is_finite() && (0.0..=3.0).contains(&spread)) {
            return Err(bad("the spread must be in [0, 3]"));
        }
        Ok(Pace {
            median_ms: ms,
            spread,
        })
    }
}

/// Parses a worker spec whose entries may carry a pace: `0.97~60s/0.3,uniform~5s`.
///
/// # Errors
/// [`Error::InvalidParameter`] naming `workers` and the bad entry.
pub fn parse_roster(spec: &str) -> Result<(Vec<Archetype>, Vec<Option<Pace>>)> {
    let mut kinds = Vec::new();
    let mut paces = Vec::new();
    for e in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (kind, pace) = match e.split_once('~') {
            Some((k, p)) => (k, Some(Pace::parse(e, p)?)),
            None => (e, None),
        };
        kinds.extend(Archetype::parse_list(kind)?);
        paces.push(pace);
    }
    if kinds.is_empty() {
        return Err(Error::param("workers", "no worker archetype given"));
    }
    Ok((kinds, paces))
}

/// Simulates one worker with a pace (see the module docs).
pub(super) fn simulate_paced(
    policy: &Policy,
    cfg: &SimConfig,
    archetype: Archetype,
    pace: Pace,
    gold: &mut dyn GoldSource,
    seed: u64,
) -> WorkerOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dur = pace.draw(derive_seed(seed, 0x5045_4143, 1));
    let per_day = ((cfg.shift_ms as f64 / dur).floor() as u64).max(1);
    let mut state = WorkerState::new(policy, 0);
    let mut ev = WorkerEvidence {
        tier: policy.tiers.as_ref().map(|t| t.start),
        ..WorkerEvidence::default()
    };
    let mut out = WorkerOutcome::default();
    let (mut days_worked, mut paid) = (0u64, 0u64);
    let mut task = 0u64;
    let mut day = 0i64;
    while task < cfg.tasks {
        let start = day * DAY_MS;
        let complete = task + per_day <= cfg.tasks;
        let mut worked_today = false;
        for i in 0..per_day.min(cfg.tasks - task) {
            let now = start + (i as f64 * dur) as i64;
            task += 1;
            if !state.active(now) {
                continue;
            }
            worked_today = true;
            out.worked += 1;
            ev.judgments += 1;
            ev.touch(now);
            let NextTask::Gold(item) = gold.next_task(0, &ev) else {
                paid += 1;
                continue;
            };
            let correct = archetype.answer(&mut rng, task - 1, cfg.tasks, cfg.classes);
            gold.observe(0, item, correct);
            ev.record_gold(correct);
            out.gold += 1;
            if ev.gold_answered > cfg.qualification_gold {
                paid += 1;
            }
            if let Some(d) = policy.step(&mut state, &mut ev, now) {
                record(policy, &mut out, &d, ev.gold_answered as u32);
            }
        }
        days_worked += u64::from(worked_today);
        let end = start + (per_day as f64 * dur) as i64;
        // a day cut short by a ban or a suspension is counted in the days worked
        // but is no moment for a daily check
        if complete && worked_today && state.active(end) {
            ev.tasks_per_day = Some(ev.judgments as f64 / days_worked as f64);
            if let Some(rate) = cfg.piece_rate {
                let hours = ev.judgments as f64 * dur / 3_600_000.0;
                ev.hourly_pay = Some(paid as f64 * rate / hours);
            }
            out.tasks_per_day = ev.tasks_per_day.map(|v| v as f32);
            out.hourly_pay = ev.hourly_pay.map(|v| v as f32);
            if let Some(d) = policy.step(&mut state, &mut ev, end) {
                record(policy, &mut out, &d, ev.gold_answered as u32);
            }
        }
        if matches!(state.banned, Some(crate::eval::Ban::Permanent)) {
            break;
        }
        day += 1;
    }
    out.tier = state.tier;
    out
}

impl SimConfig {
    /// Pays simulated work by a pay table: [`SimConfig::piece_rate`] is its default
    /// rate after the platform's cut, [`SimConfig::qualification_gold`] its unpaid
    /// qualification gold (pools and unpaid items do not apply to simulated tasks).
    #[must_use]
    pub fn pay(self, table: &crate::pay::PayTable) -> Self {
        self.piece_rate(Some(table.net(&crate::pay::ItemPay::Default)))
            .qualification_gold(table.qualification_gold)
    }
}
