//! Duplicate policies and the gold join, on small cases and the 1979 Dawid–Skene data.

use crowdqc_core::{
    DuplicatePolicy, Error, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder,
};

fn build(
    rows: &[(&str, &str, &str)],
    gold: &[(&str, &str)],
    opts: IngestOptions,
) -> crowdqc_core::Result<JudgmentMatrix> {
    let mut b = JudgmentMatrixBuilder::new(opts)?;
    for &(i, w, l) in rows {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
    }
    for &(i, l) in gold {
        b.push_gold_row(IdRef::Str(i), IdRef::Str(l))?;
    }
    b.finish()
}

const ROWS: &[(&str, &str, &str)] = &[
    ("t1", "w1", "a"), // 0
    ("t1", "w1", "b"), // 1 conflicting duplicate of row 0
    ("t1", "w2", "a"), // 2
    ("t2", "w1", "a"), // 3
    ("t2", "w1", "a"), // 4 consistent duplicate
    ("t2", "w1", "a"), // 5 third copy
    ("t1", "w1", "a"), // 6 third row of the (t1, w1) pair
];

fn with(policy: DuplicatePolicy) -> crowdqc_core::Result<JudgmentMatrix> {
    build(ROWS, &[], IngestOptions::default().with_duplicates(policy))
}

#[test]
fn duplicates_are_counted_under_every_policy() {
    for policy in [
        DuplicatePolicy::KeepAll,
        DuplicatePolicy::First,
        DuplicatePolicy::Last,
    ] {
        let m = with(policy).unwrap();
        let r = m.report();
        assert_eq!(
            (
                r.duplicate_pairs,
                r.duplicate_extra_rows,
                r.conflicting_duplicate_pairs
            ),
            (2, 4, 1),
            "{policy:?}"
        );
        assert_eq!(r.rows_read, 7);
        assert_eq!(
            r.rows_read,
            r.judgments + r.dropped_duplicate_rows,
            "every row accounted for"
        );
    }
    let keep = with(DuplicatePolicy::KeepAll).unwrap();
    assert_eq!(keep.n_judgments(), 7);
    let first = with(DuplicatePolicy::First).unwrap();
    assert_eq!(first.n_judgments(), 3);
    assert_eq!(first.report().dropped_duplicate_rows, 4);
    // t1: w1's first answer (a, row 0), then w2's
    let t1: Vec<u32> = first.judgment_classes()[first.item_range(0)].to_vec();
    assert_eq!(t1, [0, 0]);
    let last = with(DuplicatePolicy::Last).unwrap();
    // t1: w2 (row 2) stays; w1's last answer is row 6 (a)
    assert_eq!(last.judgment_workers()[last.item_range(0)], [1, 0]);
    assert_eq!(last.worker_count(0), 2);
    assert_eq!(last.classes().counts(), &[3, 0]);
}

#[test]
fn duplicate_error_names_worker_item_and_rows() {
    let e = with(DuplicatePolicy::Error).unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, Error::Conflict(_)));
    assert!(
        s.contains("worker `w1` judged item `t1` more than once (data rows 1 and 2, 1-based)"),
        "{s}"
    );
}

