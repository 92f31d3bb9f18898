//! Criterion benches for crowdqc live in `benches/`; see `README.md` for the numbers.

use crowdqc::pairwise::{Comparisons, Outcome};

/// The pairwise benches' data: `n` seeded comparisons over `n / 100` items with
/// log-strengths spread uniformly over [-3, 3], 1,000 workers of whom one in ten
/// reverses the order; outcomes drawn from the Bradley–Terry probability
/// (`benches/pairwise.rs` and the `pairwise_fit_timing` binary).
///
/// # Panics
/// Never for `n >= 1`: the rows are valid codes by construction.
#[must_use]
pub fn pairwise_data(n: u64) -> Comparisons {
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
