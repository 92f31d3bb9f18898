//! Issue 12 through the binary: long labels (F2), bounds on work parameters (F4), exit
//! code 2 for bad files (F6), nothing accepted silently (F7), nothing left behind
//! (F8).

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::util::{Run, assert_no_panic, crowdqc, file, s};

fn bad_input(r: &Run, needles: &[&str]) {
    assert_no_panic(r);
    assert_eq!(r.code, Some(2), "{r:?}");
    for n in needles {
        assert!(r.stderr.contains(n), "missing `{n}`: {r:?}");
    }
}

const POLICY: &str = "name = \"p\"\n[[rules]]\nid = \"low\"\naction = \"ban\"\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n";

#[test]
fn inspect_text_with_a_label_of_70000_characters() {
    // F2: `Formatting argument out of range` panic for labels >= 65,536 characters
    let dir = tempfile::tempdir().expect("tempdir");
    let long = "é".repeat(70_000);
    let j = file(
        dir.path(),
        "j.csv",
        format!("item,worker,label\n1,a,{long}\n1,b,no\n2,a,no\n"),
    );
    let r = crowdqc(&["inspect", s(&j)]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(0), "{r:?}");
    // cut to 40 characters with an ellipsis, so the table stays aligned
    let cut = format!("{}…", "é".repeat(39));
    assert!(r.stdout.contains(&cut), "{}", r.stdout);
    assert!(
        r.stdout.lines().all(|l| l.chars().count() < 200),
        "{}",
        r.stdout
    );
    let r = crowdqc(&["aggregate", "--method", "mv", s(&j)]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(0), "{r:?}");
}

#[test]
fn work_parameters_have_bounds_that_name_themselves() {
    // F4: each of these allocated tens of GB or ran past any limit
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(dir.path(), "p.toml", POLICY);
    let ids = |name: &str, col: &str| file(dir.path(), name, format!("{col}\n1\n2\n3\n"));
    let (t, w) = (ids("t.csv", "item"), ids("w.csv", "worker"));
    let g = file(dir.path(), "g.csv", "item,label\n9,x\n8,y\n");
    let out = dir.path().join("plan.csv");
    let started = Instant::now();
    let r = crowdqc(&[
        "gold",
        "plan",
        "--tasks",
        s(&t),
        "--gold",
        s(&g),
        "--workers",
        s(&w),
        "--page-size",
        "4294967295",
        "--out",
        s(&out),
    ]);
    bad_input(&r, &["page_size", "at most 100000", "4294967295"]);
    for (flag, value, needles) in [
        (
            "--runs",
            "1000000000000",
            &["`runs`", "at most 1000000"][..],
        ),
        (
            "--tasks",
            "1000000000000",
            &["`tasks`", "at most 10000000"][..],
        ),
        // within each bound, but together 7 × 1e6 × 1e7 task slots
        (
            "--tasks",
            "10000000",
            &["`runs`", "20000000000", "lower --runs or --tasks"][..],
        ),
    ] {
        let mut args = vec!["policy", "simulate", "--policy", s(&p), flag, value];
        if flag == "--tasks" && value == "10000000" {
            args.extend(["--runs", "1000000"]);
        }
        bad_input(&crowdqc(&args), needles);
    }
    // the adaptive schedule's gold pool: 4e9 items took ~120 GB (one pool copy per
    // simulated worker)
    for (value, runs, needles) in [
        (
            "4000000000",
            "10",
            &["`gold_pool`", "between 1 and 1000000", "4000000000"][..],
        ),
        (
            "1000000",
            "1000000",
            &["`gold_pool`", "lower the pool size or the runs"][..],
        ),
    ] {
        let r = crowdqc(&[
            "policy",
            "simulate",
            "--policy",
            s(&p),
            "--schedule",
            "adaptive",
            "--gold-pool",
            value,
            "--runs",
            runs,
        ]);
        bad_input(&r, needles);
    }
    for (flag, value, needles) in [
        (
            "--runs",
            "1000000000000",
            &["`runs`", "at most 10000000"][..],
        ),
        ("--horizon", "1000000000", &["`horizon`", "1..=5000"][..]),
    ] {
        let r = crowdqc(&["policy", "exact", "--policy", s(&p), flag, value]);
        bad_input(&r, needles);
    }
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label\n1,a,x\n1,b,x\n2,a,y\n2,b,x\n",
    );
    let r = crowdqc(&["agreement", s(&j), "--bootstrap", "1000000000"]);
    bad_input(&r, &["`bootstrap`", "at most 1000000"]);
    // refused before any work: all of them together take well under a minute
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn bad_files_exit_2_naming_the_file() {
    // F6: directories, IPC files cut to 6-9 bytes and non-UTF-8 or binary policies
    // exited 1 (a runtime failure)
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("x.csv");
    std::fs::create_dir(&d).expect("mkdir");
    bad_input(&crowdqc(&["inspect", s(&d)]), &["x.csv", "directory"]);
    let j = file(dir.path(), "j.csv", "item,worker,label\n1,a,x\n1,b,x\n");
    bad_input(
        &crowdqc(&["inspect", s(&j), "--gold", s(&d)]),
        &["x.csv", "directory"],
    );
    for cut in 6..=9 {
        let p = file(dir.path(), "cut.arrow", &b"ARROW1\0\0\xff\xff"[..cut]);
        bad_input(&crowdqc(&["inspect", s(&p)]), &["cut.arrow", "truncated"]);
    }
    let pd = dir.path().join("p.toml");
    std::fs::create_dir(&pd).expect("mkdir");
    let latin1 = file(dir.path(), "latin1.toml", b"name = \"caf\xe9\"\n");
    let binary = file(dir.path(), "bin.toml", b"\0\x01\x02\x03PAR1\0\0");
    for (p, what) in [(&pd, "directory"), (&latin1, "UTF-8"), (&binary, "binary")] {
        let name = p.file_name().and_then(|n| n.to_str()).expect("name");
        bad_input(
            &crowdqc(&["policy", "eval", "--policy", s(p), s(&j)]),
            &[name, what],
        );
    }
}

