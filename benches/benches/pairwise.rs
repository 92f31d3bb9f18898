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
use crowdqc::pairwise::{Comparisons, Method, Outcome, PairwiseParams};

const ITERS: usize = 20;

fn data(n: u64) -> Comparisons {
    let items = (n / 100).max(10);
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let unit = |x: u64| (x >> 11) as f64 / (1u64 << 53) as f64;
    let theta = |i: u64| -3.0 + 6.0 * (i as f64 / items as f64);
    let rows: Vec<(u32, u32, u32, Outcome)> = (0..n)
        .map(|_| {
            let l = next() % items;
            let r = (l + 1 + next() % (items - 1)) % items;
            let w = next() % 1000;
            let p = 1.0 / (1.0 + (theta(r) - theta(l)).exp());
            let mut left = unit(next()) < p;
            if w % 10 == 0 {
                left = !left;
            }
            let o = if left { Outcome::Left } else { Outcome::Right };
            (w as u32, l as u32, r as u32, o)
        })
        .collect();
    Comparisons::from_codes(rows).expect("valid")
}

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
