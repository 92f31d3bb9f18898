//! The out-of-core path (`crowdqc::out_of_core`): a judgment file partitioned by item
//! into run files and fitted by streaming them gives the same bits as the in-memory
//! `exact_sums(true)` fit and as the sharded fit of `crowdqc_aggregation::distributed`
//! over 3 shards (which itself equals crowd-kit 1.4.2 within 1e-6 on the parity
//! fixtures: `crowdqc-aggregation/tests/it/distributed.rs`), on generated data and on
//! two real datasets; every row is accounted for and no file is left in the spill
//! directory.

use std::collections::HashMap;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::DataType;
use crowdqc::aggregation::distributed::{DsConfig, DsFit, GlobalIds, Shard, ShardIds, fit_shards};
use crowdqc::aggregation::{DawidSkene, OneCoinDawidSkene};
use crowdqc::core::columns::{IdColumn, Role, resolve};
use crowdqc::core::estimator::{Estimator, FittedModel};
use crowdqc::core::progress::NoProgress;
use crowdqc::core::{ColumnMap, Error, IngestOptions, JudgmentMatrix};
use crowdqc::out_of_core::{self, OutOfCore};
use crowdqc_testkit::fixtures::dataset_dir;
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn text(a: &ArrayRef, r: usize) -> String {
    match a.data_type() {
        DataType::Int64 => a.as_primitive::<Int64Type>().value(r).to_string(),
        _ => a.as_string::<i32>().value(r).to_string(),
    }
}

/// Items output rows: item id → (label, confidence bits, posterior bits).
fn rows(batches: &[RecordBatch]) -> HashMap<String, (String, u64, Vec<u64>)> {
    let mut out = HashMap::new();
    for b in batches {
        let k = b.num_columns() - 3;
        for r in 0..b.num_rows() {
            let p: Vec<u64> = (0..k)
                .map(|c| {
                    b.column(3 + c)
                        .as_primitive::<Float64Type>()
                        .value(r)
                        .to_bits()
                })
                .collect();
            let conf = b.column(2).as_primitive::<Float64Type>().value(r).to_bits();
            let prev = out.insert(text(b.column(0), r), (text(b.column(1), r), conf, p));
            assert!(prev.is_none(), "an item in two rows");
        }
    }
    out
}

/// The same judgments as 3 in-memory shards partitioned by the runs' item hash.
fn three_shards(path: &Path, cfg: &DsConfig) -> (GlobalIds, DsFit) {
    let batches = crowdqc::io::read_table(path).expect("table");
    let map = ColumnMap::default();
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); 3];
    for b in &batches {
        let i = resolve(&b.schema(), Role::Item, None).expect("item column");
        let col = IdColumn::new(b.column(i), "item", 0).expect("ids");
        let mut idx: Vec<Vec<u32>> = vec![Vec::new(); 3];
        for r in 0..b.num_rows() {
            idx[crowdqc::io::run_of(col.get(r).expect("id"), 3) as usize].push(r as u32);
        }
        for (p, rows) in idx.into_iter().enumerate() {
            let rows = arrow_array::UInt32Array::from(rows);
            parts[p].push(arrow_select::take::take_record_batch(b, &rows).expect("take"));
        }
    }
    let ids: Vec<ShardIds> = parts
        .iter()
        .map(|b| ShardIds::from_batches(b, &map).expect("ids"))
        .collect();
    let global = GlobalIds::merge(&ids.iter().collect::<Vec<_>>()).expect("partitioned");
    let shards: Vec<Shard> = parts
        .iter()
        .map(|b| Shard::from_batches(b, &map, &global).expect("shard"))
        .collect();
    let (fit, _) = fit_shards(&shards, cfg, None).expect("fit");
    (global, fit)
}

