//! Times one method on the data of the speed targets, for profiling with `perf`
//! (issue 11: minimax per outer iteration; issue 12 F9: many tiny workers).
//!
//! `cargo run --release -p crowdqc-aggregation --example speed_profile -- METHOD N WORKERS K REPS`
//! - `METHOD`: `mace` (one restart, 20 iterations), `mmsr` (20 iterations), `ds` (20
//!   iterations), `minimax` or `minimax-ordinal` (3 outer iterations);
//! - `N` judgments; `WORKERS`: F9's data (redundancy 10, 70%-accurate answers, two
//!   classes) from that many workers, 0 = one worker per judgment; or `synth`: the
//!   seeded testkit generator with `K` classes and N/1000 workers (the data of the
//!   criterion group `minimax_vs_ds_1e6`).
#![allow(missing_docs)]

use std::time::Instant;

use crowdqc_aggregation::minimax::Minimax;
use crowdqc_aggregation::{DawidSkene, Mace, Mmsr, StopRule};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_testkit::synth::{speed_matrix, tiny_workers_matrix};

/// Iterations and an FNV-1a hash of the posteriors' bits (to check that a speed change
/// leaves the results bit-identical).
fn summary<M: FittedModel>(model: &M) -> (usize, u64) {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in model.posteriors() {
        h = (h ^ v.to_bits()).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (model.fit_report().iterations, h)
}

/// CPU seconds (user + system) of the whole process so far, from `/proc/self/stat`
/// (Linux; clock ticks of 10 ms). On the shared machine wall time says little; the CPU
/// time of a fit (with `RAYON_NUM_THREADS=1`) is its cost.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    // fields 14 and 15 of the whole line are the 12th and 13th after the name
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let method = arg(1, "mmsr");
    let n: u64 = arg(2, "1000000").parse().expect("N");
    let data = arg(3, "0");
    let k: usize = arg(4, "2").parse().expect("K");
    let reps: usize = arg(5, "1").parse().expect("REPS");
    let m = match data.as_str() {
        "synth" => speed_matrix(n, k),
        w => tiny_workers_matrix(n, Some(w.parse().expect("WORKERS")).filter(|&w| w > 0)),
    };
    for _ in 0..reps {
        let t = Instant::now();
        let c = cpu_secs();
        let (it, hash) = match method.as_str() {
            "mace" => summary(
                &Mace::params()
                    .n_restarts(1)
                    .max_iter(20)
                    .tol(1e-300)
                    .fit(&m)
                    .expect("fit"),
            ),
            "mmsr" => summary(
                &Mmsr::params()
                    .max_iter(20)
                    .tol(1e-300)
                    .fit(&m)
                    .expect("fit"),
            ),
            "ds" => summary(
                &DawidSkene::params()
                    .max_iter(20)
                    .tol(1e-300)
                    .stop_rule(StopRule::LogLikelihood)
                    .fit(&m)
                    .expect("fit"),
            ),
            "minimax" => summary(
                &Minimax::params()
                    .max_iter(3)
                    .tol(1e-300)
                    .fit(&m)
                    .expect("fit"),
            ),
            "minimax-ordinal" => summary(
                &Minimax::ordinal()
                    .max_iter(3)
                    .tol(1e-300)
                    .fit(&m)
                    .expect("fit"),
            ),
            other => panic!("unknown method {other}"),
        };
        eprintln!(
            "{method} n={n} data={data} k={k}: {:.3} s wall, {:.2} s CPU ({it} iterations, posteriors {hash:016x})",
            t.elapsed().as_secs_f64(),
            cpu_secs() - c
        );
    }
}
