//! Criterion benches: the Dawid–Skene kernel at 1e7 judgments, K = 5 (issue 13's
//! target), and the per-iteration costs of the distributed API (E-step of a shard,
//! merge of statistics, M-step, parameter serialisation) for the cost model.
//!
//! Data: `crowdqc_testkit::synth` (seeded; redundancy 5, string ids), generated
//! outside the timed loop. The kernel group runs a fixed 20 iterations (log-likelihood
//! stop rule, tolerance 1e-300) including the one-off preparation; throughput is
//! judgment-iterations per second. `CROWDQC_BENCH_MAX` caps the kernel's size.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crowdqc::aggregation::distributed::{
    DsConfig, DsParams, DsStats, GlobalIds, Shard, ShardIds, e_step, init_stats, m_step, merge,
};
use crowdqc::aggregation::{DawidSkene, StopRule};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{ColumnMap, IngestOptions, JudgmentMatrix};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

const ITERS: usize = 20;

fn crowd(n_judgments: u64, k: usize, n_workers: usize) -> SynthCrowd {
    let cfg = SynthConfig {
        seed: 42,
        n_workers,
        n_classes: k,
        redundancy: Redundancy::Fixed(5),
        ..SynthConfig::default()
    }
    .with_judgments(n_judgments);
    SynthCrowd::new(cfg).expect("config")
}

fn matrix(n_judgments: u64, k: usize) -> JudgmentMatrix {
    let workers = (n_judgments / 1000).clamp(50, 20_000) as usize;
    crowd(n_judgments, k, workers)
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix")
}

fn kernel(c: &mut Criterion) {
    let n = std::env::var("CROWDQC_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000u64)
        .min(10_000_000);
    let mut g = c.benchmark_group("ds_kernel_k5");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    let m = matrix(n, 5);
    let base = DawidSkene::params()
        .max_iter(ITERS)
        .tol(1e-300)
        .stop_rule(StopRule::LogLikelihood);
    for (name, params) in [
        ("float", base.clone()),
        ("exact_sums", base.clone().exact_sums(true)),
    ] {
        let iters = params.fit(&m).expect("fit").fit_report().iterations as u64;
        g.throughput(Throughput::Elements(m.n_judgments() as u64 * iters));
        g.bench_with_input(BenchmarkId::new(name, n), &m, |b, m| {
            b.iter(|| black_box(params.fit(m).expect("fit")))
        });
    }
    g.finish();
}

/// One shard of `n` judgments over `workers` workers, its statistics and parameters.
fn shard(n: u64, workers: usize) -> (Shard, DsStats, DsParams) {
    let batches: Vec<_> = crowd(n, 5, workers)
        .batches(BatchOptions::default())
        .expect("batches")
        .collect();
    let map = ColumnMap::default();
    let ids = ShardIds::from_batches(&batches, &map).expect("ids");
    let global = GlobalIds::merge(&[&ids]).expect("global");
    let shard = Shard::from_batches(&batches, &map, &global).expect("shard");
    let init = init_stats(&shard).expect("init");
    let params = m_step(&init, &DsConfig::dawid_skene()).expect("m-step");
    let stats = e_step(&shard, &params).expect("e-step");
    (shard, stats, params)
}

fn costs(c: &mut Criterion) {
    let mut g = c.benchmark_group("distributed_costs_k5");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    for workers in [1_000usize, 20_000] {
        let (shard, stats, params) = shard(1_000_000, workers);
        eprintln!(
            "W = {workers}: DsParams {} bytes, DsStats {} bytes, shard {} bytes",
            params.byte_len(),
            stats.byte_len(),
            shard.heap_bytes()
        );
        g.throughput(Throughput::Elements(shard.n_judgments() as u64));
        g.bench_with_input(BenchmarkId::new("e_step_1e6", workers), &shard, |b, s| {
            b.iter(|| black_box(e_step(s, &params).expect("e-step")))
        });
        g.throughput(Throughput::Elements(workers as u64));
        g.bench_with_input(BenchmarkId::new("merge", workers), &stats, |b, s| {
            let mut acc = s.clone();
            b.iter(|| merge(black_box(&mut acc), s).expect("merge"))
        });
        g.bench_with_input(BenchmarkId::new("m_step", workers), &stats, |b, s| {
            let cfg = DsConfig::dawid_skene();
            b.iter(|| black_box(m_step(s, &cfg).expect("m-step")))
        });
        g.bench_with_input(BenchmarkId::new("stats_bytes", workers), &stats, |b, s| {
            b.iter(|| black_box(DsStats::from_bytes(&s.to_bytes()).expect("bytes")))
        });
        g.bench_with_input(
            BenchmarkId::new("params_bytes", workers),
            &params,
            |b, p| b.iter(|| black_box(DsParams::from_bytes(&p.to_bytes()).expect("bytes"))),
        );
    }
    g.finish();
}

criterion_group!(benches, costs, kernel);
criterion_main!(benches);
