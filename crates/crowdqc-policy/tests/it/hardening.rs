//! Issue 12: out-of-range durations (F7), unreadable policy files (F6), worker stats
//! tables that were accepted silently (F7) and bounds on the simulators' work (F4).

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use crowdqc_core::Error;
use crowdqc_policy::simulate::SimConfig;
use crowdqc_policy::spec::{MAX_DURATION_MS, parse_duration};
use crowdqc_policy::{EvidenceTable, ExactOptions, exact_report, parse_policy, read_policy};

const POLICY: &str = "name = \"p\"\n[[rules]]\nid = \"low\"\naction = \"ban\"\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n";

#[test]
fn durations_beyond_1000_years_are_refused_not_capped() {
    // 1000 years of 365.25 days, exactly
    assert_eq!(MAX_DURATION_MS, 1000 * 36_525 * 86_400_000 / 100);
    assert_eq!(MAX_DURATION_MS, 31_557_600_000_000);
    // 52,178 weeks fit (3.15573e13 ms), 52,179 (3.15579e13) do not
    assert_eq!(
        parse_duration("duration", "52143w").expect("fits"),
        Some(52_143 * 604_800_000)
    );
    assert!(parse_duration("duration", "52178w").is_ok());
    assert!(parse_duration("duration", "52179w").is_err());
    // F7: 99999999999999999d was silently capped at i64::MAX ms
    for s in ["99999999999999999d", "1000000000000000000000s", "365259d"] {
        let e = parse_duration("duration", s).expect_err(s);
        let m = e.to_string();
        assert!(
            m.contains("`duration`") && m.contains("1000 years") && m.contains("permanent"),
            "{m}"
        );
    }
    let src = format!(
        "{POLICY}[[rules]]\nid = \"s\"\naction = \"suspend\"\nduration = \"99999999999999999d\"\nwhen = [{{ metric = \"gold_accuracy\", below = 0.2 }}]\n"
    );
    let e = parse_policy(&src).expect_err("too long");
    assert!(
        e.is_user_error() && e.to_string().contains("duration"),
        "{e}"
    );
}