#[test]
fn nothing_is_accepted_silently() {
    // F7
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(
        dir.path(),
        "j.csv",
        "item,worker,label,label\n1,a,x,y\n1,b,x,x\n",
    );
    bad_input(
        &crowdqc(&["inspect", s(&j)]),
        &["j.csv", "`label`", "appears 2 times"],
    );
    let p = file(
        dir.path(),
        "p.toml",
        "name = \"p\"\n[[rules]]\nid = \"s\"\naction = \"suspend\"\nduration = \"99999999999999999d\"\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n",
    );
    bad_input(
        &crowdqc(&["policy", "simulate", "--policy", s(&p)]),
        &["p.toml", "duration", "1000 years", "permanent"],
    );
    let good = file(dir.path(), "good.toml", POLICY);
    let eval = |name: &str, text: &str| {
        let st = file(dir.path(), name, text);
        crowdqc(&["policy", "eval", "--policy", s(&good), "--stats", s(&st)])
    };
    let r = eval(
        "dup.csv",
        "worker,gold_answered,gold_correct\nw1,10,2\nw2,10,9\nw1,10,9\n",
    );
    bad_input(&r, &["dup.csv", "worker `w1` appears again", "row 3"]);
    let r = eval("typo.csv", "worker,gold_answred,gold_correct\nw1,10,2\n");
    bad_input(
        &r,
        &[
            "typo.csv",
            "`gold_answred`",
            "unknown column",
            "gold_answered, gold_correct",
        ],
    );
    let r = eval(
        "huge.csv",
        "worker,gold_answered,gold_correct\nw1,1e300,2\n",
    );
    bad_input(&r, &["huge.csv", "`gold_answered`", "1e300", "2^53"]);
    // the largest exact count is still accepted
    let r = eval(
        "max.csv",
        "worker,gold_answered,gold_correct\nw1,9007199254740992,9007199254740992\n",
    );
    assert_eq!(r.code, Some(0), "{r:?}");
}

