//! Gold scoring on real data and synthetic cases.

use crowdqc_core::{
    DuplicatePolicy, Error, Gold, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder,
};
use crowdqc_gold::{DivergenceDirection, GoldParams, IntervalMethod, binomial_interval};
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset};
use ndarray::Array2;

pub fn build(
    rows: &[(&str, &str, &str)],
    gold: &[(&str, &str)],
    dup: DuplicatePolicy,
) -> JudgmentMatrix {
    let opts = IngestOptions::default().with_duplicates(dup);
    let mut b = JudgmentMatrixBuilder::new(opts).expect("options");
    for &(i, w, l) in rows {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .expect("row");
    }
    for &(i, l) in gold {
        b.push_gold_row(IdRef::Str(i), IdRef::Str(l))
            .expect("gold row");
    }
    b.finish().expect("matrix")
}

fn worker(m: &JudgmentMatrix, id: &str) -> u32 {
    m.workers().lookup(IdRef::Str(id)).expect("worker")
}

fn item(m: &JudgmentMatrix, id: &str) -> u32 {
    m.items().lookup(IdRef::Str(id)).expect("item")
}

#[test]
fn crowdkit_toy_matches_crowdkit_get_accuracy() {
    let Some(dir) = dataset_dir("crowdkit-toy") else {
        return;
    };
    let m = load_dataset(&dir, IngestOptions::default(), true);
    let s = GoldParams::new().score(&m).unwrap();
    // SOURCE.md: get_accuracy = 5/9 overall; per worker w1 0.5, w2 1.0, w3 1.0, w4 0.5, w5 0.0
    assert_eq!(s.totals(), (9, 5));
    for (w, acc, n) in [
        ("w1", 0.5, 2),
        ("w2", 1.0, 2),
        ("w3", 1.0, 1),
        ("w4", 0.5, 2),
        ("w5", 0.0, 2),
    ] {
        let g = s.worker(worker(&m, w));
        assert_eq!(g.answered, n, "{w}");
        assert!((g.accuracy - acc).abs() < 1e-15, "{w}");
        let ci = binomial_interval(g.correct, g.answered, 0.95, IntervalMethod::Wilson).unwrap();
        assert_eq!(g.interval, ci);
    }
    // gold confusion of w5: both gold items are `yes`, answered `no` twice
    let (no, yes) = (0usize, 1usize);
    let c = s.confusion().expect("dense for two classes");
    let w5 = worker(&m, "w5") as usize;
    assert_eq!(
        (c[[w5, yes, no]], c[[w5, yes, yes]], c[[w5, no, no]]),
        (2, 0, 0)
    );
    // items: t1 has 4 answers (w3 skipped it), t2 has 5
    let items = s.items();
    assert_eq!(items.len(), 2);
    let t1 = items.iter().find(|r| r.item == item(&m, "t1")).unwrap();
    assert_eq!((t1.answers, t1.exposure, t1.misses), (4, 4, 2));
    assert!((t1.miss_rate - 0.5).abs() < 1e-15);
    assert!(!t1.contested); // a 2–2 split is not a confident disagreement
}

#[test]
fn zhou2012_dogs_counts_and_contested_items() {
    let Some(dir) = dataset_dir("zhou2012-dogs") else {
        return;
    };
    let m = load_dataset(&dir, IngestOptions::default(), true);
    let s = GoldParams::new()
        .interval(IntervalMethod::ClopperPearson)
        .score(&m)
        .unwrap();
    // Computed here with a plain Python count over judgments.csv / gold.csv:
    // 8,070 gold answers (every item is gold), 5,620 correct, 109 workers.
    assert_eq!(s.totals(), (8070, 5620));
    assert_eq!(s.items().len(), 807);
    for (w, n, c) in [
        ("1", 164, 129),
        ("2", 111, 68),
        ("3", 330, 199),
        ("13", 345, 238),
    ] {
        let g = s.worker(worker(&m, w));
        assert_eq!((g.answered, g.correct), (n, c), "worker {w}");
    }
    // worker 13: statsmodels 0.15.0 proportion_confint(238, 345, method='beta')
    let g = s.worker(worker(&m, "13"));
    assert!((g.interval.low - 0.6381169430685937).abs() < 1e-9);
    assert!((g.interval.high - 0.7382982812067541).abs() < 1e-9);
    // 44 gold items where >= 80% of the 10 votes pick another breed (Python count).
    let contested: Vec<_> = s
        .contested()
        .map(|r| m.items().get(r.item).to_string())
        .collect();
    assert_eq!(contested.len(), 44);
    assert_eq!(&contested[..4], ["7", "19", "55", "90"]);
    assert!(
        s.items()
            .iter()
            .all(|r| r.answers == 10 && r.exposure == 10)
    );
}

