//! Gold ratings: tolerance, evidence for policies, accuracy helpers.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use crowdqc_core::{ColumnMap, DuplicatePolicy, Error, IdRef};
use crowdqc_ratings::{GoldRatings, gold_evidence, kendall_tau_b, pearson, ranks, score_accuracy};

use crate::common::matrix;

fn rows() -> Vec<(String, String, f64)> {
    // g1, g2 are gold items (values 3 and 8); worker "clicker" answers at random
    [
        ("g1", "good", 3.0),
        ("g1", "clicker", 9.0),
        ("x", "good", 5.0),
        ("g2", "good", 7.0),
        ("g2", "clicker", 1.0),
        ("x", "clicker", 2.0),
        ("g1", "late", 4.0),
    ]
    .iter()
    .map(|(i, w, x)| ((*i).to_string(), (*w).to_string(), *x))
    .collect()
}

#[test]
fn gold_evidence_counts_answers_within_tolerance_in_input_order() {
    let m = matrix(&rows(), DuplicatePolicy::Error);
    let g = GoldRatings::from_triples(
        &m,
        [
            (IdRef::Str("g1"), 3.0, 1.0),
            (IdRef::Str("g2"), 8.0, 1.0),
            (IdRef::Str("nope"), 1.0, 0.0),
        ],
    )
    .expect("gold");
    assert_eq!((g.len(), g.unmatched()), (2, 1));
    let ev = gold_evidence(&m, &g);
    let get = |w: &str| {
        ev.iter()
            .find(|(id, _)| id.to_string() == w)
            .map(|(_, e)| e.clone())
            .expect("worker")
    };
    let good = get("good");
    assert_eq!(
        (good.gold_answered, good.gold_correct, good.judgments),
        (2, 2, 3)
    );
    let clicker = get("clicker");
    assert_eq!(
        (
            clicker.gold_answered,
            clicker.gold_correct,
            clicker.judgments
        ),
        (2, 0, 3)
    );
    // |4 - 3| <= 1: the tolerance is inclusive
    assert_eq!(get("late").gold_correct, 1);
    assert_eq!(good.recent_gold.chronological(), vec![true, true]);
}

#[test]
fn gold_from_batches_reads_tolerance_and_rejects_bad_values() {
    let m = matrix(&rows(), DuplicatePolicy::Error);
    let b = RecordBatch::try_from_iter([
        (
            "item",
            Arc::new(StringArray::from(vec!["g1", "g2"])) as ArrayRef,
        ),
        (
            "true_label",
            Arc::new(StringArray::from(vec!["3", "8"])) as ArrayRef,
        ),
        (
            "tolerance",
            Arc::new(Float64Array::from(vec![Some(0.0), None])) as ArrayRef,
        ),
    ])
    .expect("batch");
    let g = GoldRatings::from_batches(&m, [(0, &b)], &ColumnMap::default(), 2.0).expect("gold");
    assert_eq!(
        g.get(m.items().lookup(IdRef::Str("g1")).expect("g1") as usize),
        Some((3.0, 0.0))
    );
    assert_eq!(
        g.get(m.items().lookup(IdRef::Str("g2")).expect("g2") as usize),
        Some((8.0, 2.0))
    );
    let ev = gold_evidence(&m, &g);
    // "late" rated g1 as 4: wrong with tolerance 0
    let late = ev
        .iter()
        .find(|(id, _)| id.to_string() == "late")
        .expect("late");
    assert_eq!(late.1.gold_correct, 0);
    let e = GoldRatings::from_triples(&m, [(IdRef::Str("g1"), 3.0, -1.0)]).expect_err("negative");
    assert!(matches!(e, Error::InvalidValue { .. }), "{e}");
    let e = GoldRatings::from_triples(
        &m,
        [(IdRef::Str("g1"), 3.0, 0.0), (IdRef::Str("g1"), 4.0, 0.0)],
    )
    .expect_err("two values");
    assert!(e.to_string().contains("two gold values"), "{e}");
}

