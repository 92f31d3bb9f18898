//! `crowdqc gold score` and `crowdqc gold plan`: values, output files, exit codes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{assert_no_panic, crowdqc, file, s};

/// crowd-kit's toy dataset from the shared data (`crowdkit-toy`: 24 judgments, gold
/// t1 = t2 = yes; crowd-kit's get_accuracy = 5/9, per worker w1 0.5, w2 1.0, w3 1.0,
/// w4 0.5, w5 0.0), or `None` (skipped) when the shared data folder is absent.
fn toy() -> Option<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    let dir = std::env::var_os("CROWDQC_DATA")
        .map_or(root, PathBuf::from)
        .join("crowdkit-toy");
    if !dir.is_dir() {
        assert!(
            !std::env::var("CROWDQC_REQUIRE_DATA").is_ok_and(|v| v == "1"),
            "CROWDQC_REQUIRE_DATA=1 but {} is missing",
            dir.display()
        );
        eprintln!("skipped: {} not found (set CROWDQC_DATA)", dir.display());
        return None;
    }
    Some((dir.join("judgments.csv"), dir.join("gold.csv")))
}

#[test]
fn score_json_matches_crowdkit_accuracy_and_intervals() {
    let Some((j, g)) = toy() else {
        return;
    };
    let r = crowdqc(&[
        "gold",
        "score",
        s(&j),
        "--gold",
        s(&g),
        "--format",
        "json",
        "--interval",
        "clopper-pearson",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["gold_answered"], 9);
    assert_eq!(v["gold_correct"], 5);
    assert_eq!(v["interval"], "clopper-pearson");
    let acc: Vec<(String, f64)> = v["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|w| {
            (
                w["worker"].as_str().expect("id").to_string(),
                w["gold_accuracy"].as_f64().expect("acc"),
            )
        })
        .collect();
    assert_eq!(
        acc,
        [
            ("w1", 0.5),
            ("w2", 1.0),
            ("w3", 1.0),
            ("w4", 0.5),
            ("w5", 0.0)
        ]
        .map(|(w, a)| (w.to_string(), a))
    );
    // w2: 2 of 2, Clopper-Pearson 95% = [0.15811388300841897, 1] (statsmodels 0.15.0)
    let w2 = &v["workers"][1];
    assert!((w2["gold_accuracy_low"].as_f64().expect("low") - 0.15811388300841897).abs() < 1e-9);
    assert_eq!(w2["gold_accuracy_high"], 1.0);
    assert_eq!(v["items"][0]["exposure"], 4);
    assert_eq!(v["items"][0]["contested"], false);
    // t1: 2 of 4 missed; expected from the workers' other gold answers (t2 only):
    // w1 (1/1 -> miss 1/3), w2 (1/1 -> 1/3), w4 (0/1 -> 2/3), w5 (0/1 -> 2/3) = 2
    assert!((v["items"][0]["expected_misses"].as_f64().expect("e") - 2.0).abs() < 1e-12);
    assert!(v["items"][0]["miss_p_value"].as_f64().expect("p") > 0.5);
}

#[test]
fn score_writes_worker_and_item_tables() {
    let Some((j, g)) = toy() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("workers.csv");
    let items = dir.path().join("items.csv");
    let r = crowdqc(&[
        "gold",
        "score",
        s(&j),
        "--gold",
        s(&g),
        "--out",
        s(&out),
        "--items-out",
        s(&items),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains("gold answers 9  correct 5"),
        "{}",
        r.stdout
    );
    let text = std::fs::read_to_string(&out).expect("workers table");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "worker,gold_answered,gold_correct,gold_accuracy,gold_accuracy_low,gold_accuracy_high"
        )
    );
    assert!(text.contains("\nw5,2,0,0,0,0.657619772493346"), "{text}");
    let text = std::fs::read_to_string(&items).expect("items table");
    assert!(
        text.starts_with("item,gold_label,answers,exposure,misses,miss_rate,"),
        "{text}"
    );
}

