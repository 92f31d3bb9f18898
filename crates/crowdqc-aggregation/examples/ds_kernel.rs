//! Times Dawid–Skene on the data of the criterion group `ds_kernel_1e7_k5` (1e7
//! judgments, K = 5, 10,000 workers, 20 iterations), for profiling with `perf` and for
//! CPU-time comparisons of two builds on the shared machine.
//!
//! `cargo run --release -p crowdqc-aggregation --example ds_kernel -- RULE REPS [N] [K] [ITERS] [WORKERS]`
//! - `RULE`: `ll` (log-likelihood stop rule), `ck` (crowd-kit's, the default) or
//!   `exact` (crowd-kit's rule with exact fixed-point sums);
//! - prints per fit the wall and CPU time (all threads), the judgment-iterations per
//!   CPU-second, and an FNV-1a hash of the posteriors' and the objective's bits.
#![allow(missing_docs)]

use std::time::Instant;

use crowdqc_aggregation::{DawidSkene, StopRule};
use crowdqc_core::IngestOptions;
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd, speed_matrix};

/// CPU time (seconds) of all the process's threads, from `schedstat` (nanoseconds).
fn cpu_secs() -> f64 {
    let ns: u64 = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 * 1e-9
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let rule = arg(1, "ck");
    let reps: usize = arg(2, "3").parse().expect("REPS");
    let n: u64 = arg(3, "10000000").parse().expect("N");
    let k: usize = arg(4, "5").parse().expect("K");
    let iters: usize = arg(5, "20").parse().expect("ITERS");
    let workers: usize = arg(6, "0").parse().expect("WORKERS");
    let m = if workers == 0 {
        speed_matrix(n, k)
    } else {
        let cfg = SynthConfig {
            seed: 42,
            n_workers: workers,
            n_classes: k,
            redundancy: Redundancy::Fixed(5),
            ..SynthConfig::default()
        }
        .with_judgments(n);
        SynthCrowd::new(cfg)
            .expect("config")
            .to_matrix(&BatchOptions::default(), IngestOptions::default())
            .expect("matrix")
    };
    let p = DawidSkene::params().max_iter(iters).tol(1e-300);
    let p = match rule.as_str() {
        "ll" => p.stop_rule(StopRule::LogLikelihood),
        "ck" => p.stop_rule(StopRule::CrowdKit),
        "exact" => p.stop_rule(StopRule::CrowdKit).exact_sums(true),
        other => panic!("unknown rule {other}"),
    };
    for _ in 0..reps {
        let (t, c) = (Instant::now(), cpu_secs());
        let model = p.fit(&m).expect("fit");
        let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - c);
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        let rep = model.fit_report();
        for v in model.posteriors().iter().chain(rep.objective.iter()) {
            h = (h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3);
        }
        let it = rep.iterations;
        let ji = m.n_judgments() as f64 * it as f64;
        println!(
            "{rule} n={n} k={k}: {wall:.3} s wall, {cpu:.3} s CPU, {:.1} M/CPU-s, {:.1} M/s wall ({it} it, hash {h:016x})",
            ji / cpu / 1e6,
            ji / wall / 1e6
        );
    }
}
