//! The per-item terms of a pass's sums that need no logarithm per item: the product of
//! the softmax sums (its `log2` is the sum of their `log2`), a rough `log2` for terms
//! scaled by at most `K EPS`, and crowd-kit's entropy parts of one item (the AVX2
//! build computes them for four items at once, `lanes`, with the same bits).

use crate::common::EPS;

/// A product of many factors in `[1, 2^8]` without overflow: a mantissa and a binary
/// exponent, folded whenever the mantissa passes `2^512`.
pub(crate) struct Product {
    m: f64,
    e: i64,
}

impl Default for Product {
    fn default() -> Self {
        Product { m: 1.0, e: 0 }
    }
}

impl Product {
    /// Multiplies by `x` (finite, `>= 1`).
    #[inline(always)]
    pub(crate) fn push(&mut self, x: f64) {
        self.m *= x;
        if self.m > TWO_512 {
            let b = self.m.to_bits();
            self.e += ((b >> 52) & 0x7ff) as i64 - 1023;
            self.m = f64::from_bits((b & !(0x7ff << 52)) | (1023 << 52));
        }
    }

    /// `log2` of the product.
    pub(crate) fn log2(&self) -> f64 {
        self.e as f64 + self.m.log2()
    }
}

/// Coefficients of [`log2_rough`]: a degree-4 fit of `log2(1 + u)` on `[0, 1)` at
/// Chebyshev nodes.
pub(crate) const L2R: [f64; 5] = [
    1.145_799_603_823_841e-4,
    1.436_874_896_223_250_3,
    -0.670_882_679_014_777_9,
    0.312_269_477_327_312_9,
    -0.078_440_676_209_130_87,
];

/// `log2 x` for `x` in `[1, 2^1023)` to within 1.2e-4 (the exponent plus [`L2R`]'s
/// polynomial in the mantissa): only for terms multiplied by at most `K EPS`.
#[inline(always)]
pub(crate) fn log2_rough(x: f64) -> f64 {
    const L: [f64; 5] = L2R;
    let b = x.to_bits();
    let e = ((b >> 52) & 0x7ff) as i64 - 1023;
    let u = f64::from_bits((b & ((1 << 52) - 1)) | (1023 << 52)) - 1.0;
    e as f64 + (L[0] + u * (L[1] + u * (L[2] + u * (L[3] + u * L[4]))))
}

/// An item's entropy parts (see `Sums::item` in `fixed`) from its row `v`, summed rows `acc`
/// (with the priors), maximum `mx` and `sum`: `[A, Q, kept classes, log2_rough(sum)]`.
#[inline(always)]
pub(crate) fn entropy_parts<const K: usize>(
    v: &[f64; K],
    acc: &[f64; K],
    mx: f64,
    sum: f64,
) -> [f64; 4] {
    // branch-free (whether a class is floored is data, not predictable):
    // the terms of floored classes are multiplied by +0 (they are >= 0)
    let mut kept = [0.0; K];
    for c in 0..K {
        // all ones when `v[c] < EPS` (the sign of `v[c] - EPS`)
        let floored = (((v[c] - EPS).to_bits() as i64) >> 63) as u64;
        kept[c] = f64::from_bits(1f64.to_bits() & !floored);
    }
    let (mut a, mut q, mut k) = (0.0, 0.0, 0.0);
    for c in 0..K {
        a += v[c] * (mx - acc[c]) * kept[c];
        q += v[c] * kept[c];
        k += kept[c];
    }
    [a, q, k, log2_rough(sum)]
}

/// `2^512`.
const TWO_512: f64 = 1.340_780_792_994_259_7e154;

#[cfg(test)]
mod tests {
    use super::*;

    /// The folded product's `log2` is the sum of the factors' `log2` (to rounding),
    /// across many folds (a million factors up to 8: 3 million bits of exponent).
    #[test]
    fn product_log2_is_the_sum_of_logs() {
        let mut p = Product::default();
        let (mut sum, mut x) = (0.0f64, 0.5f64);
        for i in 0..1_000_000u32 {
            x = (x * 3.7 + 0.1).fract();
            let f = 1.0 + 7.0 * x;
            p.push(f);
            sum += f.log2();
            if i == 0 {
                assert_eq!(p.log2(), f.log2());
            }
        }
        assert!(sum > 1e6, "{sum}");
        assert!((p.log2() - sum).abs() < 1e-9 * sum, "{} vs {sum}", p.log2());
        assert!(p.m >= 1.0 && p.m <= TWO_512 * 8.0);
        assert_eq!(TWO_512, 2f64.powi(512));
    }

    #[test]
    fn rough_log2_is_within_its_bound() {
        let mut x = 1.0f64;
        while x < 300.0 {
            let err = (log2_rough(x) - x.log2()).abs();
            assert!(err < 1.2e-4, "log2_rough({x}): error {err}");
            x *= 1.000_37;
        }
        assert!((log2_rough(1.0) - 0.0).abs() < 1.2e-4);
        assert!((log2_rough(8.0) - 3.0).abs() < 1.2e-4);
    }
}
