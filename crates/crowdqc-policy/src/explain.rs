//! Explanations: every decision says which rule fired, on what evidence, the value,
//! the threshold, the confidence, and what would change it.

use std::fmt::Write as _;

use crowdqc_core::evidence::WorkerEvidence;
use serde::Serialize;

use crate::eval::{
    Decision, accuracy_value, condition_holds, condition_value, gold_counts, rule_evidence,
    rule_fires,
};
use crate::spec::{Action, Bound, Condition, Metric, Policy, Rule};
use crate::stats::posterior_below;

/// How far "what would change it" looks ahead (gold answers).
pub const LOOKAHEAD: u64 = 200;

/// One compared quantity of a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    /// What is measured, in words (metric, bound, confidence, window).
    pub metric: String,
    /// The evidence it was computed from, in words.
    pub evidence: String,
    /// The value (`None` when unknown).
    pub value: Option<f64>,
    /// Comparison symbol.
    pub comparison: &'static str,
    /// The threshold.
    pub threshold: f64,
    /// Confidence of a bound or sequential test, if any.
    pub confidence: Option<f64>,
    /// Whether the clause holds.
    pub holds: bool,
}

/// Why a rule fired (or how close it is to firing).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Rule id (`tiers` for tier moves).
    pub rule: String,
    /// Line in the policy file.
    pub line: usize,
    /// The rule's action.
    pub action: Action,
    /// Duration of the action, ms.
    pub duration_ms: Option<i64>,
    /// Whether the rule fired.
    pub fired: bool,
    /// The compared quantities.
    pub clauses: Vec<Clause>,
    /// What would change the outcome, in words.
    pub change: Option<String>,
}

fn pct(c: f64) -> String {
    let v = c * 100.0;
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}%")
    } else {
        format!("{v:.1}%")
    }
}

fn window_words(w: Option<u32>) -> String {
    w.map_or_else(|| "all gold".into(), |w| format!("last {w} gold"))
}

fn describe(c: &Condition) -> String {
    let mut s = c.metric.name().to_string();
    if c.metric == Metric::GoldAccuracy && c.bound != Bound::Point {
        let side = if c.bound == Bound::Lower {
            "lower"
        } else {
            "upper"
        };
        let _ = write!(
            s,
            " ({} one-sided {} {side} bound",
            pct(c.confidence),
            c.interval.name()
        );
        s.push(')');
    }
    if c.metric.is_gold() {
        let _ = write!(s, " over {}", window_words(c.window));
    }
    if let Some(ms) = c.fast_ms {
        let _ = write!(s, " (answers under {ms} ms)");
    }
    s
}

