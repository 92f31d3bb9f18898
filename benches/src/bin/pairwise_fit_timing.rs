//! Times one fit on the generated data of `benches/benches/pairwise.rs` (for profiling
//! with `perf`): `pairwise_fit_timing METHOD N [REPS]`.
#![allow(missing_docs)]

use std::time::Instant;

use crowdqc::pairwise::{Method, PairwiseParams};
use crowdqc_benches::pairwise_data as data;

/// CPU time of the whole process so far (all threads), seconds.
fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = s
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0 // utime + stime, in clock ticks of 10 ms
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let method: Method = args
        .get(1)
        .map_or("crowd-bt", String::as_str)
        .parse()
        .expect("method");
    let n: u64 = args.get(2).map_or(10_000_000, |s| s.parse().expect("n"));
    let reps: usize = args.get(3).map_or(1, |s| s.parse().expect("reps"));
    let d = data(n);
    let p = PairwiseParams::new(method).max_iter(20).tol(0.0);
    for _ in 0..reps {
        let (t, c) = (Instant::now(), cpu());
        let f = p.fit(&d).expect("fit");
        println!(
            "{} {n}: wall {:.3} s, cpu {:.2} s (score[0] {:e})",
            method.name(),
            t.elapsed().as_secs_f64(),
            cpu() - c,
            f.scores()[0]
        );
    }
}
