//! Exact operating characteristics of gold rules by dynamic programming — no
//! simulation: the probability that a set of rules fires within `horizon` gold
//! answers for a worker whose answers are independent with a fixed accuracy.
//!
//! Rules are re-evaluated after every gold answer, exactly as [`Policy::step`] does,
//! so the result is the *repeated-testing* false-action rate of a rule (the quantity
//! documented rules never state). Two families are supported:
//!
//! - **window rules** (every gold condition has a `window`, no sequential test): a
//!   Markov chain over the last W outcomes (2^W states, W ≤ 20);
//! - **cumulative rules** (no windows; `sprt`, `posterior`, all-time counts and
//!   accuracy bounds): a chain over the number correct, with one "stopped" flag per
//!   sequential test (a cleared SPRT stops, as in [`Policy::step`]).
//!
//! Non-gold metrics are not supported (they are not functions of gold answers).
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

enum Family {
    Window(u32),
    Cumulative,
}

fn family(rules: &[&Rule]) -> Result<Family> {
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
    match (window > 0, cumulative) {
        (true, true) => Err(Error::param(
            "rules",
            "exact computation supports rules over a gold window or over all gold, not a mix",
        )),
        (true, false) if window > MAX_EXACT_WINDOW => Err(Error::param(
            "window",
            format!("exact computation supports windows up to {MAX_EXACT_WINDOW}, got {window}"),
        )),
        (true, false) => Ok(Family::Window(window)),
        _ => Ok(Family::Cumulative),
    }
}

/// `curve[t]` = probability that at least one of the selected rules (indices into
/// `policy.rules`) has fired by the `t`-th gold answer, `t = 0..=horizon`, for a
/// worker with the given accuracy.
///
/// # Errors
/// An index out of range, accuracy outside [0, 1], or rules outside the supported
/// families (see the module docs).
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
    match family(&selected)? {
        Family::Window(w) => Ok(window_chain(&selected, w, accuracy, horizon)),
        Family::Cumulative => Ok(count_chain(&selected, accuracy, horizon)),
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

fn count_chain(rules: &[&Rule], p: f64, horizon: u64) -> Vec<f64> {
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
            let ev = WorkerEvidence {
                gold_answered: t,
                gold_correct: c,
                ..WorkerEvidence::default()
            };
            let mut fires = false;
            for (i, r) in rules.iter().enumerate() {
                let bit = 1u64 << i;
                if let Some(s) = &r.sprt {
                    if m & bit != 0 {
                        continue;
                    }
                    let llr = s.llr(c, t);
                    if llr <= s.lower || s.max_gold.is_some_and(|mg| t >= mg && llr < s.upper) {
                        m |= bit;
                        continue;
                    }
                }
                if rule_fires(r, &ev) {
                    fires = true;
                    break;
                }
            }
            if fires {
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

/// The smallest `t` with `curve[t] >= q` (e.g. `q = 0.5` for the median number of
/// gold answers until the rule fires, among all workers), if within the curve.
pub fn quantile(curve: &[f64], q: f64) -> Option<usize> {
    curve.iter().position(|&v| v >= q)
}