#[test]
fn unreadable_policy_files_are_bad_input() {
    // F6: a non-UTF-8 or binary policy was an I/O error (exit 1)
    let dir = std::env::temp_dir().join(format!("crowdqc-policy-h-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let latin1 = dir.join("latin1.toml");
    std::fs::write(&latin1, b"name = \"p\"\ndescription = \"caf\xe9\"\n").expect("write");
    let e = read_policy(&latin1).expect_err("latin-1");
    assert!(e.is_user_error(), "{e}");
    let m = e.to_string();
    assert!(
        m.contains("latin1.toml") && m.contains("line 2") && m.contains("UTF-8"),
        "{m}"
    );
    let bin = dir.join("bin.toml");
    std::fs::write(&bin, b"PAR1\0\0\0\x15").expect("write");
    let e = read_policy(&bin).expect_err("binary");
    assert!(e.is_user_error() && e.to_string().contains("binary"), "{e}");
    let e = read_policy(&dir).expect_err("directory");
    assert!(
        e.is_user_error() && e.to_string().contains("directory"),
        "{e}"
    );
    // a missing file stays an I/O error that names it (exit 2: not found)
    let e = read_policy(&dir.join("none.toml")).expect_err("missing");
    assert!(matches!(e, Error::Io { .. }) && e.is_user_error(), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn stats(cols: Vec<(&str, ArrayRef)>) -> crowdqc_core::Result<EvidenceTable> {
    let p = parse_policy(POLICY).expect("policy");
    let b = RecordBatch::try_from_iter(cols).expect("batch");
    EvidenceTable::from_stats(&[b], &p)
}

fn strs(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

#[test]
fn stats_tables_refuse_what_was_accepted_silently() {
    // duplicate workers were evaluated twice
    let e = stats(vec![
        ("worker", strs(&["a", "b", "a"])),
        (
            "gold_answered",
            Arc::new(Int64Array::from(vec![3, 4, 5])) as _,
        ),
    ])
    .expect_err("a twice");
    assert_eq!(
        e.to_string(),
        "row 3, column `worker`: worker `a` appears again (first on row 1); give one row per worker"
    );
    // an unknown column was ignored, so a misspelt metric let everyone pass
    let e = stats(vec![
        ("worker", strs(&["a"])),
        ("gold_corect", Arc::new(Int64Array::from(vec![3])) as _),
    ])
    .expect_err("typo");
    let m = e.to_string();
    assert!(m.starts_with("column `gold_corect`: unknown column"), "{m}");
    for known in [
        "gold_answered",
        "gold_correct",
        "recent_gold",
        "tier",
        "fast_share",
    ] {
        assert!(m.contains(known), "{m}");
    }
    // a count beyond 2^53 was capped at u64::MAX
    let e = stats(vec![
        ("worker", strs(&["a"])),
        ("judgments", Arc::new(Float64Array::from(vec![1e300])) as _),
    ])
    .expect_err("1e300");
    assert!(
        e.to_string().contains("1e300 is beyond the exact range"),
        "{e}"
    );
    let e = stats(vec![
        ("worker", strs(&["a"])),
        (
            "judgments",
            Arc::new(Int64Array::from(vec![(1i64 << 53) + 2])) as _,
        ),
    ])
    .expect_err("2^53 + 2");
    assert!(e.to_string().contains("2^53"), "{e}");
    // 2^53 itself is exact
    let t = stats(vec![
        ("worker", strs(&["a"])),
        (
            "judgments",
            Arc::new(Int64Array::from(vec![1i64 << 53])) as _,
        ),
    ])
    .expect("2^53");
    assert_eq!(t.len(), 1);
    // the same worker in two batches is a duplicate too
    let p = parse_policy(POLICY).expect("policy");
    let b = RecordBatch::try_from_iter([("worker", strs(&["a"]))]).expect("batch");
    let e = EvidenceTable::from_stats(&[b.clone(), b], &p).expect_err("twice");
    assert!(e.to_string().starts_with("row 2,"), "{e}");
}

#[test]
fn simulator_work_is_bounded() {
    let ok = SimConfig::new().runs(SimConfig::MAX_RUNS).tasks(100);
    assert!(ok.validate().is_ok());
    let e = SimConfig::new()
        .runs(SimConfig::MAX_RUNS + 1)
        .validate()
        .expect_err("runs");
    assert!(e.to_string().contains("`runs`: at most 1000000 "), "{e}");
    let e = SimConfig::new()
        .tasks(SimConfig::MAX_TASKS + 1)
        .validate()
        .expect_err("tasks");
    assert!(e.to_string().contains("`tasks`: at most 10000000 "), "{e}");
    // the default roster has 7 archetypes: 7 × 1e6 × 2857 = 1.99990e10 slots fit,
    // 7 × 1e6 × 2858 = 2.0006e10 do not
    let n = SimConfig::new().workers.len() as u64;
    assert_eq!(n, 7);
    assert!(
        SimConfig::new()
            .runs(1_000_000)
            .tasks(2857)
            .validate()
            .is_ok()
    );
    let e = SimConfig::new()
        .runs(1_000_000)
        .tasks(2858)
        .validate()
        .expect_err("slots");
    assert!(
        e.to_string().contains("= 20006000000 simulated task slots"),
        "{e}"
    );
    // exact: Monte Carlo runs
    let p = crate::example_policy("recommended.toml");
    let opts = ExactOptions::new().runs(ExactOptions::MAX_RUNS + 1);
    let e = exact_report(&p, &opts, &crowdqc_core::progress::NoProgress).expect_err("runs");
    assert!(e.to_string().contains("`runs`: at most 10000000 "), "{e}");
    let opts = ExactOptions::new().horizon(5001);
    let e = exact_report(&p, &opts, &crowdqc_core::progress::NoProgress).expect_err("horizon");
    assert!(e.to_string().contains("1..=5000"), "{e}");
}
