//! Worker evidence from judgments, and the time-ordered replay: judgments are fed in
//! `timestamp` order and each decision is emitted at the moment a live platform
//! would have made it.

use crowdqc_core::evidence::{FastAnswers, WorkerEvidence};
use crowdqc_core::{JudgmentMatrix, Result};
use serde::Serialize;

use crate::eval::{Decision, WorkerState};
use crate::explain::Explanation;
use crate::spec::Policy;
use crate::timeline::ReplayOptions;

/// Positions of the matrix in time order (ties and missing timestamps: input
/// position order).
fn time_order(m: &JudgmentMatrix) -> Vec<u32> {
    order_by(m, m.timestamps())
}

fn order_by(m: &JudgmentMatrix, ts: Option<&[i64]>) -> Vec<u32> {
    let mut order: Vec<u32> = (0..m.n_judgments() as u32).collect();
    if let Some(ts) = ts {
        order.sort_by_key(|&p| (ts[p as usize], p));
    }
    order
}

/// Leave-one-out peer agreement per worker: the share of the worker's judgments (on
/// items with at least one other judgment and a unique plurality among the others)
/// that equal the others' plurality label. `None` for workers with no such judgment.
pub fn peer_agreement(m: &JudgmentMatrix) -> Vec<Option<f64>> {
    let k = m.n_classes();
    let mut agree = vec![0u64; m.n_workers()];
    let mut total = vec![0u64; m.n_workers()];
    let mut counts = vec![0u32; k];
    let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
    for i in 0..m.n_items() as u32 {
        let r = m.item_range(i);
        if r.len() < 2 {
            continue;
        }
        counts.iter_mut().for_each(|c| *c = 0);
        for p in r.clone() {
            counts[classes[p] as usize] += 1;
        }
        for p in r {
            let own = classes[p] as usize;
            counts[own] -= 1;
            let best = counts.iter().copied().max().unwrap_or(0);
            let winners = counts.iter().filter(|&&c| c == best).count();
            if best > 0 && winners == 1 {
                let w = workers[p] as usize;
                total[w] += 1;
                agree[w] += u64::from(counts[own] == best);
            }
            counts[own] += 1;
        }
    }
    agree
        .iter()
        .zip(&total)
        .map(|(&a, &t)| (t > 0).then(|| a as f64 / t as f64))
        .collect()
}

/// Per-worker evidence from judgments and gold: gold counts and recent outcomes (in
/// timestamp order, or input order without timestamps), judgments, first/last seen,
/// fast answers (when `fast_ms` is given and durations exist) and leave-one-out peer
/// agreement. Model accuracy and spammer score are left `None` (fill them from an
/// aggregation model).
pub fn evidence_from_matrix(m: &JudgmentMatrix, fast_ms: Option<f64>) -> Vec<WorkerEvidence> {
    let mut ev = vec![WorkerEvidence::default(); m.n_workers()];
    let gold = m.gold();
    let durations = m.durations();
    let ts = m.timestamps();
    for p in time_order(m) {
        let p = p as usize;
        let w = m.judgment_workers()[p] as usize;
        let e = &mut ev[w];
        feed(e, m, p, gold, durations, ts, fast_ms);
    }
    for (e, pa) in ev.iter_mut().zip(peer_agreement(m)) {
        e.peer_agreement = pa;
    }
    ev
}

fn feed(
    e: &mut WorkerEvidence,
    m: &JudgmentMatrix,
    p: usize,
    gold: &crowdqc_core::Gold,
    durations: Option<&[f64]>,
    ts: Option<&[i64]>,
    fast_ms: Option<f64>,
) {
    e.judgments += 1;
    if let Some(ts) = ts {
        e.touch(ts[p]);
    }
    if let (Some(d), Some(thr)) = (durations, fast_ms) {
        let f = e.fast_answers.get_or_insert(FastAnswers {
            threshold_ms: thr,
            fast: 0,
            timed: 0,
        });
        let v = d[p];
        if v.is_finite() {
            f.timed += 1;
            f.fast += u64::from(v < thr);
        }
    }
    if let Some(g) = gold.label(m.judgment_items()[p]) {
        e.record_gold(m.judgment_classes()[p] == g);
    }
}

/// What ordered a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// The judgments' timestamps (ms since the epoch).
    Timestamps,
    /// No timestamp column: item by item (items in order of first appearance, an
    /// item's judgments in file order), every judgment at time 0.
    ItemOrder,
}

/// One decision of the replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayEvent {
    /// When it was made (ms since the epoch): the timestamp of the judgment that
    /// triggered it.
    pub timestamp_ms: i64,
    /// Worker index.
    pub worker: u32,
    /// Gold answered / correct at that moment.
    pub gold_answered: u64,
    /// Gold correct at that moment.
    pub gold_correct: u64,
    /// The decision.
    pub decision: Decision,
    /// Its explanation (computed on the evidence of that moment).
    pub explanations: Vec<Explanation>,
}

