//! `2^x` for the passes: a branch-free polynomial that the compiler vectorises across
//! lanes (`f64::exp2` is a library call per value and was a fifth of a pass's time).

use std::f64::consts::LN_2;

/// `1.5 · 2^52`: adding it rounds a small `f64` to an integer held in the low bits.
pub(crate) const ROUND: f64 = 6_755_399_441_055_744.0;

/// Coefficients of `2^f` on `[-1/2, 1/2]`, degree 11: a Chebyshev fit computed at 50
/// digits (maximum error 3.2e-18, below half an ulp of the result), rounded to `f64`.
/// `C[0]` is exactly 1 so `2^0 = 1` exactly; `C[1]` rounds to `ln 2`.
pub(crate) const C: [f64; 12] = [
    1.0,
    LN_2,
    0.240_226_506_959_101_58,
    0.055_504_108_664_821_625,
    0.009_618_129_107_587_256,
    0.001_333_355_814_640_647,
    0.000_154_035_304_637_243_53,
    1.525_273_384_155_677_3e-5,
    1.321_543_253_591_237_5e-6,
    1.017_805_708_773_394_1e-7,
    7.074_194_297_288_521e-9,
    4.455_817_908_336_064_5e-10,
];

/// `2^x` lane by lane for `x ≤ 0` (including `-inf`), each step a loop over the lanes
/// so it vectorises.
///
/// `x = n + f` with `n` the nearest integer, `2^f` from the polynomial and `2^n` built
/// in the exponent bits. Results below `2^-1022` (subnormal) are returned as 0: they
/// vanish next to the row's largest value, which is 1. Within 2 ulp of `f64::exp2`.
#[inline(always)]
pub(crate) fn exp2_lanes<const P: usize>(x: &[f64; P]) -> [f64; P] {
    let mut t = [0.0; P];
    let mut f = [0.0; P];
    for c in 0..P {
        let xc = if x[c] < -1022.0 { -1022.0 } else { x[c] };
        t[c] = xc + ROUND;
        f[c] = xc - (t[c] - ROUND);
    }
    // Estrin's scheme: the same terms as Horner's rule with a dependency chain of 7
    // operations instead of 22 (the items' chains are what the loop waits on).
    let mut p = [0.0; P];
    for c in 0..P {
        let x = f[c];
        let x2 = x * x;
        let x4 = x2 * x2;
        let x8 = x4 * x4;
        let q0 = (C[0] + C[1] * x) + (C[2] + C[3] * x) * x2;
        let q1 = (C[4] + C[5] * x) + (C[6] + C[7] * x) * x2;
        let q2 = (C[8] + C[9] * x) + (C[10] + C[11] * x) * x2;
        p[c] = (q0 + q1 * x4) + q2 * x8;
    }
    let mut out = [0.0; P];
    for c in 0..P {
        // the low bits of `t` hold `n`; `n + 1023` in the exponent field is `2^n`
        let scale = f64::from_bits(t[c].to_bits().wrapping_add(1023) << 52);
        out[c] = if x[c] < -1022.0 { 0.0 } else { p[c] * scale };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp2_matches_the_library_to_two_ulp() {
        let mut x = 0.0f64;
        let mut worst = 0.0f64;
        while x > -1022.0 {
            let (a, b) = (exp2_lanes(&[x])[0], x.exp2());
            let ulps = (a - b).abs() / (b * f64::EPSILON);
            worst = worst.max(ulps);
            x -= 0.000_937_5 + x.abs() * 1e-4;
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
        let e = exp2_lanes(&[0.0, -1.0, -1021.0, -1023.0, f64::NEG_INFINITY, -0.5]);
        assert_eq!(e[..5], [1.0, 0.5, 2f64.powi(-1021), 0.0, 0.0]);
        assert!((e[5] - std::f64::consts::FRAC_1_SQRT_2).abs() <= 2.0 * f64::EPSILON);
    }
}
