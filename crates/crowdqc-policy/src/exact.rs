//! Exact operating characteristics of gold rules by dynamic programming — no
//! simulation: the probability that a set of rules fires within `horizon` gold
//! answers for a worker whose answers are independent with a fixed accuracy.
//!
//! Rules are re-evaluated after every gold answer, exactly as [`Policy::step`] does,
//! so the result is the *repeated-testing* false-action rate of a rule (the quantity
//! documented rules never state). The chains:
//!
//! - **window rules** (every gold condition has a `window`, no sequential test): a
//!   Markov chain over the last W outcomes (2^W states, W ≤ 20);
//! - **cumulative rules** (no windows; `sprt`, `posterior`, all-time counts and
//!   accuracy bounds): a chain over the number correct, with one "stopped" flag per
//!   sequential test (a cleared SPRT stops, as in [`Policy::step`]); windows that
//!   cannot slide within the horizon (W ≥ horizon) cover every answer and join it;
//! - **both together**: a chain over the last W outcomes *and* the number correct
//!   (and the stopped tests), while `2^W × (horizon + 1)` ≤ [`MAX_MIXED_STATES`];
//!   checked against brute-force enumeration through [`Policy::step`].
//!
//! A sliding window longer than that has no exact chain of tractable size (the future
//! depends on the position of every wrong answer in the window);
//! [`exact_report`](crate::exact_report()) then estimates the same probability by a
//! seeded Monte Carlo and says so. Non-gold metrics are not supported (they are not
//! functions of gold answers).
//!
//! ```
//! # fn main() -> crowdqc_core::Result<()> {
//! use crowdqc_policy::{parse_policy, exact::fire_curve};
//! let p = parse_policy(r#"
//! [[rules]]
//! id = "last10"
//! action = "ban"
//! min_evidence = 10
//! when = [{ metric = "gold_accuracy", window = 10, below = 0.85 }]
//! "#)?;
//! // a 92%-accurate worker is banned within 100 gold answers with probability ~0.95
//! let curve = fire_curve(&p, &[0], 0.92, 100)?;
//! assert!((curve[100] - 0.95).abs() < 0.01);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use crowdqc_core::evidence::{RecentGold, WorkerEvidence};
use crowdqc_core::{Error, Result};

use crate::eval::rule_fires;
use crate::spec::{Policy, Rule};

/// Largest window the window chain accepts.
pub const MAX_EXACT_WINDOW: u32 = 20;

/// How a set of rules can be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// Gold windows only: a chain over the last `W` outcomes.
    Window(u32),
    /// No windows: a chain over the number correct.
    Cumulative,
    /// Windows (the largest `W`) and cumulative parts together.
    Mixed(u32),
}

pub(crate) fn family(rules: &[&Rule]) -> Result<Family> {
    let mut window = 0u32;
    let mut cumulative = false;
    for r in rules {
        for c in &r.conditions {
            if !c.metric.is_gold() {
                return Err(Error::param(
                    "rules",
                    format!(
                        "rule `{}`: exact computation needs gold metrics only, got `{}`",
                        r.id,
                        c.metric.name()
                    ),
                ));
            }
            match c.window {
                Some(w) => window = window.max(w),
                None => cumulative = true,
            }
        }
        if r.sprt.is_some() || r.posterior.is_some() {
            cumulative = true;
        }
    }
    Ok(match (window > 0, cumulative) {
        (true, true) => Family::Mixed(window),
        (true, false) => Family::Window(window),
        _ => Family::Cumulative,
    })
}

/// Largest `2^W * (horizon + 1)` the mixed chain (window bits and counts together)
/// takes on.
pub const MAX_MIXED_STATES: u64 = 1 << 22;