/// The replay's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayReport {
    /// What ordered the judgments.
    pub clock: Clock,
    /// Decisions in time order.
    pub events: Vec<ReplayEvent>,
    /// Judgments submitted while the worker was banned or suspended (a live platform
    /// would not have served them; they are not evaluated).
    pub after_restriction: u64,
    /// Workers untrusted by the end (their judgments should be excluded).
    pub untrusted: Vec<u32>,
    /// Final per-worker evidence.
    #[serde(skip)]
    pub evidence: Vec<WorkerEvidence>,
    /// Final per-worker state.
    #[serde(skip)]
    pub states: Vec<WorkerState>,
}

/// Replays the judgments in timestamp order through the policy, with the default
/// [`ReplayOptions`] (timestamps read as ingested: Arrow timestamps and RFC 3339
/// strings in their own unit, plain integers as milliseconds).
///
/// # Errors
/// As [`replay_with`].
pub fn replay(policy: &Policy, m: &JudgmentMatrix) -> Result<ReplayReport> {
    replay_with(policy, m, &ReplayOptions::default())
}

/// Replays the judgments in timestamp order through the policy. Without a timestamp
/// column the judgments are replayed item by item (items in order of first appearance,
/// an item's judgments in file order) with no clock
/// ([`ReplayReport::clock`] is [`Clock::ItemOrder`]): every judgment happens at time
/// 0, so suspensions and temporary bans last to the end of the data and a tier's
/// `min_dwell` never elapses. With timestamps, `tasks_per_day` is updated at the first
/// judgment of each new UTC day, over the days completed before it (a daily quota is
/// checked when a day is over); `hourly_pay` is not replayed.
///
/// # Errors
/// None today (the signature leaves room for checks of the options).
pub fn replay_with(
    policy: &Policy,
    m: &JudgmentMatrix,
    opts: &ReplayOptions,
) -> Result<ReplayReport> {
    let zeros;
    let scaled;
    let (ts, clock): (&[i64], Clock) = match (m.timestamps(), opts.integer_time_unit) {
        (Some(t), Some(u)) => {
            scaled = t.iter().map(|&v| u.to_ms(v)).collect::<Vec<i64>>();
            (&scaled, Clock::Timestamps)
        }
        (Some(t), None) => (t, Clock::Timestamps),
        (None, _) => {
            zeros = vec![0i64; m.n_judgments()];
            (&zeros, Clock::ItemOrder)
        }
    };
    let fast_ms = policy.fast_ms();
    let durations = m.durations();
    let gold = m.gold();
    let mut ev = vec![WorkerEvidence::default(); m.n_workers()];
    let mut states: Vec<Option<WorkerState>> = vec![None; m.n_workers()];
    let mut events = Vec::new();
    let mut after = 0u64;
    // per worker: (current UTC day, complete days before it, tasks before it)
    let mut days: Vec<(i64, u64, u64)> = vec![(i64::MIN, 0, 0); m.n_workers()];
    for p in order_by(m, Some(ts)) {
        let p = p as usize;
        let w = m.judgment_workers()[p];
        let now = ts[p];
        let st = states[w as usize].get_or_insert_with(|| WorkerState::new(policy, now));
        if !st.active(now) {
            after += 1;
            continue;
        }
        let e = &mut ev[w as usize];
        if e.tier.is_none() {
            e.tier = policy.tiers.as_ref().map(|t| t.start);
        }
        if clock == Clock::Timestamps {
            // tasks_per_day is checked at day boundaries: over the days completed
            let d = &mut days[w as usize];
            let day = now.div_euclid(crate::activity::DAY_MS);
            if day != d.0 {
                if d.0 != i64::MIN {
                    *d = (day, d.1 + 1, e.judgments);
                    e.tasks_per_day = Some(d.2 as f64 / d.1 as f64);
                } else {
                    d.0 = day;
                }
            }
        }
        feed(e, m, p, gold, durations, Some(ts), fast_ms);
        // explanations see the evidence the decision was made on (a suspension
        // empties the window afterwards)
        let snapshot = e.clone();
        if let Some(d) = policy.step(st, e, now) {
            let explanations = policy.explain(&d, &snapshot);
            events.push(ReplayEvent {
                timestamp_ms: now,
                worker: w,
                gold_answered: e.gold_answered,
                gold_correct: e.gold_correct,
                decision: d,
                explanations,
            });
        }
    }
    let states: Vec<WorkerState> = states
        .into_iter()
        .map(|s| s.unwrap_or_else(|| WorkerState::new(policy, 0)))
        .collect();
    let untrusted = states
        .iter()
        .enumerate()
        .filter(|(_, s)| s.untrusted)
        .map(|(w, _)| w as u32)
        .collect();
    Ok(ReplayReport {
        clock,
        events,
        after_restriction: after,
        untrusted,
        evidence: ev,
        states,
    })
}
