//! `crowdqc agreement`: JSON keys and values on the published examples, the three
//! layouts, undefined coefficients, bootstrap determinism, exit codes.

use std::path::PathBuf;

use serde_json::Value;

use crate::util::{assert_no_panic, crowdqc, file, s};

/// `$CROWDQC_DATA/agreement-examples/<name>` (default `../shared/fixtures` beside the
/// workspace); `None` (skipped) when absent, unless `CROWDQC_REQUIRE_DATA=1`.
fn example(name: &str) -> Option<PathBuf> {
    let data = std::env::var_os("CROWDQC_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
        PathBuf::from,
    );
    let dir = data.join("agreement-examples");
    if dir.is_dir() {
        return Some(dir.join(name));
    }
    let required = std::env::var("CROWDQC_REQUIRE_DATA").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CROWDQC_REQUIRE_DATA=1 but {} is missing",
        dir.display()
    );
    eprintln!("skipped: {} not found", dir.display());
    None
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let r = crowdqc(&a);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_no_panic(&r);
    serde_json::from_str(&r.stdout).expect("json")
}

#[track_caller]
fn near(v: &Value, x: f64, tol: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - x).abs() <= tol, "got {got}, want {x}");
}

#[test]
fn judgments_layout_gwet_four_raters() {
    let Some(p) = example("gwet2014_raw_4raters.csv") else {
        return;
    };
    let v = json(&["agreement", s(&p)]);
    near(&v["gwet_ac1"]["value"], 0.77544, 5e-6);
    near(&v["gwet_ac1"]["se"], 0.14295, 5e-6);
    near(&v["gwet_ac1"]["ci_low"], 0.46081, 5e-6);
    near(&v["gwet_ac1"]["ci_high"], 1.0, 0.0);
    near(&v["fleiss_kappa"]["value"], 0.76117, 5e-6);
    near(&v["conger_kappa"]["value"], 0.76282, 5e-6);
    near(&v["brennan_prediger"]["value"], 0.77273, 5e-6);
    near(&v["krippendorff_alpha"]["value"], 0.74342, 5e-6);
    near(&v["percent_agreement"]["value"], 0.81818, 5e-6);
    assert!(
        v["krippendorff_alpha"]["interpretation"]
            .as_str()
            .expect("text")
            .contains("tentative")
    );
    // four raters: no two-rater coefficients
    assert!(v.get("cohen_kappa").is_none() && v.get("scott_pi").is_none());
    assert_eq!(v["input"]["raters"], 4);
}

#[test]
fn levels_on_krippendorff_2011() {
    let Some(p) = example("krippendorff2011_4coders_12units.csv") else {
        return;
    };
    for (level, alpha) in [
        ("nominal", 0.743421),
        ("ordinal", 0.815388),
        ("interval", 0.849107),
        ("ratio", 0.797403),
    ] {
        let v = json(&["agreement", s(&p), "--level", level]);
        near(&v["krippendorff_alpha"]["value"], alpha, 5e-7);
        assert_eq!(v["level"], level);
    }
}

#[test]
fn table_layout_weighted_kappas_in_row_order() {
    let Some(p) = example("gwet2014_cont3x3_abstractors.csv") else {
        return;
    };
    let v = json(&["agreement", "--table", s(&p)]);
    near(&v["cohen_kappa"]["value"], 0.796, 5e-4);
    near(&v["scott_pi"]["value"], 0.796, 5e-4);
    assert_eq!(
        v["input"]["categories"],
        serde_json::json!(["Ectopic", "AIU", "NIU"])
    );
    let v = json(&["agreement", "--table", s(&p), "--weights", "linear"]);
    near(&v["cohen_kappa"]["value"], 0.843, 5e-4);
    near(&v["gwet_ac2"]["value"], 0.900, 5e-4);
    let v = json(&["agreement", "--table", s(&p), "--weights", "quadratic"]);
    near(&v["cohen_kappa"]["value"], 0.892, 5e-4);
    let Some(sas) = example("sas_cohen_kappa_3x3.csv") else {
        return;
    };
    let v = json(&["agreement", "--table", s(&sas)]);
    near(&v["cohen_kappa"]["value"], 0.4842, 5e-5);
    near(&v["cohen_kappa"]["se"], 0.1380, 5e-5);
}

