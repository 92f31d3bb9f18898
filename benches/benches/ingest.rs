//! Criterion benches: building a `JudgmentMatrix`.
//!
//! - `ingest/parquet_str_ids`: `crowdqc_io::read_judgments` of a Parquet file with string
//!   ids (`i0001234`, `w00042`) and integer labels — the target is 10M judgments
//!   under 3 s;
//! - `ingest/batches_str_ids`, `ingest/batches_int_ids`: the same judgments from
//!   in-memory Arrow batches (core ingest alone, no Parquet decoding).
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

criterion_group!(benches, in_memory, parquet);
criterion_main!(benches);