fn check(name: &str, path: &Path, m: &JudgmentMatrix) {
    for (cfg, single) in [
        (
            DsConfig::dawid_skene(),
            DawidSkene::params().exact_sums(true).fit(m).expect("ds"),
        ),
        (
            DsConfig::one_coin(),
            OneCoinDawidSkene::params()
                .exact_sums(true)
                .fit(m)
                .expect("one-coin"),
        ),
    ] {
        let what = format!("{name} {:?}", cfg.method());
        let dir = tempfile::tempdir().expect("dir");
        let (global, three) = three_shards(path, &cfg);
        // a budget that leaves a few kB to the shards after the per-worker tables of
        // the documented formula (and 64 bytes per worker for its id): runs are cut
        let (w, k) = (m.n_workers() as u64, m.n_classes() as u64);
        let tight = 32 * w * k * k + 16 * w * k + 64 * w + 4096 + 16_384;
        for (runs, budget) in [(2, None), (5, None), (3, Some(tight))] {
            let w = format!("{what}, {runs} runs, budget {budget:?}");
            let ooc = OutOfCore::prepare_within(
                path,
                &IngestOptions::default(),
                dir.path(),
                runs,
                budget.map(|b| (b, "a test budget")),
                false,
                &NoProgress,
            )
            .expect("prepare");
            assert_eq!(ooc.n_partitions(), runs);
            match budget {
                None => assert_eq!(ooc.n_runs(), runs, "{w}: one shard file per run"),
                Some(b) => {
                    assert!(ooc.n_runs() > runs, "{w}: {} shard files", ooc.n_runs());
                    assert!(ooc.memory().peak() <= b, "{w}: {:?}", ooc.memory());
                }
            }
            // every row and item accounted for
            assert_eq!(ooc.n_judgments(), m.n_judgments() as u64, "{w}: judgments");
            assert_eq!(ooc.n_items(), m.n_items() as u64, "{w}: items");
            assert_eq!(ooc.workers().len(), m.n_workers(), "{w}: workers");
            assert_eq!(ooc.workers(), &global.workers, "{w}: worker codes");
            assert_eq!(ooc.labels(), &global.labels, "{w}: class order");
            // the shard files and nothing else in the directory
            assert_eq!(
                std::fs::read_dir(dir.path()).expect("ls").count(),
                ooc.n_runs(),
                "{w}: files"
            );
            assert_eq!(
                ooc.run_judgments().iter().sum::<u64>(),
                m.n_judgments() as u64
            );
            let fit = ooc.fit_ds(&cfg, &NoProgress).expect("fit");
            // = 3 in-memory shards, bit for bit
            assert_eq!(fit.report, three.report, "{w}: report");
            assert_eq!(
                bits(fit.params.priors()),
                bits(three.params.priors()),
                "{w}: priors"
            );
            assert_eq!(
                bits(fit.params.confusion()),
                bits(three.params.confusion()),
                "{w}: confusion"
            );
            assert_eq!(
                bits(&fit.log_likelihood),
                bits(&three.log_likelihood),
                "{w}: ll"
            );
            // = the in-memory exact-sums fit, bit for bit
            assert_eq!(single.fit_report(), &fit.report, "{w}: single report");
            let k = m.n_classes();
            let mut counts = vec![0; k];
            let batches: Vec<RecordBatch> = out_of_core::items(&ooc, &fit, &mut counts)
                .collect::<Result<_, _>>()
                .expect("items");
            let got = rows(&batches);
            assert_eq!(got.len(), m.n_items(), "{w}: item rows");
            let post = single.posteriors();
            let labels = single.labels();
            for (i, id) in m.items().iter().enumerate() {
                let (label, conf, p) = &got[&id.to_string()];
                assert_eq!(
                    p,
                    &bits(post.row(i).as_slice().expect("row")),
                    "{w}: item {id}"
                );
                assert_eq!(
                    label,
                    &m.classes().label(labels[i]).to_string(),
                    "{w}: label {id}"
                );
                assert_eq!(
                    *conf,
                    post[[i, labels[i] as usize]].to_bits(),
                    "{w}: confidence"
                );
            }
            let mut expect = vec![0; k];
            for &l in &labels {
                expect[l as usize] += 1;
            }
            assert_eq!(counts, expect, "{w}: label counts");
            drop(ooc);
            assert_eq!(
                std::fs::read_dir(dir.path()).expect("ls").count(),
                0,
                "{w}: left"
            );
        }
    }
}

#[test]
fn out_of_core_equals_in_memory_exact_and_three_shards_on_real_data() {
    for name in ["zhou2012-dogs", "snow2008-rte"] {
        let Some(dir) = dataset_dir(name) else { return };
        let path = dir.join("judgments.csv");
        let m = crowdqc::io::read_judgments(&path, &IngestOptions::default(), None).expect("m");
        check(name, &path, &m);
    }
}

#[test]
fn out_of_core_equals_in_memory_exact_and_three_shards_on_generated_data() {
    for (k, workers, n) in [(2, 40, 6_000), (5, 300, 20_000)] {
        let cfg = SynthConfig {
            seed: 7,
            n_workers: workers,
            n_classes: k,
            redundancy: Redundancy::Fixed(5),
            ..SynthConfig::default()
        }
        .with_judgments(n);
        let crowd = SynthCrowd::new(cfg).expect("config");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("j.parquet");
        let batches = crowd.batches(BatchOptions::default()).expect("batches");
        crowdqc::io::write_batches(&path, batches.map(Ok)).expect("write");
        let m = crowdqc::io::read_judgments(&path, &IngestOptions::default(), None).expect("m");
        assert_eq!(m.n_judgments(), n as usize);
        check(&format!("generated k={k}"), &path, &m);
    }
}

