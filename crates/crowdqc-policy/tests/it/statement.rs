//! Worker statements: wording, hand-computed pay and activity, and the "N more
//! correct answers" counts against adding answers one at a time.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_policy::pay::{parse_pay, pay_by_worker};
use crowdqc_policy::statement::{Change, statements_from_matrix};
use crowdqc_policy::{Action, parse_policy};

/// One judgment: item, worker, label, timestamp, duration (ms).
type Row<'a> = (&'a str, &'a str, &'a str, String, Option<f64>);

pub fn matrix(rows: &[Row<'_>], gold: &[(&str, &str)]) -> JudgmentMatrix {
    let col = |f: &dyn Fn(&Row<'_>) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
    };
    let batch = RecordBatch::try_from_iter([
        ("item", col(&|r| r.0.to_string())),
        ("worker", col(&|r| r.1.to_string())),
        ("label", col(&|r| r.2.to_string())),
        ("timestamp", col(&|r| r.3.clone())),
        (
            "duration_ms",
            Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.4))) as ArrayRef,
        ),
    ])
    .expect("batch");
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("builder");
    b.push_batch(&batch).expect("rows");
    for (i, l) in gold {
        b.push_gold_row(IdRef::Str(i), IdRef::Str(l)).expect("gold");
    }
    b.finish().expect("matrix")
}

const GOLD: [&str; 10] = ["g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"];

/// ann: gold g0..g9 one a minute on 1 May, right on the first 6, wrong on the last 4,
/// then r0, r1 on 2 May; 30 s a task. bob: all 10 right, r0 and r1 the same day; 60 s
/// a task.
fn crowd() -> JudgmentMatrix {
    let mut rows: Vec<Row<'_>> = Vec::new();
    for (k, g) in GOLD.iter().enumerate() {
        let ts = format!("2024-05-01 09:{k:02}:00");
        rows.push((
            g,
            "ann",
            if k < 6 { "yes" } else { "no" },
            ts.clone(),
            Some(30_000.0),
        ));
        rows.push((g, "bob", "yes", ts, Some(60_000.0)));
    }
    for (k, r) in ["r0", "r1"].iter().enumerate() {
        rows.push((
            r,
            "ann",
            "yes",
            format!("2024-05-02 10:0{k}:00"),
            Some(30_000.0),
        ));
        rows.push((
            r,
            "bob",
            "no",
            format!("2024-05-01 10:0{k}:00"),
            Some(60_000.0),
        ));
    }
    let gold: Vec<(&str, &str)> = GOLD.iter().map(|g| (*g, "yes")).collect();
    matrix(&rows, &gold)
}

const POLICY: &str = r#"
[[rules]]
id = "under-80-of-last-10"
action = "suspend"
duration = "10d"
min_evidence = 5
when = [{ metric = "gold_accuracy", window = 10, below = 0.80 }]

[[rules]]
id = "quota"
action = "ban"
min_evidence = 1
when = [{ metric = "tasks_per_day", below = 8 }]
"#;

const PAY: &str = r#"
currency = "USD"
rate = 0.10
platform_cut = 0.2
hourly_floor = 7.25
[unpaid]
qualification_gold = 2
"#;

/// Pay by hand: each worker did 12 tasks, the first 2 gold unpaid, 10 paid at
/// 0.10 × (1 − 0.2) = 0.08 → 0.80. ann: 12 × 30 s = 0.1 h (1 min unpaid) → 8.00 an
/// hour, unpaid share 1/6. bob: 12 × 60 s = 0.2 h → 4.00 an hour, below 7.25.
#[test]
fn pay_is_the_hand_computed_amount() {
    let m = crowd();
    let t = parse_pay(PAY, None).unwrap();
    let p = pay_by_worker(&m, &t).unwrap();
    let by = |name: &str| &p[m.workers().lookup(IdRef::Str(name)).unwrap() as usize];
    for (w, hours, hourly) in [("ann", 0.1, 8.0), ("bob", 0.2, 4.0)] {
        let x = by(w);
        assert_eq!((x.paid_tasks, x.unpaid_tasks, x.untimed_tasks), (10, 2, 0));
        assert!((x.earned - 0.8).abs() < 1e-12, "{w}: {}", x.earned);
        assert!((x.paid_hours + x.unpaid_hours - hours).abs() < 1e-12);
        assert!((x.unpaid_hours - hours / 6.0).abs() < 1e-12);
        assert!(
            (x.hourly.unwrap() - hourly).abs() < 1e-12,
            "{w}: {:?}",
            x.hourly
        );
        assert!((x.unpaid_share.unwrap() - 1.0 / 6.0).abs() < 1e-12);
    }
    assert_eq!(by("ann").below_floor(&t), Some(false));
    assert_eq!(by("bob").below_floor(&t), Some(true));
}

