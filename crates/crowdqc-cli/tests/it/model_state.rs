//! `aggregate --save-model / --init-from` and the memory estimate before reading.

use std::sync::Arc;

use arrow_array::{Int64Array, RecordBatch, StringArray};

use crate::util::{assert_no_panic, crowdqc, file, s};

/// 40 items, 6 workers of varied accuracy, two classes.
fn judgments(workers: &[&str]) -> String {
    let mut t = String::from("item,worker,label\n");
    for i in 0..40 {
        let truth = i % 2;
        for (k, w) in workers.iter().enumerate() {
            // worker k errs on items where (i + k) % (k + 3) == 0
            let l = if (i + k) % (k + 3) == 0 {
                1 - truth
            } else {
                truth
            };
            t.push_str(&format!("t{i},{w},{l}\n"));
        }
    }
    t
}

#[test]
fn a_saved_model_warm_starts_a_later_fit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = ["a", "b", "c", "d", "e", "f"];
    let day1 = file(tmp.path(), "day1.csv", judgments(&ws));
    let model = tmp.path().join("m.crowdqc");
    let items1 = tmp.path().join("items1.csv");
    let r = crowdqc(&[
        "aggregate",
        s(&day1),
        "--method",
        "ds",
        "--save-model",
        s(&model),
        "--out",
        s(&items1),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let bytes = std::fs::read(&model).expect("model written");
    assert_eq!(&bytes[..8], b"CQCMODEL");
    // the same data from the saved model: same items table, at most two iterations
    let items2 = tmp.path().join("items2.csv");
    let r = crowdqc(&[
        "aggregate",
        s(&day1),
        "--method",
        "ds",
        "--init-from",
        s(&model),
        "--out",
        s(&items2),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["warm_start"]["matched_workers"], 6, "{v}");
    assert_eq!(v["warm_start"]["new_workers"], 0, "{v}");
    let labels = |p: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .expect("items")
            .lines()
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(labels(&items1), labels(&items2));
    // a new worker on day 2 starts from the mean confusion
    let day2 = file(tmp.path(), "day2.csv", judgments(&["a", "b", "c", "z"]));
    let r = crowdqc(&[
        "aggregate",
        s(&day2),
        "--method",
        "ds",
        "--init-from",
        s(&model),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["warm_start"]["new_workers"], 1, "{v}");
}

#[test]
fn models_that_do_not_fit_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let day1 = file(tmp.path(), "day1.csv", judgments(&["a", "b", "c"]));
    let model = tmp.path().join("m.crowdqc");
    let r = crowdqc(&["aggregate", s(&day1), "--save-model", s(&model)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // other classes
    let other = file(
        tmp.path(),
        "other.csv",
        "item,worker,label\nt1,a,0\nt1,b,2\nt2,a,2\n",
    );
    let r = crowdqc(&["aggregate", s(&other), "--init-from", s(&model)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("only in the data: `2`") && r.stderr.contains("m.crowdqc"),
        "{r:?}"
    );
    // not a model file
    let r = crowdqc(&["aggregate", s(&day1), "--init-from", s(&day1)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("CQCMODEL"), "{r:?}");
    // a method without state
    let r = crowdqc(&[
        "aggregate",
        s(&day1),
        "--method",
        "glad",
        "--save-model",
        s(&model),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--method ds or one-coin-ds"), "{r:?}");
    assert_no_panic(&r);
}

/// A Parquet file declares its rows in the footer: a file whose estimate exceeds the
/// memory limit is refused before it is read, with the estimate.
#[test]
fn parquet_input_too_large_for_memory_is_refused_before_reading() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("j.parquet");
    let n = 100_000;
    let batch = RecordBatch::try_from_iter([
        (
            "item",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("t{}", i / 5)),
            )) as _,
        ),
        (
            "worker",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("w{}", i % 50)),
            )) as _,
        ),
        (
            "label",
            Arc::new(Int64Array::from_iter_values((0..n).map(|i| i % 3))) as _,
        ),
    ])
    .expect("batch");
    crowdqc::io::write_table(&p, &batch).expect("parquet");
    // 100 000 judgments x 14 bytes (two passes, the least) = 1.4 MB > 1 MiB
    let r = crowdqc(&["--max-memory", "1M", "aggregate", s(&p), "--method", "ds"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("100000 judgments")
            && r.stderr.contains("1.4 MB")
            && r.stderr.contains("reading the file twice"),
        "{r:?}"
    );
    assert_no_panic(&r);
    // one pass (3.0 MB) within half of 100 MiB
    let out1 = tmp.path().join("one.csv");
    let r = crowdqc(&[
        "--max-memory",
        "100M",
        "aggregate",
        s(&p),
        "--method",
        "ds",
        "--out",
        s(&out1),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // 3 MiB: one pass (3.0 MB) is more than half of it, two passes (1.4 MB) fit; the
    // items table is the same, byte for byte
    let out2 = tmp.path().join("two.csv");
    let r = crowdqc(&[
        "--max-memory",
        "3M",
        "aggregate",
        s(&p),
        "--method",
        "ds",
        "--out",
        s(&out2),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let (a, b) = (
        std::fs::read(&out1).expect("one pass"),
        std::fs::read(&out2).expect("two passes"),
    );
    assert!(
        a.len() > 100_000 && a == b,
        "{} vs {} bytes",
        a.len(),
        b.len()
    );
}
