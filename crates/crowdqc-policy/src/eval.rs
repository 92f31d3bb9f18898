//! Evaluating a policy on worker evidence: stateless ([`Policy::evaluate`]) and as a
//! live platform would, one answer at a time ([`Policy::step`] with a [`WorkerState`]).

use crowdqc_core::evidence::{RecentGold, WorkerEvidence};
use serde::Serialize;

use crate::spec::{Action, Bound, Condition, Metric, Policy, Rule, Tiers};
use crate::stats::{lower_bound, posterior_below, upper_bound};

/// `(correct, answered)` over a window of the last gold answers, or all time.
#[inline]
pub(crate) fn gold_counts(window: Option<u32>, ev: &WorkerEvidence) -> (u64, u64) {
    match window {
        Some(w) => {
            let (c, n) = ev.recent_gold.window(w as usize).unwrap_or((0, 0));
            (u64::from(c), u64::from(n))
        }
        None => (ev.gold_correct, ev.gold_answered),
    }
}

/// Value of a metric with a bound: point, lower or upper.
#[inline]
pub(crate) fn accuracy_value(
    bound: Bound,
    method: crate::stats::IntervalMethod,
    confidence: f64,
    c: u64,
    n: u64,
) -> Option<f64> {
    if n == 0 {
        return None;
    }
    Some(match bound {
        Bound::Point => c as f64 / n as f64,
        Bound::Lower => lower_bound(method, c, n, confidence),
        Bound::Upper => upper_bound(method, c, n, confidence),
    })
}

/// The value of a condition's metric on the evidence, `None` when unknown (no gold,
/// no model, no durations...). An unknown value never fires.
#[inline]
pub fn condition_value(c: &Condition, ev: &WorkerEvidence) -> Option<f64> {
    match c.metric {
        Metric::GoldAccuracy => {
            let (k, n) = gold_counts(c.window, ev);
            accuracy_value(c.bound, c.interval, c.confidence, k, n)
        }
        Metric::GoldCorrect => Some(gold_counts(c.window, ev).0 as f64),
        Metric::GoldWrong => {
            let (k, n) = gold_counts(c.window, ev);
            Some((n - k) as f64)
        }
        Metric::GoldAnswered => Some(gold_counts(c.window, ev).1 as f64),
        Metric::ModelAccuracy => ev.model_accuracy.filter(|v| v.is_finite()),
        Metric::PeerAgreement => ev.peer_agreement.filter(|v| v.is_finite()),
        Metric::SpammerScore => ev.spammer_score.filter(|v| v.is_finite()),
        Metric::FastShare => ev.fast_answers.and_then(|f| f.share()),
        Metric::Judgments => Some(ev.judgments as f64),
        Metric::TasksPerDay => ev.tasks_per_day.filter(|v| v.is_finite()),
        Metric::HourlyPay => ev.hourly_pay.filter(|v| v.is_finite()),
    }
}

/// Whether a condition holds.
#[inline]
pub fn condition_holds(c: &Condition, ev: &WorkerEvidence) -> bool {
    condition_value(c, ev).is_some_and(|v| c.comparison.holds(v, c.threshold))
}

/// The amount of evidence a rule's `min_evidence` counts.
#[inline]
pub fn rule_evidence(rule: &Rule, ev: &WorkerEvidence) -> u64 {
    if rule.counts_gold() {
        ev.gold_answered
    } else {
        ev.judgments
    }
}

/// Whether a rule fires on the evidence, treating its sequential test (if any) as
/// open (see [`Policy::step`] for the live form, in which a cleared test stops).
#[inline]
pub fn rule_fires(rule: &Rule, ev: &WorkerEvidence) -> bool {
    if rule_evidence(rule, ev) < rule.min_evidence {
        return false;
    }
    if !rule.conditions.iter().all(|c| condition_holds(c, ev)) {
        return false;
    }
    if let Some(s) = &rule.sprt
        && s.llr(ev.gold_correct, ev.gold_answered) < s.upper
    {
        return false;
    }
    if let Some(p) = &rule.posterior
        && (ev.gold_answered == 0
            || posterior_below(p.prior, ev.gold_correct, ev.gold_answered, p.threshold)
                < p.probability)
    {
        return false;
    }
    true
}

