//! The fixed-point scale of every sum that crosses items.
//!
//! A value `x` enters a sum as the integer `round(x · 2^52)` (an `i64`), and sums are
//! `i128`, so a sum is exact and does not depend on the order in which items, chunks,
//! threads or shards are added.
//!
//! **No overflow up to 1e11 judgments (and far beyond).** A posterior is in `[0, 1]`,
//! so it enters as at most `2^52`. Each judgment adds one posterior row to its
//! `(worker, label)` cells: a cell, and the sum of all cells, is at most
//! `n_judgments · 2^52 ≤ 1e11 · 2^52 < 2^37 · 2^52 = 2^89`. The judgment-weighted prior
//! sum is `Σ_t n_t q_t ≤ n_judgments · 2^52`, the same bound. An item's log-likelihood
//! `ln Σ_c p_c Π_j e[w_j, l_j, c]` is at least the term of any one class, and every
//! factor is a positive `f64` (zeros are floored at 1e-10 before the E-step), so at
//! least `-745 (n_t + 1)` (`ln` of the smallest positive `f64` is about -744.4); its
//! crowd-kit entropy `-Σ_c q ln q` is at most `K / e`. Summed over items both stay
//! below `745 · (n_judgments + K · n_items) · 2^52 ≤ 2^10 · 2^38 · 2^52 = 2^100`
//! for 1e11 judgments and `K ≤ 8` (2^103 for `K ≤ 64`). All are far from
//! `i128::MAX ≈ 2^127`: the margin covers 2^24 times more judgments (overflow is
//! impossible below 2^56 judgments for `K ≤ 64`). Merges still use checked additions.
//!
//! **Precision.** Rounding a posterior to a multiple of `2^-52 ≈ 2.2e-16` (the
//! spacing of `f64` just below 1) moves every M-step sum by at most `2^-53` per
//! judgment. A coarser scale (2^-40 was tried) is also far inside crowd-kit's 1e-6 on
//! the posteriors, but EM amplifies the perturbation along slow directions: after 37
//! iterations on zheng2017-product crowd-kit's objective moved by 1.1e-8.

/// `2^52`: the fixed-point unit (a sum's integer is its value times `SCALE`).
pub const SCALE: f64 = 4_503_599_627_370_496.0;

/// `x` as a fixed-point integer (`x` finite, `|x| ≤ 2^10`).
#[inline(always)]
pub(crate) fn to_fixed(x: f64) -> i64 {
    (x * SCALE).round() as i64
}

/// `x` as a wide fixed-point integer (for log-likelihood and entropy terms).
#[inline(always)]
pub(crate) fn to_fixed_wide(x: f64) -> i128 {
    (x * SCALE).round() as i128
}

/// A fixed-point sum back as `f64` (correctly rounded).
#[inline(always)]
pub(crate) fn from_fixed(v: i128) -> f64 {
    v as f64 / SCALE
}
