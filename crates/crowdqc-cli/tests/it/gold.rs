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

/// Issue 9: a fit is reported with its stop reason wherever it is used.
#[test]
fn score_with_a_model_reports_its_fit_and_stop_reason() {
    let Some((j, g)) = toy() else {
        return;
    };
    let r = crowdqc(&["gold", "score", s(&j), "--gold", s(&g), "--model", "mv"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains(
            "consensus from mv: 0 iterations, converged: true, stop reason: closed_form\n"
        ),
        "{}",
        r.stdout
    );
    let r = crowdqc(&[
        "gold",
        "score",
        s(&j),
        "--gold",
        s(&g),
        "--model",
        "ds",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let fit = &v["model_fit"];
    let reason = fit["stop_reason"].as_str().expect("stop reason");
    assert!(
        ["converged", "objective_decreased", "max_iterations"].contains(&reason),
        "{fit}"
    );
    assert_eq!(fit["converged"], reason == "converged", "{fit}");
    assert!(fit["iterations"].as_u64().is_some_and(|n| n >= 1), "{fit}");
    let r = crowdqc(&["gold", "score", s(&j), "--gold", s(&g), "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["model_fit"], Value::Null);
}

/// Issue 9: conflicting gold names the data row (1-based) and the file line, in
/// `gold score` and `aggregate --gold` alike (a quoted id spans two lines here).
#[test]
fn conflicting_gold_names_the_row_and_the_file_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label\nt1,w1,a\nt1,w2,a\nt2,w1,b\nt2,w2,b\n",
    );
    let g = file(dir.path(), "g.csv", "item,label\nt1,a\n\"t\n2\",b\nt1,b\n");
    let want = "row 3, column `label`: gold item `t1` has two different labels: `a` (first \
                given in data row 1) and `b`; keep one answer per gold item (line 5)";
    for args in [
        vec!["gold", "score", s(&j), "--gold", s(&g)],
        vec!["aggregate", s(&j), "--gold", s(&g)],
    ] {
        let r = crowdqc(&args);
        assert_eq!(r.code, Some(2), "{r:?}");
        assert!(r.stderr.contains(want), "{}", r.stderr);
        assert!(r.stderr.contains("g.csv"), "{}", r.stderr);
    }
}

/// Issue 9: repeated (item, worker) pairs are reported once, on stderr (not again on
/// stdout by `gold score`).
#[test]
fn score_reports_duplicates_once_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label\nt1,w1,a\nt1,w1,b\nt1,w2,a\nt2,w1,b\n",
    );
    let g = file(dir.path(), "g.csv", "item,label\nt1,a\n");
    let r = crowdqc(&["gold", "score", s(&j), "--gold", s(&g)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(
        r.stderr.matches("duplicate (item, worker) pairs").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("1 duplicate (item, worker) pairs (1 extra rows), 1 with conflicting labels"),
        "{}",
        r.stderr
    );
    // (the old stdout note was "1 repeated (item, worker) pairs in the judgments")
    assert!(!r.stdout.contains("pairs in the judgments"), "{}", r.stdout);
    assert!(!r.stdout.contains("duplicate (item"), "{}", r.stdout);
}

/// Events for `gold schedule`: requests from 12 workers and their gold answers, built
/// by driving the library scheduler with the same parameters (so the answers refer to
/// the gold it serves); `worker % 4 == 0` answers at random.
fn schedule_events(n: usize) -> String {
    use crowdqc::gold::{GoldPool, GoldScheduler, ScheduleParams, Slot};
    let pool = GoldPool::new((0..30).map(|i| (100 + i, i % 2))).expect("pool");
    let mut s = GoldScheduler::new(ScheduleParams::new().quiz(3).seed(5), pool).expect("s");
    let mut out = String::from("worker,item,label\n");
    let mut x = 7u64;
    for _ in 0..n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let w = ((x >> 33) % 12) as u32;
        out += &format!("{w},,\n");
        if let Slot::Gold { item, .. } = s.next(w) {
            let right = !w.is_multiple_of(4) || (x >> 20) & 1 == 0;
            let label = if right {
                ["no", "yes"][(item % 2) as usize]
            } else {
                "maybe"
            };
            s.record_answer(w, item, if right { item % 2 } else { 9 })
                .expect("served");
            out += &format!("{w},{item},{label}\n");
        }
    }
    out
}

#[test]
fn schedule_resumes_from_a_saved_state_as_if_uninterrupted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let gold: String = std::iter::once("item,label\n".to_string())
        .chain((0..30).map(|i| format!("{},{}\n", 100 + i, ["no", "yes"][i % 2])))
        .collect();
    let gold = file(d, "gold.csv", gold);
    let events = schedule_events(600);
    let lines: Vec<&str> = events.lines().collect();
    let (head, tail) = lines[1..].split_at(400);
    let part = |name: &str, rows: &[&str]| {
        file(d, name, format!("worker,item,label\n{}\n", rows.join("\n")))
    };
    let (all, p1, p2) = (
        file(d, "all.csv", &events),
        part("p1.csv", head),
        part("p2.csv", tail),
    );
    let state = d.join("g.state");
    let run = |ev: &Path, out: &str, extra: &[&str]| {
        let mut args = vec![
            "gold",
            "schedule",
            s(ev),
            "--gold",
            s(&gold),
            "--quiz",
            "3",
            "--seed",
            "5",
        ];
        let out = d.join(out);
        args.extend(["--out", s(&out)]);
        args.extend(extra);
        let r = crowdqc(&args);
        assert_no_panic(&r);
        (r, std::fs::read_to_string(&out).unwrap_or_default())
    };
    let (r, whole) = run(&all, "all.out.csv", &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let (r, first) = run(&p1, "p1.out.csv", &["--save-state", s(&state)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let (r, second) = run(&p2, "p2.out.csv", &["--state", s(&state)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // the same decisions (gold items, reasons, grading) after the row number
    let body = |t: &str| -> Vec<String> {
        t.lines()
            .skip(1)
            .map(|l| l.split_once(',').expect("row").1.to_string())
            .collect()
    };
    let mut resumed = body(&first);
    resumed.extend(body(&second));
    assert_eq!(resumed, body(&whole));
    assert!(whole.contains(",gold,") && whole.contains(",answer,") && whole.contains("false"));
    // other parameters than the saved ones: exit 2 naming them
    let (r, _) = run(
        &p2,
        "bad.out.csv",
        &["--state", s(&state), "--threshold", "0.9"],
    );
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("threshold (saved 0.8, given 0.9)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("g.state"), "{}", r.stderr);
}