/// A tier move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierChange {
    /// Level index before.
    pub from: u16,
    /// Level index after.
    pub to: u16,
    /// Whether the move came from the tier thresholds (true) or a rule's
    /// promote/demote action (false).
    pub by_tiers: bool,
}

/// What the policy decided for one worker at one moment.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Decision {
    /// The most severe action among the rules that fired (and tier moves); `Allow`
    /// when nothing fired.
    pub action: Action,
    /// Whether the worker's judgments are to be excluded (any fired rule untrusts).
    pub untrust: bool,
    /// Duration of the most severe action (suspend / temporary ban), ms.
    pub duration_ms: Option<i64>,
    /// Indices of the rules that fired, in policy order.
    pub fired: Vec<u16>,
    /// A tier move, if any.
    pub tier: Option<TierChange>,
}

impl Decision {
    fn add(&mut self, idx: usize, rule: &Rule) {
        self.fired.push(idx as u16);
        self.untrust |= rule.untrust;
        if rule.action > self.action
            || (rule.action == self.action
                && rule.action.takes_duration()
                && longer(rule.duration_ms, self.duration_ms))
        {
            self.action = rule.action;
            self.duration_ms = rule.duration_ms;
        }
    }

    /// Whether anything happened (a rule fired or the tier changed).
    pub fn is_event(&self) -> bool {
        !self.fired.is_empty() || self.tier.is_some()
    }
}

fn longer(a: Option<i64>, b: Option<i64>) -> bool {
    match (a, b) {
        (None, Some(_)) => true,
        (Some(x), Some(y)) => x > y,
        _ => false,
    }
}

impl Action {
    /// Whether the action has a duration (suspend, ban).
    pub fn takes_duration(self) -> bool {
        matches!(self, Action::Suspend | Action::Ban)
    }
}

/// Where the tier thresholds would move a worker now (ignoring dwell).
pub(crate) fn tier_target(t: &Tiers, ev: &WorkerEvidence, cur: u16) -> Option<u16> {
    if ev.gold_answered < t.min_evidence {
        return None;
    }
    let (c, n) = gold_counts(t.window, ev);
    let cur_i = cur as usize;
    if let Some(next) = t.levels.get(cur_i + 1)
        && let (Some(p), Some(v)) = (
            next.promote_at,
            accuracy_value(t.promote_bound, t.interval, t.confidence, c, n),
        )
        && v >= p
    {
        return Some(cur + 1);
    }
    if cur_i > 0
        && let (Some(d), Some(v)) = (
            t.levels[cur_i].demote_below,
            accuracy_value(t.demote_bound, t.interval, t.confidence, c, n),
        )
        && v < d
    {
        return Some(cur - 1);
    }
    None
}

/// A ban in force: permanent, or until a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ban {
    /// Banned for good.
    Permanent,
    /// Banned until this time (ms since the epoch; the worker may return then).
    Until(i64),
}

/// A worker's live policy state (one per worker, kept by the platform).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkerState {
    /// Current tier index (0 when the policy has no tiers).
    pub tier: u16,
    /// When the worker entered the tier (ms).
    pub tier_since_ms: i64,
    /// Gold answered when the worker entered the tier.
    pub tier_since_gold: u64,
    /// Rules that fired at the last step (a rule is reported when it starts firing).
    pub firing: u64,
    /// Sequential tests that have stopped (cleared, fired, or truncated).
    pub sprt_closed: u64,
    /// Banned: permanently or until a time (`None`: not banned).
    pub banned: Option<Ban>,
    /// Suspended until (ms).
    pub suspended_until: Option<i64>,
    /// Judgments excluded.
    pub untrusted: bool,
}

