//! Confidence intervals for a binomial proportion (a worker's gold accuracy).
//!
//! The intervals live in [`crowdqc_core::interval`] (shared with `crowdqc-policy`) and
//! are re-exported here; this module adds the exact [`binomial_test`].
//!
//! Three intervals, as recommended by Brown, Cai & DasGupta, "Interval Estimation for
//! a Binomial Proportion", *Statistical Science* 16(2), 2001:
//!
//! - [`IntervalMethod::Wilson`] — the score interval (Wilson 1927), closed form;
//!   coverage close to nominal on average, recommended for small `n`.
//! - [`IntervalMethod::Jeffreys`] — the equal-tailed Bayesian interval under the
//!   Jeffreys prior Beta(½, ½): quantiles of Beta(x + ½, n − x + ½), with Brown et
//!   al.'s boundary modification (lower bound 0 when `x = 0`, upper bound 1 when
//!   `x = n`).
//! - [`IntervalMethod::ClopperPearson`] — the "exact" interval (Clopper & Pearson 1934)
//!   from Beta quantiles; guaranteed coverage ≥ nominal, hence conservative (longer).
//!
//! All are two-sided at `confidence` (e.g. 0.95 → 2.5% in each tail). A one-sided
//! bound at level `c` is the matching end of the two-sided interval at `2c − 1`
//! ([`lower_bound`]). The values were checked against statsmodels 0.15.0
//! `proportion_confint` (methods `wilson`, `jeffreys`, `beta`) to 1e-9.
//!
//! With no trials (`n = 0`) every interval is `[0, 1]`: nothing is known.

pub use crowdqc_core::interval::{
    Interval, IntervalMethod, binomial_interval, check_confidence, jeffreys_prob_below, lower_bound,
};
pub(crate) use crowdqc_core::interval::{interval_unchecked, two_sided_z, wilson_z};
use crowdqc_core::{Error, Result, interval::check_counts};

/// Two-sided exact (central) binomial test of `H0: p = p0` for `successes` of
/// `trials`: `min(1, 2·min(P(X ≤ x), P(X ≥ x)))` with `X ~ Bin(trials, p0)`. This is the
/// test whose inversion gives the Clopper–Pearson interval. Returns 1 for no trials.
///
/// # Errors
/// `p0` outside [0, 1]; `successes > trials`.
pub fn binomial_test(successes: u64, trials: u64, p0: f64) -> Result<f64> {
    check_counts(successes, trials)?;
    if !(0.0..=1.0).contains(&p0) {
        return Err(Error::param("p0", format!("must be in [0, 1], got {p0}")));
    }
    if trials == 0 {
        return Ok(1.0);
    }
    let (x, n) = (successes as f64, trials as f64);
    // P(X <= x) = I_{1-p0}(n - x, x + 1); P(X >= x) = I_{p0}(x, n - x + 1).
    let le = if successes == trials {
        1.0
    } else {
        statrs::function::beta::beta_reg(n - x, x + 1.0, 1.0 - p0)
    };
    let ge = if successes == 0 {
        1.0
    } else {
        statrs::function::beta::beta_reg(x, n - x + 1.0, p0)
    };
    Ok((2.0 * le.min(ge)).min(1.0))
}