fn evidence_words(c: &Condition, ev: &WorkerEvidence) -> String {
    if c.metric.is_gold() {
        let (k, n) = gold_counts(c.window, ev);
        return format!("{k} of {n} gold correct");
    }
    match c.metric {
        Metric::FastShare => ev.fast_answers.map_or_else(
            || "no durations".into(),
            |f| format!("{} of {} timed answers fast", f.fast, f.timed),
        ),
        Metric::Judgments => format!("{} judgments", ev.judgments),
        Metric::TasksPerDay => ev.tasks_per_day.map_or_else(
            || "no timestamps".into(),
            |v| format!("{} judgments, {v:.1} a day", ev.judgments),
        ),
        Metric::HourlyPay => ev.hourly_pay.map_or_else(
            || "no pay table or durations".into(),
            |v| format!("{v:.2} an hour"),
        ),
        m => {
            if condition_value(c, ev).is_some() {
                format!("{} from the model / crowd", m.name())
            } else {
                format!("{} unknown", m.name())
            }
        }
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// The clauses of a rule on the evidence.
pub fn clauses(rule: &Rule, ev: &WorkerEvidence) -> Vec<Clause> {
    let mut out = Vec::new();
    if rule.min_evidence > 0 {
        let n = rule_evidence(rule, ev);
        let unit = if rule.counts_gold() {
            "gold answered"
        } else {
            "judgments"
        };
        out.push(Clause {
            metric: format!("{unit} (min_evidence)"),
            evidence: format!("{n} {unit}"),
            value: Some(n as f64),
            comparison: ">=",
            threshold: rule.min_evidence as f64,
            confidence: None,
            holds: n >= rule.min_evidence,
        });
    }
    for c in &rule.conditions {
        out.push(Clause {
            metric: describe(c),
            evidence: evidence_words(c, ev),
            value: condition_value(c, ev),
            comparison: c.comparison.symbol(),
            threshold: c.threshold,
            confidence: (c.bound != Bound::Point).then_some(c.confidence),
            holds: condition_holds(c, ev),
        });
    }
    if let Some(s) = &rule.sprt {
        let llr = s.llr(ev.gold_correct, ev.gold_answered);
        out.push(Clause {
            metric: format!(
                "SPRT log-likelihood ratio, accuracy {} (bad) vs {} (good), false-ban rate {}, miss rate {}",
                s.bad, s.good, s.alpha, s.beta
            ),
            evidence: format!("{} of {} gold correct", ev.gold_correct, ev.gold_answered),
            value: Some(llr),
            comparison: ">=",
            threshold: s.upper,
            confidence: Some(1.0 - s.alpha),
            holds: llr >= s.upper,
        });
    }
    if let Some(p) = &rule.posterior {
        let v = (ev.gold_answered > 0)
            .then(|| posterior_below(p.prior, ev.gold_correct, ev.gold_answered, p.threshold));
        out.push(Clause {
            metric: format!(
                "P(accuracy < {} | gold), Beta({}, {}) prior",
                p.threshold, p.prior.0, p.prior.1
            ),
            evidence: format!("{} of {} gold correct", ev.gold_correct, ev.gold_answered),
            value: v,
            comparison: ">=",
            threshold: p.probability,
            confidence: Some(p.probability),
            holds: v.is_some_and(|v| v >= p.probability),
        });
    }
    out
}

/// Smallest number of consecutive gold answers (`correct` or wrong) after which
/// the rule's firing equals `target`, within [`LOOKAHEAD`].
pub fn answers_to_flip(
    rule: &Rule,
    ev: &WorkerEvidence,
    correct: bool,
    target: bool,
) -> Option<u64> {
    let mut e = ev.clone();
    for k in 1..=LOOKAHEAD {
        e.record_gold(correct);
        if rule_fires(rule, &e) == target {
            return Some(k);
        }
    }
    None
}

fn plural(k: u64, word: &str) -> String {
    if k == 1 {
        format!("1 more {word} gold answer")
    } else {
        format!("{k} more {word} gold answers")
    }
}

fn change_words(rule: &Rule, ev: &WorkerEvidence, fired: bool) -> String {
    if !rule.counts_gold() {
        let needs: Vec<String> = rule
            .conditions
            .iter()
            .map(|c| {
                let neg = match c.comparison.symbol() {
                    "<" => ">=",
                    "<=" => ">",
                    ">" => "<=",
                    _ => "<",
                };
                if fired {
                    format!("{} {neg} {}", c.metric.name(), fmt_num(c.threshold))
                } else {
                    format!(
                        "{} {} {}",
                        c.metric.name(),
                        c.comparison.symbol(),
                        fmt_num(c.threshold)
                    )
                }
            })
            .collect();
        return if fired {
            format!("it would stop firing with any of: {}", needs.join("; "))
        } else {
            format!("it fires when all of: {}", needs.join("; "))
        };
    }
    let k = answers_to_flip(rule, ev, fired, !fired);
    let Some(k) = k else {
        return if fired {
            format!("no run of {LOOKAHEAD} correct gold answers would clear it")
        } else {
            format!("no run of {LOOKAHEAD} wrong gold answers would fire it")
        };
    };
    let mut after = ev.clone();
    for _ in 0..k {
        after.record_gold(fired);
    }
    let before = clauses(rule, ev);
    let now = clauses(rule, &after);
    let flipped = before
        .iter()
        .zip(&now)
        .find(|(b, a)| b.holds != a.holds)
        .map(|(_, a)| a);
    let lead = plural(k, if fired { "correct" } else { "wrong" });
    let verb = if fired { "clear it" } else { "fire it" };
    match flipped {
        Some(c) => {
            // the short name: "SPRT log-likelihood ratio", "P(accuracy < 0.8 | gold)", ...
            let short = c.metric.split(", ").next().unwrap_or(&c.metric);
            format!(
                "{lead} would {verb}: {short} would be {} (fires when {} {})",
                c.value.map_or_else(|| "unknown".into(), fmt_num),
                c.comparison,
                fmt_num(c.threshold),
            )
        }
        None => format!("{lead} would {verb}"),
    }
}

/// Explains one rule on the evidence.
pub fn explain_rule(rule: &Rule, ev: &WorkerEvidence, fired: bool) -> Explanation {
    Explanation {
        rule: rule.id.clone(),
        line: rule.line,
        action: rule.action,
        duration_ms: rule.duration_ms,
        fired,
        clauses: clauses(rule, ev),
        change: Some(change_words(rule, ev, fired)),
    }
}

impl Policy {
    /// Explains a decision: one entry per fired rule, one for a tier move, and, when
    /// nothing fired, the restrictive rule nearest to firing (fewest wrong gold
    /// answers away).
    pub fn explain(&self, d: &Decision, ev: &WorkerEvidence) -> Vec<Explanation> {
        self.explain_known(d, ev, true)
    }

    /// [`Policy::explain`] for a decision of [`Policy::evaluate_known`]: with
    /// `window_known = false` the nearest rule is never a window rule.
    pub fn explain_known(
        &self,
        d: &Decision,
        ev: &WorkerEvidence,
        window_known: bool,
    ) -> Vec<Explanation> {
        let mut out: Vec<Explanation> = d
            .fired
            .iter()
            .map(|&i| explain_rule(&self.rules[i as usize], ev, true))
            .collect();
        if let (Some(tc), Some(t)) = (d.tier, &self.tiers)
            && tc.by_tiers
        {
            let (c, n) = gold_counts(t.window, ev);
            let up = tc.to > tc.from;
            let (bound, thr, cmp) = if up {
                (
                    t.promote_bound,
                    t.levels[tc.to as usize].promote_at.unwrap_or(0.0),
                    ">=",
                )
            } else {
                (
                    t.demote_bound,
                    t.levels[tc.from as usize].demote_below.unwrap_or(0.0),
                    "<",
                )
            };
            let side = match bound {
                Bound::Point => "point estimate".to_string(),
                Bound::Lower => format!("{} {} lower bound", pct(t.confidence), t.interval.name()),
                Bound::Upper => format!("{} {} upper bound", pct(t.confidence), t.interval.name()),
            };
            out.push(Explanation {
                rule: "tiers".into(),
                line: 0,
                action: if up { Action::Promote } else { Action::Demote },
                duration_ms: None,
                fired: true,
                clauses: vec![Clause {
                    metric: format!("gold_accuracy ({side}) over {}", window_words(t.window)),
                    evidence: format!("{c} of {n} gold correct"),
                    value: accuracy_value(bound, t.interval, t.confidence, c, n),
                    comparison: cmp,
                    threshold: thr,
                    confidence: (bound != Bound::Point).then_some(t.confidence),
                    holds: true,
                }],
                change: Some(format!(
                    "{} -> {}",
                    t.levels[tc.from as usize].name, t.levels[tc.to as usize].name
                )),
            });
        }
        if out.is_empty() {
            let nearest = self
                .rules
                .iter()
                .filter(|r| r.action >= Action::Warn && r.counts_gold())
                .filter(|r| window_known || !r.uses_window())
                .filter_map(|r| answers_to_flip(r, ev, false, true).map(|k| (k, r)))
                .min_by_key(|(k, _)| *k);
            if let Some((_, r)) = nearest {
                out.push(explain_rule(r, ev, false));
            }
        }
        out
    }
}

impl Explanation {
    /// One line of text.
    pub fn text(&self) -> String {
        let mut s = if self.fired {
            format!("rule `{}`", self.rule)
        } else {
            format!("nearest rule `{}`", self.rule)
        };
        if self.line > 0 {
            let _ = write!(s, " (line {})", self.line);
        }
        let _ = write!(s, " -> {}", self.action);
        if let Some(ms) = self.duration_ms {
            let _ = write!(s, " {}", fmt_duration(ms));
        }
        s.push_str(": ");
        let parts: Vec<String> = self
            .clauses
            .iter()
            .map(|c| {
                format!(
                    "{} = {} {} {} [{}]{}",
                    c.metric,
                    c.value.map_or_else(|| "unknown".into(), fmt_num),
                    c.comparison,
                    fmt_num(c.threshold),
                    c.evidence,
                    if c.holds { "" } else { " (not met)" }
                )
            })
            .collect();
        s.push_str(&parts.join("; "));
        if let Some(ch) = &self.change {
            let _ = write!(s, "; {ch}");
        }
        s
    }
}

/// Formats a duration in ms as `10d`, `12h`, `30m` or `45s`.
pub fn fmt_duration(ms: i64) -> String {
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)] {
        if ms >= size && ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{}s", ms as f64 / 1000.0)
}
