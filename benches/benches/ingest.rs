//! Criterion benches: building a `JudgmentMatrix`.
//!
//! - `ingest/parquet_str_ids`: `crowdqc_io::read_judgments` of a Parquet file with string
//!   ids (`i0001234`, `w00042`) and integer labels — the target is 10M judgments
//!   under 3 s;
//! - `ingest/parquet_str_ids_two_pass`: the same file read in two passes
//!   (`ReadPasses::Two`: dictionaries and counts, then every row into place; the
//!   low-memory read chosen for inputs that would not fit one pass);
//! - `ingest/parquet_threads/{1,2}`: the same read in a rayon pool of 1 or 2 threads
//!   (Parquet row groups are decoded and encoded on the pool's size of threads against
//!   their own dictionaries and merged in file order: the same matrix for any count);
//! - `ingest/batches_str_ids`, `ingest/batches_int_ids`: the same judgments from
//!   in-memory Arrow batches (core ingest alone, no Parquet decoding).
//!
//! - `output/items_parquet`, `output/items_csv`: writing the items table (item, label,
//!   confidence, K = 5 posteriors) of a majority-vote fit with
//!   `crowdqc_io::write_batches` — the target is >= 10 million rows per second
//!   to Parquet, CSV no slower than 3x that. Throughput counts item rows.
//!
//! - `rescore/full_fit_history_plus_day` vs `rescore/warm_day_from_state`: a day of new
//!   judgments (10% of the history's size, new items, the same workers) re-scored by
//!   a Dawid–Skene fit warm-started from the saved state of the history
//!   (`crowdqc_aggregation::state`), against a cold fit of history + day (and a cold
//!   fit of the day alone, which forgets the history). K = 5.
//!
//! Data comes from the testkit generator (seed 42, 3 classes, 5 judgments per item,
//! one worker per 100 judgments, Zipf activity, rows shuffled within blocks), generated
//! outside the timed loop. Sizes: 1e5, 1e6, 1e7 (`CROWDQC_BENCH_MAX` caps the largest,
//! e.g. `CROWDQC_BENCH_MAX=1000000`).
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crowdqc_core::{IngestOptions, JudgmentMatrixBuilder};
use crowdqc_io::{TableWriter, read_judgments};
use crowdqc_testkit::synth::{BatchOptions, IdFormat, Redundancy, SynthConfig, SynthCrowd};

fn sizes() -> Vec<u64> {
    let max: u64 = std::env::var("CROWDQC_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(10_000_000, |v| v as u64);
    [100_000u64, 1_000_000, 10_000_000]
        .into_iter()
        .filter(|&n| n <= max)
        .collect()
}

fn crowd(n: u64) -> SynthCrowd {
    let cfg = SynthConfig {
        seed: 42,
        n_classes: 3,
        redundancy: Redundancy::Fixed(5),
        n_workers: (n as usize / 100).max(10),
        gold_fraction: 0.0,
        ..Default::default()
    }
    .with_judgments(n);
    SynthCrowd::new(cfg).expect("valid config")
}

fn opts(ids: IdFormat) -> BatchOptions {
    BatchOptions {
        ids,
        ..Default::default()
    }
}

fn write_parquet(dir: &Path, n: u64) -> PathBuf {
    let path = dir.join(format!("judgments_{n}.parquet"));
    let c = crowd(n);
    let o = opts(IdFormat::Str);
    let mut w = TableWriter::create(&path, c.schema(&o)).expect("create");
    for b in c.batches(o).expect("batches") {
        w.write(&b).expect("write");
    }
    w.finish().expect("finish");
    path
}

fn configure(c: &mut Criterion) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    g
}

fn parquet(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = configure(c);
    for n in sizes() {
        let path = write_parquet(dir.path(), n);
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::new("parquet_str_ids", n), &path, |b, p| {
            b.iter(|| {
                let m = read_judgments(p, &IngestOptions::default(), None).expect("read");
                assert_eq!(m.n_judgments() as u64, n);
                black_box(m)
            });
        });
        g.bench_with_input(
            BenchmarkId::new("parquet_str_ids_two_pass", n),
            &path,
            |b, p| {
                b.iter(|| {
                    let m = crowdqc_io::read_judgments_passes(
                        p,
                        &IngestOptions::default(),
                        None,
                        &crowdqc_core::progress::NoProgress,
                        crowdqc_io::ReadPasses::Two,
                    )
                    .expect("read");
                    assert_eq!(m.n_judgments() as u64, n);
                    black_box(m)
                });
            },
        );
    }
    g.finish();
}

/// The Parquet read with 1 and 2 threads decoding row groups (ratio = thread scaling).
fn parquet_threads(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = configure(c);
    for n in sizes().into_iter().filter(|&n| n >= 1_000_000) {
        let path = write_parquet(dir.path(), n);
        g.throughput(Throughput::Elements(n));
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            g.bench_with_input(
                BenchmarkId::new(format!("parquet_threads/{threads}"), n),
                &path,
                |b, p| {
                    b.iter(|| {
                        let m = pool
                            .install(|| read_judgments(p, &IngestOptions::default(), None))
                            .expect("read");
                        assert_eq!(m.n_judgments() as u64, n);
                        black_box(m)
                    });
                },
            );
        }
    }
    g.finish();
}

