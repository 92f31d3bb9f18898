//! Times Dawid–Skene on testkit data (the `aggregation` bench's data: seed 42,
//! redundancy 5, N/1000 workers unless WORKERS is given), splitting the one-off
//! preparation from the per-iteration cost: medians of REPS fits with 1 and with 20
//! iterations (log-likelihood stop rule, tolerance 1e-300, as in the bench).
//!
//! `cargo run --profile bench -p crowdqc-examples --bin ds_timing -- K N [REPS] [WORKERS]`
use std::time::Instant;

use crowdqc::aggregation::{DawidSkene, StopRule};
use crowdqc::core::IngestOptions;
use crowdqc::core::estimator::Estimator;
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

fn main() {
    let a: Vec<u64> = std::env::args()
        .skip(1)
        .map(|v| {
            v.parse()
                .expect("arguments are numbers: K N [REPS] [WORKERS]")
        })
        .collect();
    if a.len() < 2 {
        eprintln!("usage: ds_timing K N [REPS] [WORKERS]");
        std::process::exit(2);
    }
    let (k, n, reps) = (a[0] as usize, a[1], a.get(2).copied().unwrap_or(5) as usize);
    let cfg = SynthConfig {
        seed: 42,
        n_workers: a
            .get(3)
            .map_or((n / 1000).clamp(50, 20_000) as usize, |&w| w as usize),
        n_classes: k,
        redundancy: Redundancy::Fixed(5),
        ..SynthConfig::default()
    }
    .with_judgments(n);
    let m = SynthCrowd::new(cfg)
        .expect("config")
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix");
    let time = |iters: usize| {
        let p = DawidSkene::params()
            .max_iter(iters)
            .tol(1e-300)
            .stop_rule(StopRule::LogLikelihood);
        let mut best = f64::INFINITY;
        let mut all = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            std::hint::black_box(p.fit(&m).expect("fit"));
            let s = t.elapsed().as_secs_f64();
            best = best.min(s);
            all.push(s);
        }
        all.sort_by(f64::total_cmp);
        (best, all[all.len() / 2])
    };
    let (b1, m1) = time(1);
    let (b20, m20) = time(20);
    let nj = m.n_judgments() as f64;
    println!(
        "K={k} n={n}: fit(1) best {:.1} ms med {:.1}; fit(20) best {:.1} ms med {:.1}; \
         per-iter {:.2} ms ({:.1} M/s); bench metric {:.1} M/s (best {:.1})",
        b1 * 1e3,
        m1 * 1e3,
        b20 * 1e3,
        m20 * 1e3,
        (m20 - m1) / 19.0 * 1e3,
        nj * 19.0 / (m20 - m1) / 1e6,
        nj * 20.0 / m20 / 1e6,
        nj * 20.0 / b20 / 1e6
    );
}
