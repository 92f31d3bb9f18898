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
        // KL(U(0,1) || Beta(2,2)) = -∫ ln(6x(1-x)) dx = 2 - ln 6
        assert!((kl_beta(1.0, 1.0, 2.0, 2.0) - (2.0 - 6f64.ln())).abs() < 1e-13);
    }
}
