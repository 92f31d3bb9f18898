//! Criterion benches: agreement coefficients.
//!
//! - `agreement/alpha_nominal`, `agreement/fleiss_kappa`: from a built
//!   `JudgmentMatrix` to the coefficient (per-item counts in one pass, then the
//!   coefficient with its analytic SE) — the target is 10M judgments under 1 s;
//! - `agreement/alpha_interval`: interval alpha on 5-point numeric labels;
//! - `agreement/item_counts`: the one pass that builds per-item counts alone;
//! - `agreement/alpha_bootstrap_1000`: 1,000 bootstrap replicates over items of nominal
//!   alpha on precomputed per-item counts — target: 1M judgments under 10 s.
//!
//! Data comes from the testkit generator (seed 42, 5 judgments per item, one worker per
//! 100 judgments, Zipf activity, 3 classes or 5 numeric levels), generated outside the
//! timed loop. Sizes: 1e5, 1e6, 1e7 (`CROWDQC_BENCH_MAX` caps the largest). With
//! `CROWDQC_BENCH_DUMP=DIR` the bench also writes `DIR/agreement_<n>.csv` (item, worker,
//! label) and prints alpha, for timing the Python `krippendorff` package on the same
//! data.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::Write as _;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crowdqc::agreement::{
    BootstrapOptions, CountsCoefficient, ItemCounts, Level, WeightMatrix, bootstrap_counts,
    fleiss_kappa, krippendorff_alpha,
};
use crowdqc_core::{IngestOptions, JudgmentMatrix};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

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

fn matrix(n: u64, n_classes: usize) -> JudgmentMatrix {
    let cfg = SynthConfig {
        seed: 42,
        n_classes,
        redundancy: Redundancy::Fixed(5),
        n_workers: (n as usize / 100).max(10),
        gold_fraction: 0.0,
        ..Default::default()
    }
    .with_judgments(n);
    let crowd = SynthCrowd::new(cfg).expect("valid config");
    crowd
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix")
}

fn dump(m: &JudgmentMatrix, n: u64) {
    let Some(dir) = std::env::var_os("CROWDQC_BENCH_DUMP") else {
        return;
    };
    let path = std::path::Path::new(&dir).join(format!("agreement_{n}.csv"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create dump"));
    writeln!(f, "item,worker,label").expect("write");
    let (w, c) = (m.judgment_workers(), m.judgment_classes());
    for (p, &i) in m.judgment_items().iter().enumerate() {
        writeln!(
            f,
            "{},{},{}",
            m.items().get(i),
            m.workers().get(w[p]),
            m.classes().label(c[p])
        )
        .expect("write");
    }
    let data = ItemCounts::from_matrix(m);
    let a = krippendorff_alpha(&data, Level::Nominal).expect("alpha");
    eprintln!("dumped {} (nominal alpha {:?})", path.display(), a.value());
}

fn coefficients(c: &mut Criterion) {
    let mut g = c.benchmark_group("agreement");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for n in sizes() {
        let m = matrix(n, 3);
        dump(&m, n);
        g.throughput(Throughput::Elements(m.n_judgments() as u64));
        g.bench_with_input(BenchmarkId::new("item_counts", n), &m, |b, m| {
            b.iter(|| black_box(ItemCounts::from_matrix(m)))
        });
        g.bench_with_input(BenchmarkId::new("alpha_nominal", n), &m, |b, m| {
            b.iter(|| {
                let d = ItemCounts::from_matrix(m);
                black_box(krippendorff_alpha(&d, Level::Nominal).expect("alpha"))
            })
        });
        g.bench_with_input(BenchmarkId::new("fleiss_kappa", n), &m, |b, m| {
            b.iter(|| {
                let d = ItemCounts::from_matrix(m);
                let w = WeightMatrix::identity(d.n_categories());
                black_box(fleiss_kappa(&d, &w).expect("kappa"))
            })
        });
        drop(m);
        let m = matrix(n, 5);
        g.bench_with_input(BenchmarkId::new("alpha_interval", n), &m, |b, m| {
            b.iter(|| {
                let d = ItemCounts::from_matrix(m);
                black_box(krippendorff_alpha(&d, Level::Interval).expect("alpha"))
            })
        });
    }
    g.finish();
}

fn bootstrap(c: &mut Criterion) {
    let mut g = c.benchmark_group("agreement");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    for n in sizes().into_iter().filter(|&n| n <= 1_000_000) {
        let m = matrix(n, 3);
        let d = ItemCounts::from_matrix(&m);
        let w = WeightMatrix::identity(d.n_categories());
        let opts = BootstrapOptions {
            replicates: 1000,
            seed: 7,
            level: 0.95,
        };
        g.throughput(Throughput::Elements(m.n_judgments() as u64));
        g.bench_with_input(BenchmarkId::new("alpha_bootstrap_1000", n), &d, |b, d| {
            b.iter(|| {
                black_box(
                    bootstrap_counts(
                        d,
                        CountsCoefficient::KrippendorffAlpha(Level::Nominal),
                        &w,
                        &opts,
                        &[0.667, 0.8],
                    )
                    .expect("bootstrap"),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, coefficients, bootstrap);
criterion_main!(benches);