/// Pools and unpaid items by hand, with a task without a duration.
#[test]
fn pools_unpaid_items_and_untimed_tasks() {
    let rows: Vec<Row<'_>> = vec![
        (
            "a",
            "w",
            "x",
            "2024-01-01T00:00:00Z".into(),
            Some(120_000.0),
        ),
        (
            "b",
            "w",
            "x",
            "2024-01-01T00:01:00Z".into(),
            Some(240_000.0),
        ),
        (
            "t",
            "w",
            "x",
            "2024-01-01T00:02:00Z".into(),
            Some(360_000.0),
        ),
        ("c", "w", "x", "2024-01-01T00:03:00Z".into(), None),
    ];
    let m = matrix(&rows, &[]);
    let t = parse_pay(
        "rate = 0.5\nplatform_cut = 0.5\n[[pools]]\nname = \"long\"\nrate = 2.0\n\
         items = [\"b\"]\n[unpaid]\nitems = [\"t\"]\n",
        None,
    )
    .unwrap();
    let p = &pay_by_worker(&m, &t).unwrap()[0];
    // paid: a 0.25, b 1.00, c 0.25 (untimed) = 1.50; timed pay 1.25 over 12 min = 0.2 h
    assert_eq!((p.paid_tasks, p.unpaid_tasks, p.untimed_tasks), (3, 1, 1));
    assert!((p.earned - 1.5).abs() < 1e-12);
    assert!((p.hourly.unwrap() - 6.25).abs() < 1e-12);
    assert!((p.unpaid_share.unwrap() - 0.5).abs() < 1e-12);
}

#[test]
fn statement_numbers() {
    let m = crowd();
    let policy = parse_policy(POLICY).unwrap();
    let pay = parse_pay(PAY, None).unwrap();
    let s = statements_from_matrix(&m, &policy, Some(&pay)).unwrap();
    let ann = s.worker("ann").unwrap();
    assert_eq!((ann.work.tasks, ann.work.active_days), (12, Some(2)));
    assert_eq!(ann.work.tasks_per_day, Some(6.0));
    // Wilson 95% for 6/10: statsmodels proportion_confint(6, 10, method="wilson")
    let g = ann.gold.as_ref().unwrap();
    assert!((g.low - 0.31267376973365824).abs() < 1e-12);
    assert!((g.high - 0.8318196702937638).abs() < 1e-12);
    assert_eq!(ann.action, Action::Ban);
    // window of 10: T T T T T T F F F F; 6 correct answers only push out the Ts,
    // the 7th and 8th push out Fs: 8 of 10 = 80% is no longer under 80%
    assert_eq!(ann.rules[0].change, Change::CorrectAnswers { answers: 8 });
    assert!(matches!(ann.rules[1].change, Change::Nothing { .. }));
    let bob = s.worker("bob").unwrap();
    assert_eq!(bob.action, Action::Allow);
    assert_eq!(bob.work.tasks_per_day, Some(12.0));
    // 10 of 10: 9/10, 8/10 (not under 80%), 7/10 fires
    assert_eq!(bob.rules[0].change, Change::WrongAnswers { answers: 3 });
    assert!(matches!(bob.rules[1].change, Change::Other { .. }));
    let err = s.worker("carol").unwrap_err().to_string();
    assert!(err.contains("--worker") && err.contains("carol"), "{err}");
}

