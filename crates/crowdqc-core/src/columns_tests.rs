use std::sync::Arc;

use arrow_array::types::{Int8Type, UInt64Type};
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, Int64Array,
    LargeStringArray, StringArray, StringViewArray, UInt8Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};

use super::*;

fn schema(names: &[&str]) -> Schema {
    Schema::new(
        names
            .iter()
            .map(|n| Field::new(*n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    )
}

fn ids(arr: &ArrayRef) -> Vec<Option<String>> {
    let c = IdColumn::new(arr, "c", 0).expect("ids");
    (0..c.len())
        .map(|i| c.get_opt(i).map(|v| v.to_string()))
        .collect()
}

#[test]
fn resolve_uses_explicit_name_only_or_the_aliases_in_order() {
    let s = schema(&["performer", "task", "annotator", "true_label", "label"]);
    assert_eq!(resolve(&s, Role::Item, None).expect("item"), 1);
    // `performer` comes before `annotator` in the aliases, whatever the file order
    assert_eq!(resolve(&s, Role::Worker, None).expect("worker"), 0);
    assert_eq!(resolve(&s, Role::Worker, Some("annotator")).expect("w"), 2);
    assert_eq!(resolve(&s, Role::GoldLabel, None).expect("gold"), 4);
    assert_eq!(
        resolve_fallback(&s, Role::GoldLabel, Some("x")).expect("g"),
        4
    );
    assert_eq!(
        resolve_optional(&s, Role::Timestamp, None).expect("ts"),
        None
    );
    let e = resolve_optional(&s, Role::Timestamp, Some("when")).expect_err("explicit");
    assert!(e.to_string().contains("tried when"), "{e}");
    let e = resolve(&s, Role::Weight, None).expect_err("no weight");
    let msg = e.to_string();
    assert!(
        msg.contains("missing column `weight`")
            && msg.contains("tried weight, skill")
            && msg.contains("found columns [performer, task, annotator, true_label, label]"),
        "{msg}"
    );
    // an explicit name is the only name tried: the aliases are not a silent fallback
    let e = resolve(&s, Role::Item, Some("item_id")).expect_err("explicit");
    assert!(e.to_string().contains("tried item_id;"), "{e}");
}

#[test]
fn every_string_integer_and_dictionary_type_reads_the_same_ids() {
    let want: Vec<Option<String>> = ["b", "a", "b"]
        .iter()
        .map(|s| Some(s.to_string()))
        .collect();
    let plain: ArrayRef = Arc::new(StringArray::from(vec!["b", "a", "b"]));
    let large: ArrayRef = Arc::new(LargeStringArray::from(vec!["b", "a", "b"]));
    let view: ArrayRef = Arc::new(StringViewArray::from(vec!["b", "a", "b"]));
    let values: ArrayRef = Arc::new(LargeStringArray::from(vec!["a", "b"]));
    let d8: ArrayRef = Arc::new(
        DictionaryArray::<Int8Type>::try_new(vec![1i8, 0, 1].into(), Arc::clone(&values))
            .expect("dict"),
    );
    let d64: ArrayRef = Arc::new(
        DictionaryArray::<UInt64Type>::try_new(UInt64Array::from(vec![1, 0, 1]), values)
            .expect("dict"),
    );
    for a in [&plain, &large, &view, &d8, &d64] {
        assert_eq!(ids(a), want, "{}", a.data_type());
    }
    let int_want: Vec<Option<String>> = ["7", "-1", "7"]
        .iter()
        .map(|s| Some(s.to_string()))
        .collect();
    let i32s: ArrayRef = Arc::new(Int32Array::from(vec![7, -1, 7]));
    let f64s: ArrayRef = Arc::new(Float64Array::from(vec![7.0, -1.0, 7.0]));
    let ivals: ArrayRef = Arc::new(Int64Array::from(vec![-1, 7]));
    let di: ArrayRef = Arc::new(
        DictionaryArray::<Int8Type>::try_new(vec![1i8, 0, 1].into(), ivals).expect("dict"),
    );
    for a in [&i32s, &f64s, &di] {
        assert_eq!(ids(a), int_want, "{}", a.data_type());
        let c = IdColumn::new(a, "c", 0).expect("ids");
        assert_eq!(c.get(0).expect("id"), IdRef::Int(7));
    }
    let u8s: ArrayRef = Arc::new(UInt8Array::from(vec![200]));
    assert_eq!(
        IdColumn::new(&u8s, "c", 0).expect("u8").get(0).expect("v"),
        IdRef::Int(200)
    );
    let b: ArrayRef = Arc::new(BooleanArray::from(vec![true, false]));
    assert_eq!(ids(&b), vec![Some("true".into()), Some("false".into())]);
    let frac: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 0.5]));
    assert_eq!(ids(&frac), vec![Some("1".into()), Some("0.5".into())]);
}

