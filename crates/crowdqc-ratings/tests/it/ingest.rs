//! Ingest: the column layer, bad input, duplicate accounting, ordinal scales.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use crowdqc_core::{ColumnMap, DuplicatePolicy, Error, IdRef};
use crowdqc_ratings::{RatingScale, RatingsBuilder, RatingsOptions};

use crate::common::batch;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_string()).collect()
}

#[test]
fn numeric_strings_parse_and_bad_ones_name_value_and_row() {
    let b = batch(&[
        ("task", s(&["a", "a", "b"])),
        ("performer", s(&["x", "y", "x"])),
        ("label", s(&["-0", "00", " 7 "])),
    ]);
    let mut rb = RatingsBuilder::new(RatingsOptions::default()).expect("opts");
    rb.push_batch(&b)
        .expect("crowd-kit aliases and numeric strings");
    let m = rb.finish().expect("finish");
    assert_eq!(m.values(), &[0.0, 0.0, 7.0]);

    let b = batch(&[
        ("item", s(&["a", "a", "b"])),
        ("worker", s(&["x", "y", "x"])),
        ("label", s(&["1", "good", "bad"])),
    ]);
    let mut rb = RatingsBuilder::new(RatingsOptions::default()).expect("opts");
    let e = rb.push_batch(&b).expect_err("non-numeric");
    assert!(
        matches!(e, Error::InvalidValue { row: Some(1), .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "row 2, column `label`: `good` is not a number"
    );
}

#[test]
fn typed_columns_and_mapped_names() {
    let b = RecordBatch::try_from_iter([
        ("q", Arc::new(Int64Array::from(vec![1, 1, 2])) as ArrayRef),
        (
            "rater",
            Arc::new(StringArray::from(vec!["x", "y", "x"])) as ArrayRef,
        ),
        (
            "score",
            Arc::new(Float64Array::from(vec![0.5, 1.5, 2.5])) as ArrayRef,
        ),
    ])
    .expect("batch");
    let map = ColumnMap::default()
        .with_item("q")
        .with_worker("rater")
        .with_label("score");
    let mut rb = RatingsBuilder::new(RatingsOptions::default().with_columns(map)).expect("opts");
    rb.push_batch(&b).expect("ingest");
    let m = rb.finish().expect("finish");
    assert_eq!((m.n_items(), m.n_workers()), (2, 2));
    assert_eq!(m.items().get(1), IdRef::Int(2));
    // a missing column names what was tried
    let mut rb = RatingsBuilder::new(RatingsOptions::default()).expect("opts");
    let e = rb.push_batch(&b).expect_err("no item column");
    assert!(e.to_string().contains("missing column `item`"), "{e}");
}

#[test]
fn null_and_non_finite_ratings_are_errors_with_rows() {
    let b = RecordBatch::try_from_iter([
        (
            "item",
            Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef,
        ),
        (
            "worker",
            Arc::new(StringArray::from(vec!["x", "x"])) as ArrayRef,
        ),
        (
            "label",
            Arc::new(Float64Array::from(vec![Some(1.0), None])) as ArrayRef,
        ),
    ])
    .expect("batch");
    let mut rb = RatingsBuilder::new(RatingsOptions::default()).expect("opts");
    let e = rb.push_batch(&b).expect_err("null");
    assert!(e.to_string().starts_with("row 2, column `label`"), "{e}");
    let b = RecordBatch::try_from_iter([
        ("item", Arc::new(StringArray::from(vec!["a"])) as ArrayRef),
        ("worker", Arc::new(StringArray::from(vec!["x"])) as ArrayRef),
        (
            "label",
            Arc::new(Float64Array::from(vec![f64::INFINITY])) as ArrayRef,
        ),
    ])
    .expect("batch");
    let mut rb = RatingsBuilder::new(RatingsOptions::default()).expect("opts");
    let e = rb.push_batch(&b).expect_err("inf");
    assert!(e.to_string().contains("not a finite number"), "{e}");
    let e = RatingsBuilder::new(RatingsOptions::default())
        .expect("opts")
        .finish()
        .expect_err("empty");
    assert!(matches!(e, Error::InsufficientData(_)));
}

#[test]
fn ordinal_levels_map_to_ranks_and_unknown_levels_are_named() {
    let scale = RatingScale::Ordinal(s(&["bad", "ok", "good"]));
    let b = batch(&[
        ("item", s(&["a", "a", "b"])),
        ("worker", s(&["x", "y", "x"])),
        ("label", s(&["good", "bad", "ok"])),
    ]);
    let mut rb =
        RatingsBuilder::new(RatingsOptions::default().with_scale(scale.clone())).expect("opts");
    rb.push_batch(&b).expect("ingest");
    assert_eq!(rb.finish().expect("finish").values(), &[2.0, 0.0, 1.0]);
    let b = batch(&[
        ("item", s(&["a"])),
        ("worker", s(&["x"])),
        ("label", s(&["great"])),
    ]);
    let mut rb = RatingsBuilder::new(RatingsOptions::default().with_scale(scale)).expect("opts");
    let e = rb.push_batch(&b).expect_err("unknown level");
    assert_eq!(
        e.to_string(),
        "row 1, column `label`: `great` is not one of the declared levels [bad, ok, good]"
    );
    for bad in [vec![], s(&["a", "a"])] {
        let e =
            RatingsBuilder::new(RatingsOptions::default().with_scale(RatingScale::Ordinal(bad)))
                .expect_err("bad scale");
        assert!(matches!(e, Error::InvalidParameter { .. }));
    }
}

fn dup_rows(policy: DuplicatePolicy) -> crowdqc_core::Result<crowdqc_ratings::RatingMatrix> {
    let mut b = RatingsBuilder::new(RatingsOptions::default().with_duplicates(policy))?;
    for (i, w, x) in [
        ("a", "x", 1.0),
        ("a", "y", 2.0),
        ("a", "x", 3.0),
        ("b", "x", 1.0),
        ("a", "x", 1.0),
        ("b", "y", 5.0),
        ("b", "y", 5.0),
    ] {
        b.push_row(IdRef::Str(i), IdRef::Str(w), x)?;
    }
    b.finish()
}

/// Duplicate accounting as core's ingest: pairs, extra rows, conflicting pairs,
/// dropped rows; first / last keep the first / last value.
#[test]
fn duplicates_are_counted_and_follow_the_policy() {
    let m = dup_rows(DuplicatePolicy::KeepAll).expect("keep-all");
    let r = m.ingest_report();
    assert_eq!(
        (
            r.rows_read,
            r.judgments,
            r.duplicate_pairs,
            r.duplicate_extra_rows,
            r.conflicting_duplicate_pairs,
            r.dropped_duplicate_rows
        ),
        (7, 7, 2, 3, 1, 0)
    );
    assert!(m.has_duplicates());
    let m = dup_rows(DuplicatePolicy::First).expect("first");
    assert_eq!(m.ingest_report().dropped_duplicate_rows, 3);
    assert_eq!(m.values()[m.item_range(0)], [1.0, 2.0]);
    assert!(!m.has_duplicates());
    let m = dup_rows(DuplicatePolicy::Last).expect("last");
    assert_eq!(m.values()[m.item_range(0)], [1.0, 2.0]);
    let m2 = {
        let mut b =
            RatingsBuilder::new(RatingsOptions::default().with_duplicates(DuplicatePolicy::Last))
                .expect("o");
        for (w, x) in [("x", 1.0), ("x", 3.0)] {
            b.push_row(IdRef::Str("a"), IdRef::Str(w), x).expect("row");
        }
        b.finish().expect("finish")
    };
    assert_eq!(m2.values(), &[3.0]);
    let e = dup_rows(DuplicatePolicy::Error).expect_err("error policy");
    assert_eq!(
        e.to_string(),
        "worker `x` rated item `a` more than once (data rows 1 and 3, 1-based); choose a \
         duplicate policy: keep-all, first or last"
    );
    // worker positions are in input order
    assert_eq!(m.n_ratings(), 4);
}
