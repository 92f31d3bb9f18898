//! `crowdqc ratings aggregate|agreement`: JSON values, output tables, bad input.

use serde_json::Value;

use crate::util::{assert_no_panic, crowdqc, file, s};

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let r = crowdqc(&a);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_no_panic(&r);
    serde_json::from_str(&r.stdout).expect("json")
}

/// Shrout & Fleiss (1979) Table 2 as ratings.
fn shrout_fleiss() -> String {
    let t = [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ];
    let mut csv = String::from("item,worker,label\n");
    for (i, row) in t.iter().enumerate() {
        for (j, x) in row.iter().enumerate() {
            csv += &format!("t{i},j{j},{x}\n");
        }
    }
    csv
}

#[test]
fn agreement_reports_all_forms_and_kendall_w() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = file(dir.path(), "sf.csv", shrout_fleiss());
    let out = dir.path().join("stats.csv");
    let v = json(&["ratings", "agreement", s(&f), "--out", s(&out)]);
    let forms = v["icc"]["forms"].as_array().expect("forms");
    assert_eq!(forms.len(), 6);
    // Shrout & Fleiss (1979) Table 4: ICC(2,1) = .29, ICC(3,k) = .91
    let get = |name: &str| {
        forms
            .iter()
            .find(|f| f["shrout_fleiss"] == name)
            .expect("form")["value"]
            .as_f64()
            .expect("value")
    };
    assert!((get("ICC(2,1)") - 0.29).abs() < 0.005);
    assert!((get("ICC(3,k)") - 0.91).abs() < 0.005);
    assert!(v["kendall_w"]["w"].as_f64().is_some());
    let table = std::fs::read_to_string(&out).expect("stats table");
    assert!(
        table.starts_with("statistic,value,ci_low,ci_high"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 9);
    // text output names every form
    let r = crowdqc(&["ratings", "agreement", s(&f)]);
    assert_eq!(r.code, Some(0));
    for form in ["ICC(1,1)", "ICC(2,k)", "kendall W"] {
        assert!(r.stdout.contains(form), "{}", r.stdout);
    }
}

#[test]
fn constant_ratings_give_undefined_icc_not_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = file(
        dir.path(),
        "c.csv",
        "item,worker,label\na,x,3\na,y,3\nb,x,3\nb,y,3\nc,x,3\nc,y,3\n",
    );
    let v = json(&["ratings", "agreement", s(&f)]);
    for form in v["icc"]["forms"].as_array().expect("forms") {
        assert!(form["value"].is_null());
        assert!(
            form["undefined"]
                .as_str()
                .is_some_and(|r| r.contains("same value"))
        );
    }
}

#[test]
fn aggregate_writes_items_and_workers() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = file(
        dir.path(),
        "r.csv",
        "task,performer,label\na,x,1\na,y,2\na,z,1\nb,x,4\nb,y,5\nb,z,4\n",
    );
    let gold = file(
        dir.path(),
        "g.csv",
        "item,true_label,tolerance\na,1,0.5\nb,4,0\n",
    );
    let items = dir.path().join("items.csv");
    let workers = dir.path().join("workers.parquet");
    let v = json(&[
        "ratings",
        "aggregate",
        s(&f),
        "--method",
        "mean",
        "--eval",
        s(&gold),
        "--out",
        s(&items),
        "--workers-out",
        s(&workers),
    ]);
    assert_eq!(v["method"], "mean");
    assert_eq!(
        (v["items"].as_u64(), v["workers"].as_u64()),
        (Some(2), Some(3))
    );
    // mean of a = 4/3, of b = 13/3; MAE = (1/3 + 1/3) / 2
    assert!((v["eval"]["mae"].as_f64().expect("mae") - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(v["eval"]["within_tolerance"].as_f64(), Some(0.5));
    let t = std::fs::read_to_string(&items).expect("items");
    assert!(
        t.starts_with("item,score,std_error,n_ratings\na,1.333"),
        "{t}"
    );
    assert!(workers.exists());
    for m in ["median", "trimmed-mean", "catd", "crh", "pm-crh", "lfc"] {
        let v = json(&["ratings", "aggregate", s(&f), "--method", m]);
        assert!(v["converged"].as_bool().is_some(), "{m}");
    }
}

#[test]
fn bad_input_exits_2_naming_the_value_and_row() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = file(
        dir.path(),
        "bad.csv",
        "item,worker,label\na,x,1\na,y,great\n",
    );
    let r = crowdqc(&["ratings", "aggregate", s(&f)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert_no_panic(&r);
    assert!(
        r.stderr
            .contains("row 2, column `label`: `great` is not a number"),
        "{}",
        r.stderr
    );
    // ... accepted with a declared ordinal scale, rejected when outside it
    let f = file(
        dir.path(),
        "ord.csv",
        "item,worker,label\na,x,ok\na,y,great\nb,x,bad\n",
    );
    let v = json(&["ratings", "aggregate", s(&f), "--levels", "bad,ok,great"]);
    assert_eq!(v["ratings"].as_u64(), Some(3));
    let r = crowdqc(&["ratings", "aggregate", s(&f), "--levels", "bad,ok"]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains("`great` is not one of the declared levels [bad, ok]"),
        "{}",
        r.stderr
    );
    let r = crowdqc(&["ratings", "aggregate", s(&f), "--method", "nope"]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("unknown rating method `nope`"),
        "{}",
        r.stderr
    );
    let r = crowdqc(&[
        "ratings",
        "aggregate",
        s(&f),
        "--method",
        "trimmed-mean",
        "--trim",
        "0.5",
    ]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("`trim`"), "{}", r.stderr);
}
