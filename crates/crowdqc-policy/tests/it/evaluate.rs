//! Evaluation, explanations, tiers and hysteresis.

use crowdqc_core::evidence::{RecentGold, WorkerEvidence};
use crowdqc_policy::{Action, WorkerState, parse_policy};

fn ev(outcomes: &[bool]) -> WorkerEvidence {
    let mut e = WorkerEvidence::default();
    for &o in outcomes {
        e.record_gold(o);
    }
    e
}

fn run(correct: usize, wrong: usize) -> Vec<bool> {
    let mut v = vec![true; correct];
    v.extend(std::iter::repeat_n(false, wrong));
    v
}

#[test]
fn explanation_states_rule_evidence_value_threshold_and_what_would_change() {
    let p = parse_policy(
        r#"
[[rules]]
id = "lb80"
action = "demote"
min_evidence = 10
when = [{ metric = "gold_accuracy", bound = "lower", confidence = 0.95, interval = "wilson", below = 0.80 }]
"#,
    )
    .expect("valid");
    // 18 of 20: Wilson 95% one-sided lower bound 0.7383 < 0.80 (qc-practice.md: 0.74)
    let e = ev(&run(18, 2));
    let d = p.evaluate(&e);
    assert_eq!(d.action, Action::Demote);
    assert_eq!(d.fired, vec![0]);
    let x = &p.explain(&d, &e)[0];
    assert_eq!(x.rule, "lb80");
    assert_eq!(x.line, 2);
    let c = x
        .clauses
        .iter()
        .find(|c| c.metric.starts_with("gold_accuracy"))
        .expect("clause");
    assert_eq!(c.evidence, "18 of 20 gold correct");
    assert!(
        (c.value.expect("known") - 0.7383).abs() < 5e-4,
        "{:?}",
        c.value
    );
    assert_eq!(
        (c.comparison, c.threshold, c.confidence),
        ("<", 0.80, Some(0.95))
    );
    // what would change it: the smallest run of correct answers lifting the bound
    let mut k = 0;
    let mut e2 = e.clone();
    while p.evaluate(&e2).action == Action::Demote {
        e2.record_gold(true);
        k += 1;
    }
    let change = x.change.as_deref().expect("change");
    assert!(
        change.starts_with(&format!("{k} more correct gold answers would clear it")),
        "{change}"
    );
    assert!(
        x.text().contains("lb80") && x.text().contains("0.738"),
        "{}",
        x.text()
    );
}

#[test]
fn allow_explains_the_nearest_rule() {
    let p = parse_policy(
        r#"
[[rules]]
id = "last10"
action = "suspend"
duration = "10d"
min_evidence = 5
when = [{ metric = "gold_accuracy", window = 10, below = 0.80 }]
"#,
    )
    .expect("valid");
    let e = ev(&run(10, 0));
    let d = p.evaluate(&e);
    assert_eq!(d.action, Action::Allow);
    let x = &p.explain(&d, &e)[0];
    assert!(!x.fired);
    // 10/10 correct: 3 wrong in a row make 7/10 < 0.8
    assert!(
        x.change
            .as_deref()
            .expect("change")
            .starts_with("3 more wrong gold answers would fire it"),
        "{:?}",
        x.change
    );
}

#[test]
fn min_evidence_holds_a_rule_back() {
    let p = parse_policy(
        "[[rules]]\nid = \"r\"\naction = \"ban\"\nmin_evidence = 5\nwhen = [{ metric = \"gold_accuracy\", below = 0.8 }]\n",
    )
    .expect("valid");
    assert_eq!(p.evaluate(&ev(&run(0, 4))).action, Action::Allow);
    assert_eq!(p.evaluate(&ev(&run(0, 5))).action, Action::Ban);
}

#[test]
fn most_severe_action_wins_and_untrust_is_collected() {
    let p = parse_policy(
        r#"
[[rules]]
id = "w"
action = "warn"
min_evidence = 1
when = [{ metric = "gold_accuracy", below = 0.9 }]
[[rules]]
id = "u"
action = "untrust"
min_evidence = 1
when = [{ metric = "spammer_score", below = 0.2 }]
[[rules]]
id = "s"
action = "suspend"
duration = "2d"
min_evidence = 1
when = [{ metric = "gold_accuracy", below = 0.5 }]
"#,
    )
    .expect("valid");
    let mut e = ev(&run(1, 3));
    e.judgments = 4;
    e.spammer_score = Some(0.05);
    let d = p.evaluate(&e);
    assert_eq!(d.action, Action::Suspend);
    assert_eq!(d.duration_ms, Some(2 * 86_400_000));
    assert!(d.untrust);
    assert_eq!(d.fired, vec![0, 1, 2]);
    // unknown metric never fires
    e.spammer_score = None;
    assert!(!p.evaluate(&e).fired.contains(&1));
}

const TIERS: &str = r#"
[tiers]
start = "probation"
confidence = 0.9
min_evidence = 10
min_dwell_gold = 10
levels = [
  { name = "probation" },
  { name = "standard", promote_at = 0.80, demote_below = 0.70 },
]
"#;

