//! Unit tests of [`super`] (the conversion of Arrow columns to codes).

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{DictionaryArray, Int32Array, Int64Array, RecordBatch, StringArray};

use crate::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};

fn build(batches: &[RecordBatch]) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for batch in batches {
        b.push_batch(batch).expect("push");
    }
    b.finish().expect("finish")
}

fn batch(item: arrow_array::ArrayRef, worker: arrow_array::ArrayRef, n: usize) -> RecordBatch {
    let label = Int64Array::from_iter_values((0..n as i64).map(|i| i % 3));
    RecordBatch::try_from_iter([
        ("item", item),
        ("worker", worker),
        ("label", Arc::new(label) as _),
    ])
    .expect("batch")
}

fn same(a: &JudgmentMatrix, b: &JudgmentMatrix) {
    assert_eq!(a.item_offsets(), b.item_offsets());
    assert_eq!(a.judgment_workers(), b.judgment_workers());
    assert_eq!(a.judgment_classes(), b.judgment_classes());
    assert!(a.items().iter().eq(b.items().iter()));
    assert!(a.workers().iter().eq(b.workers().iter()));
}

/// Plain string batches of 4,096+ rows into a hashed dictionary (interned as one
/// batch in bucket order) give the matrix of the same rows in batches of 999
/// (interned one by one): repeats within and across batches, new and known ids.
#[test]
fn long_string_batches_match_short_ones() {
    let n = 30_000usize;
    let mix = |r: usize| (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 44;
    let items: Vec<String> = (0..n).map(|r| format!("i{}", mix(r) % 7_000)).collect();
    let workers: Vec<String> = (0..n)
        .map(|r| format!("worker-{}", mix(r + 7) % 9_000))
        .collect();
    let cut = |size: usize| -> Vec<RecordBatch> {
        (0..n)
            .step_by(size)
            .map(|s| {
                let e = n.min(s + size);
                batch(
                    Arc::new(StringArray::from_iter_values(&items[s..e])),
                    Arc::new(StringArray::from_iter_values(&workers[s..e])),
                    e - s,
                )
            })
            .collect()
    };
    // batches start at multiples of 3, so every row gets label `row % 3`
    let (long, short) = (build(&cut(9_999)), build(&cut(999)));
    same(&long, &short);
    assert_eq!(long.judgment_classes(), short.judgment_classes());
    assert_eq!(long.n_judgments(), n);
    let distinct: std::collections::HashSet<&String> = workers.iter().collect();
    assert_eq!(long.n_workers(), distinct.len());
}

/// Dictionary columns whose batches share one values array (as Parquet column chunks
/// do), whose batches switch to another dictionary of the same length, and integer
/// dictionaries all give the matrix of the plain columns.
#[test]
fn dictionary_columns_match_plain_columns_across_batches() {
    let shared: arrow_array::ArrayRef = Arc::new(StringArray::from(vec!["w3", "w1", "w2", "w0"]));
    let other: arrow_array::ArrayRef = Arc::new(StringArray::from(vec!["w9", "w1", "w8", "w7"]));
    let keys = [
        vec![2, 2, 0, 1, 3],
        vec![3, 1, 1, 0, 2],
        vec![0, 3, 2, 1, 0],
    ];
    let dicts = [&shared, &shared, &other];
    let ints: arrow_array::ArrayRef = Arc::new(Int32Array::from(vec![40, 10, 30, 20]));
    let mut with_dict = Vec::new();
    let mut plain = Vec::new();
    for (k, d) in keys.iter().zip(dicts) {
        let key = Int32Array::from(k.clone());
        let worker =
            DictionaryArray::<Int32Type>::try_new(key.clone(), Arc::clone(d)).expect("dict");
        let item = DictionaryArray::<Int32Type>::try_new(key, Arc::clone(&ints)).expect("dict");
        let names: Vec<String> = k
            .iter()
            .map(|&x| {
                d.as_any()
                    .downcast_ref::<StringArray>()
                    .expect("str")
                    .value(x as usize)
                    .to_string()
            })
            .collect();
        let item_vals: Vec<i64> = k.iter().map(|&x| [40, 10, 30, 20][x as usize]).collect();
        with_dict.push(batch(Arc::new(item), Arc::new(worker), 5));
        plain.push(batch(
            Arc::new(Int64Array::from(item_vals)),
            Arc::new(StringArray::from(names)),
            5,
        ));
    }
    let (a, b) = (build(&with_dict), build(&plain));
    same(&a, &b);
    assert_eq!(a.n_workers(), 7);
    assert_eq!(a.workers().get(0), IdRef::Str("w2"));
    assert_eq!(a.items().get(0), IdRef::Int(30));
}
