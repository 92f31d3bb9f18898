//! `crowdqc aggregate`.

use crate::util::{assert_no_panic, crowdqc, file, s};

fn dogs() -> Option<std::path::PathBuf> {
    crowdqc_testkit::fixtures::dataset_dir("zhou2012-dogs")
}

const TOY: &str = "item,worker,label\nt1,w1,a\nt1,w2,a\nt1,w3,b\nt2,w1,b\nt2,w2,b\nt2,w3,b\nt3,w1,a\nt3,w2,b\nt3,w3,a\n";

#[test]
fn ds_on_dogs_reports_accuracy_and_writes_tables() {
    let Some(d) = dogs() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let items = tmp.path().join("items.csv");
    let workers = tmp.path().join("workers.csv");
    let r = crowdqc(&[
        "aggregate",
        s(&d.join("judgments.csv")),
        "--method",
        "ds",
        "--eval",
        s(&d.join("gold.csv")),
        "--out",
        s(&items),
        "--workers-out",
        s(&workers),
        "--format",
        "json",
    ]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let acc = v["eval"]["accuracy"].as_f64().expect("accuracy");
    assert!((acc - 0.842627).abs() < 1e-6, "{acc}");
    assert_eq!(v["fit"]["iterations"], 14); // crowd-kit 1.4.2 runs 14 iterations here
    let text = std::fs::read_to_string(&items).expect("items");
    let header = text.lines().next().expect("header");
    assert_eq!(header, "item,label,confidence,p_0,p_1,p_2,p_3");
    assert_eq!(text.lines().count(), 808);
    let w = std::fs::read_to_string(&workers).expect("workers");
    assert!(w.starts_with("worker,judgments,accuracy,spammer_score,confusion_0_0"));
}

#[test]
fn methods_that_cannot_use_gold_say_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(tmp.path(), "j.csv", TOY);
    let g = file(tmp.path(), "g.csv", "item,label\nt1,a\n");
    let r = crowdqc(&["aggregate", s(&j), "--method", "mv", "--gold", s(&g)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("mv cannot use gold"), "{}", r.stdout);
    let r = crowdqc(&["aggregate", s(&j), "--method", "ds", "--gold", s(&g)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("1 gold items used by ds"), "{}", r.stdout);
}

#[test]
fn eval_gold_is_not_used_for_fitting() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(tmp.path(), "j.csv", TOY);
    // t3 is 2-1 for a; eval says b: ds must still say a, and accuracy counts the miss.
    let e = file(tmp.path(), "e.csv", "item,label\nt3,b\nt9,a\n");
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "mv",
        "--eval",
        s(&e),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["eval"]["accuracy"], 0.0);
    assert_eq!(v["eval"]["unknown_items"], 1);
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(
        tmp.path(),
        "j.csv",
        "item,worker,label\nt1,w1,a\nt1,w2,b\nt1,w3,c\n",
    );
    let r = crowdqc(&["aggregate", s(&j), "--method", "kos"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("two classes"), "{}", r.stderr);
    let r = crowdqc(&["aggregate", s(&j), "--method", "nope"]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("unknown method"));
    let r = crowdqc(&["aggregate", s(&j), "--method", "wmv"]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("--weights"));
    let r = crowdqc(&["aggregate", s(&j), "--max-iter", "0"]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("max_iter"), "{}", r.stderr);
    let r = crowdqc(&["aggregate", s(&j), "--out", "/no/such/dir/items.csv"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    let one = file(
        tmp.path(),
        "one.csv",
        "item,worker,label\nt1,w1,a\nt2,w2,a\n",
    );
    let r = crowdqc(&["aggregate", s(&one)]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("insufficient data"), "{}", r.stderr);
    assert_no_panic(&r);
}

#[test]
fn weighted_majority_vote_reads_weights() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(tmp.path(), "j.csv", TOY);
    // w3 weighs more than w1 + w2: t1 goes to b.
    let w = file(tmp.path(), "w.csv", "worker,weight\nw1,1\nw2,1\nw3,3\n");
    let out = tmp.path().join("items.csv");
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "wmv",
        "--weights",
        s(&w),
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let text = std::fs::read_to_string(&out).expect("items");
    assert!(text.lines().any(|l| l.starts_with("t1,b,0.6")), "{text}");
}

#[test]
fn eval_gold_is_validated_like_gold() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(tmp.path(), "j.csv", TOY);
    // t1 given two labels: accuracy would depend on which row wins
    let e = file(tmp.path(), "e.csv", "item,label\nt1,a\nt2,b\nt1,b\n");
    let r = crowdqc(&["aggregate", s(&j), "--method", "mv", "--eval", s(&e)]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("e.csv: row 3, column `label`")
            && r.stderr
                .contains("item `t1` two labels: `a` (row 1) and `b`")
            && r.stderr.contains("(line 4)"),
        "{}",
        r.stderr
    );
    let e = file(tmp.path(), "n.csv", "item,label\nt1,a\nt2,\n");
    let r = crowdqc(&["aggregate", s(&j), "--method", "mv", "--eval", s(&e)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr
            .contains("n.csv: row 2, column `label`: null value")
            && r.stderr.contains("(line 3)"),
        "{}",
        r.stderr
    );
    // the same row repeated is fine and counted once
    let e = file(tmp.path(), "r.csv", "item,label\nt1,a\nt1,a\n");
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "mv",
        "--eval",
        s(&e),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        (
            &v["eval"]["rows"],
            &v["eval"]["repeated_rows"],
            &v["eval"]["scored"]
        ),
        (&2.into(), &1.into(), &1.into())
    );
}

#[test]
fn eval_items_used_to_fit_are_not_scored() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(tmp.path(), "j.csv", TOY);
    // ds clamps t3 to b from --gold; the evaluation also says t3 is b, which would be a
    // free hit. Only t1 and t2 are scored (both right).
    let g = file(tmp.path(), "g.csv", "item,label\nt3,b\n");
    let e = file(tmp.path(), "e.csv", "item,label\nt1,a\nt2,b\nt3,b\n");
    let args = [
        "aggregate",
        s(&j),
        "--method",
        "ds",
        "--gold",
        s(&g),
        "--eval",
        s(&e),
    ];
    let r = crowdqc(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let ev = &v["eval"];
    assert_eq!(
        (&ev["scored"], &ev["correct"]),
        (&2.into(), &2.into()),
        "{ev}"
    );
    assert_eq!(ev["excluded_fit_gold"], 1);
    assert_eq!(ev["held_out_only"], true);
    let r = crowdqc(&args);
    assert!(
        r.stdout
            .contains("on held-out items only: 1 evaluation items were gold used to fit"),
        "{}",
        r.stdout
    );
    // mv cannot use gold: every evaluation item is scored
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "mv",
        "--gold",
        s(&g),
        "--eval",
        s(&e),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        (&v["eval"]["scored"], &v["eval"]["held_out_only"]),
        (&3.into(), &false.into())
    );
}

