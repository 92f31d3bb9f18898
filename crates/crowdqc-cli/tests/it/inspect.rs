//! `crowdqc inspect`: output values, JSON keys, exit codes, no panics.

use serde_json::Value;

use crate::util::{assert_no_panic, crowdqc, crowdqc_env, file, s};

/// 3 items, 3 workers, 7 rows: (t1, a) twice with different labels, (t2, b) twice with the
/// same label; gold for t1, t3 and an unknown item t9.
const JUDGMENTS: &str = "task,worker,label\n\
t1,a,yes\nt1,b,no\nt1,a,no\nt2,b,yes\nt2,b,yes\nt2,c,yes\nt3,c,no\n";
const GOLD: &str = "item,true_label\nt1,yes\nt3,no\nt9,yes\n";

#[test]
fn json_report_has_the_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", JUDGMENTS);
    let g = file(dir.path(), "g.csv", GOLD);
    let r = crowdqc(&["inspect", s(&j), "--gold", s(&g), "--format", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["judgments"], 7);
    assert_eq!(v["items"], 3);
    assert_eq!(v["workers"], 3);
    assert_eq!(
        v["classes"],
        serde_json::json!([{"label": "no", "count": 3, "gold": 1}, {"label": "yes", "count": 4, "gold": 1}])
    );
    assert_eq!(v["duplicate_pairs"], 2);
    assert_eq!(v["conflicting_duplicate_pairs"], 1);
    assert_eq!(v["duplicate_extra_rows"], 2);
    assert_eq!(v["dropped_duplicate_rows"], 0);
    assert_eq!(v["gold"]["given"], 3);
    assert_eq!(v["gold"]["joined"], 2);
    assert_eq!(v["gold"]["unknown_items"], 1);
    assert_eq!(v["gold"]["unknown_examples"], serde_json::json!(["t9"]));
    assert_eq!(
        v["judgments_per_item"],
        serde_json::json!({"min": 1, "median": 3.0, "max": 3, "mean": 7.0 / 3.0})
    );
    // workers a: 2, b: 3, c: 2
    assert_eq!(v["judgments_per_worker"]["median"], 2.0);
    assert_eq!(v["judgments_per_worker"]["max"], 3);
    assert_eq!(
        v["warnings"],
        serde_json::json!([
            "1 of 3 gold items have no judgment and are not used",
            "1 (item, worker) pairs were judged more than once with different labels; all are kept (choose --duplicates first or last to keep one)"
        ])
    );
    // no progress bar when not a terminal; the one line on stderr says what was done
    // with the duplicate pair
    assert_eq!(
        r.stderr,
        "note: 2 duplicate (item, worker) pairs (2 extra rows), 1 with conflicting labels; \
         all rows kept (--duplicates first or last keeps one)\n",
        "{r:?}"
    );

    // the duplicate policy drops rows and says so; no gold key without gold
    let r = crowdqc(&["inspect", s(&j), "--duplicates", "last", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["judgments"], 5);
    assert_eq!(v["dropped_duplicate_rows"], 2);
    assert_eq!(v["warnings"], serde_json::json!([]));
    assert_eq!(v["duplicate_pairs"], 2);
    assert!(v.get("gold").is_none());
}

#[test]
fn text_report_is_aligned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", JUDGMENTS);
    let g = file(dir.path(), "g.csv", GOLD);
    let r = crowdqc(&["inspect", s(&j), "--gold", s(&g)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let out = &r.stdout;
    for needle in [
        "judgments                        7\n",
        "items                            3\n",
        "workers                          3\n",
        "judgments per item               min 1  median 3  max 3  (mean 2.33)\n",
        "duplicate (item, worker) pairs   2  (2 extra rows, 1 conflicting pairs)\n",
        "gold                             3 given, 2 joined, 1 unknown items (e.g. t9)\n",
        "    no                3   42.86%           1\n",
        "    yes               4   57.14%           1\n",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn class_table_stays_aligned_with_long_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = "a-very-long-label-that-someone-pasted-from-a-spreadsheet-cell";
    let j = file(
        dir.path(),
        "j.csv",
        format!("item,worker,label\nt1,w1,{long}\nt1,w2,no\nt2,w1,no\n"),
    );
    let r = crowdqc(&["inspect", s(&j)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let rows: Vec<&str> = r.stdout.lines().filter(|l| l.contains('%')).collect();
    assert_eq!(rows.len(), 2, "{}", r.stdout);
    // the long label is cut to 40 characters ending in an ellipsis
    let cut: String = long.chars().take(39).collect::<String>() + "…";
    assert!(rows[0].starts_with(&format!("    {cut}  ")), "{}", r.stdout);
    // both rows have the same width in characters, so the columns line up
    let widths: Vec<usize> = rows.iter().map(|l| l.chars().count()).collect();
    assert_eq!(widths[0], widths[1], "{}", r.stdout);
}

#[test]
fn integer_labels_are_numbers_in_json_and_ordered_numerically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label\n1,a,10\n1,b,2\n2,a,2\n",
    );
    let r = crowdqc(&["inspect", s(&j), "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        v["classes"],
        serde_json::json!([{"label": 2, "count": 2}, {"label": 10, "count": 1}])
    );
    assert_eq!(v["class_order"], "numeric");
}

#[test]
fn bad_input_exits_2_naming_file_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", "item,user,label\nt1,a,x\n");
    let r = crowdqc(&["inspect", s(&j)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert_no_panic(&r);
    assert!(
        r.stderr.starts_with("error: ")
            && r.stderr.contains("j.csv")
            && r.stderr.contains("missing column `worker`")
            && r.stderr.contains("found columns [item, user, label]"),
        "{r:?}"
    );
    // ragged CSV: line number
    let j = file(dir.path(), "r.csv", "item,worker,label\nt1,a,x\nt2,b\n");
    let r = crowdqc(&["inspect", s(&j)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("r.csv: line 3:"), "{r:?}");
    // corrupt Parquet
    let p = file(
        dir.path(),
        "c.parquet",
        b"PAR1 this is not parquet PAR1".as_slice(),
    );
    let r = crowdqc(&["inspect", s(&p)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert_no_panic(&r);
    assert!(r.stderr.contains("c.parquet"), "{r:?}");
    // missing file
    let r = crowdqc(&["inspect", s(&dir.path().join("absent.csv"))]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("absent.csv"), "{r:?}");
    // gold label outside the class set names the gold file
    let j = file(dir.path(), "j2.csv", "item,worker,label\nt1,a,x\n");
    let g = file(dir.path(), "g2.csv", "item,label\nt1,z\n");
    let r = crowdqc(&["inspect", s(&j), "--gold", s(&g)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("g2.csv") && r.stderr.contains("gold label `z`"),
        "{r:?}"
    );
    let r = crowdqc(&["inspect", s(&j), "--gold", s(&g), "--extend-classes"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout
            .contains("warning: 1 classes never used by a judgment: z\n"),
        "{r:?}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let r = crowdqc(&["inspect"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    let r = crowdqc(&["inspect", "x.csv", "--no-such-flag"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    let r = crowdqc(&["inspect", "x.csv", "--format", "yaml"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    let r = crowdqc(&["inspect", "x.csv", "--duplicates", "sometimes"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("duplicates"), "{r:?}");
    let r = crowdqc(&["inspect", "--help"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains("--gold") && r.stdout.contains("--item-column"),
        "{r:?}"
    );
}

#[test]
fn runtime_failure_exits_1() {
    // stdout that cannot be written (device full) is a runtime failure, not bad input
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", JUDGMENTS);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crowdqc"))
        .args(["inspect", s(&j)])
        .stdout(full)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("\nerror: <stdout>:"), "{stderr}");
}

#[test]
fn panics_become_one_line_internal_errors() {
    let r = crowdqc_env(&["inspect", "x.csv"], &[("CROWDQC_DEBUG_PANIC", "1")]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_no_panic(&r);
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    assert!(
        r.stderr
            .starts_with("error: internal error: deliberate panic"),
        "{r:?}"
    );
}

#[test]
fn real_dataset_counts_match_source_md() {
    let Some(d) = crowdqc_testkit::fixtures::dataset_dir("gal-adultcontent2") else {
        return;
    };
    let r = crowdqc(&[
        "inspect",
        s(&d.join("judgments.csv")),
        "--gold",
        s(&d.join("gold.csv")),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    // SOURCE.md: 11,040 sites, 825 workers, 92,721 labels, 2,918 duplicate pairs
    // (2,922 extra rows, 149 conflicting), 1,517 gold of which 333 usable.
    assert_eq!(v["items"], 11040);
    assert_eq!(v["workers"], 825);
    assert_eq!(v["judgments"], 92721);
    assert_eq!(v["duplicate_pairs"], 2918);
    assert_eq!(v["duplicate_extra_rows"], 2922);
    assert_eq!(v["conflicting_duplicate_pairs"], 149);
    assert_eq!(v["gold"]["given"], 1517);
    assert_eq!(v["gold"]["joined"], 333);
    assert_eq!(v["gold"]["unknown_items"], 1184);
    assert_eq!(v["judgments_per_item"]["min"], 1);
    assert_eq!(v["judgments_per_item"]["max"], 30);
    assert_eq!(
        v["classes"][0],
        serde_json::json!({"label": "G", "count": 70706, "gold": 187})
    );
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", JUDGMENTS);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_crowdqc"))
        .args(["inspect", s(&j)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // like `crowdqc inspect j.csv | head -0`
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.starts_with("note: 2 duplicate") && !stderr.contains("error"),
        "{stderr}"
    );
}

#[test]
fn parquet_and_arrow_inputs_give_the_same_report_as_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", JUDGMENTS);
    let g = file(dir.path(), "g.csv", GOLD);
    let report = |judgments: &std::path::Path, gold: &std::path::Path| {
        let r = crowdqc(&[
            "inspect",
            s(judgments),
            "--gold",
            s(gold),
            "--format",
            "json",
        ]);
        assert_eq!(r.code, Some(0), "{r:?}");
        let mut v: Value = serde_json::from_str(&r.stdout).expect("json");
        v["file"] = Value::Null;
        v
    };
    let reference = report(&j, &g);
    for ext in ["parquet", "arrow"] {
        let convert = |p: &std::path::Path| {
            let out = p.with_extension(ext);
            let t = crowdqc_io::read_table(p).expect("read");
            crowdqc_io::write_table(&out, &t[0]).expect("write");
            out
        };
        assert_eq!(report(&convert(&j), &convert(&g)), reference, "{ext}");
    }
}

#[test]
fn decoder_panics_on_corrupt_arrow_files_are_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", JUDGMENTS);
    let ok = dir.path().join("ok.arrow");
    let t = crowdqc_io::read_table(&j).expect("read");
    crowdqc_io::write_table(&ok, &t[0]).expect("write");
    let bytes = std::fs::read(&ok).expect("read");
    // corrupt copies until one makes arrow-ipc panic (crowdqc-io catches it)
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let bad = dir.path().join("bad.arrow");
    let found = (0..2000).any(|_| {
        let mut b = bytes.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % b.len();
            b[i] ^= (state >> 32) as u8 | 1;
        }
        std::fs::write(&bad, &b).expect("write");
        crowdqc_io::read_table(&bad).is_err_and(|e| e.to_string().contains("the decoder failed"))
    });
    assert!(found, "no corrupt file made the decoder fail");
    let r = crowdqc(&["inspect", s(&bad)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert_no_panic(&r);
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    assert!(
        r.stderr.contains("bad.arrow") && r.stderr.contains("the decoder failed"),
        "{r:?}"
    );
}

#[test]
fn declared_classes_and_column_mapping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(
        dir.path(),
        "j.csv",
        "question,annotator_id,answer\nq1,a,yes\nq1,b,no\nq2,a,yes\n",
    );
    let r = crowdqc(&[
        "inspect",
        s(&j),
        "--item-column",
        "question",
        "--worker-column",
        "annotator_id",
        "--label-column",
        "answer",
        "--classes",
        "yes,no,maybe",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["class_order"], "declared");
    assert_eq!(
        v["classes"],
        serde_json::json!([
            {"label": "yes", "count": 2},
            {"label": "no", "count": 1},
            {"label": "maybe", "count": 0}
        ])
    );
    assert_eq!(
        v["warnings"],
        serde_json::json!(["1 classes never used by a judgment: maybe"])
    );
    // a label outside the declared set is bad input naming the row and line
    let r = crowdqc(&[
        "inspect",
        s(&j),
        "--item-column",
        "question",
        "--worker-column",
        "annotator_id",
        "--label-column",
        "answer",
        "--classes",
        "yes",
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr
            .contains("row 2, column `answer`: label `no` is not in the declared class set")
            && r.stderr.contains("(line 3)"),
        "{r:?}"
    );
}
