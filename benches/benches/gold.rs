//! Criterion benches: gold scoring and gold scheduling.
//!
//! - `gold_score`: [`GoldParams::score`] (Wilson and Clopper–Pearson intervals) over
//!   synthetic crowds from `crowdqc_testkit::synth` (seed 42, redundancy 5, 2 classes)
//!   where **every item is gold** (`gold_fraction = 1`), so every judgment is a gold
//!   answer — the worst case; plus `wilson_gold5pct` at the largest size with 5% of
//!   items gold (typical). Throughput = judgments.
//! - `gold_schedule`: [`GoldScheduler::next`] (+ `record` when gold is served) for a
//!   precomputed stream of 100,000 requests from 10,000 workers over a 1,000-item
//!   pool, on a scheduler warmed up by 1,000,000 earlier requests (so workers have
//!   seen gold, rates have adapted and the exposure order is mixed). Throughput =
//!   requests; the state is cloned outside the timed loop.
//! - `gold_plan`: [`plan_pages`] for 100,000 tasks, 100 workers, redundancy 3.
//!
//! Set `CROWDQC_BENCH_MAX` (judgments) to skip the larger scoring sizes.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crowdqc::gold::{
    GoldParams, GoldPool, GoldScheduler, IntervalMethod, PageParams, ScheduleParams, Slot,
    plan_pages,
};
use crowdqc_core::{IngestOptions, JudgmentMatrix};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

fn data(n_judgments: u64, gold_fraction: f64) -> JudgmentMatrix {
    let cfg = SynthConfig {
        seed: 42,
        n_workers: (n_judgments / 1000).clamp(50, 20_000) as usize,
        redundancy: Redundancy::Fixed(5),
        gold_fraction,
        ..SynthConfig::default()
    }
    .with_judgments(n_judgments);
    SynthCrowd::new(cfg)
        .expect("config")
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix")
}

fn sizes() -> Vec<u64> {
    let all = [100_000u64, 1_000_000, 10_000_000];
    match std::env::var("CROWDQC_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(max) => all.into_iter().filter(|&n| n <= max).collect(),
        None => all.to_vec(),
    }
}

fn score(c: &mut Criterion) {
    let mut g = c.benchmark_group("gold_score");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    for n in sizes() {
        let m = data(n, 1.0);
        g.throughput(Throughput::Elements(m.n_judgments() as u64));
        for method in [IntervalMethod::Wilson, IntervalMethod::ClopperPearson] {
            let p = GoldParams::new().interval(method);
            g.bench_with_input(BenchmarkId::new(method.name(), n), &m, |b, m| {
                b.iter(|| black_box(p.score(m).expect("score")))
            });
        }
    }
    // the typical case: 5% of items are gold (the testkit default)
    if let Some(&n) = sizes().last() {
        let m = data(n, 0.05);
        g.throughput(Throughput::Elements(m.n_judgments() as u64));
        let p = GoldParams::new();
        g.bench_with_input(BenchmarkId::new("wilson_gold5pct", n), &m, |b, m| {
            b.iter(|| black_box(p.score(m).expect("score")))
        });
    }
    g.finish();
}

/// A tiny deterministic stream (SplitMix64) for the request sequence.
fn stream(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn requests(n: usize, workers: u64, seed: u64) -> Vec<(u32, bool)> {
    let mut r = stream(seed);
    (0..n)
        .map(|_| {
            let w = (r() % workers) as u32;
            // worker w answers correctly with probability 0.6 + 0.4 * (w mod 10) / 10
            let acc = 0.6 + 0.04 * f64::from(w % 10);
            let ok = (r() >> 11) as f64 / (1u64 << 53) as f64 <= acc;
            (w, ok)
        })
        .collect()
}

fn play(s: &mut GoldScheduler, reqs: &[(u32, bool)]) -> u64 {
    let mut gold = 0;
    for &(w, ok) in reqs {
        if let Slot::Gold { item, .. } = s.next(w) {
            s.record(w, item, ok).expect("served");
            gold += 1;
        }
    }
    gold
}

fn schedule(c: &mut Criterion) {
    let mut g = c.benchmark_group("gold_schedule");
    g.sample_size(20).warm_up_time(Duration::from_secs(1));
    let pool = GoldPool::new((0..1000u32).map(|i| (i, i % 4))).expect("pool");
    for (name, params) in [
        ("adaptive", ScheduleParams::new().seed(1)),
        (
            "quiz5_retire500",
            ScheduleParams::new().quiz(5).max_exposure(500).seed(1),
        ),
    ] {
        let mut warm = GoldScheduler::new(params, pool.clone()).expect("scheduler");
        play(&mut warm, &requests(1_000_000, 10_000, 7));
        let reqs = requests(100_000, 10_000, 8);
        g.throughput(Throughput::Elements(reqs.len() as u64));
        g.bench_function(name, |b| {
            b.iter_batched(
                || warm.clone(),
                |mut s| black_box(play(&mut s, &reqs)),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn plan(c: &mut Criterion) {
    let mut g = c.benchmark_group("gold_plan");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    let pool = GoldPool::new((1_000_000..1_002_000u32).map(|i| (i, 0))).expect("pool");
    let tasks: Vec<u32> = (0..100_000).collect();
    let p = PageParams::new(10, 1).redundancy(3).quiz(5).seed(1);
    g.throughput(Throughput::Elements(3 * tasks.len() as u64));
    g.bench_function("100k_tasks_r3", |b| {
        b.iter(|| black_box(plan_pages(&p, &tasks, &pool, 100).expect("plan")))
    });
    g.finish();
}

criterion_group!(benches, score, schedule, plan);
criterion_main!(benches);
