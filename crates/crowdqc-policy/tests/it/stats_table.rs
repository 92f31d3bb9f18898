//! Evidence from a table of per-worker statistics (`policy eval --stats`).

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    DictionaryArray, Float64Array, Int64Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray,
};
use crowdqc_policy::{Action, EvidenceTable, Id, parse_policy};

const POLICY: &str = r#"
[[rules]]
id = "window"
action = "suspend"
duration = "1d"
min_evidence = 10
when = [{ metric = "gold_accuracy", window = 10, below = 0.8 }]

[[rules]]
id = "overall"
action = "ban"
min_evidence = 10
when = [{ metric = "gold_accuracy", below = 0.5 }]
"#;

/// pandas sends LargeUtf8, polars Utf8View, and categorical columns are dictionaries:
/// the worker ids and the `recent_gold` strings read the same from each.
#[test]
fn any_string_column_kind_reads_the_same() {
    let p = parse_policy(POLICY).expect("valid");
    let workers = ["a", "b"];
    let recent = ["1111111111", "0000011111"];
    let kinds: Vec<(Arc<dyn arrow_array::Array>, Arc<dyn arrow_array::Array>)> = vec![
        (
            Arc::new(StringArray::from(workers.to_vec())),
            Arc::new(StringArray::from(recent.to_vec())),
        ),
        (
            Arc::new(LargeStringArray::from(workers.to_vec())),
            Arc::new(LargeStringArray::from(recent.to_vec())),
        ),
        (
            Arc::new(StringViewArray::from(workers.to_vec())),
            Arc::new(StringViewArray::from(recent.to_vec())),
        ),
        (
            Arc::new(workers.into_iter().collect::<DictionaryArray<Int32Type>>()),
            Arc::new(recent.into_iter().collect::<DictionaryArray<Int32Type>>()),
        ),
    ];
    for (w, r) in kinds {
        let b = RecordBatch::try_from_iter([
            ("worker", w),
            (
                "gold_answered",
                Arc::new(Int64Array::from(vec![40, 40])) as _,
            ),
            (
                "gold_correct",
                Arc::new(Float64Array::from(vec![40.0, 35.0])) as _,
            ),
            ("recent_gold", r),
        ])
        .expect("batch");
        let t = EvidenceTable::from_stats(&[b], &p).expect("stats");
        assert_eq!(t.workers, [Id::Str("a".into()), Id::Str("b".into())]);
        assert_eq!(t.window_known, [true, true]);
        let e = p.evaluate_table(&t);
        // b: 5 of the last 10 right -> the window rule fires
        assert_eq!(e.decisions[1].action, Action::Suspend);
        assert_eq!(e.decisions[1].rules, ["window"]);
    }
}

/// Counts alone do not say which answers were recent: window rules are not evaluated
/// (nor offered as the nearest rule), and the evaluation says why.
#[test]
fn window_rules_are_not_evaluated_from_counts() {
    let p = parse_policy(POLICY).expect("valid");
    let b = RecordBatch::try_from_iter([
        ("worker", Arc::new(Int64Array::from(vec![7, 8])) as _),
        (
            "gold_answered",
            Arc::new(Int64Array::from(vec![40, 40])) as _,
        ),
        (
            "gold_correct",
            Arc::new(Int64Array::from(vec![30, 40])) as _,
        ),
    ])
    .expect("batch");
    let t = EvidenceTable::from_stats(&[b], &p).expect("stats");
    assert_eq!(t.workers, [Id::Int(7), Id::Int(8)]);
    // all 40 correct: the window is known (all ones)
    assert_eq!(t.window_known, [false, true]);
    let e = p.evaluate_table(&t);
    let w7 = &e.decisions[0];
    assert_eq!(w7.action, Action::Allow);
    assert!(!w7.window_evaluated);
    assert!(w7.explanations.iter().all(|x| x.rule != "window"), "{w7:?}");
    assert!(
        e.warnings
            .iter()
            .any(|w| w.contains("`window` cannot be evaluated from aggregate stats for 1 of 2")),
        "{:?}",
        e.warnings
    );
    let table = e.to_record_batch().expect("table");
    assert_eq!(
        table.schema().field(0).data_type(),
        &arrow_schema::DataType::Int64
    );
}

#[test]
fn bad_cells_name_column_and_row() {
    let p = parse_policy(POLICY).expect("valid");
    let b = RecordBatch::try_from_iter([
        ("worker", Arc::new(StringArray::from(vec!["a", "b"])) as _),
        ("gold_answered", Arc::new(Int64Array::from(vec![4, 4])) as _),
        ("gold_correct", Arc::new(Int64Array::from(vec![4, 5])) as _),
    ])
    .expect("batch");
    let e = EvidenceTable::from_stats(&[b], &p).expect_err("5 > 4");
    assert_eq!(
        e.to_string(),
        "row 2, column `gold_correct`: 5 exceeds gold_answered (4)"
    );
}

/// Activity and pay from a stats table: a quota and a pay floor decide on them, and a
/// negative amount names its column and row.
#[test]
fn tasks_per_day_and_hourly_pay_columns() {
    let p = parse_policy(
        "[[rules]]\nid = \"quota\"\naction = \"ban\"\nmin_evidence = 0\n\
         when = [{ metric = \"tasks_per_day\", below = 200 }]\n\
         [[rules]]\nid = \"floor\"\naction = \"warn\"\nmin_evidence = 0\n\
         when = [{ metric = \"hourly_pay\", below = 7.25 }]\n",
    )
    .expect("valid");
    let b = RecordBatch::try_from_iter([
        (
            "worker",
            Arc::new(StringArray::from(vec!["a", "b", "c"])) as _,
        ),
        (
            "tasks_per_day",
            Arc::new(Float64Array::from(vec![Some(150.0), Some(250.0), None])) as _,
        ),
        (
            "hourly_pay",
            Arc::new(Float64Array::from(vec![Some(9.0), Some(4.5), None])) as _,
        ),
    ])
    .expect("batch");
    let e = p.evaluate_table(&EvidenceTable::from_stats(&[b], &p).expect("valid"));
    let actions: Vec<Action> = e.decisions.iter().map(|d| d.action).collect();
    assert_eq!(actions, [Action::Ban, Action::Warn, Action::Allow]);
    let b = RecordBatch::try_from_iter([
        ("worker", Arc::new(StringArray::from(vec!["a", "b"])) as _),
        (
            "hourly_pay",
            Arc::new(Float64Array::from(vec![1.0, -2.0])) as _,
        ),
    ])
    .expect("batch");
    let err = EvidenceTable::from_stats(&[b], &p).expect_err("negative");
    assert_eq!(
        err.to_string(),
        "row 2, column `hourly_pay`: must be a finite number >= 0, got -2"
    );
}
