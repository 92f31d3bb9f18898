//! One typed agreement report: every coefficient that applies to the data, with its
//! standard error and every interval computed, each saying what it is.
//!
//! [`report`] decides which coefficients apply to a layout (judgments, a two-rater
//! contingency table, a Fleiss counts table), computes them with the analytic
//! standard errors and, when asked, the item bootstrap of every coefficient and the
//! Hayes–Krippendorff bootstrap of alpha. The result is an [`AgreementReport`]:
//! `serde::Serialize` (the JSON of `crowdqc agreement --format json`) and an Arrow
//! table with one row per coefficient ([`AgreementReport::to_record_batch`]).
//!
//! ```
//! use crowdqc_agreement::{CoefficientName, IntervalKind, ItemCounts, ReportOptions, report};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! // Fleiss (1971)'s layout: one row per item, one count column per category.
//! let counts = ItemCounts::from_table(
//!     &["yes", "no"],
//!     &[vec![3, 0], vec![2, 1], vec![0, 3], vec![3, 0], vec![1, 2]],
//! )?;
//! let r = report(&counts, &ReportOptions::default().bootstrap(200).seed(1))?;
//! let alpha = r.get(CoefficientName::KrippendorffAlpha).expect("reported");
//! assert!(alpha.value.is_some());
//! // The headline interval is the item bootstrap; the analytic t interval is kept.
//! assert_eq!(alpha.ci().map(|i| i.kind), Some(IntervalKind::ItemBootstrap));
//! assert!(alpha.interval(IntervalKind::T).is_some());
//! // Conger's kappa needs rater identities, which a counts table does not have.
//! assert!(r.get(CoefficientName::CongerKappa).expect("row").value.is_none());
//! let table = r.to_record_batch()?; // one row per coefficient
//! assert_eq!(table.num_rows(), r.coefficients.len());
//! # Ok(()) }
//! ```

mod arrow;
mod build;
mod json;
mod text;

use crowdqc_core::{Error, JudgmentMatrix, Result};

use crate::counts::ItemCounts;
use crate::pairwise::Contingency;
use crate::weights::{Level, Weights};

pub use arrow::{item_agreement_table, worker_agreement_table};
pub use build::{report, report_with_progress};

/// Options of [`report`]. Build with [`ReportOptions::default`] and the setters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Measurement level of Krippendorff's alpha (default nominal).
    pub level: Level,
    /// Agreement weights of the kappa family (default identity: unweighted). With
    /// weights Gwet's coefficient is reported as AC2.
    pub weights: Weights,
    /// Space categories equally for linear / quadratic weights instead of by their
    /// numeric values (R irr's convention on the levels present).
    pub rank_spacing: bool,
    /// Confidence level of every interval, in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Bootstrap replicates over items for every coefficient; `None` (the default)
    /// for analytic intervals only.
    pub bootstrap: Option<usize>,
    /// Seed of the bootstraps (results are identical for any thread count).
    pub seed: u64,
    /// With a bootstrap, also run Hayes & Krippendorff's bootstrap of alpha (default
    /// true).
    pub hayes_krippendorff: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            level: Level::Nominal,
            weights: Weights::Identity,
            rank_spacing: false,
            confidence: 0.95,
            bootstrap: None,
            seed: 0,
            hayes_krippendorff: true,
        }
    }
}

impl ReportOptions {
    /// Sets the measurement level of alpha.
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Sets the agreement weights.
    pub fn weights(mut self, weights: Weights) -> Self {
        self.weights = weights;
        self
    }

    /// Spaces categories equally for linear / quadratic weights.
    pub fn rank_spacing(mut self, yes: bool) -> Self {
        self.rank_spacing = yes;
        self
    }

    /// Sets the confidence level of the intervals.
    pub fn confidence(mut self, level: f64) -> Self {
        self.confidence = level;
        self
    }

    /// Bootstraps every coefficient with `replicates` replicates.
    pub fn bootstrap(mut self, replicates: usize) -> Self {
        self.bootstrap = Some(replicates);
        self
    }

    /// Sets the bootstrap seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Runs (or not) the Hayes–Krippendorff bootstrap beside the item bootstrap.
    pub fn hayes_krippendorff(mut self, yes: bool) -> Self {
        self.hayes_krippendorff = yes;
        self
    }

    /// Checks the options.
    ///
    /// # Errors
    /// `confidence` outside (0, 1); `bootstrap` of 0 replicates or more than
    /// [`MAX_BOOTSTRAP_REPLICATES`](crate::MAX_BOOTSTRAP_REPLICATES).
    pub fn validate(&self) -> Result<()> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::param(
                "confidence",
                format!("must be in (0, 1), got {}", self.confidence),
            ));
        }
        if let Some(n) = self.bootstrap {
            crate::bootstrap::check_replicates(n)?;
        }
        Ok(())
    }
}

