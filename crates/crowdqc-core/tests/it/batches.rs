//! Building matrices from Arrow batches of every supported type, and the errors.

use std::sync::Arc;

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, LargeStringArray, ListArray,
    RecordBatch, StringArray, StringViewArray, TimestampSecondArray, UInt64Array,
};
use crowdqc_core::{
    ClassOrder, ColumnMap, Error, IdKind, IdRef, IngestOptions, JudgmentMatrixBuilder,
};

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).expect("valid batch")
}

fn strs(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

#[test]
fn every_id_type_gives_the_same_matrix() {
    let items = ["a", "a", "b", "c", "b"];
    let workers = [1i64, 2, 1, 3, 3];
    let labels = ["x", "y", "x", "x", "y"];
    let mut dict = StringDictionaryBuilder::<Int32Type>::new();
    for i in items {
        dict.append_value(i);
    }
    let item_cols: Vec<ArrayRef> = vec![
        strs(&items),
        Arc::new(LargeStringArray::from(items.to_vec())),
        Arc::new(StringViewArray::from(items.to_vec())),
        Arc::new(dict.finish()),
    ];
    let worker_cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(workers.to_vec())),
        Arc::new(Int32Array::from(
            workers.iter().map(|&w| w as i32).collect::<Vec<_>>(),
        )),
        Arc::new(UInt64Array::from(
            workers.iter().map(|&w| w as u64).collect::<Vec<_>>(),
        )),
        strs(&["1", "2", "1", "3", "3"]),
    ];
    let mut shapes = Vec::new();
    for (ic, wc) in item_cols.into_iter().zip(worker_cols) {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
        b.push_batch(&batch(vec![
            ("item", ic),
            ("worker", wc),
            ("label", strs(&labels)),
        ]))
        .unwrap();
        let m = b.finish().unwrap();
        let triples: Vec<(String, String, String)> = (0..m.n_judgments())
            .map(|p| {
                (
                    m.items().get(m.judgment_items()[p]).to_string(),
                    m.workers().get(m.judgment_workers()[p]).to_string(),
                    m.classes().label(m.judgment_classes()[p]).to_string(),
                )
            })
            .collect();
        shapes.push(triples);
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:?}");
    // CSR by item, input order within an item.
    assert_eq!(shapes[0][0], ("a".into(), "1".into(), "x".into()));
    assert_eq!(shapes[0][2], ("b".into(), "1".into(), "x".into()));
    assert_eq!(shapes[0][3], ("b".into(), "3".into(), "y".into()));
}

#[test]
fn integer_labels_sort_numerically_and_bool_labels_work() {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    b.push_batch(&batch(vec![
        ("task", strs(&["t1", "t2", "t3"])),
        ("worker", strs(&["w", "w", "w"])),
        ("label", Arc::new(Int64Array::from(vec![10, -2, 3]))),
    ]))
    .unwrap();
    let m = b.finish().unwrap();
    let labels: Vec<String> = m.classes().iter().map(|l| l.to_string()).collect();
    assert_eq!(labels, ["-2", "3", "10"]);
    assert_eq!(m.classes().order(), ClassOrder::Numeric);
    assert_eq!(m.classes().kind(), IdKind::Int);

    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    b.push_batch(&batch(vec![
        ("item", strs(&["t1", "t2"])),
        ("worker", strs(&["w", "w"])),
        ("label", Arc::new(BooleanArray::from(vec![true, false]))),
    ]))
    .unwrap();
    let m = b.finish().unwrap();
    assert_eq!(m.classes().label(0), IdRef::Str("false"));
}

#[test]
fn rows_in_errors_count_across_batches() {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    let ok = batch(vec![
        ("item", strs(&["a", "b"])),
        ("worker", strs(&["w", "w"])),
        ("label", strs(&["x", "y"])),
    ]);
    b.push_batch(&ok).unwrap();
    let bad = batch(vec![
        ("item", strs(&["c", "d", "e"])),
        (
            "worker",
            Arc::new(StringArray::from(vec![Some("w"), Some("v"), None])),
        ),
        ("label", strs(&["x", "y", "x"])),
    ]);
    let e = b.push_batch(&bad).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidValue { column, row: Some(4), .. } if column == "worker"),
        "{e}"
    );
    assert!(
        e.to_string().contains("row 5, column `worker`: null value"),
        "{e}"
    );
}

