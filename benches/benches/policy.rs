//! Criterion benches: access policies.
//!
//! - `policy/evaluate_1m`: evaluate a policy for 1 000 000 workers (target < 1 s),
//!   parallel ([`Policy::evaluate_all`]) and on one thread.
//! - `policy/step`: one live decision after a gold answer (what a platform calls on
//!   every answer).
//! - `policy/simulate`: the simulator, 7 archetypes × 200 workers × 1000 task slots.
//!
//! Worker evidence is generated (seeded) outside the timed loop: gold counts, recent
//! outcomes, model accuracy, spammer score and fast answers drawn per worker.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crowdqc::core::evidence::{FastAnswers, WorkerEvidence};
use crowdqc::policy::simulate::{SimConfig, simulate};
use crowdqc::policy::{Policy, WorkerState, read_policy};

fn policy(name: &str) -> Policy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/").to_string() + name;
    read_policy(std::path::Path::new(&path)).expect("example policy")
}

/// SplitMix64 stream: a seeded generator without extra dependencies.
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

fn evidence(n: usize, seed: u64) -> Vec<WorkerEvidence> {
    let mut r = Mix(seed);
    (0..n)
        .map(|_| {
            let acc = 0.5 + 0.5 * r.unit();
            let answered = r.next() % 200;
            let mut e = WorkerEvidence::default();
            for _ in 0..answered {
                e.record_gold(r.unit() < acc);
            }
            e.judgments = answered * 10;
            e.model_accuracy = Some(acc);
            e.spammer_score = Some((2.0 * acc - 1.0).powi(2));
            e.fast_answers = Some(FastAnswers {
                threshold_ms: 2000.0,
                fast: r.next() % 50,
                timed: 100,
            });
            e.tier = Some((r.next() % 3) as u16);
            e
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let ev = evidence(n, 1);
    let mut g = c.benchmark_group("policy");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for name in ["recommended.toml", "toloka.toml", "appen.toml"] {
        let p = policy(name);
        g.bench_with_input(
            BenchmarkId::new("evaluate_1m_parallel", name),
            &ev,
            |b, ev| b.iter(|| black_box(p.evaluate_all(ev))),
        );
        g.bench_with_input(
            BenchmarkId::new("evaluate_1m_one_thread", name),
            &ev,
            |b, ev| {
                b.iter(|| {
                    black_box(
                        ev.iter()
                            .map(|e| p.evaluate(e))
                            .filter(|d| d.is_event())
                            .count(),
                    )
                })
            },
        );
    }
    // one live step per gold answer
    let p = policy("recommended.toml");
    let answers: Vec<bool> = {
        let mut r = Mix(9);
        (0..10_000).map(|_| r.unit() < 0.9).collect()
    };
    g.throughput(Throughput::Elements(answers.len() as u64));
    g.bench_function("step_10k_answers", |b| {
        b.iter(|| {
            let mut st = WorkerState::new(&p, 0);
            let mut e = WorkerEvidence::default();
            let mut events = 0u32;
            for (t, &a) in answers.iter().enumerate() {
                e.record_gold(a);
                events += u32::from(p.step(&mut st, &mut e, t as i64 * 60_000).is_some());
            }
            black_box(events)
        })
    });
    let cfg = SimConfig::new().runs(200);
    g.throughput(Throughput::Elements(
        cfg.runs * cfg.tasks * cfg.workers.len() as u64,
    ));
    g.bench_function("simulate_7x200x1000", |b| {
        b.iter(|| black_box(simulate(&p, &cfg).expect("sim")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