/// The data of a report, in one of the three layouts (`From` each of them).
#[derive(Debug, Clone, Copy)]
pub enum AgreementData<'a> {
    /// Judgments `item, worker, label`: every coefficient, Conger's kappa, and Cohen's
    /// kappa and Scott's pi when there are exactly two raters.
    Judgments(&'a JudgmentMatrix),
    /// A two-rater contingency table: the multi-rater coefficients on its subjects,
    /// Cohen's kappa and Scott's pi (and Conger's kappa, equal to Cohen's).
    Table(&'a Contingency),
    /// A Fleiss counts table: no rater identities, so no Conger, Cohen or Scott.
    Counts(&'a ItemCounts),
}

impl<'a> From<&'a JudgmentMatrix> for AgreementData<'a> {
    fn from(m: &'a JudgmentMatrix) -> Self {
        AgreementData::Judgments(m)
    }
}

impl<'a> From<&'a Contingency> for AgreementData<'a> {
    fn from(t: &'a Contingency) -> Self {
        AgreementData::Table(t)
    }
}

impl<'a> From<&'a ItemCounts> for AgreementData<'a> {
    fn from(c: &'a ItemCounts) -> Self {
        AgreementData::Counts(c)
    }
}

/// The layout the report was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Judgments.
    Judgments,
    /// A two-rater contingency table.
    Table,
    /// A Fleiss counts table.
    Counts,
}

/// What the report was computed on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InputSummary {
    /// The layout.
    pub layout: Layout,
    /// Items (subjects).
    pub items: usize,
    /// Ratings.
    pub ratings: u64,
    /// Raters with at least one rating (2 for a table; `None` for counts).
    pub raters: Option<usize>,
    /// Categories in category order.
    pub categories: Vec<String>,
}

/// A coefficient of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CoefficientName {
    /// [`percent_agreement`](crate::percent_agreement).
    PercentAgreement,
    /// [`krippendorff_alpha`](crate::krippendorff_alpha).
    KrippendorffAlpha,
    /// [`fleiss_kappa`](crate::fleiss_kappa).
    FleissKappa,
    /// [`conger_kappa`](crate::conger_kappa).
    CongerKappa,
    /// [`brennan_prediger`](crate::brennan_prediger).
    BrennanPrediger,
    /// [`gwet_ac`](crate::gwet_ac) unweighted.
    GwetAc1,
    /// [`gwet_ac`](crate::gwet_ac) weighted.
    GwetAc2,
    /// [`cohen_kappa`](crate::cohen_kappa).
    CohenKappa,
    /// [`scott_pi`](crate::scott_pi).
    ScottPi,
}

impl CoefficientName {
    /// The key of the coefficient in the JSON report, e.g. `krippendorff_alpha`.
    pub fn key(self) -> &'static str {
        match self {
            CoefficientName::PercentAgreement => "percent_agreement",
            CoefficientName::KrippendorffAlpha => "krippendorff_alpha",
            CoefficientName::FleissKappa => "fleiss_kappa",
            CoefficientName::CongerKappa => "conger_kappa",
            CoefficientName::BrennanPrediger => "brennan_prediger",
            CoefficientName::GwetAc1 => "gwet_ac1",
            CoefficientName::GwetAc2 => "gwet_ac2",
            CoefficientName::CohenKappa => "cohen_kappa",
            CoefficientName::ScottPi => "scott_pi",
        }
    }

    /// The name for people, e.g. `Krippendorff's alpha`.
    pub fn title(self) -> &'static str {
        match self {
            CoefficientName::PercentAgreement => "percent agreement",
            CoefficientName::KrippendorffAlpha => "Krippendorff's alpha",
            CoefficientName::FleissKappa => "Fleiss' kappa",
            CoefficientName::CongerKappa => "Conger's kappa",
            CoefficientName::BrennanPrediger => "Brennan-Prediger",
            CoefficientName::GwetAc1 => "Gwet's AC1",
            CoefficientName::GwetAc2 => "Gwet's AC2",
            CoefficientName::CohenKappa => "Cohen's kappa",
            CoefficientName::ScottPi => "Scott's pi",
        }
    }
}

/// Where a standard error comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeMethod {
    /// The analytic SE ([`Estimate::se`](crate::Estimate::se)).
    Analytic,
    /// The standard deviation of the item bootstrap's replicates.
    Bootstrap,
}

/// What an interval is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntervalKind {
    /// irrCAC's `value ± t_{n−1} · SE` from the analytic SE, capped to [−1, 1].
    T,
    /// Percentile interval of the item bootstrap: the items are resampled with
    /// replacement and the coefficient recomputed.
    ItemBootstrap,
    /// Percentile interval of Hayes & Krippendorff's bootstrap of alpha: samples of
    /// a fixed number of pairs of values drawn from the coincidence matrix, with the
    /// expected disagreement held fixed.
    HayesKrippendorff,
}