impl WorkerState {
    /// A new worker's state at `now_ms`.
    pub fn new(policy: &Policy, now_ms: i64) -> Self {
        WorkerState {
            tier: policy.tiers.as_ref().map_or(0, |t| t.start),
            tier_since_ms: now_ms,
            ..WorkerState::default()
        }
    }

    /// Whether the worker may take tasks at `now_ms`.
    pub fn active(&self, now_ms: i64) -> bool {
        let banned = match self.banned {
            Some(Ban::Permanent) => true,
            Some(Ban::Until(t)) => now_ms < t,
            None => false,
        };
        !banned && self.suspended_until.is_none_or(|t| now_ms >= t)
    }
}

impl Policy {
    /// Evaluates every rule and the tier thresholds on a snapshot of evidence, with no
    /// history: sequential tests are judged on the cumulative counts, the current
    /// tier is `evidence.tier` (or the start tier), and dwell is checked from
    /// `tier_since`/`last_seen` when both are known.
    pub fn evaluate(&self, ev: &WorkerEvidence) -> Decision {
        self.evaluate_known(ev, true)
    }

    /// [`Policy::evaluate`] when the order of the recent gold answers may be unknown
    /// (`window_known = false`, e.g. evidence from a table of aggregate counts): rules
    /// and tiers over a gold `window` are then skipped, never evaluated on an empty
    /// window ([`Policy::uses_window`] says which).
    pub fn evaluate_known(&self, ev: &WorkerEvidence, window_known: bool) -> Decision {
        let mut d = Decision::default();
        for (i, r) in self.rules.iter().enumerate() {
            if (window_known || !r.uses_window()) && rule_fires(r, ev) {
                d.add(i, r);
            }
        }
        if let Some(t) = &self.tiers
            && (window_known || t.window.is_none())
        {
            let cur = ev.tier.unwrap_or(t.start).min(t.levels.len() as u16 - 1);
            let dwell_ok = match (ev.tier_since, ev.last_seen) {
                (Some(s), Some(l)) => l - s >= t.min_dwell_ms,
                _ => true,
            };
            let by_rule = rule_tier_move(self, &d, t, cur);
            let to = by_rule.or(if dwell_ok {
                tier_target(t, ev, cur)
            } else {
                None
            });
            if let Some(to) = to {
                self.note_tier(&mut d, cur, to, by_rule.is_none());
            }
        }
        d
    }

    /// Ids of the rules (and `tiers`) that look at a window of the last gold answers:
    /// they need the answers' order, which aggregate counts do not carry.
    pub fn uses_window(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .rules
            .iter()
            .filter(|r| r.uses_window())
            .map(|r| r.id.as_str())
            .collect();
        if self.tiers.as_ref().is_some_and(|t| t.window.is_some()) {
            out.push("tiers");
        }
        out
    }

    /// [`Policy::evaluate`] for many workers, in parallel (rayon); the result is in
    /// input order and identical for any thread count.
    pub fn evaluate_all(&self, evidence: &[WorkerEvidence]) -> Vec<Decision> {
        use rayon::prelude::*;
        evidence
            .par_iter()
            .with_min_len(4096)
            .map(|e| self.evaluate(e))
            .collect()
    }

    fn note_tier(&self, d: &mut Decision, from: u16, to: u16, by_tiers: bool) {
        d.tier = Some(TierChange { from, to, by_tiers });
        let a = if to > from {
            Action::Promote
        } else {
            Action::Demote
        };
        if a > d.action {
            d.action = a;
            d.duration_ms = None;
        }
    }