/// A judgments CSV large enough that writing its items table takes a while.
fn big_judgments(dir: &Path) -> std::path::PathBuf {
    use std::fmt::Write as _;
    let mut text = String::from("item,worker,label\n");
    for i in 0..600_000u32 {
        let _ = writeln!(text, "{i},w{},{}", i % 97, i % 3);
    }
    file(dir, "big.csv", text)
}

fn temp_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| crowdqc_io::is_temp_name(n))
        .collect();
    v.sort();
    v
}

/// Starts a large write and sends `signal` once its temp file exists; returns the run.
fn signal_during_write(dir: &Path, big: &Path, signal: &str) -> Option<i32> {
    let out = dir.join(format!("items-{signal}.csv"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_crowdqc"))
        .args(["aggregate", "--method", "mv", s(big), "--out", s(&out)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while temp_files(dir).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no temp file appeared"
        );
        if child.try_wait().expect("wait").is_some() {
            panic!("the write finished before the signal could be sent");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out_status = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out_status.stderr).into_owned();
    if signal != "KILL" {
        assert!(
            stderr.contains(&format!("interrupted by SIG{signal}")),
            "{stderr}"
        );
        assert!(!out.exists(), "a partial output was renamed into place");
    }
    out_status.status.code()
}

#[test]
fn signals_during_a_write_remove_the_temp_file() {
    // F8: SIGINT / SIGTERM left the hidden temp file behind
    let dir = tempfile::tempdir().expect("tempdir");
    let big = big_judgments(dir.path());
    assert_eq!(signal_during_write(dir.path(), &big, "TERM"), Some(143));
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    assert_eq!(signal_during_write(dir.path(), &big, "INT"), Some(130));
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    // SIGKILL cannot be handled: its temp file stays, until a later run finds it stale
    assert_eq!(signal_during_write(dir.path(), &big, "KILL"), None);
    let left = temp_files(dir.path());
    assert_eq!(left.len(), 1, "{left:?}");
    let stale = dir.path().join(&left[0]);
    age(&stale, 120);
    let small = file(dir.path(), "small.csv", "item,worker,label\n1,a,x\n1,b,y\n");
    let r = crowdqc(&[
        "aggregate",
        "--method",
        "mv",
        s(&small),
        "--out",
        s(&dir.path().join("o.csv")),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stderr.contains("note: removed") && r.stderr.contains(&left[0]),
        "{r:?}"
    );
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

/// Sets the modification time of `p` to `secs` seconds ago.
fn age(p: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(p).expect("open");
    f.set_modified(SystemTime::now() - Duration::from_secs(secs))
        .expect("set mtime");
}

#[test]
fn stale_temp_files_follow_the_documented_rule() {
    // F8: only files of crowdqc's pattern, unlocked and a minute old, are removed
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let old = file(d, ".o.csv.crowdqc-aB3dE9.tmp", "partial");
    age(&old, 120);
    let legacy = file(d, ".o.parquet.Zx81Qa.tmp", "partial");
    age(&legacy, 3600);
    let fresh = file(d, ".o.csv.crowdqc-Fresh1.tmp", "partial");
    let locked = file(d, ".o.csv.crowdqc-Locked.tmp", "partial");
    age(&locked, 120);
    let held = std::fs::File::open(&locked).expect("open");
    held.lock().expect("lock");
    let other = file(d, ".notes.tmp", "not ours");
    age(&other, 3600);
    let small = file(d, "small.csv", "item,worker,label\n1,a,x\n1,b,y\n");
    let r = crowdqc(&[
        "aggregate",
        "--method",
        "mv",
        s(&small),
        "--out",
        s(&d.join("o.csv")),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(!old.exists() && !legacy.exists(), "{r:?}");
    assert!(fresh.exists() && locked.exists() && other.exists());
    assert_eq!(r.stderr.matches("note: removed").count(), 2, "{r:?}");
    drop(held);
}
