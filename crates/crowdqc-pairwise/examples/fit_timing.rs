//! Times one fit on the generated data of `benches/benches/pairwise.rs` (for profiling
//! with `perf`): `fit_timing METHOD N [THREADS]`.
#![allow(missing_docs)]

use std::time::Instant;

use crowdqc_pairwise::{Comparisons, Method, Outcome, PairwiseParams};

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