#[test]
fn duplicates_are_reported_on_stderr() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(tmp.path(), "j.csv", format!("{TOY}t1,w1,b\nt2,w2,b\n"));
    let r = crowdqc(&["aggregate", s(&j), "--method", "mv"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stderr.contains(
            "note: 2 duplicate (item, worker) pairs (2 extra rows), 1 with conflicting labels; all rows kept"
        ),
        "{}",
        r.stderr
    );
    let r = crowdqc(&["aggregate", s(&j), "--method", "mv", "--duplicates", "last"]);
    assert!(
        r.stderr
            .contains("kept the last row of each pair, dropped 2 rows"),
        "{}",
        r.stderr
    );
}

#[test]
fn labels_differing_by_spaces_warn_and_trim_labels_merges_them() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(
        tmp.path(),
        "j.csv",
        "item,worker,label\nt1,w1,yes\nt1,w2, yes\nt2,w1,no\nt2,w2,no \n",
    );
    let r = crowdqc(&["aggregate", s(&j), "--method", "mv", "--format", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stderr
            .contains("2 groups of labels differ only by surrounding spaces or case")
            && r.stderr.contains("`no` / `no `")
            && r.stderr.contains("--trim-labels"),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["classes"], 4);
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "mv",
        "--trim-labels",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["classes"], 2);
}