/// Whether [`fire_curve`] computes these rules exactly over `horizon` gold answers
/// (`Err` says why not): windows of at most [`MAX_EXACT_WINDOW`] answers alone, or
/// with cumulative parts while `2^W * (horizon + 1) <= MAX_MIXED_STATES`; any window
/// when none slides within the horizon (every window `>= horizon` covers all answers).
pub(crate) fn exact_plan(
    rules: &[&Rule],
    horizon: u64,
) -> Result<std::result::Result<Plan, String>> {
    let min_window = rules
        .iter()
        .flat_map(|r| &r.conditions)
        .filter_map(|c| c.window)
        .min();
    Ok(match family(rules)? {
        Family::Cumulative => Ok(Plan::Counts { recent: false }),
        _ if min_window.is_some_and(|w| u64::from(w) >= horizon) => {
            Ok(Plan::Counts { recent: true })
        }
        Family::Window(w) if w <= MAX_EXACT_WINDOW => Ok(Plan::Window(w)),
        Family::Mixed(w)
            if w <= MAX_EXACT_WINDOW && (1u64 << w) * (horizon + 1) <= MAX_MIXED_STATES =>
        {
            Ok(Plan::Mixed(w))
        }
        Family::Window(w) => Err(format!(
            "a window of {w} gold answers needs 2^{w} states (exact up to {MAX_EXACT_WINDOW})"
        )),
        Family::Mixed(w) => Err(format!(
            "window rules (up to {w} gold answers) together with cumulative rules need \
             2^{w} x {} states (exact up to {MAX_MIXED_STATES})",
            horizon + 1
        )),
    })
}

/// The chain [`fire_curve`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Over the number correct; `recent` fills the window from the counts (windows
    /// that never slide within the horizon).
    Counts {
        /// Whether windows are present (and cover every answer).
        recent: bool,
    },
    /// Over the last `W` outcomes.
    Window(u32),
    /// Over the last `W` outcomes and the number correct.
    Mixed(u32),
}

/// `curve[t]` = probability that at least one of the selected rules (indices into
/// `policy.rules`) has fired by the `t`-th gold answer, `t = 0..=horizon`, for a
/// worker with the given accuracy.
///
/// # Errors
/// An index out of range, accuracy outside [0, 1], non-gold metrics, or rules whose
/// chain is too large (see [`MAX_EXACT_WINDOW`], [`MAX_MIXED_STATES`]; the simulator
/// or [`exact_report()`](crate::exact_report())'s Monte Carlo handle those).
pub fn fire_curve(
    policy: &Policy,
    rules: &[usize],
    accuracy: f64,
    horizon: u64,
) -> Result<Vec<f64>> {
    if !(0.0..=1.0).contains(&accuracy) {
        return Err(Error::param(
            "accuracy",
            format!("must be in [0, 1], got {accuracy}"),
        ));
    }
    let selected: Vec<&Rule> = rules
        .iter()
        .map(|&i| {
            policy
                .rules
                .get(i)
                .ok_or_else(|| Error::param("rules", format!("no rule with index {i}")))
        })
        .collect::<Result<_>>()?;
    match exact_plan(&selected, horizon)? {
        Ok(Plan::Window(w)) => Ok(window_chain(&selected, w, accuracy, horizon)),
        Ok(Plan::Counts { recent }) => Ok(count_chain(&selected, accuracy, horizon, recent)),
        Ok(Plan::Mixed(w)) => Ok(mixed_chain(&selected, w, accuracy, horizon)),
        Err(why) => Err(Error::param(
            "window",
            format!("exact computation is not feasible: {why}"),
        )),
    }
}

fn window_chain(rules: &[&Rule], w: u32, p: f64, horizon: u64) -> Vec<f64> {
    let size = 1usize << w;
    let mask = size - 1;
    let mut prob = vec![0.0f64; size];
    prob[0] = 1.0;
    let mut fired = 0.0;
    let mut curve = Vec::with_capacity(horizon as usize + 1);
    curve.push(0.0);
    for t in 1..=horizon {
        let len = (t as usize).min(w as usize);
        let mut next = vec![0.0f64; size];
        for (bits, &q) in prob.iter().enumerate() {
            if q == 0.0 {
                continue;
            }
            let shifted = (bits << 1) & mask;
            next[shifted | 1] += q * p;
            next[shifted] += q * (1.0 - p);
        }
        let live = if len == w as usize {
            size
        } else {
            1usize << len
        };
        for (bits, q) in next.iter_mut().enumerate().take(live) {
            if *q == 0.0 {
                continue;
            }
            let ev = evidence_from_bits(bits, len, t);
            if rules.iter().any(|r| rule_fires(r, &ev)) {
                fired += *q;
                *q = 0.0;
            }
        }
        prob = next;
        curve.push(fired);
    }
    curve
}

