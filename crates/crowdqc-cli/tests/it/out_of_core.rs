//! `aggregate --spill-dir` out of core (forced with a `--max-memory` computed from the
//! data: below the in-memory two-pass estimate of 14 bytes per judgment, above twice
//! the per-worker tables of the documented formula): the items output rows equal those
//! of the in-memory exact-sums fit (the library's
//! `DawidSkene::params().exact_sums(true)`, itself bit-identical to the sharded fit and
//! within 1e-6 of crowd-kit), every row is counted, the planned peak is within the
//! budget, and nothing is left in the spill directory after success, an error,
//! SIGTERM or the refusal of tables that do not fit.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crowdqc::aggregation::report::item_batches;
use crowdqc::aggregation::{DawidSkene, OneCoinDawidSkene};
use crowdqc::core::IngestOptions;
use crowdqc::core::estimator::{Estimator, FittedModel};
use crowdqc_testkit::fixtures::dataset_dir;
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

use crate::util::{Run, crowdqc, s};

fn generated(dir: &Path, n: u64, k: usize, workers: usize) -> PathBuf {
    let cfg = SynthConfig {
        seed: 3,
        n_workers: workers,
        n_classes: k,
        redundancy: Redundancy::Fixed(5),
        ..SynthConfig::default()
    }
    .with_judgments(n);
    let crowd = SynthCrowd::new(cfg).expect("config");
    let path = dir.join("j.parquet");
    crowdqc::io::write_batches(
        &path,
        crowd.batches(BatchOptions::default()).expect("b").map(Ok),
    )
    .expect("write");
    path
}

fn sorted_lines(p: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(p)
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).expect("ls").count() == 0
}

/// The per-worker tables of the out-of-core fit by the documented formula
/// (docs/scale-out-of-core.md): one statistics table `16·W·K²`, the parameters
/// `2 · 8·W·K²`, the counts `2 · 8·W·K`.
fn tables(m: &crowdqc::core::JudgmentMatrix) -> u64 {
    let (w, k) = (m.n_workers() as u64, m.n_classes() as u64);
    16 * w * k * k + 16 * w * k * k + 16 * w * k
}

/// A budget just below the in-memory two-pass estimate (so the input goes out of core)
/// that holds the per-worker tables, 64 bytes per worker id and 8 kB for the shards
/// (so the fit is planned, not refused).
fn budget_for(input: &Path) -> String {
    let m = crowdqc::io::read_judgments(input, &IngestOptions::default(), None).expect("m");
    let b = 14 * m.n_judgments() as u64 - 1;
    assert!(
        b >= tables(&m) + 64 * m.n_workers() as u64 + 8192,
        "{}: tables {} vs {b}",
        input.display(),
        tables(&m)
    );
    b.to_string()
}