#[test]
fn forgive_and_correct_rescore_workers() {
    let Some((j, g)) = toy() else {
        return;
    };
    // drop t1: only t2 (gold yes) counts -> 3 of 5 answers correct
    let r = crowdqc(&[
        "gold",
        "score",
        s(&j),
        "--gold",
        s(&g),
        "--forgive",
        "t1",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        (v["gold_answered"].as_u64(), v["gold_correct"].as_u64()),
        (Some(5), Some(3))
    );
    assert_eq!(
        v["forgiven_workers_changed"].as_array().map(Vec::len),
        Some(4)
    );
    // correct t1 to `no`: t1 answers no (w1, w5) become right, yes (w2, w4) wrong
    let r = crowdqc(&[
        "gold",
        "score",
        s(&j),
        "--gold",
        s(&g),
        "--correct",
        "t1=no",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["gold_correct"], 5);
    assert_eq!(v["workers"][4]["gold_correct"], 1); // w5: t1 right now, t2 wrong
    for bad in [
        &["--forgive", "t9"][..],
        &["--correct", "t1"],
        &["--correct", "t1=maybe"],
    ] {
        let mut args = vec!["gold", "score", s(&j), "--gold", s(&g)];
        args.extend_from_slice(bad);
        let r = crowdqc(&args);
        assert_eq!(r.code, Some(2), "{bad:?}: {r:?}");
        assert_no_panic(&r);
    }
}

#[test]
fn score_rejects_bad_input_with_exit_code_2() {
    let Some((j, g)) = toy() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let conflict = file(dir.path(), "c.csv", "task,true_label\nt1,yes\nt1,no\n");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--interval", "wald"], "interval"),
        (vec!["--confidence", "1.5"], "confidence"),
        (vec!["--contest-confidence", "0.4"], "contest_confidence"),
        (vec!["--contest-min-answers", "0"], "contest_min_answers"),
        (vec!["--out", "/no/such/dir/w.csv"], "w.csv"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["gold", "score", s(&j), "--gold", s(&g)];
        args.extend(extra.iter().copied());
        let r = crowdqc(&args);
        assert_eq!(r.code, Some(2), "{extra:?}: {r:?}");
        assert!(r.stderr.contains(needle), "{extra:?}: {}", r.stderr);
        assert_no_panic(&r);
    }
    let r = crowdqc(&["gold", "score", s(&j), "--gold", s(&conflict)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert_no_panic(&r);
}

#[test]
fn plan_writes_a_layout_with_gold_on_every_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tasks: String = std::iter::once("item".to_string())
        .chain((1..=40).map(|i| format!("t{i}")))
        .collect::<Vec<_>>()
        .join("\n");
    let t = file(dir.path(), "tasks.csv", tasks + "\n");
    let gold: String = std::iter::once("item,label".to_string())
        .chain((1..=12).map(|i| format!("g{i},{}", i % 2)))
        .collect::<Vec<_>>()
        .join("\n");
    let g = file(dir.path(), "gold.csv", gold + "\n");
    let w = file(dir.path(), "workers.csv", "worker\nann\nbob\ncat\n");
    let out = dir.path().join("layout.csv");
    let args = [
        "gold",
        "plan",
        "--tasks",
        s(&t),
        "--gold",
        s(&g),
        "--workers",
        s(&w),
        "--page-size",
        "5",
        "--gold-per-page",
        "1",
        "--redundancy",
        "2",
        "--quiz",
        "3",
        "--seed",
        "4",
        "--out",
        s(&out),
        "--format",
        "json",
    ];
    let r = crowdqc(&args);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    // 80 task rows; per worker 26 or 27 tasks -> 7 pages of <= 4 tasks + 1 gold, + quiz 3
    assert_eq!(v["gold_rows"], 30);
    assert_eq!(v["rows"], 110);
    assert_eq!(v["gold_shortfall"], 0);
    let text = std::fs::read_to_string(&out).expect("layout");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("worker,page,position,item,kind,gold_label")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 110);
    for r in &rows {
        match r[4] {
            "task" => assert_eq!(r[5], ""),
            "gold" | "quiz" => {
                let n: u32 = r[3][1..].parse().expect("gold id");
                assert_eq!(r[5], (n % 2).to_string());
            }
            k => panic!("kind {k}"),
        }
    }
    // same seed, same layout
    let first = text.clone();
    assert_eq!(crowdqc(&args).code, Some(0));
    assert_eq!(std::fs::read_to_string(&out).expect("layout"), first);
}

#[test]
fn plan_rejects_bad_input_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = file(dir.path(), "tasks.csv", "item\nt1\nt2\n");
    let g = file(dir.path(), "gold.csv", "item,label\ng1,a\ng2,b\n");
    let conflict = file(dir.path(), "c.csv", "item,label\ng1,a\ng1,b\n");
    let overlap = file(dir.path(), "o.csv", "item,label\nt1,a\n");
    let w = file(dir.path(), "workers.csv", "worker\nann\n");
    let out = dir.path().join("layout.csv");
    let base = |gold: &str| {
        vec![
            "gold".to_string(),
            "plan".into(),
            "--tasks".into(),
            s(&t).into(),
            "--gold".into(),
            gold.into(),
            "--workers".into(),
            s(&w).into(),
            "--out".into(),
            s(&out).into(),
        ]
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            [base(s(&g)), vec!["--quiz".into(), "3".into()]].concat(),
            "quiz",
        ),
        (
            [base(s(&g)), vec!["--page-size".into(), "0".into()]].concat(),
            "page_size",
        ),
        (
            [base(s(&g)), vec!["--gold-per-page".into(), "10".into()]].concat(),
            "gold_per_page",
        ),
        (
            [base(s(&g)), vec!["--redundancy".into(), "2".into()]].concat(),
            "redundancy",
        ),
        (base(s(&conflict)), "conflicting"),
        (base(s(&overlap)), "both a task and a gold item"),
    ];
    for (args, needle) in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = crowdqc(&a);
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
        assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
        assert_no_panic(&r);
    }
    assert!(!out.exists());
}

