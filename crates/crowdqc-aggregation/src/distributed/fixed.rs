//! The fixed-point scale of every sum that crosses items.
//!
//! A value `x` enters a sum as the integer `round(x · 2^40)` (an `i64`), and sums are
//! `i128`, so a sum is exact and does not depend on the order in which items, chunks,
//! threads or shards are added.
//!
//! **No overflow up to 1e11 judgments (and far beyond).** A posterior is in `[0, 1]`,
//! so it enters as at most `2^40`. Each judgment adds one posterior row to its
//! `(worker, label)` cells: a cell, and the sum of all cells, is at most
//! `n_judgments · 2^40 ≤ 1e11 · 2^40 < 2^37 · 2^40 = 2^77`. The judgment-weighted prior
//! sum is `Σ_t n_t q_t ≤ n_judgments · 2^40`, the same bound. An item's log-likelihood
//! `ln Σ_c p_c Π_j e[w_j, l_j, c]` is at least the term of any one class, and every
//! factor is a positive `f64` (zeros are floored at 1e-10 before the E-step), so at
//! least `-745 (n_t + 1)` (`ln` of the smallest positive `f64` is about -744.4); its
//! crowd-kit entropy `-Σ_c q ln q` is at most `K / e`. Summed over items both stay
//! below `745 · (n_judgments + K · n_items) · 2^40 ≤ 2^10 · 2^38 · 2^40 = 2^88` for
//! 1e11 judgments and `K ≤ 8` (2^91 for `K ≤ 64`). All are far from
//! `i128::MAX ≈ 2^127`: the margin covers 2^30 times more judgments. Merges still use checked additions.
//!
//! **Precision.** Rounding a posterior to a multiple of `2^-40 ≈ 9.1e-13` moves every
//! M-step sum by at most `2^-41` per judgment, a relative change below `5e-13`:
//! invisible next to crowd-kit's 1e-6 parity tolerance.

/// `2^40`: the fixed-point unit.
pub const SCALE: f64 = 1_099_511_627_776.0;

/// `x` as a fixed-point integer (`x` finite, `|x| < 2^80`).
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