#[test]
fn a_bad_row_is_reported_and_no_file_is_left() {
    let dir = tempfile::tempdir().expect("dir");
    let spill = tempfile::tempdir().expect("spill");
    let mut csv = String::from("item,worker,label\n");
    for i in 0..3000 {
        csv.push_str(&format!("i{},w{},{}\n", i % 700, i % 13, i % 3));
    }
    csv.push_str("i5,,1\n");
    let path = dir.path().join("j.csv");
    std::fs::write(&path, csv).expect("write");
    let e = OutOfCore::prepare(
        &path,
        &IngestOptions::default(),
        spill.path(),
        4,
        &NoProgress,
    )
    .expect_err("null worker");
    let msg = e.to_string();
    assert!(msg.contains("line 3002") && msg.contains("j.csv"), "{msg}");
    assert_eq!(std::fs::read_dir(spill.path()).expect("ls").count(), 0);
}

#[test]
fn the_memory_plan_counts_the_per_worker_tables() {
    use crowdqc::out_of_core::FitMemory;
    // 1e6 workers x 5 classes (the 1e8 run): 400 MB per statistics table, 400 MB of
    // parameters (two tables of 200 MB), 80 MB of counts
    let m = FitMemory::plan(
        Some(1_500_000_000),
        "b",
        1_000_000,
        5,
        50_000_000,
        2,
        1 << 30,
    )
    .expect("plan");
    assert_eq!(m.stats_table, 400_000_000);
    assert_eq!(m.params, 400_000_000);
    assert_eq!(m.counts, 80_000_000);
    // the items writer: 2^20 rows of 16 + 8 x 7 bytes, while the items are written
    // (with the parameters and ids: 526 MB, below the fit's 930 MB)
    assert_eq!(m.output, (1 << 20) * 72);
    assert_eq!(m.items_fixed(), 450_000_000 + (1 << 20) * 72);
    // two tables (1.33 GB) would leave less than a quarter of 1.5 GB: one
    assert_eq!(m.stats_tables, 1);
    assert!(m.prefetch);
    assert_eq!(m.fixed(), 930_000_000);
    assert_eq!(m.shard, (1_500_000_000 - 930_000_000) / 2);
    assert_eq!(m.peak(), 1_500_000_000);
    // with 8 GB, two tables
    let m = FitMemory::plan(
        Some(8_000_000_000),
        "b",
        1_000_000,
        5,
        50_000_000,
        2,
        1 << 30,
    )
    .expect("plan");
    assert_eq!(m.stats_tables, 2);
    // 1 GB: 70 MB left for the shards, 35 MB each with the prefetch
    let m = FitMemory::plan(
        Some(1_000_000_000),
        "b",
        1_000_000,
        5,
        50_000_000,
        2,
        1 << 30,
    )
    .expect("plan");
    assert_eq!((m.stats_tables, m.shard), (1, 35_000_000));
    // 900 MB: refused, with the estimate, the budget, the largest table and the way out
    let e = FitMemory::plan(
        Some(900_000_000),
        "the memory limit (--max-memory)",
        1_000_000,
        5,
        50_000_000,
        2,
        1 << 30,
    )
    .expect_err("930 MB of tables > 900 MB");
    assert!(e.is_user_error());
    let msg = e.to_string();
    for part in [
        "1000000 workers x 5 classes",
        "the E-step statistics table (16 bytes per worker per class², one per thread): 400.0 MB",
        "the parameters (8 bytes per worker per class², twice): 400.0 MB",
        "(930004096 bytes), more than the memory limit (--max-memory) (900.0 MB)",
        "raise --max-memory to at least 930.0 MB",
        "the largest is the E-step statistics table",
    ] {
        assert!(msg.contains(part), "{part} in {msg}");
    }
    // no budget: as many tables as threads, shards of any size
    let m = FitMemory::plan(None, "", 1_000_000, 5, 0, 4, 0).expect("plan");
    assert_eq!((m.stats_tables, m.shard), (4, u64::MAX));
}

#[test]
fn runs_for_bounds() {
    // 1e8 judgments, 1 GB budget: 64e8 bytes / 250e6 per run = 26 runs
    assert_eq!(out_of_core::runs_for(100_000_000, 1_000_000_000), 26);
    assert_eq!(out_of_core::runs_for(10, 1_000_000_000), 2);
    assert_eq!(out_of_core::runs_for(u64::MAX, 1), out_of_core::MAX_RUNS);
}