/// The text a worker reads, for the hand-made case (regression guard of the wording;
/// every number in it is computed by hand above), and no jargon or other ids.
#[test]
fn statement_wording() {
    let m = crowd();
    let policy = parse_policy(POLICY).unwrap();
    let pay = parse_pay(PAY, None).unwrap();
    let s = statements_from_matrix(&m, &policy, Some(&pay)).unwrap();
    let ann = s.worker("ann").unwrap().to_string();
    let want = "\
Statement for worker ann
Work: 12 tasks over 2 days (6.0 a day), 10 of them gold questions (questions with a known answer).
Gold: 6 of 10 correct (60%). With this many answers your true accuracy is likely between 31.3% and 83.2%.
Outcome: 2 rules apply to you; the strongest: your access is closed for good.
Rule 1: This applies to you: your access is paused for 10 days. 60% of your last 10 gold answers were correct, and the rule looks for under 80% correct (6 of 10); it is checked from 5 gold answers on (you have 10). 8 more correct gold answers in a row would lift it. The pause also ends by itself when its time is up.
Rule 2: This applies to you: your access is closed for good. You do 6.0 tasks a day on the days you work; the rule looks for fewer than 8; it is checked from 1 task on (you have 12). Nothing you can do changes this: a closed account is not reopened by later answers.
Pay: 10 paid tasks and 2 unpaid (training and qualification). You received 0.80 USD after the platform's 20% share. You spent 0.10 hours, 0.02 of them unpaid (16.7% of your time): your work paid 8.00 USD an hour. The hourly floor is 7.25 USD: you are at or above it.
";
    assert_eq!(ann, want);
    let all = s.to_string();
    for jargon in [
        "SPRT",
        "sprt",
        "Wilson",
        "wilson",
        "posterior",
        "likelihood",
        "sequential",
        "confidence interval",
        "bob",
        "g0",
        "r0",
        "quota",
        "under-80",
    ] {
        assert!(
            !ann.contains(jargon),
            "ann's statement says `{jargon}`:\n{ann}"
        );
        if !matches!(jargon, "bob") {
            assert!(!all.contains(jargon), "`{jargon}` in:\n{all}");
        }
    }
    let bob = s.worker("bob").unwrap().to_string();
    assert!(
        bob.contains("3 wrong gold answers in a row would make it apply"),
        "{bob}"
    );
    assert!(bob.contains("you are below it"), "{bob}");
}

mod counts {
    use crowdqc_core::evidence::WorkerEvidence;
    use crowdqc_policy::eval::WorkerState;
    use crowdqc_policy::eval::rule_fires;
    use crowdqc_policy::explain::LOOKAHEAD;
    use crowdqc_policy::statement::change::{
        brute_force, correct_to_change, sprt_ended, wrong_to_fire,
    };
    use crowdqc_policy::{Policy, Rule, parse_policy};

    use crate::example_policy;

    /// Rules with windows, minimum answers, bounds, sequential and posterior tests.
    fn rules() -> Vec<crowdqc_policy::Rule> {
        let extra = parse_policy(
            r#"
[[rules]]
id = "posterior"
action = "demote"
min_evidence = 5
posterior = { threshold = 0.8, probability = 0.9 }
[[rules]]
id = "jeffreys-lower"
action = "warn"
min_evidence = 10
when = [{ metric = "gold_accuracy", bound = "lower", interval = "jeffreys", confidence = 0.9, below = 0.9 }]
[[rules]]
id = "wrong-3-ever"
action = "suspend"
duration = "1d"
min_evidence = 3
when = [{ metric = "gold_wrong", at_least = 3 }]
[[rules]]
id = "cp-window-20"
action = "untrust"
min_evidence = 8
when = [{ metric = "gold_accuracy", window = 20, bound = "upper", interval = "clopper-pearson", at_most = 0.85 }]
[[rules]]
id = "point-all"
action = "suspend"
duration = "2d"
min_evidence = 4
when = [{ metric = "gold_accuracy", below = 0.95 }]
"#,
        )
        .expect("valid policy");
        let mut out: Vec<_> = [
            example_policy("toloka.toml"),
            example_policy("recommended.toml"),
            extra,
        ]
        .into_iter()
        .flat_map(|p: Policy| p.rules)
        .collect();
        out.retain(|r| r.conditions.iter().all(|c| c.metric.is_gold()));
        out
    }

    fn evidence(outcomes: &[bool]) -> WorkerEvidence {
        let mut e = WorkerEvidence::default();
        outcomes.iter().for_each(|&o| e.record_gold(o));
        e
    }

    /// 6/10 under "below 95% of all gold": (6+k)/(10+k) >= 0.95 first at k = 70.
    #[test]
    fn all_time_count_by_hand() {
        let rules = rules();
        let r = rules.iter().find(|r| r.id == "point-all").unwrap();
        let ev = evidence(&[
            true, true, true, true, true, true, false, false, false, false,
        ]);
        assert_eq!(correct_to_change(r, &ev), Some(70));
        assert_eq!(brute_force(r, &ev, true, 10_000), Some(70));
        // wrong answers are never forgotten by an all-time count
        let w = rules.iter().find(|r| r.id == "wrong-3-ever").unwrap();
        assert!(rule_fires(w, &ev));
        assert_eq!(correct_to_change(w, &ev), None);
    }

    /// 9 000 of 10 000 correct: (9000+k)/(10000+k) >= 0.95 first at k = 10 000 —
    /// beyond any look-ahead, found by the bisection and confirmed by brute force.
    #[test]
    fn long_way_back_is_exact() {
        let rules = rules();
        let r = rules.iter().find(|r| r.id == "point-all").unwrap();
        let mut ev = evidence(&[false; 100]);
        ev.gold_answered = 10_000;
        ev.gold_correct = 9_000;
        assert_eq!(correct_to_change(r, &ev), Some(10_000));
        assert_eq!(brute_force(r, &ev, true, 20_000), Some(10_000));
    }

