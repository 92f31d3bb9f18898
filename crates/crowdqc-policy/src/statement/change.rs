//! The exact number of further gold answers that changes a rule's outcome.
//!
//! Adding correct gold answers one at a time, the outcome of a rule can only change
//! irregularly while its windows (`last N`) still hold older answers; once every
//! window holds only the new answers, each part of the rule moves one way only (an
//! all-time share or bound rises, a count grows, the sequential test's evidence
//! ratio and the probability of low accuracy fall, minimum-answer conditions stay
//! met). So the first `max window` steps are checked one by one and the rest by
//! doubling and bisection on a predicate that changes at most once — the result equals adding
//! answers one at a time ([`brute_force`] does exactly that, for tests).

use crowdqc_core::evidence::WorkerEvidence;

use crate::eval::rule_fires;
use crate::spec::Rule;

/// The most further correct gold answers looked at: beyond this, nothing the worker
/// can realistically do changes the rule.
pub const MAX_ANSWERS: u64 = 1_000_000;

/// The evidence after `k` more gold answers, all correct or all wrong.
pub fn after(ev: &WorkerEvidence, k: u64, correct: bool) -> WorkerEvidence {
    let mut e = ev.clone();
    let direct = k.min(crowdqc_core::evidence::RecentGold::CAPACITY as u64);
    e.gold_answered += k - direct;
    e.gold_correct += if correct { k - direct } else { 0 };
    for _ in 0..direct {
        e.record_gold(correct);
    }
    e
}

/// The smallest `k >= 1` such that after `k` more correct gold answers the rule's
/// outcome (fires or not, sequential test judged on all answers as in
/// [`Policy::evaluate`](crate::Policy::evaluate)) differs from now, up to
/// [`MAX_ANSWERS`]; `None` when no such `k` exists up to there.
///
/// Exact for rules that fire now (the question "how many more correct answers lift
/// it"). For a rule that does not fire, correct answers are checked one by one up to
/// the largest window plus [`crate::explain::LOOKAHEAD`].
pub fn correct_to_change(rule: &Rule, ev: &WorkerEvidence) -> Option<u64> {
    let now = rule_fires(rule, ev);
    let w = rule
        .conditions
        .iter()
        .filter_map(|c| c.window)
        .max()
        .map_or(0, u64::from);
    let mut e = ev.clone();
    let direct = if now {
        w.max(1)
    } else {
        w + crate::explain::LOOKAHEAD
    };
    for k in 1..=direct {
        e.record_gold(true);
        if rule_fires(rule, &e) != now {
            return Some(k);
        }
    }
    if !now {
        return None;
    }
    // fires at `direct`, every window saturated: fires(k) is true then false;
    // doubling finds a k where it no longer fires, bisection the first one
    let (mut lo, mut hi) = (direct, direct);
    loop {
        hi = (hi * 2).min(MAX_ANSWERS);
        if !rule_fires(rule, &after(ev, hi, true)) {
            break;
        }
        if hi == MAX_ANSWERS {
            return None;
        }
        lo = hi;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if rule_fires(rule, &after(ev, mid, true)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(hi)
}

/// The smallest `k >= 1` such that after `k` more wrong gold answers in a row the
/// rule fires, checked one by one up to the largest window plus
/// [`crate::explain::LOOKAHEAD`]; `None` beyond, and `None` when the rule's
/// sequential test has ended ([`sprt_ended`]) or ends on the way (it reaches
/// `max_gold` first), as a live platform would see it.
pub fn wrong_to_fire(rule: &Rule, ev: &WorkerEvidence) -> Option<u64> {
    if sprt_ended(rule, ev) {
        return None;
    }
    let w = rule
        .conditions
        .iter()
        .filter_map(|c| c.window)
        .max()
        .map_or(0, u64::from);
    let mut e = ev.clone();
    for k in 1..=w + crate::explain::LOOKAHEAD {
        e.record_gold(false);
        if rule_fires(rule, &e) {
            return Some(k);
        }
        if let Some(s) = &rule.sprt
            && s.max_gold.is_some_and(|m| e.gold_answered >= m)
        {
            return None;
        }
    }
    None
}

/// Whether the rule's sequential test has ended without firing, as a live platform
/// ([`Policy::step`](crate::Policy::step)) would have ended it: the evidence ratio
/// reached the clearing boundary, or `max_gold` answers were given. The path is
/// known when every gold answer is among the recent ones (up to 128); beyond, only
/// the truncation is known (ended when at least `max_gold` answers were given and
/// the rule does not fire now).
pub fn sprt_ended(rule: &Rule, ev: &WorkerEvidence) -> bool {
    let Some(s) = &rule.sprt else {
        return false;
    };
    if ev.gold_answered as usize <= ev.recent_gold.len() {
        let (mut c, mut n) = (0u64, 0u64);
        for o in ev.recent_gold.chronological() {
            c += u64::from(o);
            n += 1;
            let llr = s.llr(c, n);
            if llr >= s.upper {
                return false;
            }
            if llr <= s.lower || s.max_gold.is_some_and(|m| n >= m) {
                return true;
            }
        }
        false
    } else {
        s.max_gold.is_some_and(|m| ev.gold_answered >= m) && !rule_fires(rule, ev)
    }
}

/// Adds `correct` gold answers one at a time and re-evaluates, up to `limit`: the
/// first count at which the rule's outcome differs from now (reference for tests).
pub fn brute_force(rule: &Rule, ev: &WorkerEvidence, correct: bool, limit: u64) -> Option<u64> {
    let now = rule_fires(rule, ev);
    let mut e = ev.clone();
    (1..=limit).find(|_| {
        e.record_gold(correct);
        rule_fires(rule, &e) != now
    })
}
