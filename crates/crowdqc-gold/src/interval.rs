//! Confidence intervals for a binomial proportion (a worker's gold accuracy).
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

use std::fmt;
use std::str::FromStr;

use crowdqc_core::{Error, Result};
use statrs::distribution::{Beta, ContinuousCDF, Normal};

/// Which binomial confidence interval to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IntervalMethod {
    /// Wilson score interval (closed form). The default.
    #[default]
    Wilson,
    /// Equal-tailed Jeffreys interval (Beta(x + ½, n − x + ½) quantiles).
    Jeffreys,
    /// Clopper–Pearson exact interval (conservative).
    ClopperPearson,
}

impl IntervalMethod {
    /// The name as spelled on the command line: `wilson`, `jeffreys`, `clopper-pearson`.
    pub fn name(self) -> &'static str {
        match self {
            IntervalMethod::Wilson => "wilson",
            IntervalMethod::Jeffreys => "jeffreys",
            IntervalMethod::ClopperPearson => "clopper-pearson",
        }
    }
}

impl fmt::Display for IntervalMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for IntervalMethod {
    type Err = Error;

    /// Parses `wilson`, `jeffreys`, `clopper-pearson` (also `clopper_pearson`, `exact`,
    /// `beta`).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "wilson" => Ok(IntervalMethod::Wilson),
            "jeffreys" => Ok(IntervalMethod::Jeffreys),
            "clopper-pearson" | "clopper_pearson" | "exact" | "beta" => {
                Ok(IntervalMethod::ClopperPearson)
            }
            _ => Err(Error::param(
                "interval",
                format!("unknown interval `{s}`; valid: wilson, jeffreys, clopper-pearson"),
            )),
        }
    }
}

/// A closed interval `[low, high]` within `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl Interval {
    /// The uninformative interval `[0, 1]`.
    pub const UNIT: Interval = Interval {
        low: 0.0,
        high: 1.0,
    };

    /// Whether `p` lies inside (ends included).
    pub fn contains(&self, p: f64) -> bool {
        self.low <= p && p <= self.high
    }

    /// `high - low`.
    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

/// Checks a confidence level: finite and strictly inside (0, 1).
///
/// # Errors
/// [`Error::InvalidParameter`] naming `confidence`.
pub fn check_confidence(confidence: f64) -> Result<()> {
    if confidence.is_finite() && confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(Error::param(
            "confidence",
            format!("must be strictly between 0 and 1 (e.g. 0.95), got {confidence}"),
        ))
    }
}

fn check_counts(successes: u64, trials: u64) -> Result<()> {
    if successes > trials {
        return Err(Error::param(
            "successes",
            format!("must be <= trials, got {successes} successes of {trials} trials"),
        ));
    }
    Ok(())
}

/// The standard normal quantile `z` with `P(Z > z) = (1 - confidence) / 2`.
pub(crate) fn two_sided_z(confidence: f64) -> f64 {
    let normal = Normal::standard();
    normal.inverse_cdf(0.5 + confidence / 2.0)
}