/// Task of the memory plan: for budgets computed from the data (just below the
/// in-memory two-pass estimate of 14 bytes per judgment, which sends the file out of
/// core, down to 6 bytes per judgment) with the runs `plan` would choose, every phase —
/// the partitioning read, the shard build, the fit and the items output — is planned
/// within the budget, and its parts are the documented ones.
#[test]
fn every_phase_is_planned_within_budgets_computed_from_the_data() {
    use crowdqc::out_of_core::{
        PARTITION_BUFFER_SHARE, RUN_BYTES_PER_JUDGMENT, RUN_IO_BYTES, runs_for,
    };
    let n: u64 = 400_000;
    let cfg = SynthConfig {
        seed: 11,
        n_workers: 1000,
        n_classes: 5,
        redundancy: Redundancy::Fixed(5),
        ..SynthConfig::default()
    }
    .with_judgments(n);
    let crowd = SynthCrowd::new(cfg).expect("config");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("j.parquet");
    let batches = crowd.batches(BatchOptions::default()).expect("batches");
    crowdqc::io::write_batches(&path, batches.map(Ok)).expect("write");
    // (before the reader's batch was sized from the budget, its 65,536 rows, decoded
    // and split, took 3.9 MB: 12 bytes per judgment, 4.8 MB, did not fit)
    for budget in [14 * n - 1, 13 * n, 12 * n, 10 * n, 8 * n, 6 * n] {
        let runs = runs_for(n, budget);
        let ooc = OutOfCore::prepare_within(
            &path,
            &IngestOptions::default(),
            dir.path(),
            runs,
            Some((budget, "a test budget")),
            // no Parquet items file: its row group (72 bytes per row here) alone is
            // more than these budgets (the plan refuses it: the facade's other test)
            false,
            &NoProgress,
        )
        .expect("prepare");
        let m = ooc.memory();
        let p = m.phases();
        let what = format!("budget {budget}, {runs} runs: {p:?} {m:?}");
        assert!(p.max() <= budget, "{what}");
        // the parts: the read's buffer is its share of the budget and the decoded
        // batch (twice) is counted; the shard build holds the sorted dictionaries,
        // their maps (4 bytes per id), the I/O buffers and the largest run's build:
        // at least its triples and codes (20 bytes per judgment) and CSR offsets (8
        // per item), at most the 64 bytes per judgment `runs_for` plans runs with
        // (these ids are short); the fit holds the tables and two shards
        assert_eq!(
            m.partition_buffer,
            budget / PARTITION_BUFFER_SHARE,
            "{what}"
        );
        assert!(p.partition > m.partition_buffer, "{what}");
        let fixed = m.dictionaries + 4 * (1000 + 5) + RUN_IO_BYTES;
        assert!(m.build_judgments > 0 && m.build_items > 0, "{what}");
        assert!(
            p.shard_build >= fixed + 20 * m.build_judgments + 8 * m.build_items,
            "{what}"
        );
        assert!(
            p.shard_build <= fixed + RUN_BYTES_PER_JUDGMENT * m.build_judgments,
            "{what}"
        );
        let (w, k) = (1000, 5);
        assert_eq!(
            p.fit,
            m.dictionaries
                + 16 * w * k * k * m.stats_tables as u64
                + 16 * w * k * k
                + 16 * w * k
                + if m.prefetch { 2 } else { 1 } * m.shard,
            "{what}"
        );
        assert_eq!(p.items, m.dictionaries + 16 * w * k * k + m.shard, "{what}");
        assert_eq!(ooc.n_judgments(), n);
    }
}

/// A budget below the floor of the partitioning read (its smallest batch, decoded and
/// split, in an eighth of the budget: 64 KiB) is refused, naming `--max-memory` and
/// the floor (exit 2 in the CLI: its out-of-core tests); the floor itself is taken.
#[test]
fn budgets_below_the_read_floor_are_refused() {
    use crowdqc::out_of_core::{MIN_BUDGET, check_budget_floor};
    assert_eq!(MIN_BUDGET, 64 << 10);
    assert!(check_budget_floor(MIN_BUDGET, "a test budget").is_ok());
    let e = check_budget_floor(MIN_BUDGET - 1, "the memory limit (--max-memory)")
        .expect_err("below the floor");
    let msg = e.to_string();
    assert!(
        matches!(e, Error::ResourceLimit { bytes, budget, .. }
            if bytes == MIN_BUDGET && budget == MIN_BUDGET - 1),
        "{msg}"
    );
    assert!(
        msg.contains("raise --max-memory to at least 65.5 kB (65536 bytes)"),
        "{msg}"
    );
}
