//! Result types shared by every coefficient: a value or a typed "undefined with
//! reason", with the observed / chance agreement and the standard error when known.

use std::fmt;

/// Why a coefficient has no value on the data (never NaN, never a panic).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Undefined {
    /// No item has two or more ratings, so no pair of ratings can be compared.
    NoPairableItems,
    /// Chance agreement is 1 (e.g. every rating is the same category, or the class
    /// set has a single category), so `(p_a - p_e) / (1 - p_e)` divides by zero.
    NoChanceVariation,
    /// The expected disagreement of Krippendorff's alpha is 0 (all pairable values
    /// are equal).
    NoExpectedDisagreement,
    /// No item was rated by both raters of a two-rater coefficient.
    NoCommonItems,
    /// Anything else, with the explanation.
    Other(String),
}

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undefined::NoPairableItems => {
                f.write_str("no item has two or more ratings, so there is no pair to compare")
            }
            Undefined::NoChanceVariation => f.write_str(
                "chance agreement is 1 (a single category is used), so the coefficient divides by zero",
            ),
            Undefined::NoExpectedDisagreement => f.write_str(
                "expected disagreement is 0 (all pairable values are equal), so alpha divides by zero",
            ),
            Undefined::NoCommonItems => f.write_str("no item was rated by both raters"),
            Undefined::Other(s) => f.write_str(s),
        }
    }
}

/// A defined coefficient value with its ingredients.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The coefficient, `(p_a - p_e) / (1 - p_e)` for the kappa family.
    pub value: f64,
    /// Observed (weighted) agreement `p_a` (for alpha: `1 - D_o`, on the scale of
    /// agreement weights `1 - δ/max δ`).
    pub observed: f64,
    /// Chance (expected) agreement `p_e` on the same scale.
    pub expected: f64,
    /// Analytic standard error where the literature gives one (Gwet's linearisation
    /// as in irrCAC, the Fleiss–Cohen–Everitt asymptotic SE for two-rater tables),
    /// without finite-population correction. `None` when not available.
    pub se: Option<f64>,
    /// Number of items (subjects) used: for the multi-rater coefficients the items
    /// with at least one rating (`p_a` itself uses the items with two or more), for
    /// two-rater coefficients the items rated by both, for alpha the pairable items.
    pub n_items: usize,
}

/// A coefficient: a value, or undefined on these data with the reason.
#[derive(Debug, Clone, PartialEq)]
pub enum Coefficient {
    /// The coefficient has a value.
    Defined(Estimate),
    /// The coefficient is undefined on these data.
    Undefined(Undefined),
}

impl Coefficient {
    /// The value, or `None` when undefined.
    pub fn value(&self) -> Option<f64> {
        match self {
            Coefficient::Defined(e) => Some(e.value),
            Coefficient::Undefined(_) => None,
        }
    }

    /// The estimate, or `None` when undefined.
    pub fn estimate(&self) -> Option<&Estimate> {
        match self {
            Coefficient::Defined(e) => Some(e),
            Coefficient::Undefined(_) => None,
        }
    }

    /// Why the coefficient is undefined, or `None` when it has a value.
    pub fn undefined_reason(&self) -> Option<&Undefined> {
        match self {
            Coefficient::Defined(_) => None,
            Coefficient::Undefined(u) => Some(u),
        }
    }

    /// The analytic standard error, when defined and known.
    pub fn se(&self) -> Option<f64> {
        self.estimate().and_then(|e| e.se)
    }

    /// A two-sided confidence interval from the analytic standard error, as irrCAC
    /// computes it: `value ± t_{n-1, (1+level)/2} · se`, the upper bound capped at 1
    /// (and the lower at -1). `None` when the SE is unknown or `n_items < 2`.
    ///
    /// `level` must be in (0, 1); other values give `None`.
    pub fn t_interval(&self, level: f64) -> Option<(f64, f64)> {
        let e = self.estimate()?;
        let se = e.se?;
        if !(level > 0.0 && level < 1.0) || e.n_items < 2 || !se.is_finite() {
            return None;
        }
        let t = crate::stats::student_t_quantile((1.0 + level) / 2.0, (e.n_items - 1) as f64)?;
        Some(((e.value - t * se).max(-1.0), (e.value + t * se).min(1.0)))
    }

    /// A Wald interval `value ± z_{(1+level)/2} · se` (as SAS prints for kappa),
    /// clipped to [-1, 1]. `None` when the SE is unknown or `level` not in (0, 1).
    pub fn normal_interval(&self, level: f64) -> Option<(f64, f64)> {
        let e = self.estimate()?;
        let se = e.se?;
        if !(level > 0.0 && level < 1.0 && se.is_finite()) {
            return None;
        }
        let z = crate::stats::normal_quantile((1.0 + level) / 2.0)?;
        Some(((e.value - z * se).max(-1.0), (e.value + z * se).min(1.0)))
    }

    pub(crate) fn from_parts(pa: f64, pe: f64, n_items: usize) -> Coefficient {
        if !(1.0 - pe).is_normal() || (1.0 - pe).abs() < 1e-13 {
            return Coefficient::Undefined(Undefined::NoChanceVariation);
        }
        Coefficient::Defined(Estimate {
            value: (pa - pe) / (1.0 - pe),
            observed: pa,
            expected: pe,
            se: None,
            n_items,
        })
    }

    pub(crate) fn with_se(mut self, se: Option<f64>) -> Coefficient {
        if let Coefficient::Defined(e) = &mut self {
            e.se = se.filter(|s| s.is_finite());
        }
        self
    }
}