impl IntervalKind {
    /// The short name (the `ci_method` of the JSON report): `t (irrCAC)`, `bootstrap
    /// percentile`, `Hayes-Krippendorff`.
    pub fn label(self) -> &'static str {
        match self {
            IntervalKind::T => "t (irrCAC)",
            IntervalKind::ItemBootstrap => "bootstrap percentile",
            IntervalKind::HayesKrippendorff => "Hayes-Krippendorff",
        }
    }

    /// One sentence saying what the interval is.
    pub fn describe(self) -> &'static str {
        match self {
            IntervalKind::T => {
                "value +/- t(n-1) x analytic SE over the items, capped to [-1, 1] (irrCAC)"
            }
            IntervalKind::ItemBootstrap => {
                "percentiles of the coefficient over bootstrap resamples of all the items"
            }
            IntervalKind::HayesKrippendorff => {
                "percentiles of alpha over samples of a fixed number of pairs of values drawn from the coincidence matrix, expected disagreement held fixed (Hayes & Krippendorff 2007)"
            }
        }
    }
}

/// A two-sided interval and what it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// What the interval is.
    pub kind: IntervalKind,
    /// Its confidence level.
    pub level: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Interval {
    /// `high − low`.
    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

/// The item bootstrap of a coefficient ([`BootstrapSummary`](crate::BootstrapSummary)
/// without the replicate values; `None` where no replicate was defined).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootstrapReport {
    /// Replicates drawn.
    pub replicates: usize,
    /// Replicates on which the coefficient was undefined.
    pub undefined: usize,
    /// Mean of the defined replicates.
    pub mean: Option<f64>,
    /// Their standard deviation (the bootstrap SE).
    pub se: Option<f64>,
    /// Lower percentile bound.
    pub ci_low: Option<f64>,
    /// Upper percentile bound.
    pub ci_high: Option<f64>,
}

/// Hayes & Krippendorff's bootstrap of alpha
/// ([`hayes_krippendorff_bootstrap`](crate::hayes_krippendorff_bootstrap)).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum HayesReport {
    /// Computed.
    Computed {
        /// Replicates drawn.
        replicates: usize,
        /// Pairs of values drawn per replicate (`M`), whatever the size of the data.
        pairs_per_replicate: usize,
        /// Lower percentile bound.
        ci_low: f64,
        /// Upper percentile bound.
        ci_high: f64,
        /// `P(α* < 0.667)` over the replicates.
        p_below_0_667: f64,
        /// `P(α* < 0.800)` over the replicates.
        p_below_0_800: f64,
    },
    /// Not available on these data (e.g. more than 4096 categories), and why.
    NotComputed {
        /// Why.
        reason: String,
    },
}

/// One coefficient of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefficientReport {
    /// Which coefficient.
    pub name: CoefficientName,
    /// Its value, `None` when undefined on the data.
    pub value: Option<f64>,
    /// Why it is undefined (or was not computed).
    pub reason: Option<String>,
    /// Standard error: the analytic one when known, else the bootstrap SE.
    pub se: Option<f64>,
    /// Where `se` comes from.
    pub se_method: Option<SeMethod>,
    /// Observed agreement `p_a`.
    pub observed: Option<f64>,
    /// Chance agreement `p_e`.
    pub expected: Option<f64>,
    /// Items used ([`Estimate::n_items`](crate::Estimate::n_items)).
    pub n_items: Option<usize>,
    /// Every interval computed, the headline interval first (the item bootstrap when
    /// there is one, else the t interval).
    pub intervals: Vec<Interval>,
    /// The item bootstrap, when run.
    pub bootstrap: Option<BootstrapReport>,
    /// Alpha only, with a bootstrap: Hayes & Krippendorff's bootstrap.
    pub hayes_krippendorff: Option<HayesReport>,
    /// Alpha only: the interpretation against Krippendorff's thresholds.
    pub interpretation: Option<&'static str>,
    /// A remark on how the value was obtained (e.g. Conger's kappa of a table).
    pub note: Option<&'static str>,
}

impl CoefficientReport {
    /// The headline interval (the first of [`intervals`](Self::intervals)).
    pub fn ci(&self) -> Option<&Interval> {
        self.intervals.first()
    }

    /// The interval of a given kind, if computed.
    pub fn interval(&self, kind: IntervalKind) -> Option<&Interval> {
        self.intervals.iter().find(|i| i.kind == kind)
    }
}

/// The agreement report of [`report`].
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementReport {
    /// What it was computed on.
    pub input: InputSummary,
    /// Measurement level of alpha.
    pub level: Level,
    /// Name of the weights: identity, linear, quadratic, ordinal or custom.
    pub weights: &'static str,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// `(replicates, seed)` of the bootstraps, when run.
    pub bootstrap: Option<(usize, u64)>,
    /// The coefficients, in the order of the text report.
    pub coefficients: Vec<CoefficientReport>,
}

impl AgreementReport {
    /// The row of a coefficient, if it applies to the layout.
    pub fn get(&self, name: CoefficientName) -> Option<&CoefficientReport> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}