#[test]
fn nulls_and_bad_values_name_the_column_and_the_one_based_row() {
    let a: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None]));
    // this batch starts at data row 10 (zero-based) of its file
    let c = IdColumn::new(&a, "worker", 10).expect("ids");
    assert_eq!(c.get_opt(1), None);
    let e = c.get(1).expect_err("null");
    assert_eq!(
        e.to_string(),
        "row 12, column `worker`: null value; fill it or drop the row"
    );
    let values: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None]));
    let d: ArrayRef =
        Arc::new(DictionaryArray::<Int8Type>::try_new(vec![0i8, 1].into(), values).expect("dict"));
    let c = IdColumn::new(&d, "item", 0).expect("dict ids");
    assert!(c.get(1).is_err() && c.get(0).is_ok());
    let big: ArrayRef = Arc::new(UInt64Array::from(vec![1, u64::MAX]));
    let e = IdColumn::new(&big, "item", 0).expect_err("too big");
    assert!(e.to_string().starts_with("row 2, column `item`"), "{e}");
    let list: ArrayRef = Arc::new(arrow_array::Date32Array::from(vec![1]));
    let e = IdColumn::new(&list, "item", 0).expect_err("date");
    assert!(matches!(e, Error::Schema { .. }), "{e}");

    let n: ArrayRef = Arc::new(StringArray::from(vec![
        Some(" 0.25 "),
        Some(""),
        None,
        Some("x"),
    ]));
    let e = NumberColumn::new(&n, "weight", 0).expect_err("x");
    assert_eq!(e.to_string(), "row 4, column `weight`: `x` is not a number");
    let n: ArrayRef = Arc::new(StringArray::from(vec![Some(" 0.25 "), Some(""), None]));
    let c = NumberColumn::new(&n, "weight", 0).expect("numbers");
    assert_eq!(c.get(0).expect("v"), 0.25);
    assert_eq!((c.get_opt(1), c.get_opt(2)), (None, None));
    assert_eq!(
        c.get(2).expect_err("null").to_string(),
        "row 3, column `weight`: null value; every row needs a number here"
    );
}

#[test]
fn numbers_from_every_numeric_type_and_dictionaries() {
    let i: ArrayRef = Arc::new(Int32Array::from(vec![3, -2]));
    let u: ArrayRef = Arc::new(UInt64Array::from(vec![3, 5]));
    let f: ArrayRef = Arc::new(Float64Array::from(vec![0.5, 1e-3]));
    let v: ArrayRef = Arc::new(StringViewArray::from(vec!["1.5", "2"]));
    let values: ArrayRef = Arc::new(Float64Array::from(vec![0.1, 0.9]));
    let d: ArrayRef =
        Arc::new(DictionaryArray::<Int8Type>::try_new(vec![1i8, 0].into(), values).expect("dict"));
    let read = |a: &ArrayRef| {
        let c = NumberColumn::new(a, "n", 0).expect("numbers");
        (0..c.len())
            .map(|k| c.get(k).expect("v"))
            .collect::<Vec<_>>()
    };
    assert_eq!(read(&i), [3.0, -2.0]);
    assert_eq!(read(&u), [3.0, 5.0]);
    assert_eq!(read(&f), [0.5, 1e-3]);
    assert_eq!(read(&v), [1.5, 2.0]);
    assert_eq!(read(&d), [0.9, 0.1]);
}

#[test]
fn dictionary_without_values_is_not_a_panic() {
    // found by fuzzing the builder: arrow's `normalized_keys` asserts on a dictionary
    // with no values (every key null), which `IdColumn`, `NumberColumn` and ingest used
    let mut b =
        arrow_array::builder::StringDictionaryBuilder::<arrow_array::types::Int8Type>::new();
    b.append_null();
    b.append_null();
    let arr: arrow_array::ArrayRef = std::sync::Arc::new(b.finish());
    let ids = IdColumn::new(&arr, "label", 0).expect("all null is readable");
    assert_eq!(ids.get_opt(1), None);
    assert!(ids.get(0).is_err());
    let nums = NumberColumn::new(&arr, "label", 0).expect("all null");
    assert_eq!(nums.get_opt(0), None);
    let batch = arrow_array::RecordBatch::try_from_iter([
        (
            "item",
            std::sync::Arc::new(arrow_array::StringArray::from(vec!["a", "b"])) as _,
        ),
        (
            "worker",
            std::sync::Arc::new(arrow_array::StringArray::from(vec!["w", "w"])) as _,
        ),
        ("label", arr),
    ])
    .expect("batch");
    let mut m =
        crate::JudgmentMatrixBuilder::new(crate::IngestOptions::default()).expect("builder");
    let e = m.push_batch(&batch).expect_err("null labels");
    assert!(e.is_user_error(), "{e}");
}