/// `crowdqc --max-memory … aggregate INPUT --spill-dir … --out … --format json`, which
/// must succeed: the run and its JSON summary.
fn aggregate_out_of_core(
    input: &Path,
    max_memory: &str,
    method: &str,
    spill: &Path,
    out: &Path,
) -> (Run, serde_json::Value) {
    let r = crowdqc(&[
        "--max-memory",
        max_memory,
        "aggregate",
        s(input),
        "--method",
        method,
        "--spill-dir",
        s(spill),
        "--out",
        s(out),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v = serde_json::from_str(&r.stdout).expect("json");
    (r, v)
}

/// The CLI out of core against the in-memory exact-sums items table.
fn check(input: &Path, max_memory: &str, method: &str, judgments: usize) {
    let tmp = tempfile::tempdir().expect("tmp");
    let spill = tempfile::tempdir().expect("spill");
    let out = tmp.path().join("items.csv");
    let (r, v) = aggregate_out_of_core(input, max_memory, method, spill.path(), &out);
    assert_eq!(v["out_of_core"], true, "{r:?}");
    assert_eq!(v["judgments"], judgments as u64, "every row counted");
    assert!(empty(spill.path()), "spill dir not empty");
    let m = crowdqc::io::read_judgments(input, &IngestOptions::default(), None).expect("m");
    assert_eq!(m.n_judgments(), judgments);
    // the plan: the documented tables, and a peak (tables + one shard, two with the
    // prefetch) within the budget
    let mem = &v["memory"];
    let n = |f: &str| mem[f].as_u64().expect(f);
    let (w, k) = (m.n_workers() as u64, m.n_classes() as u64);
    assert_eq!(n("stats_table"), 16 * w * k * k);
    assert_eq!(n("params"), 16 * w * k * k);
    assert_eq!(n("counts"), 16 * w * k);
    let budget: u64 = max_memory.parse().expect("bytes");
    assert_eq!(v["budget"], budget);
    let shards = if mem["prefetch"] == true { 2 } else { 1 };
    let peak = n("dictionaries")
        + n("stats_table") * n("stats_tables")
        + n("params")
        + n("counts")
        + shards * n("shard");
    assert!(peak <= budget, "planned peak {peak} > budget {budget}");
    // the phases reported: the fit's is this peak; the items output's (ids, posterior
    // parameters and their log2, one shard; CSV output holds no row group) too is
    // within the budget (the partition and shard build of these small files are one
    // decoded batch, larger than such budgets: see the facade's test of every phase)
    let phase = |f: &str| v["phases"][f].as_u64().expect(f);
    assert_eq!(phase("fit"), peak);
    assert_eq!(phase("items"), n("dictionaries") + n("params") + n("shard"));
    assert!(phase("items") <= budget);
    assert_eq!(n("partition_buffer"), budget / 8);
    assert!(v["runs"].as_u64().expect("runs") >= 2, "{v}");
    let model: Box<dyn FittedModel> = match method {
        "ds" => Box::new(DawidSkene::params().exact_sums(true).fit(&m).expect("ds")),
        _ => Box::new(
            OneCoinDawidSkene::params()
                .exact_sums(true)
                .fit(&m)
                .expect("one-coin"),
        ),
    };
    assert_eq!(v["iterations"], model.fit_report().iterations as u64);
    let expect = tmp.path().join("expect.csv");
    crowdqc::io::write_batches(&expect, item_batches(&m, model.as_ref())).expect("write");
    let (got, want) = (sorted_lines(&out), sorted_lines(&expect));
    assert_eq!(got.len(), m.n_items() + 1);
    assert_eq!(got, want, "{method} on {}", input.display());
}

#[test]
fn out_of_core_rows_equal_the_in_memory_exact_fit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = generated(tmp.path(), 20_000, 4, 120);
    let b = budget_for(&p);
    check(&p, &b, "ds", 20_000);
    check(&p, &b, "one-coin-ds", 20_000);
    for name in ["zhou2012-dogs", "snow2008-rte"] {
        let Some(dir) = dataset_dir(name) else { return };
        let input = dir.join("judgments.csv");
        let n = crowdqc::io::read_judgments(&input, &IngestOptions::default(), None)
            .expect("m")
            .n_judgments();
        check(&input, &budget_for(&input), "ds", n);
    }
}

#[test]
fn tables_over_the_budget_are_refused_with_the_estimate() {
    let tmp = tempfile::tempdir().expect("tmp");
    let spill = tempfile::tempdir().expect("spill");
    // ~3,000 workers x 5 classes: tables of 2.4 MB by the documented formula, against a
    // budget of 200 KB, itself below the in-memory estimate (14 x 20,000 bytes)
    let p = generated(tmp.path(), 20_000, 5, 3_000);
    let m = crowdqc::io::read_judgments(&p, &IngestOptions::default(), None).expect("m");
    // (2,766 of the 3,000 generated workers have judgments)
    assert!(m.n_workers() > 2_500 && m.n_classes() == 5);
    assert!(tables(&m) > 2_000_000);
    let r = crowdqc(&[
        "--max-memory",
        "200000",
        "aggregate",
        s(&p),
        "--spill-dir",
        s(spill.path()),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    // the estimate, the budget, the largest table, the way out; the refusal may come
    // during the read (from the workers seen so far), so the estimate is at least the
    // budget and at most the tables of every worker and their ids
    let e = &r.stderr;
    assert!(
        e.contains(" workers x 5 classes")
            && e.contains("more than the memory limit (--max-memory) (200.0 kB)")
            && e.contains("the largest is the E-step statistics table")
            && e.contains("raise --max-memory to at least"),
        "{r:?}"
    );
    let at = e.find(" bytes), more than").expect("estimate");
    let open = e[..at].rfind('(').expect("(");
    let bytes: u64 = e[open + 1..at].parse().expect("bytes");
    assert!(
        bytes > 200_000 && bytes <= tables(&m) + 64 * 3_000 + 4096,
        "{bytes}: {r:?}"
    );
    assert!(empty(spill.path()), "files left after the refusal");
}

#[test]
fn refusals_name_the_way_out() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = generated(tmp.path(), 20_000, 3, 50);
    // no --spill-dir: refused before reading, naming --spill-dir and --max-memory
    let r = crowdqc(&["--max-memory", "200K", "aggregate", s(&p), "--method", "ds"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("--spill-dir DIR") && r.stderr.contains("--max-memory"),
        "{r:?}"
    );
    // a method that cannot run out of core: the list of those that can
    let spill = tempfile::tempdir().expect("spill");
    let r = crowdqc(&[
        "--max-memory",
        "200K",
        "aggregate",
        s(&p),
        "--method",
        "glad",
        "--spill-dir",
        s(spill.path()),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("ds, one-coin-ds"), "{r:?}");
    // an option that needs the items in memory
    let w = tmp.path().join("w.csv");
    let r = crowdqc(&[
        "--max-memory",
        "200K",
        "aggregate",
        s(&p),
        "--spill-dir",
        s(spill.path()),
        "--workers-out",
        s(&w),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--workers-out"), "{r:?}");
    assert!(empty(spill.path()));
    // a budget below the partitioning read's floor (64 KiB): refused before reading,
    // naming --max-memory and the floor
    let r = crowdqc(&[
        "--max-memory",
        "60K",
        "aggregate",
        s(&p),
        "--spill-dir",
        s(spill.path()),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr
            .contains("raise --max-memory to at least 65.5 kB (65536 bytes)"),
        "{r:?}"
    );
    assert!(empty(spill.path()));
}

#[test]
fn a_bad_row_fails_and_leaves_no_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let spill = tempfile::tempdir().expect("spill");
    let mut csv = String::from("item,worker,label\n");
    for i in 0..20_000 {
        csv.push_str(&format!("i{},w{},{}\n", i % 900, i % 17, i % 3));
    }
    csv.push_str("i5,w1,\n");
    let p = tmp.path().join("j.csv");
    std::fs::write(&p, csv).expect("write");
    // 200 kB: below the in-memory estimate (14 x 20,001 bytes), above the read's floor
    let r = crowdqc(&[
        "--max-memory",
        "200K",
        "aggregate",
        s(&p),
        "--spill-dir",
        s(spill.path()),
    ]);
    assert_ne!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("line 20002"), "{r:?}");
    assert!(empty(spill.path()));
}

#[test]
fn sigterm_mid_fit_leaves_no_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let spill = tempfile::tempdir().expect("spill");
    let p = generated(tmp.path(), 200_000, 5, 2_000);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_crowdqc"))
        .args([
            "--max-memory",
            "2M",
            "aggregate",
            s(&p),
            "--spill-dir",
            s(spill.path()),
            "--max-iter",
            "100000",
            "--tol",
            "1e-300",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let t0 = Instant::now();
    // wait for the shard files (the fit has started once the runs are converted)
    while empty(spill.path()) && t0.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!empty(spill.path()), "no run file appeared");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "finished before the signal"
    );
    let st = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(143), "{out:?}");
    assert!(empty(spill.path()), "files left after SIGTERM");
}

/// The memory plan against the process's own measurement: at 1e6 judgments and a
/// budget of 8 MB (the in-memory estimate is 14 MB), the process's peak resident set
/// by the end of each phase (`measured_phases`: the kernel's high-water mark, which
/// does not depend on load) is within the largest plan of the phases so far plus the
/// documented allowance of 40 MB (the binary, thread stacks, allocator slack:
/// docs/scale-out-of-core.md), and so the whole run within the budget + 40 MB.
#[test]
fn every_phase_measured_within_its_plan_and_the_allowance() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let spill = tempfile::tempdir().expect("spill");
    let p = generated(tmp.path(), 1_000_000, 5, 1_000);
    let out = tmp.path().join("items.csv");
    let budget: u64 = 8_000_000;
    let (_, v) = aggregate_out_of_core(&p, &budget.to_string(), "ds", spill.path(), &out);
    assert_eq!(v["judgments"], 1_000_000u64);
    const ALLOWANCE: u64 = 40_000_000;
    let mut planned_so_far = 0;
    let mut last = 0;
    for phase in ["partition", "shard_build", "fit", "items"] {
        let planned = v["phases"][phase].as_u64().expect(phase);
        let measured = v["measured_phases"][phase].as_u64().expect(phase);
        assert!(
            planned <= budget,
            "{phase}: planned {planned} > {budget}: {v}"
        );
        planned_so_far = planned_so_far.max(planned);
        // a resident set at all (the binary alone is a few MB), never lower later
        assert!(measured > 1_000_000 && measured >= last, "{phase}: {v}");
        last = measured;
        assert!(
            measured <= planned_so_far + ALLOWANCE,
            "{phase}: measured {measured} > planned {planned_so_far} + 40 MB: {v}"
        );
    }
    assert!(last <= budget + ALLOWANCE, "{v}");
}