#[test]
fn model_comparison_columns_and_model_consensus() {
    let Some((j, g)) = toy() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("w.csv");
    let r = crowdqc(&[
        "gold",
        "score",
        s(&j),
        "--gold",
        s(&g),
        "--model",
        "mv",
        "--format",
        "json",
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    // majority-vote skills (agreement with MV) from crowd-kit's tests: w1 0.6, w2 0.8,
    // w3 1.0, w4 0.4, w5 0.8 (SOURCE.md of crowdkit-toy)
    let model: Vec<f64> = v["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|w| w["model_accuracy"].as_f64().expect("model accuracy"))
        .collect();
    for (got, want) in model.iter().zip([0.6, 0.8, 1.0, 0.4, 0.8]) {
        assert!((got - want).abs() < 1e-12, "{model:?}");
    }
    // w5: 0 of 2 on gold vs 0.8 agreement: 0.8 is outside Wilson [0, 0.658] -> flagged
    assert_eq!(v["workers"][4]["model_divergence"], "gold_lower");
    let text = std::fs::read_to_string(&out).expect("table");
    assert!(
        text.lines()
            .next()
            .expect("header")
            .ends_with("model_accuracy,model_p_value,model_q_value,model_divergence")
    );
    let r = crowdqc(&["gold", "score", s(&j), "--gold", s(&g), "--model", "nope"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("method"), "{}", r.stderr);
}

/// Issue 9: `gold score` says which gold items have no judgments (they are not
/// scored), and names its duplicate rule.
#[test]
fn score_mentions_gold_without_judgments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label\ni1,a,x\ni1,b,x\ni2,a,y\ni2,b,x\n",
    );
    let g = file(dir.path(), "g.csv", "item,label\ni1,x\ni2,x\nzz,x\nqq,y\n");
    let r = crowdqc(&["gold", "score", s(&j), "--gold", s(&g)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout
            .contains("2 gold items have no judgments and are not scored (e.g. zz, qq)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("counts as one gold answer"),
        "{}",
        r.stdout
    );
    let r = crowdqc(&["gold", "score", s(&j), "--gold", s(&g), "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["gold_without_judgments"], 2);
    assert_eq!(v["workers"][0]["gold_answered"], 2);
}

/// Issue 9: gold errors of `gold plan` name the file and its line.
#[test]
fn plan_errors_name_the_file_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = file(dir.path(), "t.csv", "item\nt1\nt2\nt3\n");
    let w = file(dir.path(), "w.csv", "worker\nw1\nw2\n");
    let g = file(dir.path(), "g.csv", "item,label\ng1,x\ng2,x\ng1,y\n");
    let out = dir.path().join("o.csv");
    let args = |g: &Path| {
        crowdqc(&[
            "gold",
            "plan",
            "--tasks",
            s(&t),
            "--gold",
            s(g),
            "--workers",
            s(&w),
            "--out",
            s(&out),
        ])
    };
    let r = args(&g);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("g.csv") && r.stderr.contains("line 4") && r.stderr.contains("`g1`"),
        "{}",
        r.stderr
    );
    let g = file(dir.path(), "g2.csv", "item,label\ng1,x\nt2,x\n");
    let r = args(&g);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("g2.csv") && r.stderr.contains("line 3"),
        "{}",
        r.stderr
    );
}
