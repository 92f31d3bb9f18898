//! The items' exponential tables with a vectorisable `exp`.
//!
//! The library `exp` is a call per value, and an item's table is `K²` of them after
//! each of its solves (the largest single cost of an item solve at five judgments per
//! item). [`exp_table`] evaluates the `K²` values of a table in one loop of plain
//! arithmetic that the compiler vectorises, MACE's and EBCC's `exp` for non-positive
//! arguments ([`exp_core`]): `e^x = 2^n e^r` with `n = round(x / ln 2)`, `r = x − n ln
//! 2` (ln 2 in two parts, the first with trailing zero bits so `n ·` it is exact), `|r| ≤
//! ln 2 / 2`, and `e^r` by its Taylor polynomial of degree 13 in Horner form (truncation
//! below `5e-18` relative); `2^n` is built from its bits. The
//! arguments are `x[r, c] − max_c x[r, c] ∈ [−708, 0]` (`2^n` normal); a table with a
//! smaller (or non-finite) argument uses the library `exp`. The values agree with the
//! library's to a few units in the last place (unit test), and the table's maximum
//! entries are exactly 1 as before (`e^0`).

use crate::mace::special::exp_core;

/// The row-normalised exponential table of one block's `K × K` logits `x` (row-major)
/// into `e` in the lane-major layout of [`exp_rows`](super::exp_rows): `e[c K + r] =
/// exp(x[r, c] − max_c x[r, c])`. `K ≤ 8` (the fixed-size kernels); every row is
/// rebuilt.
#[inline(always)]
pub(in crate::minimax) fn exp_table<const K: usize>(x: &[f64], e: &mut [f64]) {
    let (x, e) = (&x[..K * K], &mut e[..K * K]);
    let mut y = [[0.0; K]; K];
    let mut ok = true;
    for r in 0..K {
        let row = &x[r * K..(r + 1) * K];
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for c in 0..K {
            y[r][c] = row[c] - m;
            ok &= y[r][c] >= -708.0;
        }
    }
    if !ok {
        let mut mx = [0.0; K];
        super::exp_rows(K, x, e, &mut mx);
        return;
    }
    for yr in y.iter_mut() {
        for v in yr.iter_mut() {
            *v = exp_core(*v);
        }
    }
    for r in 0..K {
        for c in 0..K {
            e[c * K + r] = y[r][c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_core_matches_the_library_to_a_few_ulp() {
        let mut worst: f64 = 0.0;
        let mut x = 0.0;
        while x >= -708.0 {
            let (a, b) = (exp_core(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x -= 0.000_731_3;
        }
        for x in [
            0.0,
            -1e-300,
            -0.5 * std::f64::consts::LN_2,
            -1.0,
            -707.9,
            -708.0,
        ] {
            let (a, b) = (exp_core(x), f64::exp(x));
            worst = worst.max(((a - b) / b).abs());
        }
        assert!(worst <= 4.0 * f64::EPSILON, "relative error {worst:e}");
        assert_eq!(exp_core(0.0), 1.0);
        assert_eq!(exp_core(-std::f64::consts::LN_2), 0.5);
    }

    #[test]
    fn tables_match_the_library_tables() {
        let x = [0.3, -1.2, 0.5, 2.0, 0.1, -0.4, -0.7, 0.9, 0.0];
        let (mut a, mut b, mut mx) = ([0.0; 9], [0.0; 9], [0.0; 3]);
        exp_table::<3>(&x, &mut a);
        super::super::exp_rows(3, &x, &mut b, &mut mx);
        for (u, v) in a.iter().zip(&b) {
            assert!(((u - v) / v).abs() <= 4.0 * f64::EPSILON, "{u} vs {v}");
        }
        // the row maxima give exactly 1; a row 800 apart falls back to the library
        assert_eq!((a[6], a[1], a[5]), (1.0, 1.0, 1.0));
        let far = [0.0, -800.0, 0.0, 0.0];
        let mut c = [0.0; 4];
        exp_table::<2>(&far, &mut c);
        assert_eq!(c, [1.0, 1.0, (-800.0f64).exp(), 1.0]);
    }
}