    /// The live engine's answer: the history and then wrong answers one at a time
    /// through [`Policy::step`] with this rule alone; the first wrong answer at which
    /// it fires (`None` within the look-ahead), and whether its sequential test had
    /// ended. `None` when the rule already fired during the history.
    fn live_wrong_to_fire(r: &Rule, outcomes: &[bool]) -> Option<(Option<u64>, bool)> {
        let p = Policy {
            name: "one".into(),
            description: None,
            rules: vec![r.clone()],
            tiers: None,
            warnings: Vec::new(),
        };
        let mut st = WorkerState::new(&p, 0);
        let mut ev = WorkerEvidence::default();
        for (t, &o) in outcomes.iter().enumerate() {
            ev.record_gold(o);
            if p.step(&mut st, &mut ev, t as i64).is_some() {
                return None;
            }
        }
        let ended = st.sprt_closed & 1 == 1;
        let w = r
            .conditions
            .iter()
            .filter_map(|c| c.window)
            .max()
            .unwrap_or(0);
        let first = (1..=u64::from(w) + LOOKAHEAD).find(|k| {
            ev.record_gold(false);
            p.step(&mut st, &mut ev, (outcomes.len() as u64 + k) as i64)
                .is_some()
        });
        Some((first, ended))
    }

    /// The exact count equals adding correct answers one at a time, on 300 seeded
    /// histories of 0–119 answers at accuracies from 0.3 to 0.98; for rules that do
    /// not apply, the wrong answers that would trigger them (and whether a sequential
    /// test has ended) equal the live engine's. The test asserts that many rules
    /// fired, were clear and had ended (so no comparison is vacuous).
    #[test]
    fn counts_equal_brute_force() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let rules = rules();
        let (mut fired, mut beyond, mut clear, mut ended_n) = (0, 0, 0, 0);
        for case in 0..300 {
            let p = 0.3 + 0.68 * (case % 10) as f64 / 9.0;
            let n = rng.random_range(0..120);
            let outcomes: Vec<bool> = (0..n).map(|_| rng.random_bool(p)).collect();
            let ev = evidence(&outcomes);
            for r in &rules {
                if rule_fires(r, &ev) {
                    fired += 1;
                    let want = brute_force(r, &ev, true, 3_000);
                    let got = correct_to_change(r, &ev);
                    if want.is_none() {
                        beyond += 1;
                        assert!(got.is_none_or(|k| k > 3_000), "{}: {got:?}", r.id);
                    } else {
                        assert_eq!(got, want, "rule {} on {outcomes:?}", r.id);
                    }
                } else if let Some((want, ended)) = live_wrong_to_fire(r, &outcomes) {
                    clear += 1;
                    ended_n += usize::from(ended);
                    assert_eq!(sprt_ended(r, &ev), ended, "rule {} on {outcomes:?}", r.id);
                    assert_eq!(wrong_to_fire(r, &ev), want, "rule {} on {outcomes:?}", r.id);
                }
            }
        }
        assert!(ended_n > 50, "ended {ended_n}");
        assert!(fired > 500 && clear > 500, "fired {fired}, clear {clear}");
        assert!(
            beyond > 0 && beyond < fired / 2,
            "beyond {beyond} of {fired}"
        );
    }
}

/// Replay checks a daily quota when a day is over: ann did 10 gold tasks on 1 May
/// (then r0, r1 on 2 May); under "fewer than 11 a day" the rule fires at her first
/// judgment of 2 May (10 tasks over 1 complete day), not before.
#[test]
fn replay_checks_the_quota_at_the_day_boundary() {
    let m = crowd();
    let policy = parse_policy(
        "[[rules]]\nid = \"quota\"\naction = \"suspend\"\nduration = \"1d\"\n\
         min_evidence = 1\nwhen = [{ metric = \"tasks_per_day\", below = 11 }]\n",
    )
    .unwrap();
    let r = crowdqc_policy::replay::replay(&policy, &m).unwrap();
    let ann = m.workers().lookup(IdRef::Str("ann")).unwrap();
    let ev: Vec<_> = r.events.iter().filter(|e| e.worker == ann).collect();
    assert_eq!(ev.len(), 1, "{:?}", r.events);
    // 2024-05-02T10:00:00Z
    assert_eq!(ev[0].timestamp_ms, 1_714_644_000_000);
    // bob did 12 tasks on 1 May only: no complete day before the data ends
    assert!(r.events.iter().all(|e| e.worker == ann));
}
