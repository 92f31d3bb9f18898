//! `crowdqc workers statement`: statements, pay, and bad input.

use serde_json::Value;

use crate::util::{assert_no_panic, crowdqc, file, s};

/// Gold g1..g6 (label a): `good` right on all, 4 s each; `bad` right only on g1,
/// 0.4 s each; one judgment a minute.
fn judgments(with_durations: bool) -> String {
    let mut out = String::from("item,worker,label,timestamp");
    out.push_str(if with_durations {
        ",duration_ms\n"
    } else {
        "\n"
    });
    let mut t = 1_714_564_800_000i64;
    for g in 1..=6 {
        for (w, label) in [("good", "a"), ("bad", if g == 1 { "a" } else { "b" })] {
            out.push_str(&format!("g{g},{w},{label},{t}"));
            if with_durations {
                out.push_str(if w == "bad" { ",400" } else { ",4000" });
            }
            out.push('\n');
            t += 60_000;
        }
    }
    out
}

const GOLD: &str = "item,label\ng1,a\ng2,a\ng3,a\ng4,a\ng5,a\ng6,a\n";

const POLICY: &str = r#"
[[rules]]
id = "two-wrong"
action = "ban"
min_evidence = 2
when = [{ metric = "gold_wrong", at_least = 2 }]
[[rules]]
id = "low-recent"
action = "suspend"
duration = "3d"
min_evidence = 4
when = [{ metric = "gold_accuracy", window = 4, below = 0.75 }]
"#;

const PAY: &str = "currency = \"EUR\"\nrate = 0.05\nplatform_cut = 0.2\nhourly_floor = 50\n";

/// Pay by hand: 6 tasks × 0.05 × 0.8 = 0.24; good spent 24 s (36.00 an hour), bad
/// 2.4 s (360.00). bad: 1 of 6 right: banned for good; the window of 4 (all wrong)
/// needs 3 correct answers to reach 3 of 4.
#[test]
fn statement_json_has_hand_computed_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", judgments(true));
    let g = file(dir.path(), "g.csv", GOLD);
    let p = file(dir.path(), "p.toml", POLICY);
    let pay = file(dir.path(), "pay.toml", PAY);
    let out = dir.path().join("statements.csv");
    let r = crowdqc(&[
        "workers",
        "statement",
        s(&j),
        "--gold",
        s(&g),
        "--policy",
        s(&p),
        "--pay",
        s(&pay),
        "--format",
        "json",
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let st = v["statements"].as_array().expect("statements");
    let by = |w: &str| st.iter().find(|x| x["worker"] == w).expect("worker");
    let bad = by("bad");
    assert_eq!(bad["action"], "ban");
    assert_eq!(bad["gold"]["correct"], 1);
    assert_eq!(bad["rules"][0]["change"]["kind"], "nothing");
    assert_eq!(bad["rules"][1]["change"]["kind"], "correct_answers");
    assert_eq!(bad["rules"][1]["change"]["answers"], 3);
    let hourly = |w: &str| by(w)["pay"]["hourly"].as_f64().expect("hourly");
    assert!((hourly("good") - 36.0).abs() < 1e-9);
    assert!((hourly("bad") - 360.0).abs() < 1e-9);
    assert_eq!(by("good")["pay"]["below_floor"], true);
    let table = std::fs::read_to_string(&out).expect("table");
    assert!(
        table.starts_with("worker,action,duration_ms,tasks,"),
        "{table}"
    );
    assert_eq!(table.matches("Statement for worker").count(), 2, "{table}");
    // one worker, as text
    let r = crowdqc(&[
        "workers",
        "statement",
        s(&j),
        "--gold",
        s(&g),
        "--policy",
        s(&p),
        "--worker",
        "bad",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.starts_with("Statement for worker bad\n"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stdout.matches("Statement for worker").count(),
        1,
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("3 more correct gold answers in a row would lift it"),
        "{}",
        r.stdout
    );
}

#[test]
fn bad_input_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = file(dir.path(), "j.csv", judgments(true));
    let untimed = file(dir.path(), "u.csv", judgments(false));
    let g = file(dir.path(), "g.csv", GOLD);
    let p = file(dir.path(), "p.toml", POLICY);
    let pay = file(dir.path(), "pay.toml", PAY);
    let negative = file(dir.path(), "neg.toml", "currency = \"EUR\"\nrate = -0.05\n");
    let pool = file(
        dir.path(),
        "pool.toml",
        "rate = 0.05\n\n[[pools]]\nname = \"long\"\nitems = [\"g1\"]\n",
    );
    let floor_rule = file(
        dir.path(),
        "floor.toml",
        "[[rules]]\nid = \"floor\"\naction = \"warn\"\nmin_evidence = 1\n\
         when = [{ metric = \"hourly_pay\", below = 7.25 }]\n",
    );
    let base = ["workers", "statement"];
    let cases: [(Vec<&str>, &[&str]); 5] = [
        (
            vec![
                s(&j),
                "--gold",
                s(&g),
                "--policy",
                s(&p),
                "--worker",
                "nobody",
            ],
            &["--worker", "nobody"],
        ),
        (
            vec![
                s(&untimed),
                "--gold",
                s(&g),
                "--policy",
                s(&p),
                "--pay",
                s(&pay),
            ],
            &["duration_ms", "--duration-column"],
        ),
        (
            vec![
                s(&j),
                "--gold",
                s(&g),
                "--policy",
                s(&p),
                "--pay",
                s(&negative),
            ],
            &["rate", "line 2", "-0.05"],
        ),
        (
            vec![s(&j), "--gold", s(&g), "--policy", s(&p), "--pay", s(&pool)],
            &["long", "no rate", "line 3"],
        ),
        (
            vec![s(&j), "--gold", s(&g), "--policy", s(&floor_rule)],
            &["--pay", "floor", "line 1"],
        ),
    ];
    for (args, words) in cases {
        let all: Vec<&str> = base.iter().copied().chain(args).collect();
        let r = crowdqc(&all);
        assert_no_panic(&r);
        assert_eq!(r.code, Some(2), "{all:?}: {r:?}");
        for w in words {
            assert!(r.stderr.contains(w), "{all:?}: `{w}` not in {}", r.stderr);
        }
    }
}

/// A quota over simulated workers with a speed: the text table shows tasks a day.
#[test]
fn simulate_with_worker_speed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "quota.toml",
        "[[rules]]\nid = \"quota\"\naction = \"ban\"\nmin_evidence = 1\n\
         when = [{ metric = \"tasks_per_day\", below = 200 }]\n",
    );
    let r = crowdqc(&[
        "policy",
        "simulate",
        "--policy",
        s(&p),
        "--workers",
        "0.97~150s/0.3,uniform~20s",
        "--runs",
        "200",
        "--tasks",
        "600",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains("tasks/day") && r.stdout.contains("0.97~150s/0.3"),
        "{}",
        r.stdout
    );
    let r = crowdqc(&[
        "policy",
        "simulate",
        "--policy",
        s(&p),
        "--workers",
        "0.9~fast",
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("0.9~fast"), "{}", r.stderr);
}
