//! Criterion benches: ratings agreement and aggregation (crowdqc-ratings).
//!
//! - `ratings/icc`, `ratings/kendall_w`, `ratings/agreement` (both, one complete-block
//!   pass): from a built `RatingMatrix` to the report — the target is ICC and
//!   Kendall's W over 1e7 ratings under 1 s;
//! - `ratings/aggregate_mean`, `ratings/aggregate_lfc` (LFC to convergence, at most 100
//!   iterations).
//!
//! Data: a complete block of `n / 100` items × 100 workers, integer ratings 1–7 (true
//! score plus worker bias plus noise, seeded ChaCha8, seed 42), built outside the timed
//! loop. Sizes 1e5, 1e6, 1e7 ratings (`CROWDQC_BENCH_MAX` caps the largest).
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crowdqc::ratings::{
    Method, RatingMatrix, RatingParams, RatingsBuilder, RatingsOptions, icc, kendall_w,
    rating_agreement,
};
use crowdqc_core::IdRef;

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

/// SplitMix64: a tiny seeded generator, enough for bench data.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn matrix(n: u64) -> RatingMatrix {
    let k = 100u64;
    let items = n / k;
    let mut rng = Mix(42);
    let bias: Vec<f64> = (0..k).map(|_| rng.unit() - 0.5).collect();
    let mut b = RatingsBuilder::new(RatingsOptions::default()).expect("options");
    for i in 0..items {
        let truth = 1.0 + 6.0 * rng.unit();
        for w in 0..k {
            let x = (truth + bias[w as usize] + 2.0 * (rng.unit() - 0.5))
                .round()
                .clamp(1.0, 7.0);
            b.push_row(IdRef::Int(i as i64), IdRef::Int(w as i64), x)
                .expect("row");
        }
    }
    b.finish().expect("matrix")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ratings");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for n in sizes() {
        let m = matrix(n);
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::new("icc", n), &m, |b, m| {
            b.iter(|| black_box(icc(m, 0.95).expect("icc")));
        });
        g.bench_with_input(BenchmarkId::new("kendall_w", n), &m, |b, m| {
            b.iter(|| black_box(kendall_w(m).expect("w")));
        });
        g.bench_with_input(BenchmarkId::new("agreement", n), &m, |b, m| {
            b.iter(|| black_box(rating_agreement(m, 0.95).expect("agreement")));
        });
        g.bench_with_input(BenchmarkId::new("aggregate_mean", n), &m, |b, m| {
            b.iter(|| black_box(RatingParams::new(Method::Mean).fit(m).expect("fit")));
        });
        g.bench_with_input(BenchmarkId::new("aggregate_lfc", n), &m, |b, m| {
            b.iter(|| black_box(RatingParams::new(Method::Lfc).fit(m).expect("fit")));
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