/// Wilson score interval given the precomputed `z` (see [`two_sided_z`]).
pub(crate) fn wilson_z(successes: u64, trials: u64, z: f64) -> Interval {
    if trials == 0 {
        return Interval::UNIT;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    // Exact ends at the boundaries (the closed form gives them up to rounding).
    let low = if successes == 0 {
        0.0
    } else {
        (center - half).max(0.0)
    };
    let high = if successes == trials {
        1.0
    } else {
        (center + half).min(1.0)
    };
    Interval { low, high }
}

/// Quantile of Beta(a, b) by statrs' inverse regularized incomplete beta (AS 64 /
/// AS 109); agrees with scipy's `beta.ppf` to 1e-9 on the tested cases.
fn beta_quantile(a: f64, b: f64, q: f64) -> f64 {
    let Ok(dist) = Beta::new(a, b) else {
        return f64::NAN;
    };
    if q <= 0.0 {
        return 0.0;
    }
    if q >= 1.0 {
        return 1.0;
    }
    dist.inverse_cdf(q).clamp(0.0, 1.0)
}

/// Binomial confidence interval for `successes` out of `trials` at two-sided
/// `confidence`, by `method`.
///
/// # Errors
/// `confidence` outside (0, 1); `successes > trials`.
///
/// # Examples
/// ```
/// use crowdqc_gold::{binomial_interval, IntervalMethod};
/// # fn main() -> crowdqc_core::Result<()> {
/// let ci = binomial_interval(9, 10, 0.95, IntervalMethod::ClopperPearson)?;
/// assert!((ci.low - 0.554984).abs() < 1e-6 && (ci.high - 0.997471).abs() < 1e-6);
/// # Ok(()) }
/// ```
pub fn binomial_interval(
    successes: u64,
    trials: u64,
    confidence: f64,
    method: IntervalMethod,
) -> Result<Interval> {
    check_confidence(confidence)?;
    check_counts(successes, trials)?;
    Ok(interval_unchecked(successes, trials, confidence, method))
}

/// [`binomial_interval`] without validation (callers validated `confidence` and
/// `successes <= trials`).
pub(crate) fn interval_unchecked(
    successes: u64,
    trials: u64,
    confidence: f64,
    method: IntervalMethod,
) -> Interval {
    if trials == 0 {
        return Interval::UNIT;
    }
    let alpha = 1.0 - confidence;
    let (x, n) = (successes as f64, trials as f64);
    match method {
        IntervalMethod::Wilson => wilson_z(successes, trials, two_sided_z(confidence)),
        IntervalMethod::Jeffreys => Interval {
            low: if successes == 0 {
                0.0
            } else {
                beta_quantile(x + 0.5, n - x + 0.5, alpha / 2.0)
            },
            high: if successes == trials {
                1.0
            } else {
                beta_quantile(x + 0.5, n - x + 0.5, 1.0 - alpha / 2.0)
            },
        },
        IntervalMethod::ClopperPearson => Interval {
            low: if successes == 0 {
                0.0
            } else {
                beta_quantile(x, n - x + 1.0, alpha / 2.0)
            },
            high: if successes == trials {
                1.0
            } else {
                beta_quantile(x + 1.0, n - x, 1.0 - alpha / 2.0)
            },
        },
    }
}

/// One-sided lower confidence bound at level `confidence` ("at least this accurate
/// with `confidence`"): the lower end of the two-sided interval at `2·confidence − 1`.
///
/// # Errors
/// `confidence` outside (0.5, 1); `successes > trials`.
///
/// # Examples
/// 9 of 10 gold answers correct certifies only about 65% accuracy at 95% (Wilson):
/// ```
/// use crowdqc_gold::{lower_bound, IntervalMethod};
/// # fn main() -> crowdqc_core::Result<()> {
/// let lb = lower_bound(9, 10, 0.95, IntervalMethod::Wilson)?;
/// assert!((lb - 0.6523).abs() < 1e-4);
/// # Ok(()) }
/// ```
pub fn lower_bound(
    successes: u64,
    trials: u64,
    confidence: f64,
    method: IntervalMethod,
) -> Result<f64> {
    if !(confidence.is_finite() && confidence > 0.5 && confidence < 1.0) {
        return Err(Error::param(
            "confidence",
            format!("a one-sided bound needs 0.5 < confidence < 1, got {confidence}"),
        ));
    }
    Ok(binomial_interval(successes, trials, 2.0 * confidence - 1.0, method)?.low)
}

/// Posterior probability that the accuracy is below `threshold` under the Jeffreys
/// prior: `P(p < threshold | x of n) = I_threshold(x + ½, n − x + ½)`.
///
/// # Errors
/// `threshold` outside [0, 1]; `successes > trials`.
///
/// # Examples
/// ```
/// use crowdqc_gold::jeffreys_prob_below;
/// # fn main() -> crowdqc_core::Result<()> {
/// // 9 of 10 correct: still a 37% chance the worker is below 85%.
/// assert!((jeffreys_prob_below(9, 10, 0.85)? - 0.37).abs() < 0.005);
/// # Ok(()) }
/// ```
pub fn jeffreys_prob_below(successes: u64, trials: u64, threshold: f64) -> Result<f64> {
    check_counts(successes, trials)?;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::param(
            "threshold",
            format!("must be in [0, 1], got {threshold}"),
        ));
    }
    let (x, n) = (successes as f64, trials as f64);
    let dist = Beta::new(x + 0.5, n - x + 0.5)
        .map_err(|e| Error::param("trials", format!("invalid Beta parameters: {e}")))?;
    Ok(dist.cdf(threshold))
}

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