#[test]
fn missing_and_mistyped_columns_are_named() {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    let e = b
        .push_batch(&batch(vec![
            ("id", strs(&["a"])),
            ("worker", strs(&["w"])),
            ("label", strs(&["x"])),
        ]))
        .unwrap_err();
    let s = e.to_string();
    assert!(
        s.contains("missing column `item`")
            && s.contains("tried item, task")
            && s.contains("[id, worker, label]"),
        "{s}"
    );

    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    let list = ListArray::from_iter_primitive::<Int64Type, _, _>(vec![Some(vec![Some(1)])]);
    let e = b
        .push_batch(&batch(vec![
            ("item", strs(&["a"])),
            ("worker", strs(&["w"])),
            ("label", Arc::new(list)),
        ]))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Schema { column, found, .. } if column == "label" && found.starts_with("List")),
        "{e}"
    );

    // float labels (pandas writes integer labels with NaN as float64): integral values
    // are integers, others keep their decimal form; NaN is rejected with its row
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    b.push_batch(&batch(vec![
        ("item", strs(&["a", "b", "c"])),
        ("worker", strs(&["w", "w", "w"])),
        ("label", Arc::new(Float64Array::from(vec![2.0, 0.5, 10.0]))),
    ]))
    .unwrap();
    let m = b.finish().unwrap();
    assert_eq!(
        m.classes()
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>(),
        ["0.5", "2", "10"]
    );
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    let e = b
        .push_batch(&batch(vec![
            ("item", strs(&["a", "b"])),
            ("worker", strs(&["w", "w"])),
            ("label", Arc::new(Float64Array::from(vec![1.0, f64::NAN]))),
        ]))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("row 2, column `label`: value NaN is not a finite number"),
        "{e}"
    );

    // explicit mapping: the default names are not tried any more
    let opts = IngestOptions {
        columns: ColumnMap::default().with_item("url").with_label("answer"),
        ..Default::default()
    };
    let mut b = JudgmentMatrixBuilder::new(opts).unwrap();
    b.push_batch(&batch(vec![
        ("url", strs(&["a"])),
        ("worker", strs(&["w"])),
        ("answer", strs(&["x"])),
    ]))
    .unwrap();
    assert_eq!(b.finish().unwrap().n_judgments(), 1);
}

#[test]
fn empty_input_and_declared_classes() {
    let b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    assert!(matches!(b.finish(), Err(Error::InsufficientData(_))));

    let opts = IngestOptions {
        classes: Some(vec!["no".into(), "yes".into(), "maybe".into()]),
        ..Default::default()
    };
    let mut b = JudgmentMatrixBuilder::new(opts.clone()).unwrap();
    b.push_batch(&batch(vec![
        ("item", strs(&["a", "b"])),
        ("worker", strs(&["w", "w"])),
        ("label", strs(&["yes", "no"])),
    ]))
    .unwrap();
    let m = b.finish().unwrap();
    assert_eq!(m.classes().order(), ClassOrder::Declared);
    assert_eq!(
        m.classes()
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>(),
        ["no", "yes", "maybe"]
    );
    assert_eq!(m.classes().counts(), &[1, 1, 0]);
    assert_eq!(m.classes().unseen(), vec![2]);

    let mut b = JudgmentMatrixBuilder::new(opts).unwrap();
    let e = b
        .push_batch(&batch(vec![
            ("item", strs(&["a", "b", "c"])),
            ("worker", strs(&["w", "w", "w"])),
            ("label", strs(&["yes", "no", "never"])),
        ]))
        .unwrap_err();
    let s = e.to_string();
    assert!(
        s.contains("row 3") && s.contains("`never`") && s.contains("[no, yes, maybe]"),
        "{s}"
    );

    assert!(
        JudgmentMatrixBuilder::new(IngestOptions {
            classes: Some(vec![]),
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        JudgmentMatrixBuilder::new(IngestOptions {
            classes: Some(vec!["a".into(), "a".into()]),
            ..Default::default()
        })
        .is_err()
    );
}

#[test]
fn timestamps_and_durations_follow_their_judgments() {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    b.push_batch(&batch(vec![
        ("item", strs(&["b", "a", "b"])),
        ("worker", strs(&["w1", "w1", "w2"])),
        ("label", strs(&["x", "y", "x"])),
        (
            "timestamp",
            Arc::new(TimestampSecondArray::from(vec![30, 10, 20])),
        ),
        (
            "duration_ms",
            Arc::new(Float64Array::from(vec![Some(1.5), None, Some(3.0)])),
        ),
    ]))
    .unwrap();
    let m = b.finish().unwrap();
    // positions: item b (rows 0, 2), item a (row 1)
    assert_eq!(m.timestamps().unwrap(), &[30_000, 20_000, 10_000]);
    let d = m.durations().unwrap();
    assert_eq!((d[0], d[1]), (1.5, 3.0));
    assert!(d[2].is_nan());

    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    b.push_batch(&batch(vec![
        ("item", strs(&["a", "b"])),
        ("worker", strs(&["w1", "w1"])),
        ("label", strs(&["x", "y"])),
        (
            "timestamp",
            strs(&["2024-05-01T12:00:00Z", "2024-05-01 12:00:01.5"]),
        ),
    ]))
    .unwrap();
    let m = b.finish().unwrap();
    assert_eq!(
        m.timestamps().unwrap(),
        &[1_714_564_800_000, 1_714_564_801_500]
    );

    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    let e = b
        .push_batch(&batch(vec![
            ("item", strs(&["a"])),
            ("worker", strs(&["w1"])),
            ("label", strs(&["x"])),
            ("timestamp", strs(&["yesterday"])),
        ]))
        .unwrap_err();
    assert!(
        e.to_string().contains("cannot parse timestamp `yesterday`"),
        "{e}"
    );
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    let e = b
        .push_batch(&batch(vec![
            ("item", strs(&["a"])),
            ("worker", strs(&["w1"])),
            ("label", strs(&["x"])),
            ("duration_ms", Arc::new(Int64Array::from(vec![-5]))),
        ]))
        .unwrap_err();
    assert!(e.to_string().contains("negative"), "{e}");
}