#[test]
fn miss_test_flags_an_item_missed_by_otherwise_perfect_workers() {
    // 6 workers answer 10 gold items; all right except item g0, which all miss
    let names: Vec<String> = (0..10).map(|i| format!("g{i}")).collect();
    let ws = ["a", "b", "c", "d", "e", "f"];
    let mut rows = Vec::new();
    for (i, n) in names.iter().enumerate() {
        for w in ws {
            rows.push((n.as_str(), w, if i == 0 { "y" } else { "x" }));
        }
    }
    let gold: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x")).collect();
    let m = build(&rows, &gold, DuplicatePolicy::KeepAll);
    let s = GoldParams::new().score(&m).unwrap();
    let g0 = &s.items()[0];
    // each worker's other gold: 9 of 9 -> miss probability 1 - 10/11 = 1/11
    assert!((g0.expected_misses - 6.0 / 11.0).abs() < 1e-12);
    assert!((g0.miss_p_value - (1.0f64 / 11.0).powi(6)).abs() < 1e-15);
    // the other items: nothing missed -> p = 1
    assert!(s.items()[1..].iter().all(|r| r.miss_p_value == 1.0));
}

#[test]
fn duplicates_count_per_judgment_and_exposure_per_worker() {
    let rows = [
        ("g", "a", "x"),
        ("g", "a", "y"),
        ("g", "b", "x"),
        ("r", "a", "x"),
    ];
    let m = build(&rows, &[("g", "x")], DuplicatePolicy::KeepAll);
    let s = GoldParams::new().score(&m).unwrap();
    let a = s.worker(worker(&m, "a"));
    assert_eq!((a.answered, a.correct), (2, 1));
    let g = &s.items()[0];
    assert_eq!((g.answers, g.exposure, g.misses), (3, 2, 1));
    let m = build(&rows, &[("g", "x")], DuplicatePolicy::First);
    let s = GoldParams::new().score(&m).unwrap();
    assert_eq!(s.worker(worker(&m, "a")).answered, 1);
}

/// Gold scoring names its duplicate rule (issue 9): identical `(item, worker, label)`
/// rows each count, where crowd-kit's `get_accuracy` (`drop_duplicates()`) counts them
/// once. Worker `a` answered gold `g` with `x` three times and `y` once.
#[test]
fn duplicate_rule_is_count_all_not_crowdkits_drop_identical_rows() {
    use crowdqc_core::votes::{DuplicateRule, accuracy_against};
    use crowdqc_gold::{DUPLICATE_RULE, GoldScoreReport};
    assert_eq!(DUPLICATE_RULE, DuplicateRule::CountAll);
    let rows = [
        ("g", "a", "x"),
        ("g", "a", "x"),
        ("g", "a", "x"),
        ("g", "a", "y"),
        ("g", "b", "x"),
    ];
    let m = build(&rows, &[("g", "x")], DuplicatePolicy::KeepAll);
    let s = GoldParams::new().score(&m).unwrap();
    let a = s.worker(worker(&m, "a"));
    // count-all: 4 answers, 3 correct
    assert_eq!((a.answered, a.correct), (4, 3));
    // crowd-kit: rows (g, a, x) and (g, a, y) once each -> 1 of 2
    let ck = accuracy_against(&m, m.gold().as_slice(), DuplicateRule::DropIdenticalRows);
    let wa = worker(&m, "a") as usize;
    assert_eq!((ck.answered[wa], ck.correct[wa]), (2, 1));
    let r = GoldScoreReport::build(&m, &GoldParams::new(), None, &[]).unwrap();
    assert!(r.duplicate_rule.contains("counts as one gold answer"));
    assert_eq!(r.duplicate_pairs, 1);
}

#[test]
fn contested_with_given_consensus_and_thresholds() {
    let rows = [
        ("g1", "a", "x"),
        ("g1", "b", "x"),
        ("g1", "c", "x"),
        ("g1", "d", "y"),
        ("g2", "a", "y"),
        ("g2", "b", "y"),
    ];
    let m = build(&rows, &[("g1", "y"), ("g2", "x")], DuplicatePolicy::KeepAll);
    // vote shares: g1 is 3/4 x against gold y -> below 0.8, not contested; g2 is 2/2
    // y against x but has only 2 answers (< 3).
    let s = GoldParams::new().score(&m).unwrap();
    assert_eq!(s.contested().count(), 0);
    let s = GoldParams::new()
        .contest_confidence(0.75)
        .contest_min_answers(2)
        .score(&m)
        .unwrap();
    assert_eq!(s.contested().count(), 2);
    // a model consensus that is sure g1 is x
    let mut post = Array2::<f64>::zeros((2, 2));
    post.row_mut(0).assign(&ndarray::arr1(&[0.95, 0.05]));
    post.row_mut(1).assign(&ndarray::arr1(&[0.5, 0.5]));
    let s = GoldParams::new()
        .score_with(&m, m.gold(), Some(post.view()))
        .unwrap();
    let c: Vec<_> = s.contested().map(|r| r.item).collect();
    assert_eq!(c, vec![item(&m, "g1")]);
    assert!((s.items()[0].gold_support - 0.05).abs() < 1e-15);
}