fn in_memory(c: &mut Criterion) {
    let mut g = configure(c);
    for n in sizes() {
        for (name, ids) in [
            ("batches_str_ids", IdFormat::Str),
            ("batches_int_ids", IdFormat::Int),
        ] {
            let batches: Vec<_> = crowd(n).batches(opts(ids)).expect("batches").collect();
            g.throughput(Throughput::Elements(n));
            g.bench_with_input(BenchmarkId::new(name, n), &batches, |b, batches| {
                b.iter(|| {
                    let mut builder =
                        JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
                    builder.reserve(n as usize);
                    for batch in batches {
                        builder.push_batch(batch).expect("push");
                    }
                    black_box(builder.finish().expect("finish"))
                });
            });
        }
    }
    g.finish();
}

/// Writing the items table of a fitted model (rows = items, K = 5 posteriors).
fn output(c: &mut Criterion) {
    use crowdqc::aggregation::MajorityVote;
    use crowdqc::aggregation::report::item_batches;
    use crowdqc_core::estimator::Estimator;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("output");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for n in sizes().into_iter().filter(|&n| n >= 1_000_000) {
        let cfg = SynthConfig {
            seed: 42,
            n_classes: 5,
            redundancy: Redundancy::Fixed(5),
            n_workers: (n as usize / 100).max(10),
            gold_fraction: 0.0,
            ..Default::default()
        }
        .with_judgments(n);
        let m = SynthCrowd::new(cfg)
            .expect("config")
            .to_matrix(&opts(IdFormat::Str), IngestOptions::default())
            .expect("matrix");
        let model = MajorityVote::params().fit(&m).expect("fit");
        let items = m.n_items() as u64;
        g.throughput(Throughput::Elements(items));
        for (name, file) in [
            ("items_parquet", "items.parquet"),
            ("items_csv", "items.csv"),
        ] {
            let path = dir.path().join(file);
            g.bench_with_input(BenchmarkId::new(name, items), &path, |b, p| {
                b.iter(|| crowdqc_io::write_batches(p, item_batches(&m, &model)).expect("write"));
            });
        }
    }
    g.finish();
}

/// Incremental re-scoring: a warm fit of a day's judgments from the history's saved
/// state against a full cold fit of history + day.
fn rescore(c: &mut Criterion) {
    use crowdqc::aggregation::registry::RunOptions;
    use crowdqc::aggregation::state::{self, ModelState};
    use crowdqc_core::progress::NoProgress;
    let mut g = c.benchmark_group("rescore");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let n = 1_000_000u64.min(sizes().into_iter().max().unwrap_or(1_000_000));
    let cfg = SynthConfig {
        seed: 42,
        n_classes: 5,
        redundancy: Redundancy::Fixed(5),
        n_workers: 1000,
        gold_fraction: 0.0,
        ..Default::default()
    }
    .with_judgments(n + n / 10);
    let crowd = SynthCrowd::new(cfg).expect("config");
    // items of the last tenth are "the day"
    let all: Vec<_> = crowd
        .batches(opts(IdFormat::Str))
        .expect("batches")
        .collect();
    let rows: u64 = all.iter().map(|b| b.num_rows() as u64).sum();
    let build = |range: std::ops::Range<u64>| {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
        let mut at = 0u64;
        for batch in &all {
            let (lo, hi) = (at, at + batch.num_rows() as u64);
            at = hi;
            let (s, e) = (range.start.max(lo), range.end.min(hi));
            if s < e {
                b.push_batch(&batch.slice((s - lo) as usize, (e - s) as usize))
                    .expect("push");
            }
        }
        b.finish().expect("matrix")
    };
    let cut = rows * 10 / 11;
    let (history, day, both) = (build(0..cut), build(cut..rows), build(0..rows));
    let run = RunOptions::default();
    let (model, _) = state::fit("ds", &history, &run, None, &NoProgress).expect("fit");
    let saved = ModelState::from_model("ds", &history, &model);
    g.throughput(Throughput::Elements(day.n_judgments() as u64));
    g.bench_function("full_fit_history_plus_day", |b| {
        b.iter(|| black_box(state::fit("ds", &both, &run, None, &NoProgress).expect("fit")));
    });
    g.bench_function("cold_day_alone", |b| {
        b.iter(|| black_box(state::fit("ds", &day, &run, None, &NoProgress).expect("fit")));
    });
    g.bench_function("warm_day_from_state", |b| {
        b.iter(|| {
            black_box(state::fit("ds", &day, &run, Some(&saved), &NoProgress).expect("warm"))
        });
    });
    g.finish();
}

criterion_group!(
    benches,
    in_memory,
    parquet,
    parquet_threads,
    output,
    rescore
);
criterion_main!(benches);
