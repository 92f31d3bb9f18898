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