#[test]
fn model_comparison_flags_gold_recognition_and_bad_gold() {
    // worker a: 20/20 on gold; worker b: 10/20; worker c: 15/20
    let mut rows = Vec::new();
    let names: Vec<String> = (0..20).map(|i| format!("g{i}")).collect();
    for (i, n) in names.iter().enumerate() {
        rows.push((n.as_str(), "a", "x"));
        rows.push((n.as_str(), "b", if i < 10 { "x" } else { "y" }));
        rows.push((n.as_str(), "c", if i < 15 { "x" } else { "y" }));
    }
    let gold: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x")).collect();
    let m = build(&rows, &gold, DuplicatePolicy::KeepAll);
    let s = GoldParams::new().score(&m).unwrap();
    let model = [0.6, 0.9, 0.75, f64::NAN];
    let model = &model[..m.n_workers()];
    let cmp = s.compare_with_model(model).unwrap();
    let a = &cmp[worker(&m, "a") as usize];
    assert!(a.flagged && a.direction == Some(DivergenceDirection::GoldHigher));
    let b = &cmp[worker(&m, "b") as usize];
    assert!(b.flagged && b.direction == Some(DivergenceDirection::GoldLower));
    let c = &cmp[worker(&m, "c") as usize];
    assert!(!c.flagged && c.p_value > 0.99);
    // p-values: scipy 1.17.1, 2*min(cdf, sf) -> a: 2 * 0.6^20; b: binom(20, 0.9) at 10
    assert!((a.p_value - 2.0 * 0.6f64.powi(20)).abs() < 1e-15);
    assert!(b.q_value >= b.p_value);
    let e = s.compare_with_model(&[0.5]).unwrap_err();
    assert!(e.to_string().contains("model_accuracy"), "{e}");
    let e = s.compare_with_model(&[0.5, 1.5, 0.5]).unwrap_err();
    assert!(e.to_string().contains("model_accuracy"), "{e}");
}

#[test]
fn evidence_conversion_uses_time_order_only_with_timestamps() {
    let Some(dir) = dataset_dir("crowdkit-toy") else {
        return;
    };
    let m = load_dataset(&dir, IngestOptions::default(), true);
    let s = GoldParams::new().score(&m).unwrap();
    let ev = s.to_evidence(&m).unwrap();
    let w1 = &ev[worker(&m, "w1") as usize];
    assert_eq!((w1.gold_answered, w1.gold_correct), (2, 1));
    assert_eq!(w1.judgments, m.worker_count(worker(&m, "w1")) as u64);
    assert!(w1.recent_gold.is_empty());
}

#[test]
fn rejects_bad_input() {
    let rows = [("g", "a", "x"), ("r", "a", "y")];
    let m = build(&rows, &[("g", "x")], DuplicatePolicy::KeepAll);
    let p = GoldParams::new();
    for (bad, name) in [
        (p.clone().confidence(1.0), "confidence"),
        (p.clone().contest_confidence(0.5), "contest_confidence"),
        (p.clone().contest_min_answers(0), "contest_min_answers"),
    ] {
        let e = bad.score(&m).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
    }
    let e = p
        .score_with(&m, &Gold::empty(m.n_items()), None)
        .unwrap_err();
    assert!(matches!(e, Error::InsufficientData(_)), "{e}");
    let e = p.score_with(&m, &Gold::empty(5), None).unwrap_err();
    assert!(e.to_string().contains("gold"), "{e}");
    let post = Array2::<f64>::zeros((1, 2));
    let e = p.score_with(&m, m.gold(), Some(post.view())).unwrap_err();
    assert!(e.to_string().contains("consensus"), "{e}");
    let post = Array2::<f64>::from_elem((2, 2), 0.7);
    let e = p.score_with(&m, m.gold(), Some(post.view())).unwrap_err();
    assert!(e.to_string().contains("probability"), "{e}");
    // a matrix without gold
    let m = build(&rows, &[], DuplicatePolicy::KeepAll);
    assert!(matches!(
        p.score(&m).unwrap_err(),
        Error::InsufficientData(_)
    ));
}
