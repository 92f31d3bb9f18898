//! Digamma and log-gamma for positive arguments (variational Bayes needs both; no
//! dependency is pulled in for two functions).

/// `ψ(x)` for `x > 0` (recurrence to `x >= 10`, then the asymptotic series); absolute
/// error below 1e-13.
pub(crate) fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    acc + x.ln()
        - 0.5 * inv
        - inv2
            * (1.0 / 12.0
                - inv2
                    * (1.0 / 120.0
                        - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0)))))
}

/// `ln Γ(x)` for `x > 0` (recurrence to `x >= 10`, then Stirling's series); absolute
/// error below 1e-13.
pub(crate) fn ln_gamma(mut x: f64) -> f64 {
    let mut prod = 1.0;
    while x < 10.0 {
        prod *= x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv
        * (1.0 / 12.0
            - inv2
                * (1.0 / 360.0
                    - inv2
                        * (1.0 / 1260.0
                            - inv2
                                * (1.0 / 1680.0
                                    - inv2 * (1.0 / 1188.0 - inv2 * (691.0 / 360_360.0))))));
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series - prod.ln()
}

/// `(ψ(x), ln Γ(x))` for `x > 0` in one evaluation: the recurrence to `x >= 10` as
/// one product `P = Π (x + i)` and its derivative (`Σ 1/(x + i) = P′/P`: one division
/// instead of one per step), then both asymptotic series with a shared `ln x` and
/// `1/x`. Absolute error below 1e-13 (the same series as [`digamma`] and
/// [`ln_gamma`]; the results agree with them to rounding).
#[inline]
pub(crate) fn digamma_ln_gamma(mut x: f64) -> (f64, f64) {
    let (mut p, mut dp) = (1.0, 0.0);
    while x < 10.0 {
        dp = dp * x + p;
        p *= x;
        x += 1.0;
    }
    let lnx = x.ln();
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let psi = lnx
        - 0.5 * inv
        - inv2
            * (1.0 / 12.0
                - inv2
                    * (1.0 / 120.0
                        - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0)))));
    let series = inv
        * (1.0 / 12.0
            - inv2
                * (1.0 / 360.0
                    - inv2
                        * (1.0 / 1260.0
                            - inv2
                                * (1.0 / 1680.0
                                    - inv2 * (1.0 / 1188.0 - inv2 * (691.0 / 360_360.0))))));
    let lg = (x - 0.5) * lnx - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series;
    if dp == 0.0 {
        (psi, lg)
    } else {
        (psi - dp / p, lg - p.ln())
    }
}

/// `v[i] = exp(v[i])` for `v[i] <= 0` (softmax rows after subtracting the maximum),
/// written without calls or branches so that it runs on vector lanes: `2^n · e^r`
/// with `n = round(x / ln 2)` by the 1.5·2^52 rounding trick, `r = x − n ln 2` (two-part
/// `ln 2`, `|r| <= 0.347`), `e^r` by its Taylor polynomial of degree 13 (truncation
/// below 5e-18), `2^n` built in the exponent bits. Relative error within a few ulp of
/// the library `exp`; arguments below −708 give 0 (the library gives at most 3e-308).
pub(crate) fn exp_nonpositive_in_place(v: &mut [f64]) {
    for x in v.iter_mut() {
        let e = exp_core(if *x < -708.0 { -708.0 } else { *x });
        *x = if *x < -708.0 { 0.0 } else { e };
    }
}

/// `e^x` for `x ∈ [−708, 0]` (no range check) by the method of
/// [`exp_nonpositive_in_place`]: `2^n e^r`, `r` reduced with ln 2 in two parts, `e^r`
/// by its Taylor polynomial of degree 13 in Horner form, `2^n` from its bits. Plain
/// arithmetic, so loops over it vectorise.
#[inline(always)]
pub(crate) fn exp_core(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 in two parts: the high part with 32 trailing zero bits (`n ·` it is exact
    // for `|n| < 2^20`), the low part the rest
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let t = x * LOG2E + SHIFT;
    let n = t - SHIFT;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = C[13];
    for &c in C[..13].iter().rev() {
        p = p * r + c;
    }
    let ni = (t.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let scale = f64::from_bits((ni.wrapping_add(1023) << 52) as u64);
    p * scale
}

/// `KL(Beta(a1, b1) || Beta(a0, b0))` (the fit computes it inline from the digammas it
/// already has; this is the reference its tests compare with).
#[cfg(test)]
pub(crate) fn kl_beta(a1: f64, b1: f64, a0: f64, b0: f64) -> f64 {
    let ln_b = |a: f64, b: f64| ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    ln_b(a0, b0) - ln_b(a1, b1)
        + (a1 - a0) * digamma(a1)
        + (b1 - b0) * digamma(b1)
        + (a0 - a1 + b0 - b1) * digamma(a1 + b1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-13);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-13);
        // ψ(x + 1) = ψ(x) + 1/x across the switch-over point
        for x in [0.01, 0.3, 5.5, 6.0, 17.25, 1e4] {
            assert!(
                (digamma(x + 1.0) - digamma(x) - 1.0 / x).abs() < 1e-12,
                "{x}"
            );
        }
        assert!((ln_gamma(0.5) - 0.5 * std::f64::consts::PI.ln()).abs() < 1e-13);
        assert!((ln_gamma(1.0)).abs() < 1e-13 && (ln_gamma(2.0)).abs() < 1e-13);
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(100.0) - 359.134_205_369_575_4).abs() < 1e-10);
        assert!(kl_beta(2.0, 3.0, 2.0, 3.0).abs() < 1e-13);
        // the fused evaluation agrees with the separate ones, and with known values
        for x in [1e-8, 0.01, 0.3, 0.5, 1.0, 1.5, 5.5, 9.999, 10.0, 17.25, 1e4] {
            let (d, l) = digamma_ln_gamma(x);
            assert!(
                (d - digamma(x)).abs() <= 1e-13 * digamma(x).abs().max(1.0),
                "{x}"
            );
            assert!(
                (l - ln_gamma(x)).abs() <= 1e-13 * ln_gamma(x).abs().max(1.0),
                "{x}"
            );
        }
        assert!((digamma_ln_gamma(1.0).0 + euler).abs() < 1e-13);
        // the lane exp against the library, over its whole range and at the edges
        let mut xs: Vec<f64> = (0..20_000)
            .map(|i| -708.0 * f64::from(i) / 19_999.0)
            .collect();
        xs.extend([
            0.0,
            -0.0,
            -1e-300,
            -0.346_573_590_279_972_6,
            -707.99,
            -708.0,
        ]);
        let mut ys = xs.clone();
        exp_nonpositive_in_place(&mut ys);
        for (&x, &y) in xs.iter().zip(&ys) {
            let e = x.exp();
            assert!((y - e).abs() <= 4.0 * f64::EPSILON * e, "{x}: {y} vs {e}");
        }
        let mut tiny = [-708.5, -745.2, -1e10, f64::NEG_INFINITY];
        exp_nonpositive_in_place(&mut tiny);
        assert_eq!(tiny, [0.0; 4]);
        assert!(digamma_ln_gamma(2.0).1.abs() < 1e-13);
        // KL(U(0,1) || Beta(2,2)) = -∫ ln(6x(1-x)) dx = 2 - ln 6
        assert!((kl_beta(1.0, 1.0, 2.0, 2.0) - (2.0 - 6f64.ln())).abs() < 1e-13);
    }
}