#[test]
fn tiers_promote_on_lower_bound_and_demote_on_upper_bound() {
    let p = parse_policy(TIERS).expect("valid");
    // 10/10: 90% Wilson lower bound 0.857 >= 0.80 -> promote
    let d = p.evaluate(&ev(&run(10, 0)));
    assert_eq!(d.action, Action::Promote);
    assert_eq!(d.tier.map(|t| (t.from, t.to)), Some((0, 1)));
    // 8/10: point 0.8, but lower bound 0.60 < 0.80 -> stay
    assert_eq!(p.evaluate(&ev(&run(8, 2))).action, Action::Allow);
    // in "standard", 7/10: upper bound 0.86 is not < 0.70 -> stay (hysteresis band)
    let mut e = ev(&run(7, 3));
    e.tier = Some(1);
    assert_eq!(p.evaluate(&e).action, Action::Allow);
    // 3/10: upper bound 0.52 < 0.70 -> demote
    let mut e = ev(&run(3, 7));
    e.tier = Some(1);
    assert_eq!(p.evaluate(&e).tier.map(|t| t.to), Some(0));
}

#[test]
fn hysteresis_prevents_flapping_and_dwell_is_respected() {
    let p = parse_policy(TIERS).expect("valid");
    let mut st = WorkerState::new(&p, 0);
    let mut e = WorkerEvidence::default();
    let mut moves = Vec::new();
    // a 0.8-ish worker alternating 4 right / 1 wrong for 300 answers
    for t in 0..300i64 {
        e.record_gold(t % 5 != 4);
        if let Some(d) = p.step(&mut st, &mut e, t) {
            moves.push((t, d.tier.map(|x| x.to)));
        }
    }
    // steady 80% is inside the hysteresis band once promoted: at most one move
    assert!(moves.len() <= 1, "{moves:?}");
    // dwell: a worker who is promoted cannot be demoted within 10 gold answers
    let mut st = WorkerState::new(&p, 0);
    let mut e = WorkerEvidence::default();
    let mut promoted_at = None;
    for t in 0..40i64 {
        let correct = t < 20;
        e.record_gold(correct);
        if let Some(d) = p.step(&mut st, &mut e, t)
            && let Some(tc) = d.tier
        {
            if tc.to == 1 {
                promoted_at = Some(e.gold_answered);
            } else {
                let since = promoted_at.expect("promoted first");
                assert!(e.gold_answered - since >= 10);
            }
        }
    }
    assert!(promoted_at.is_some());
}

#[test]
fn live_step_reports_a_rule_once_and_suspension_resets_the_window() {
    let p = parse_policy(
        r#"
[[rules]]
id = "last10"
action = "suspend"
duration = "1h"
min_evidence = 5
when = [{ metric = "gold_accuracy", window = 10, below = 0.80 }]
[[rules]]
id = "warn-low"
action = "warn"
min_evidence = 5
when = [{ metric = "gold_accuracy", below = 0.95 }]
"#,
    )
    .expect("valid");
    let mut st = WorkerState::new(&p, 0);
    let mut e = WorkerEvidence::default();
    let mut events = Vec::new();
    for (t, o) in run(4, 2).into_iter().enumerate() {
        e.record_gold(o);
        if let Some(d) = p.step(&mut st, &mut e, t as i64 * 1000) {
            events.push(d);
        }
    }
    // at the 5th answer (4/5 = 0.8) only warn; at the 6th (4/6) suspend
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].action, Action::Warn);
    assert_eq!(events[1].action, Action::Suspend);
    assert_eq!(e.recent_gold, RecentGold::new());
    assert!(!st.active(5_000 + 3_599_999));
    assert!(st.active(5_000 + 3_600_000));
}

#[test]
fn sprt_rule_stops_once_the_worker_is_cleared() {
    let p = parse_policy(
        "[[rules]]\nid = \"s\"\naction = \"ban\"\nsprt = { good = 0.9, bad = 0.6, alpha = 0.01, beta = 0.01 }\n",
    )
    .expect("valid");
    let mut st = WorkerState::new(&p, 0);
    let mut e = WorkerEvidence::default();
    for t in 0..40 {
        e.record_gold(true);
        assert!(p.step(&mut st, &mut e, t).is_none());
    }
    assert_eq!(st.sprt_closed, 1);
    // afterwards even a long run of wrong answers does not fire the stopped test
    for t in 40..60 {
        e.record_gold(false);
        assert!(p.step(&mut st, &mut e, t).is_none());
    }
    // stateless evaluation on cumulative counts would fire
    assert_eq!(p.evaluate(&e).action, Action::Ban);
}

#[test]
fn rule_driven_tier_moves() {
    let p = parse_policy(
        r#"
[[rules]]
id = "up"
action = "promote"
min_evidence = 5
when = [{ metric = "gold_accuracy", at_least = 0.9 }]
[[rules]]
id = "note"
action = "warn"
min_evidence = 5
when = [{ metric = "gold_answered", at_least = 5 }]
[tiers]
min_evidence = 1000
levels = [{ name = "a" }, { name = "b", promote_at = 0.99 }]
"#,
    )
    .expect("valid");
    // a warning alongside does not swallow the promotion; the tiers' own
    // thresholds (min_evidence 1000) would not have moved the worker
    let d = p.evaluate(&ev(&run(5, 0)));
    assert_eq!(d.action, Action::Warn);
    let tc = d.tier.expect("moved");
    assert_eq!((tc.from, tc.to, tc.by_tiers), (0, 1, false));
    // already at the top: nothing to promote to
    let mut e = ev(&run(5, 0));
    e.tier = Some(1);
    assert!(p.evaluate(&e).tier.is_none());
}