#[test]
fn counts_layout_fleiss_1971() {
    let Some(p) = example("fleiss1971_diagnoses_counts.csv") else {
        return;
    };
    let v = json(&["agreement", "--counts", s(&p)]);
    near(&v["fleiss_kappa"]["value"], 0.4302445, 5e-8);
    assert!(v["conger_kappa"]["value"].is_null());
    assert!(
        v["conger_kappa"]["reason"]
            .as_str()
            .expect("reason")
            .contains("rater")
    );
    let Some(w) = example("wikipedia_fleiss_example_counts.csv") else {
        return;
    };
    let v = json(&["agreement", "--counts", s(&w)]);
    near(&v["fleiss_kappa"]["value"], 0.210, 5e-4);
}

#[test]
fn two_raters_get_cohen_and_scott() {
    let Some(p) = example("gwet_raw_ben_gerry.csv") else {
        return;
    };
    let v = json(&["agreement", s(&p)]);
    near(&v["cohen_kappa"]["value"], 0.65625, 1e-9);
    near(&v["conger_kappa"]["value"], 0.657, 5e-4);
    assert!(v["scott_pi"]["value"].is_number());
}

#[test]
fn undefined_is_null_with_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label\nt1,a,yes\nt1,b,yes\nt2,a,yes\nt2,b,yes\n",
    );
    let v = json(&["agreement", s(&j)]);
    for key in [
        "fleiss_kappa",
        "krippendorff_alpha",
        "gwet_ac1",
        "cohen_kappa",
    ] {
        assert!(v[key]["value"].is_null(), "{key}: {v}");
        assert!(
            v[key]["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{key}"
        );
    }
    near(&v["percent_agreement"]["value"], 1.0, 0.0);
    let r = crowdqc(&["agreement", s(&j)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains("n/a") && !r.stdout.contains("NaN"),
        "{}",
        r.stdout
    );
}

#[test]
fn bootstrap_is_seeded_and_reported() {
    let Some(p) = example("gwet2014_raw_5observers.csv") else {
        return;
    };
    let args = ["agreement", s(&p), "--bootstrap", "200", "--seed", "7"];
    let a = json(&args);
    let b = json(&args);
    assert_eq!(a, b);
    let alpha = &a["krippendorff_alpha"];
    assert_eq!(alpha["ci_method"], "bootstrap percentile");
    assert_eq!(alpha["bootstrap"]["replicates"], 200);
    let hk = &alpha["hayes_krippendorff"];
    for k in ["p_below_0_667", "p_below_0_800"] {
        let p = hk[k].as_f64().expect("probability");
        assert!((0.0..=1.0).contains(&p));
    }
    // Analytic SEs stay; the bootstrap SE is reported beside them.
    assert!(a["conger_kappa"]["se"].is_number());
    assert!(a["conger_kappa"]["bootstrap"]["se"].is_number());
    let c = json(&["agreement", s(&p), "--bootstrap", "200", "--seed", "8"]);
    assert_ne!(a["fleiss_kappa"]["ci_low"], c["fleiss_kappa"]["ci_low"]);
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label\nt1,a,low\nt1,b,high\nt2,a,low\nt2,b,low\n",
    );
    let cases: [(&[&str], &str); 5] = [
        (&["agreement", s(&j), "--bootstrap", "0"], "`bootstrap`"),
        (&["agreement", s(&j), "--level", "interval"], "label `high`"),
        (&["agreement", s(&j), "--level", "cardinal"], "`level`"),
        (&["agreement", s(&j), "--weights", "cubic"], "`weights`"),
        (&["agreement", s(&j), "--confidence", "1.5"], "`confidence`"),
    ];
    for (args, needle) in cases {
        let r = crowdqc(args);
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert_no_panic(&r);
    }
    let t = file(dir.path(), "t.csv", "label_a,label_b,count\nx,y,1.5\n");
    let r = crowdqc(&["agreement", "--table", s(&t)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("count"), "{}", r.stderr);
    // The message names the file, the 1-based row and the file's line.
    let t = file(
        dir.path(),
        "t2.csv",
        "label_a,label_b,count\nx,x,3\nx,y,-2\n",
    );
    let r = crowdqc(&["agreement", "--table", s(&t)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("t2.csv") && r.stderr.contains("row 2") && r.stderr.contains("line 3"),
        "{}",
        r.stderr
    );
    let r = crowdqc(&["agreement"]);
    assert_eq!(r.code, Some(2), "{r:?}");
}

#[test]
fn per_item_and_per_worker_views() {
    let dir = tempfile::tempdir().expect("tempdir");
    // t1: a,b,c agree; t2: a,b agree, c disagrees.
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label\nt1,a,x\nt1,b,x\nt1,c,x\nt2,a,y\nt2,b,y\nt2,c,x\n",
    );
    let items = dir.path().join("items.csv");
    let workers = dir.path().join("workers.csv");
    let r = crowdqc(&[
        "agreement",
        s(&j),
        "--items-out",
        s(&items),
        "--workers-out",
        s(&workers),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let items = std::fs::read_to_string(&items).expect("items");
    assert_eq!(
        items.lines().next(),
        Some("item,ratings,top_label,top_share,entropy,pairwise_agreement")
    );
    assert!(items.contains("t1,3,x,1,0,1"), "{items}");
    let workers = std::fs::read_to_string(&workers).expect("workers");
    // c agrees with 2 of 2 peers on t1 and 0 of 2 on t2: peer agreement 0.5,
    // leave-one-out consensus 1 then 0, majority vote: x (t1) and y (t2) → 0.5.
    assert!(workers.contains("c,2,2,0.5,0.5,0.5"), "{workers}");
    // a: consensus of b, c is x on t1 (a agrees) and a y/x tie on t2 (credit 1/2).
    assert!(workers.contains("a,2,2,0.75,0.75,1"), "{workers}");
    let Some(p) = example("fleiss1971_diagnoses_counts.csv") else {
        return;
    };
    let out = dir.path().join("x.csv");
    let r = crowdqc(&["agreement", "--counts", s(&p), "--items-out", s(&out)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("`items-out`"), "{}", r.stderr);
}

#[test]
fn text_says_what_each_interval_is() {
    let Some(p) = example("gwet2014_raw_5observers.csv") else {
        return;
    };
    let r = crowdqc(&["agreement", s(&p), "--bootstrap", "200", "--seed", "7"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let out = &r.stdout;
    // Each row names its interval; the notes say what the item bootstrap and the
    // Hayes-Krippendorff bootstrap resample (15 items; 116 pairs per replicate).
    assert!(out.contains("bootstrap percentile"), "{out}");
    assert!(
        out.contains("resamples of all the items (200 replicates of the 15 items, seed 7)"),
        "{out}"
    );
    assert!(out.contains("200 replicates of 116 pairs each"), "{out}");
    assert!(
        out.contains("the two alpha intervals answer different questions"),
        "{out}"
    );
    // Without a bootstrap the interval is irrCAC's t interval, and the text says so.
    let r = crowdqc(&["agreement", s(&p)]);
    assert!(
        r.stdout.contains("t (irrCAC)") && r.stdout.contains("analytic SE"),
        "{}",
        r.stdout
    );
    // JSON lists every interval of alpha with what it is.
    let v = json(&["agreement", s(&p), "--bootstrap", "50"]);
    let kinds: Vec<&str> = v["krippendorff_alpha"]["intervals"]
        .as_array()
        .expect("intervals")
        .iter()
        .map(|i| i["method"].as_str().expect("method"))
        .collect();
    assert_eq!(
        kinds,
        ["bootstrap percentile", "t (irrCAC)", "Hayes-Krippendorff"]
    );
}
