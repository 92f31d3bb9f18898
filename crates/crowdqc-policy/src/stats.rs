//! Binomial intervals and Beta posteriors used by policy conditions.
//!
//! - Wilson score interval (Wilson 1927) — recommended for small n by Brown, Cai &
//!   DasGupta (*Statistical Science* 16, 2001).
//! - Jeffreys interval: equal-tailed quantiles of Beta(c + ½, n − c + ½), with the
//!   conventional fix that the lower bound is 0 when c = 0 and the upper bound 1 when
//!   c = n (Brown, Cai & DasGupta 2001, §4.1.2).
//! - Clopper–Pearson ("exact") interval: quantiles of Beta(c, n − c + 1) and
//!   Beta(c + 1, n − c).
//!
//! All bounds here are **one-sided** at the stated confidence: `lower(c, n, 0.95)` is a
//! bound L with P(p ≥ L) ≈ 0.95, i.e. the lower end of a two-sided 90% interval. That is
//! what a decision "is the worker's accuracy above 0.85?" needs.
//!
//! The mathematics is [`crowdqc_core::interval`] (shared with `crowdqc-gold`); these are
//! infallible wrappers with the argument order policy conditions use. Policy files spell
//! the method `wilson`, `jeffreys` or `clopper-pearson`.

pub use crowdqc_core::interval::IntervalMethod;
use crowdqc_core::interval::{
    beta_prob_below, lower_end_unchecked, two_sided_z, upper_end_unchecked, wilson_z,
};

/// The Wilson `z` of a one-sided bound at `confidence` (two-sided at `2·confidence − 1`).
fn z(confidence: f64) -> f64 {
    // policies use a handful of confidences: cache the last quantile per thread
    thread_local! {
        static LAST: std::cell::Cell<(u64, f64)> = const { std::cell::Cell::new((u64::MAX, 0.0)) };
    }
    LAST.with(|c| {
        let (bits, v) = c.get();
        if bits == confidence.to_bits() {
            return v;
        }
        let v = two_sided_z(2.0 * confidence - 1.0);
        c.set((confidence.to_bits(), v));
        v
    })
}

/// One-sided lower confidence bound for a binomial proportion with `correct` successes
/// out of `n`; 0 when `n == 0`. `confidence` in (0, 1).
pub fn lower_bound(method: IntervalMethod, correct: u64, n: u64, confidence: f64) -> f64 {
    match method {
        IntervalMethod::Wilson if n > 0 => wilson_z(correct, n, z(confidence)).low,
        _ => lower_end_unchecked(correct, n, 2.0 * confidence - 1.0, method),
    }
}

/// One-sided upper confidence bound (see [`lower_bound`]); 1 when `n == 0`.
pub fn upper_bound(method: IntervalMethod, correct: u64, n: u64, confidence: f64) -> f64 {
    let correct = correct.min(n);
    match method {
        IntervalMethod::Wilson if n > 0 => wilson_z(correct, n, z(confidence)).high,
        _ => upper_end_unchecked(correct, n, 2.0 * confidence - 1.0, method),
    }
}

/// Posterior probability that the accuracy is below `threshold` under a Beta(a, b)
/// prior after `correct` of `n` correct: the regularised incomplete beta
/// I_threshold(a + c, b + n − c).
pub fn posterior_below(prior: (f64, f64), correct: u64, n: u64, threshold: f64) -> f64 {
    beta_prob_below(prior, correct, n, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// qc-practice.md §2.1 table (one-sided 95% lower bounds, Jeffreys posterior).
    #[test]
    fn lower_bounds_match_reference_table() {
        let rows: [(u64, u64, f64, f64, f64); 10] = [
            (3, 3, 0.53, 0.37, 0.30),
            (4, 5, 0.44, 0.34, 0.67),
            (9, 10, 0.65, 0.61, 0.37),
            (10, 10, 0.79, 0.74, 0.07),
            (18, 20, 0.74, 0.72, 0.28),
            (20, 20, 0.88, 0.86, 0.01),
            (27, 30, 0.77, 0.76, 0.23),
            (45, 50, 0.81, 0.80, 0.16),
            (90, 100, 0.84, 0.84, 0.08),
            (85, 100, 0.78, 0.78, 0.51),
        ];
        for (c, n, wilson, cp, post) in rows {
            let w = lower_bound(IntervalMethod::Wilson, c, n, 0.95);
            let k = lower_bound(IntervalMethod::ClopperPearson, c, n, 0.95);
            let p = posterior_below((0.5, 0.5), c, n, 0.85);
            assert!(close(w, wilson, 0.006), "wilson {c}/{n}: {w}");
            assert!(close(k, cp, 0.006), "cp {c}/{n}: {k}");
            assert!(close(p, post, 0.006), "posterior {c}/{n}: {p}");
        }
    }

    /// Perfect streaks needed to certify a threshold (qc-practice.md §2.1).
    #[test]
    fn perfect_streaks() {
        let streak = |m, t| (1..200).find(|&n| lower_bound(m, n, n, 0.95) >= t);
        assert_eq!(streak(IntervalMethod::Wilson, 0.80), Some(11));
        assert_eq!(streak(IntervalMethod::ClopperPearson, 0.80), Some(14));
        assert_eq!(streak(IntervalMethod::Wilson, 0.85), Some(16));
        assert_eq!(streak(IntervalMethod::ClopperPearson, 0.85), Some(19));
        assert_eq!(streak(IntervalMethod::Wilson, 0.95), Some(52));
        assert_eq!(streak(IntervalMethod::ClopperPearson, 0.95), Some(59));
    }

    #[test]
    fn clopper_pearson_closed_forms() {
        // n/n: lower bound is (1 - conf)^(1/n); 0/n: upper bound is 1 - (1-conf)^(1/n).
        let l = lower_bound(IntervalMethod::ClopperPearson, 10, 10, 0.95);
        assert!(close(l, 0.05f64.powf(0.1), 1e-9));
        let u = upper_bound(IntervalMethod::ClopperPearson, 0, 10, 0.95);
        assert!(close(u, 1.0 - 0.05f64.powf(0.1), 1e-9));
        assert_eq!(lower_bound(IntervalMethod::Jeffreys, 0, 5, 0.95), 0.0);
        assert_eq!(upper_bound(IntervalMethod::Wilson, 0, 0, 0.95), 1.0);
    }
}