    /// One live step after the worker's evidence changed (typically after each
    /// answer), at time `now_ms`. Returns a decision only when something happens: a
    /// rule starts firing, or the tier moves. Applies the consequences to `state`
    /// (ban, suspension, untrust, tier) and resets the sliding gold window after a
    /// suspension (as Toloka does). A worker who is banned or suspended is not
    /// evaluated. Sequential tests stop when they clear the worker or reach
    /// `max_gold`.
    pub fn step(
        &self,
        state: &mut WorkerState,
        ev: &mut WorkerEvidence,
        now_ms: i64,
    ) -> Option<Decision> {
        if !state.active(now_ms) {
            return None;
        }
        let mut firing = 0u64;
        let mut d = Decision::default();
        for (i, r) in self.rules.iter().enumerate() {
            let bit = 1u64 << i;
            if let Some(s) = &r.sprt {
                if state.sprt_closed & bit != 0 {
                    continue;
                }
                let llr = s.llr(ev.gold_correct, ev.gold_answered);
                if llr <= s.lower
                    || s.max_gold
                        .is_some_and(|m| ev.gold_answered >= m && llr < s.upper)
                {
                    state.sprt_closed |= bit;
                    continue;
                }
            }
            if rule_fires(r, ev) {
                firing |= bit;
                if state.firing & bit == 0 {
                    d.add(i, r);
                }
                if r.sprt.is_some() {
                    // the test has concluded (bad worker): it does not run again
                    state.sprt_closed |= bit;
                }
            }
        }
        state.firing = firing;
        if let Some(t) = &self.tiers {
            let cur = state.tier;
            let dwell_ok = now_ms - state.tier_since_ms >= t.min_dwell_ms
                && ev.gold_answered - state.tier_since_gold.min(ev.gold_answered)
                    >= t.min_dwell_gold;
            let by_rule = rule_tier_move(self, &d, t, cur);
            let to = by_rule.or(if dwell_ok {
                tier_target(t, ev, cur)
            } else {
                None
            });
            if let Some(to) = to {
                self.note_tier(&mut d, cur, to, by_rule.is_none());
                state.tier = to;
                state.tier_since_ms = now_ms;
                state.tier_since_gold = ev.gold_answered;
                ev.tier = Some(to);
                ev.tier_since = Some(now_ms);
            }
        }
        if !d.is_event() {
            return None;
        }
        state.untrusted |= d.untrust;
        for &i in &d.fired {
            let r = &self.rules[i as usize];
            match r.action {
                Action::Ban => {
                    let until = r.duration_ms.map(|x| now_ms.saturating_add(x));
                    state.banned = Some(match (state.banned, until) {
                        (Some(Ban::Permanent), _) | (_, None) => Ban::Permanent,
                        (Some(Ban::Until(a)), Some(b)) => Ban::Until(a.max(b)),
                        (None, Some(b)) => Ban::Until(b),
                    });
                }
                Action::Suspend => {
                    let until = now_ms.saturating_add(r.duration_ms.unwrap_or(0));
                    state.suspended_until =
                        Some(state.suspended_until.map_or(until, |u| u.max(until)));
                }
                _ => {}
            }
        }
        if matches!(d.action, Action::Suspend) || matches!(state.banned, Some(Ban::Until(_))) {
            // history is not kept after a temporary restriction
            ev.recent_gold = RecentGold::new();
            state.firing = 0;
        }
        Some(d)
    }
}

/// A tier move asked for by the fired rules: demote wins over promote; none when a
/// restriction (untrust, suspend, ban) fired.
fn rule_tier_move(p: &Policy, d: &Decision, t: &Tiers, cur: u16) -> Option<u16> {
    let top = t.levels.len() as u16 - 1;
    if d.action >= Action::Untrust {
        return None;
    }
    let asks = |a: Action| d.fired.iter().any(|&i| p.rules[i as usize].action == a);
    if asks(Action::Demote) {
        (cur > 0).then(|| cur - 1)
    } else if asks(Action::Promote) {
        (cur < top).then(|| cur + 1)
    } else {
        None
    }
}
