//! Shared helpers: building comparisons from string rows, the readability data set and
//! the stored crowd-kit outputs.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use crowdqc_pairwise::{Comparisons, ComparisonsBuilder, PairwiseOptions};
use crowdqc_testkit::fixtures;

/// Comparisons from `(worker, left, right, label)` string rows (crowd-kit's layout).
pub fn from_rows(rows: &[[&str; 4]]) -> Comparisons {
    let col = |i: usize| -> ArrayRef {
        Arc::new(StringArray::from(
            rows.iter().map(|r| r[i]).collect::<Vec<_>>(),
        ))
    };
    let batch = RecordBatch::try_from_iter([
        ("worker", col(0)),
        ("left", col(1)),
        ("right", col(2)),
        ("label", col(3)),
    ])
    .expect("batch");
    let mut b = ComparisonsBuilder::new(PairwiseOptions::default()).expect("options");
    b.push_batch(&batch).expect("valid rows");
    b.finish().expect("finish")
}

/// crowd-kit's `data_abc` (tests/aggregation/test_bt_aggregation.py).
pub const ABC: [[&str; 4]; 3] = [
    ["w1", "a", "b", "a"],
    ["w1", "b", "c", "b"],
    ["w1", "c", "a", "a"],
];
/// crowd-kit's `data_equal`.
pub const EQUAL: [[&str; 4]; 3] = [
    ["w1", "a", "b", "a"],
    ["w1", "b", "c", "b"],
    ["w1", "c", "a", "c"],
];

/// The readability comparisons with left/right as the crowd-kit reference script
/// builds them (winner left on even rows, right on odd rows), and the gold levels.
pub struct Readability {
    pub data: Comparisons,
    /// (item, reading level)
    pub levels: Vec<(i64, f64)>,
}

pub fn readability() -> Option<Readability> {
    let dir = fixtures::dataset_dir("chen2013-readability-pairwise")?;
    let (h, rows) = fixtures::read_csv_rows(&dir.join("comparisons.csv"));
    assert_eq!(h, ["worker", "winner", "loser"]);
    let num = |s: &str| s.parse::<i64>().expect("integer id");
    let (mut w, mut l, mut r, mut o) = (vec![], vec![], vec![], vec![]);
    for (k, row) in rows.iter().enumerate() {
        let (win, lose) = (num(&row[1]), num(&row[2]));
        w.push(num(&row[0]));
        if k % 2 == 0 {
            l.push(win);
            r.push(lose);
        } else {
            l.push(lose);
            r.push(win);
        }
        o.push(win);
    }
    let int = |v: Vec<i64>| Arc::new(Int64Array::from(v)) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("worker", int(w)),
        ("left", int(l)),
        ("right", int(r)),
        ("winner", int(o)),
    ])
    .expect("batch");
    let mut b = ComparisonsBuilder::new(PairwiseOptions::default()).expect("options");
    b.push_batch(&batch).expect("valid");
    let data = b.finish().expect("finish");
    let (h, gold) = fixtures::read_csv_rows(&dir.join("gt.csv"));
    assert_eq!(&h[..2], ["item", "reading_level"]);
    let levels = gold
        .iter()
        .map(|g| (num(&g[0]), g[1].parse::<f64>().expect("level")))
        .collect();
    Some(Readability { data, levels })
}

/// The stored outputs of crowd-kit 1.4.2 (fixtures/pairwise/crowdkit_reference.json).
pub fn crowdkit() -> serde_json::Value {
    let p = fixtures::project_fixtures().join("pairwise/crowdkit_reference.json");
    let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&s).expect("json")
}

/// Comparisons of `fixtures/pairwise/synthetic.csv` (written by the reference script).
pub fn synthetic() -> Comparisons {
    let p = fixtures::project_fixtures().join("pairwise/synthetic.csv");
    let (_, rows) = fixtures::read_csv_rows(&p);
    let rows: Vec<[&str; 4]> = rows
        .iter()
        .map(|r| [r[0].as_str(), r[1].as_str(), r[2].as_str(), r[3].as_str()])
        .collect();
    from_rows(&rows)
}
