//! `crowdqc report`: the .html check before any reading, an atomic write, exit codes.

use crate::util::{assert_no_panic, crowdqc, file, s};

fn crowd(dir: &std::path::Path) -> std::path::PathBuf {
    let mut csv = String::from("item,worker,label\n");
    for i in 0..8 {
        for w in 0..4 {
            let label = if (i + w) % 5 == 0 {
                "b"
            } else if i % 2 == 0 {
                "a"
            } else {
                "b"
            };
            csv.push_str(&format!("t{i},w{w},{label}\n"));
        }
    }
    file(dir, "j.csv", csv)
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
