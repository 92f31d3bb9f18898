//! The plain words of statements (no statistical jargon, no ids but the worker's).

use std::fmt::Write as _;

use crowdqc_core::evidence::WorkerEvidence;

use super::change::{MAX_ANSWERS, correct_to_change, sprt_ended, wrong_to_fire};
use super::{Change, RuleStanding};
use crate::eval::{Decision, condition_value, gold_counts, rule_evidence};
use crate::explain::fmt_duration;
use crate::pay::PayTable;
use crate::spec::{Action, Bound, Comparison, Condition, Metric, Policy, Rule};

/// A share as a percentage: `80%`, `87.5%`.
pub(crate) fn pct(v: f64) -> String {
    let p = v * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn duration_words(ms: i64) -> String {
    let s = fmt_duration(ms);
    let (n, unit) = s.split_at(s.len() - 1);
    let unit = match unit {
        "d" => "day",
        "h" => "hour",
        "m" => "minute",
        _ => "second",
    };
    if n == "1" {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// What an action does to the worker, in words.
fn consequence(action: Action, duration_ms: Option<i64>) -> String {
    match action {
        Action::Allow => "nothing changes".into(),
        Action::Promote => "you move up a level".into(),
        Action::Warn => "you receive a warning".into(),
        Action::Demote => "you move down a level".into(),
        Action::Untrust => "your answers are not used".into(),
        Action::Suspend => format!(
            "your access is paused for {}",
            duration_ms.map_or_else(|| "a while".into(), duration_words)
        ),
        Action::Ban => match duration_ms {
            Some(ms) => format!("your access is closed for {}", duration_words(ms)),
            None => "your access is closed for good".into(),
        },
    }
}

fn compare(c: Comparison, count: bool) -> &'static str {
    match (c, count) {
        (Comparison::Below, true) => "fewer than",
        (Comparison::Below, false) => "under",
        (Comparison::AtMost, _) => "at most",
        (Comparison::Above, _) => "more than",
        (Comparison::AtLeast, _) => "at least",
    }
}

fn window(c: &Condition) -> String {
    c.window.map_or_else(
        || "your gold answers".into(),
        |w| format!("your last {w} gold answers"),
    )
}

/// One condition in words, with the worker's own figures.
fn condition_words(c: &Condition, ev: &WorkerEvidence, pay: Option<&PayTable>) -> String {
    let cmp = compare(c.comparison, false);
    let (k, n) = gold_counts(c.window, ev);
    let t = c.threshold;
    match c.metric {
        Metric::GoldAccuracy => match c.bound {
            Bound::Point => format!(
                "{} of {} were correct, and the rule looks for {cmp} {} correct ({k} of {n})",
                pct(if n > 0 { k as f64 / n as f64 } else { 0.0 }),
                window(c),
                pct(t)
            ),
            Bound::Upper | Bound::Lower => {
                let dir = if c.bound == Bound::Upper {
                    "at most"
                } else {
                    "at least"
                };
                let v = condition_value(c, ev);
                format!(
                    "from {} ({k} of {n} correct) we can say, {} sure, that your accuracy is \
                     {dir} {}; the rule looks for {cmp} {}",
                    window(c),
                    pct(c.confidence),
                    v.map_or_else(|| "unknown".into(), pct),
                    pct(t)
                )
            }
        },
        Metric::GoldCorrect | Metric::GoldWrong | Metric::GoldAnswered => {
            let (what, v) = match c.metric {
                Metric::GoldCorrect => ("correct", k),
                Metric::GoldWrong => ("wrong", n - k),
                _ => ("answered", n),
            };
            let scope = c.window.map_or_else(
                || "gold answers".into(),
                |w| format!("of your last {w} gold answers"),
            );
            format!(
                "{v} {scope} {}; the rule looks for {} {}",
                if what == "answered" {
                    "given".to_string()
                } else {
                    format!("were {what}")
                },
                compare(c.comparison, true),
                num(t)
            )
        }
        Metric::ModelAccuracy => format!(
            "your accuracy estimated from agreement with other workers is {}; the rule \
             looks for {cmp} {}",
            condition_value(c, ev).map_or_else(|| "unknown".into(), pct),
            pct(t)
        ),
        Metric::PeerAgreement => format!(
            "your answers agree with most other workers {} of the time; the rule looks \
             for {cmp} {}",
            condition_value(c, ev).map_or_else(|| "an unknown share".into(), pct),
            pct(t)
        ),
        Metric::SpammerScore => format!(
            "your answers score {} on a scale from 0 (like random guessing) to 1 (like a \
             perfect worker); the rule looks for {cmp} {}",
            condition_value(c, ev).map_or_else(|| "unknown".into(), |v| format!("{v:.2}")),
            num(t)
        ),
        Metric::FastShare => format!(
            "{} of your answers took under {} seconds; the rule looks for {cmp} {}",
            condition_value(c, ev).map_or_else(|| "an unknown share".into(), pct),
            num(c.fast_ms.unwrap_or(0.0) / 1000.0),
            pct(t)
        ),
        Metric::Judgments => format!(
            "you have done {} tasks; the rule looks for {} {}",
            ev.judgments,
            compare(c.comparison, true),
            num(t)
        ),
        Metric::TasksPerDay => format!(
            "you do {} tasks a day on the days you work; the rule looks for {} {}",
            ev.tasks_per_day
                .map_or_else(|| "an unknown number of".into(), |v| format!("{v:.1}")),
            compare(c.comparison, true),
            num(t)
        ),
        Metric::HourlyPay => {
            let money = |v: f64| pay.map_or_else(|| format!("{v:.2}"), |p| p.money(v));
            format!(
                "your work paid {} an hour; the rule looks for {cmp} {}",
                ev.hourly_pay
                    .map_or_else(|| "an unknown amount".into(), money),
                money(t)
            )
        }
    }
}

/// The rule in words: its conditions, minimum answers and tests.
fn rule_words(rule: &Rule, ev: &WorkerEvidence, pay: Option<&PayTable>) -> String {
    let mut parts: Vec<String> = rule
        .conditions
        .iter()
        .map(|c| condition_words(c, ev, pay))
        .collect();
    if let Some(s) = &rule.sprt {
        parts.push(format!(
            "it weighs all your gold answers ({} of {} correct): it applies once they make \
             an accuracy near {} much more likely than {}, with a false-alarm rate of {}",
            ev.gold_correct,
            ev.gold_answered,
            pct(s.bad),
            pct(s.good),
            pct(s.alpha)
        ));
    }
    if let Some(p) = &rule.posterior {
        parts.push(format!(
            "it applies once your gold answers ({} of {} correct) make it at least {} \
             likely that your accuracy is under {}",
            ev.gold_correct,
            ev.gold_answered,
            pct(p.probability),
            pct(p.threshold)
        ));
    }
    if rule.min_evidence > 0 {
        let unit = match (rule.counts_gold(), rule.min_evidence) {
            (true, 1) => "gold answer",
            (true, _) => "gold answers",
            (false, 1) => "task",
            (false, _) => "tasks",
        };
        parts.push(format!(
            "it is checked from {} {unit} on (you have {})",
            rule.min_evidence,
            rule_evidence(rule, ev)
        ));
    }
    let mut s = parts.join("; ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

fn plural(k: u64, what: &str) -> String {
    if k == 1 {
        format!("1 more {what} gold answer")
    } else {
        format!("{k} more {what} gold answers")
    }
}

/// What other than gold answers would change a rule (no gold part).
fn other_change(rule: &Rule, ev: &WorkerEvidence, applies: bool) -> Change {
    if !applies
        && rule
            .conditions
            .iter()
            .any(|c| condition_value(c, ev).is_none())
    {
        // a measurement that is not known for this worker never makes a rule apply
        return Change::Clear;
    }
    let what: Vec<String> = rule
        .conditions
        .iter()
        .map(|c| {
            let t = num(c.threshold);
            let towards = match (c.comparison.fires_on_low(), applies) {
                (true, true) | (false, false) => "more",
                _ => "fewer",
            };
            match c.metric {
                Metric::TasksPerDay => format!("doing {towards} tasks a day (the limit is {t})"),
                Metric::Judgments => format!("doing {towards} tasks (the limit is {t})"),
                Metric::HourlyPay => format!(
                    "a change in the pay rate or in how long the tasks take (the limit is {t} an hour)"
                ),
                Metric::FastShare if towards == "more" => "answering faster".into(),
                Metric::FastShare => "taking more time over your answers".into(),
                Metric::ModelAccuracy | Metric::PeerAgreement | Metric::SpammerScore => {
                    "how your answers compare with other workers' on the same tasks".into()
                }
                _ => "your gold answers".into(),
            }
        })
        .collect();
    if what.is_empty() {
        Change::Clear
    } else {
        Change::Other {
            what: what.join(", or "),
        }
    }
}

/// The standing of a worker under one rule.
pub(super) fn standing(
    rule: &Rule,
    ev: &WorkerEvidence,
    applies: bool,
    pay: Option<&PayTable>,
) -> RuleStanding {
    let conseq = consequence(rule.action, rule.duration_ms);
    let change = if applies && rule.action == Action::Ban && rule.duration_ms.is_none() {
        Change::Nothing {
            reason: "a closed account is not reopened by later answers".into(),
        }
    } else if !rule.counts_gold() {
        other_change(rule, ev, applies)
    } else if applies || rule.action == Action::Promote {
        match correct_to_change(rule, ev) {
            Some(k) if applies => Change::CorrectAnswers { answers: k },
            Some(k) => Change::CorrectToEarn { answers: k },
            None if applies => Change::Nothing {
                reason: format!(
                    "no number of further correct gold answers (we checked up to {}) would \
                     lift it: it counts wrong answers it never forgets",
                    if MAX_ANSWERS == 1_000_000 {
                        "a million".to_string()
                    } else {
                        MAX_ANSWERS.to_string()
                    }
                ),
            },
            None => Change::Clear,
        }
    } else if sprt_ended(rule, ev) {
        Change::Ended
    } else {
        wrong_to_fire(rule, ev).map_or(Change::Clear, |k| Change::WrongAnswers { answers: k })
    };
    let what = rule_words(rule, ev, pay);
    let mut text = match (applies, rule.action) {
        (true, Action::Promote) => format!("You have earned this: {conseq}. {what}."),
        (true, _) => format!("This applies to you: {conseq}. {what}."),
        (false, Action::Promote) => format!("Not yet earned ({conseq} when it applies). {what}."),
        (false, _) => format!("This does not apply to you (if it did, {conseq}). {what}."),
    };
    let _ = match &change {
        Change::CorrectAnswers { answers } => {
            write!(
                text,
                " {} in a row would lift it.",
                plural(*answers, "correct")
            )
        }
        Change::CorrectToEarn { answers } => {
            write!(
                text,
                " {} in a row would earn it.",
                plural(*answers, "correct")
            )
        }
        Change::WrongAnswers { answers } if *answers == 1 => {
            write!(text, " 1 wrong gold answer would make it apply.")
        }
        Change::WrongAnswers { answers } => {
            write!(
                text,
                " {answers} wrong gold answers in a row would make it apply."
            )
        }
        Change::Clear => Ok(()),
        Change::Ended => write!(text, " This check has ended for you: it will not apply."),
        Change::Nothing { reason } => write!(text, " Nothing you can do changes this: {reason}."),
        Change::Other { what } if applies => write!(text, " What would change it: {what}."),
        Change::Other { what } => write!(text, " What would make it apply: {what}."),
    };
    if applies && rule.action == Action::Suspend {
        text.push_str(" The pause also ends by itself when its time is up.");
    }
    RuleStanding {
        rule_id: rule.id.clone(),
        applies,
        action: rule.action,
        duration_ms: rule.duration_ms,
        rule: what,
        change,
        text,
    }
}

/// The overall outcome in words.
pub(super) fn outcome(policy: &Policy, d: &Decision) -> String {
    let mut s = match d.action {
        Action::Allow => "No rule applies to you: your access is unchanged.".to_string(),
        a => {
            let n = d.fired.len();
            let rules = if n == 1 {
                "1 rule applies".to_string()
            } else {
                format!("{n} rules apply")
            };
            format!(
                "{rules} to you; the strongest: {}.",
                consequence(a, d.duration_ms)
            )
        }
    };
    if d.untrust && d.action != Action::Untrust {
        s.push_str(" Your answers are not used.");
    }
    if let (Some(tc), Some(t)) = (d.tier, &policy.tiers) {
        let _ = write!(
            s,
            " Your level changes from {} to {}.",
            t.levels[tc.from as usize].name, t.levels[tc.to as usize].name
        );
    }
    s
}