/// Correlations by exact arithmetic: x = 1..5, y = 2x + 1 is perfectly correlated;
/// with one pair swapped, Kendall's τ = (9 − 1)/10 and Spearman's ρ = 1 − 6·2/120.
#[test]
fn correlation_helpers() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let y: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
    assert!((pearson(&x, &y).expect("r") - 1.0).abs() < 1e-15);
    let z = [1.0, 2.0, 4.0, 3.0, 5.0];
    assert!((kendall_tau_b(&x, &z).expect("tau") - 0.8).abs() < 1e-15);
    assert!((pearson(&ranks(&x), &ranks(&z)).expect("rho") - 0.9).abs() < 1e-15);
    assert_eq!(ranks(&[2.0, 1.0, 2.0]), vec![2.5, 1.0, 2.5]);
    assert!(pearson(&x, &[1.0; 5]).is_none());
    let m = matrix(&rows(), DuplicatePolicy::Error);
    let e = score_accuracy(&[1.0], &GoldRatings::default()).expect_err("shape");
    assert!(matches!(e, Error::InvalidParameter { .. }));
    let g = GoldRatings::from_triples(&m, [(IdRef::Str("g1"), 3.0, 0.5)]).expect("gold");
    let scores = vec![3.4, 0.0, 0.0];
    let acc = score_accuracy(&scores, &g).expect("acc");
    assert_eq!(acc.n, 1);
    assert!((acc.mae - 0.4).abs() < 1e-12 && acc.within_tolerance == 1.0);
}

/// Part 3 on real data: Roitero et al.'s attention checks (statement `HIGH`, expected
/// at the top of the scale, and `LOW`, expected at 0; correct within half the scale)
/// as gold ratings. The counts equal pandas' on the same rows
/// (`((df[c] - df.statement_id.map({'HIGH': top, 'LOW': 0})).abs() <= tol)` summed per
/// `unit_id` over the `gold_question` rows): S6 — 178 workers pass both checks, 21 one,
/// none both wrong; S100 — 164 and 34.
#[test]
fn roitero_attention_checks_become_gold_evidence() {
    let Some(dir) = crowdqc_testkit::fixtures::dataset_dir("roitero2020-truthfulness") else {
        return;
    };
    for (scale, top, tol, want) in [
        ("S6", 5.0, 2.0, [0, 21, 178]),
        ("S100", 100.0, 50.0, [0, 34, 164]),
    ] {
        let (header, rows) =
            crowdqc_testkit::fixtures::read_csv_rows(&dir.join(format!("{scale}.csv")));
        let col = |n: &str| header.iter().position(|h| h == n).expect("column");
        let (name, stmt, worker, level) = (
            col("name_unique"),
            col("statement_id"),
            col("unit_id"),
            col(&format!("{scale}_truth_level")),
        );
        // item: the statement's unique name, or HIGH / LOW for the attention checks
        let triples: Vec<(String, String, f64)> = rows
            .iter()
            .map(|r| {
                let item = if r[name].is_empty() {
                    r[stmt].clone()
                } else {
                    r[name].clone()
                };
                (item, r[worker].clone(), r[level].parse().expect("rating"))
            })
            .collect();
        let m = matrix(&triples, DuplicatePolicy::KeepAll);
        let g = GoldRatings::from_triples(
            &m,
            [
                (IdRef::Str("HIGH"), top, tol),
                (IdRef::Str("LOW"), 0.0, tol),
            ],
        )
        .expect("gold");
        let ev = gold_evidence(&m, &g);
        let mut hist = [0usize; 3];
        for (_, e) in &ev {
            assert_eq!(e.gold_answered, 2);
            hist[e.gold_correct as usize] += 1;
        }
        assert_eq!(hist, want, "{scale}");
        let judged: u64 = ev.iter().map(|(_, e)| e.judgments).sum();
        assert_eq!(judged as usize, rows.len());
    }
}