#[test]
fn ids_keep_their_type_and_counts_are_int64() {
    use arrow_schema::DataType;
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(
        tmp.path(),
        "j.csv",
        "item,worker,label\n10,7,1\n10,8,1\n11,7,0\n11,8,1\n",
    );
    let items = tmp.path().join("items.parquet");
    let workers = tmp.path().join("workers.parquet");
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "mv",
        "--out",
        s(&items),
        "--workers-out",
        s(&workers),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let it = crowdqc_io::read_table(&items).expect("items");
    let types: Vec<DataType> = it[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(&types[..2], &[DataType::Int64, DataType::Int64]);
    let wt = crowdqc_io::read_table(&workers).expect("workers");
    let types: Vec<DataType> = wt[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        &types[..2],
        &[DataType::Int64, DataType::Int64],
        "worker, judgments"
    );
}

#[test]
fn eval_and_weights_accept_dictionary_and_large_string_columns() {
    use std::sync::Arc;

    use arrow_array::types::Int8Type;
    use arrow_array::{DictionaryArray, Float64Array, LargeStringArray, RecordBatch};
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(tmp.path(), "j.csv", TOY);
    // as pandas (LargeUtf8) and polars/Parquet dictionaries send them
    let items: DictionaryArray<Int8Type> = vec!["t1", "t2", "t3"].into_iter().collect();
    let eval = RecordBatch::try_from_iter([
        ("task", Arc::new(items) as _),
        (
            "true_label",
            Arc::new(LargeStringArray::from(vec!["a", "b", "a"])) as _,
        ),
    ])
    .expect("batch");
    let e = tmp.path().join("e.arrow");
    crowdqc_io::write_table(&e, &eval).expect("write");
    let workers: DictionaryArray<Int8Type> = vec!["w1", "w2", "w3"].into_iter().collect();
    let weights = RecordBatch::try_from_iter([
        ("performer", Arc::new(workers) as _),
        (
            "skill",
            Arc::new(Float64Array::from(vec![1.0, 1.0, 3.0])) as _,
        ),
    ])
    .expect("batch");
    let w = tmp.path().join("w.parquet");
    crowdqc_io::write_table(&w, &weights).expect("write");
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "wmv",
        "--weights",
        s(&w),
        "--eval",
        s(&e),
        "--format",
        "json",
    ]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    // w3 (weight 3) outvotes w1 + w2 (2) on t1 -> b (wrong), on t3 -> a (right)
    assert_eq!(
        (&v["eval"]["scored"], &v["eval"]["correct"]),
        (&3.into(), &2.into())
    );
}

#[test]
fn output_paths_are_checked_before_reading() {
    let tmp = tempfile::tempdir().expect("tmp");
    let absent = tmp.path().join("absent.csv");
    let r = crowdqc(&["aggregate", s(&absent), "--out", "/proc/crowdqc-items.csv"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr
            .contains("cannot create files in the output directory")
            && !r.stderr.contains("absent.csv"),
        "{}",
        r.stderr
    );
}

#[test]
fn eval_item_ids_join_as_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    // `01` is not a canonical integer: the judgments keep the ids as text
    let j = file(
        tmp.path(),
        "j.csv",
        "item,worker,label\n01,w1,a\n01,w2,a\n02,w1,b\n02,w2,b\n",
    );
    let e = file(tmp.path(), "e.csv", "item,label\n01,a\n02,b\n");
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "mv",
        "--eval",
        s(&e),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        (&v["eval"]["unknown_items"], &v["eval"]["correct"]),
        (&0.into(), &2.into())
    );
}

#[test]
fn weight_worker_ids_join_as_written_and_follow_the_column_mapping() {
    let tmp = tempfile::tempdir().expect("tmp");
    let j = file(
        tmp.path(),
        "j.csv",
        "item,rater,label\nt1,007,a\nt1,w2,b\nt2,007,b\nt2,w2,b\n",
    );
    let w = file(tmp.path(), "w.csv", "rater,weight\n007,2.5\nw2,1\n");
    let r = crowdqc(&[
        "aggregate",
        s(&j),
        "--method",
        "wmv",
        "--weights",
        s(&w),
        "--worker-column",
        "rater",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    // 007 (2.5) outweighs w2 (1) on t1
    assert_eq!(
        v["label_distribution"],
        serde_json::json!([{"label": "a", "items": 1}, {"label": "b", "items": 1}])
    );
}
