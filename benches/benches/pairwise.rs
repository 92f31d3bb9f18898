//! Criterion benches: pairwise comparisons (Bradley–Terry, Crowd-BT) — issue 14.
//!
//! Data: seeded, generated outside the timed loop: `n` comparisons over `n / 100`
//! items with log-strengths spread uniformly over [-3, 3], 1,000 workers of whom one in
//! ten reverses the order; outcomes drawn from the BT probability. Each fit runs a fixed
//! 20 iterations (`max_iter(20).tol(0)`); the timed fit includes everything `fit` does
//! (item index, standard errors, components, worker agreement). Throughput is in
//! comparisons.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crowdqc::pairwise::{Method, PairwiseParams};
use crowdqc_benches::pairwise_data as data;

const ITERS: usize = 20;

fn sizes() -> Vec<u64> {
    match std::env::var("CROWDQC_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(max) => [100_000u64, 1_000_000, 10_000_000]
            .into_iter()
            .filter(|&n| n <= max)
            .collect(),
        None => vec![100_000, 1_000_000, 10_000_000],
    }
}

fn pairwise(c: &mut Criterion) {
    let mut g = c.benchmark_group("pairwise");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    for n in sizes() {
        let d = data(n);
        g.throughput(Throughput::Elements(n));
        for m in [Method::Bt, Method::CrowdBt] {
            let p = PairwiseParams::new(m).max_iter(ITERS).tol(0.0);
            g.bench_with_input(BenchmarkId::new(m.name(), n), &d, |b, d| {
                b.iter(|| black_box(p.fit(d).expect("fit")));
            });
        }
    }
    g.finish();
}

criterion_group!(benches, pairwise);
criterion_main!(benches);
