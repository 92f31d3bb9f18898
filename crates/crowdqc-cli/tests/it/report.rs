//! `crowdqc report`: the .html check before any reading, an atomic write, exit codes.

use crate::util::{assert_no_panic, crowdqc, file, s};

/// 8 items by 4 workers, every judgment one minute long (`duration_ms`).
fn crowd(dir: &std::path::Path) -> std::path::PathBuf {
    let mut csv = String::from("item,worker,label,duration_ms\n");
    for i in 0..8 {
        for w in 0..4 {
            let label = if (i + w) % 5 == 0 || i % 2 == 1 {
                "b"
            } else {
                "a"
            };
            csv.push_str(&format!("t{i},w{w},{label},60000\n"));
        }
    }
    file(dir, "j.csv", csv)
}

fn policy() -> String {
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/recommended.toml");
    p.to_str().expect("utf-8").to_string()
}

#[test]
fn statements_show_effective_hourly_pay() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = crowd(dir.path());
    let gold = file(dir.path(), "g.csv", "item,label\nt0,a\nt1,b\nt2,a\n");
    // 5 cents a task, 20% kept by the platform, t0 and t1 are unpaid training
    let pay = file(
        dir.path(),
        "pay.toml",
        "currency = \"USD\"\nrate = 0.05\nplatform_cut = 0.20\n[unpaid]\nitems = [\"t0\", \"t1\"]\n",
    );
    let out = dir.path().join("r.html");
    let pol = policy();
    let args = [
        "report",
        s(&j),
        "--gold",
        s(&gold),
        "--policy",
        &pol,
        "--pay",
        s(&pay),
        "--out",
        s(&out),
    ];
    let r = crowdqc(&args);
    assert_eq!(r.code, Some(0), "{r:?}");
    let html = std::fs::read_to_string(&out).expect("report");
    let st = &html[html
        .find("<section id=\"statements\">")
        .expect("statements")..];
    // each worker: 6 paid tasks × 0.05 × 0.8 = 0.24 USD over 8 minutes of work (2 of
    // them unpaid) = 1.80 USD an hour, a quarter of the time unpaid
    for w in 0..4 {
        let start = st.find(&format!("<tr><td>w{w}</td>")).expect("row");
        let row = &st[start..start + st[start..].find("</tr>").expect("end")];
        assert!(
            row.contains(">1.80</td>") && row.contains(">0.250</td>"),
            "{row}"
        );
    }
    // pay needs a policy, and durations
    let r = crowdqc(&["report", s(&j), "--pay", s(&pay), "--out", s(&out)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("`pay`") && r.stderr.contains("--policy"),
        "{}",
        r.stderr
    );
    let no_time = file(
        dir.path(),
        "n.csv",
        "item,worker,label\nt0,w0,a\nt0,w1,b\nt1,w0,b\nt1,w1,b\n",
    );
    let r = crowdqc(&[
        "report",
        s(&no_time),
        "--policy",
        &pol,
        "--pay",
        s(&pay),
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("duration_ms"), "{}", r.stderr);
    assert_no_panic(&r);
}

#[test]
fn out_must_be_html_and_is_checked_first() {
    let dir = tempfile::tempdir().expect("tmp");
    for out in ["r.txt", "report", "r.html.csv"] {
        let p = dir.path().join(out);
        // the judgments file does not exist: the output path is refused before reading
        let r = crowdqc(&["report", "missing.csv", "--out", s(&p)]);
        assert_eq!(r.code, Some(2), "{r:?}");
        assert!(
            r.stderr.contains("`out`") && r.stderr.contains(".html"),
            "{}",
            r.stderr
        );
        assert!(!p.exists());
        assert_no_panic(&r);
    }
}

#[test]
fn writes_one_html_file_atomically() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = crowd(dir.path());
    let out = dir.path().join("report.html");
    let r = crowdqc(&["report", s(&j), "--method", "mv", "--out", s(&out)]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let html = std::fs::read_to_string(&out).expect("report");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<section id=\"truth\">"));
    // nothing but the judgments and the report: no temporary file left behind
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["j.csv", "report.html"]);
    // a bad method is a usage error and leaves no file
    let bad = dir.path().join("bad.html");
    let r = crowdqc(&["report", s(&j), "--method", "nope", "--out", s(&bad)]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("`method`"), "{}", r.stderr);
    assert!(!bad.exists());
}