fn evidence_from_bits(bits: usize, len: usize, t: u64) -> WorkerEvidence {
    let recent = RecentGold::from_chronological((0..len).rev().map(|age| (bits >> age) & 1 == 1));
    WorkerEvidence {
        gold_answered: t,
        gold_correct: (bits & ((1usize << len) - 1)).count_ones() as u64,
        recent_gold: recent,
        ..WorkerEvidence::default()
    }
}

fn count_chain(rules: &[&Rule], p: f64, horizon: u64, recent: bool) -> Vec<f64> {
    // state: (correct, stopped-tests mask) -> probability
    let mut prob: BTreeMap<(u64, u64), f64> = BTreeMap::new();
    prob.insert((0, 0), 1.0);
    let mut fired = 0.0;
    let mut curve = Vec::with_capacity(horizon as usize + 1);
    curve.push(0.0);
    for t in 1..=horizon {
        let mut next: BTreeMap<(u64, u64), f64> = BTreeMap::new();
        for (&(c, m), &q) in &prob {
            *next.entry((c + 1, m)).or_insert(0.0) += q * p;
            *next.entry((c, m)).or_insert(0.0) += q * (1.0 - p);
        }
        let mut after = BTreeMap::new();
        for ((c, mut m), q) in next {
            if q == 0.0 {
                continue;
            }
            let mut ev = WorkerEvidence {
                gold_answered: t,
                gold_correct: c,
                ..WorkerEvidence::default()
            };
            if recent {
                // no window slides within the horizon: order does not matter
                ev.recent_gold =
                    RecentGold::from_chronological((0..t).map(|i| i < c).collect::<Vec<_>>());
            }
            if step_fires(rules, &ev, &mut m) {
                fired += q;
            } else {
                *after.entry((c, m)).or_insert(0.0) += q;
            }
        }
        prob = after;
        curve.push(fired);
    }
    curve
}

/// Whether any rule fires on `ev` (gold answered `t`, correct `c`), closing the
/// sequential tests that stop (cleared, or truncated at `max_gold`) in `mask`, as
/// [`Policy::step`] does.
pub(crate) fn step_fires(rules: &[&Rule], ev: &WorkerEvidence, mask: &mut u64) -> bool {
    let (c, t) = (ev.gold_correct, ev.gold_answered);
    for (i, r) in rules.iter().enumerate() {
        let bit = 1u64 << i;
        if let Some(s) = &r.sprt {
            if *mask & bit != 0 {
                continue;
            }
            let llr = s.llr(c, t);
            if llr <= s.lower || s.max_gold.is_some_and(|mg| t >= mg && llr < s.upper) {
                *mask |= bit;
                continue;
            }
        }
        if rule_fires(r, ev) {
            return true;
        }
    }
    false
}

/// The chain over `(last W outcomes, number correct, closed tests)`.
fn mixed_chain(rules: &[&Rule], w: u32, p: f64, horizon: u64) -> Vec<f64> {
    let mask_w = (1u64 << w) - 1;
    let mut prob: BTreeMap<(u64, u64, u64), f64> = BTreeMap::new();
    prob.insert((0, 0, 0), 1.0);
    let mut fired = 0.0;
    let mut curve = Vec::with_capacity(horizon as usize + 1);
    curve.push(0.0);
    for t in 1..=horizon {
        let len = (t as usize).min(w as usize);
        let mut next: BTreeMap<(u64, u64, u64), f64> = BTreeMap::new();
        for (&(bits, c, m), &q) in &prob {
            let shifted = (bits << 1) & mask_w;
            *next.entry((shifted | 1, c + 1, m)).or_insert(0.0) += q * p;
            *next.entry((shifted, c, m)).or_insert(0.0) += q * (1.0 - p);
        }
        let mut after = BTreeMap::new();
        for ((bits, c, mut m), q) in next {
            if q == 0.0 {
                continue;
            }
            let mut ev = evidence_from_bits(bits as usize, len, t);
            ev.gold_correct = c;
            if step_fires(rules, &ev, &mut m) {
                fired += q;
            } else {
                *after.entry((bits, c, m)).or_insert(0.0) += q;
            }
        }
        prob = after;
        curve.push(fired);
    }
    curve
}

/// The smallest `t` with `curve[t] >= q` (e.g. `q = 0.5` for the median number of
/// gold answers until the rule fires, among all workers), if within the curve.
pub fn quantile(curve: &[f64], q: f64) -> Option<usize> {
    curve.iter().position(|&v| v >= q)
}