#[test]
fn gold_join_counts_unknown_items_and_checks_labels() {
    let rows = &[("t1", "w1", "a"), ("t2", "w1", "b")];
    let m = build(
        rows,
        &[("t2", "b"), ("zz", "c"), ("t2", "b"), ("t1", "a")],
        IngestOptions::default(),
    )
    .unwrap();
    let g = m.report().gold.clone().unwrap();
    assert_eq!(
        (g.given, g.joined, g.unknown_items, g.repeated_rows),
        (3, 2, 1, 1)
    );
    assert_eq!(g.unknown_examples, ["zz"]);
    assert_eq!(m.gold().items(), &[0, 1]);
    assert_eq!(m.gold().label(1), Some(1));
    // label `c` of unknown item `zz` is not checked: the item does not join.

    let e = build(rows, &[("t2", "c")], IngestOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("gold label `c` for item `t2` is not a class"),
        "{e}"
    );

    let m = build(
        rows,
        &[("t2", "c")],
        IngestOptions::default().with_extend_classes_with_gold(true),
    )
    .unwrap();
    assert_eq!(m.n_classes(), 3);
    assert_eq!(m.classes().unseen(), vec![2]);
    assert_eq!(m.gold().label(1), Some(2));

    let e = build(rows, &[("t2", "b"), ("t2", "a")], IngestOptions::default()).unwrap_err();
    assert!(
        matches!(e, Error::InvalidValue { row: Some(1), .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "row 2, column `label`: gold item `t2` has two different labels: `b` (first given in \
         data row 1) and `a`; keep one answer per gold item"
    );

    // no gold given: no gold report at all
    assert!(
        build(rows, &[], IngestOptions::default())
            .unwrap()
            .report()
            .gold
            .is_none()
    );
}

#[test]
fn without_workers_keeps_indices() {
    let m = with(DuplicatePolicy::KeepAll).unwrap();
    let w1 = m.workers().lookup(IdRef::Str("w1")).unwrap();
    let sub = m.without_workers(&[w1]);
    assert_eq!(sub.n_workers(), 2);
    assert_eq!(sub.n_judgments(), 1);
    assert_eq!(sub.item_count(1), 0, "t2 is left with no judgment");
    assert_eq!(sub.worker_count(w1), 0);
    assert_eq!(sub.items().get(0), IdRef::Str("t1"));
}

#[test]
fn dawid_skene_1979_duplicates_match_source() {
    let Some(dir) = crowdqc_testkit::fixtures::dataset_dir("dawid-skene-1979-anaesthesia") else {
        return;
    };
    let m = crowdqc_testkit::fixtures::load_dataset(&dir, IngestOptions::default(), false);
    let r = m.report();
    // SOURCE.md: 45 items, 5 workers, 315 judgments, 45 duplicated pairs (90 extra rows), 13 conflicting
    assert_eq!((m.n_items(), m.n_workers(), m.n_judgments()), (45, 5, 315));
    assert_eq!(
        (
            r.duplicate_pairs,
            r.duplicate_extra_rows,
            r.conflicting_duplicate_pairs
        ),
        (45, 90, 13)
    );
    assert_eq!(m.classes().counts(), &[127, 125, 48, 15]);
    let first = crowdqc_testkit::fixtures::load_dataset(
        &dir,
        IngestOptions::default().with_duplicates(DuplicatePolicy::First),
        false,
    );
    assert_eq!(first.n_judgments(), 225);
}

#[test]
fn gold_batches_fall_back_to_default_names_when_columns_are_mapped() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use crowdqc_core::ColumnMap;

    let strs = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let opts = IngestOptions::default()
        .with_columns(ColumnMap::default().with_item("url").with_label("answer"));
    let mut b = JudgmentMatrixBuilder::new(opts).unwrap();
    let j = RecordBatch::try_from_iter([
        ("url", strs(&["u1", "u2"])),
        ("worker", strs(&["w", "w"])),
        ("answer", strs(&["G", "X"])),
    ])
    .unwrap();
    b.push_batch(&j).unwrap();
    // the gold file uses crowd-kit's names, not the mapped ones
    let g = RecordBatch::try_from_iter([
        ("task", strs(&["u2", "u1"])),
        ("true_label", strs(&["X", "R"])),
    ])
    .unwrap();
    b.push_gold_batch(&g).unwrap();
    let e = b.finish().unwrap_err();
    // the error names the gold file's label column and lists the classes sorted
    assert!(
        e.to_string().contains("column `true_label`: gold label `R` for item `u1` is not a class of the judgments [G, X]"),
        "{e}"
    );
}

/// `ROWS` reordered so each item's rows are contiguous (input order kept within an
/// item): the builder's no-scatter path for grouped input.
const GROUPED: &[(&str, &str, &str)] = &[
    ("t1", "w1", "a"),
    ("t1", "w1", "b"),
    ("t1", "w2", "a"),
    ("t1", "w1", "a"),
    ("t2", "w1", "a"),
    ("t2", "w1", "a"),
    ("t2", "w1", "a"),
];

#[test]
fn grouped_input_gives_the_same_matrix_as_interleaved_input() {
    for policy in [
        DuplicatePolicy::KeepAll,
        DuplicatePolicy::First,
        DuplicatePolicy::Last,
    ] {
        let opts = IngestOptions::default().with_duplicates(policy);
        let a = build(ROWS, &[], opts.clone()).unwrap();
        let b = build(GROUPED, &[], opts).unwrap();
        assert_eq!(a.n_judgments(), b.n_judgments(), "{policy:?}");
        for i in 0..a.n_items() as u32 {
            let (ra, rb) = (a.item_range(i), b.item_range(i));
            assert_eq!(ra, rb, "{policy:?} item {i}");
            assert_eq!(
                a.judgment_workers()[ra.clone()],
                b.judgment_workers()[rb.clone()]
            );
            assert_eq!(a.judgment_classes()[ra], b.judgment_classes()[rb]);
        }
        let (ra, rb) = (a.report(), b.report());
        assert_eq!(
            (
                ra.duplicate_pairs,
                ra.duplicate_extra_rows,
                ra.conflicting_duplicate_pairs
            ),
            (
                rb.duplicate_pairs,
                rb.duplicate_extra_rows,
                rb.conflicting_duplicate_pairs
            ),
        );
        assert_eq!(b.worker_count(0), a.worker_count(0));
    }
    // grouped: the repeated pair (t1, w1) is on data rows 1 and 2 (1-based) as well
    let e = build(
        GROUPED,
        &[],
        IngestOptions::default().with_duplicates(DuplicatePolicy::Error),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("worker `w1` judged item `t1` more than once (data rows 1 and 2, 1-based)"),
        "{e}"
    );
    // a pair repeated only on a later item is found too (the first item has none)
    let late = &[
        ("t1", "w1", "a"),
        ("t2", "w2", "a"),
        ("t2", "w3", "a"),
        ("t2", "w2", "b"),
    ];
    let e = build(
        late,
        &[],
        IngestOptions::default().with_duplicates(DuplicatePolicy::Error),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("worker `w2` judged item `t2` more than once (data rows 2 and 4, 1-based)"),
        "{e}"
    );
}
