//! # crowdqc-agreement
//!
//! Inter-annotator agreement for crowdsourced labels: every standard coefficient,
//! with standard errors, confidence intervals and bootstraps, checked against
//! published values, linear in the number of judgments.
//!
//! ```
//! use crowdqc_agreement::{ItemCounts, Level, WeightMatrix, fleiss_kappa, krippendorff_alpha};
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (item, worker, label) in [
//!     ("X", "A", "yes"), ("X", "B", "yes"),
//!     ("Y", "A", "no"), ("Y", "B", "no"),
//!     ("Z", "A", "yes"), ("Z", "B", "no"),
//! ] {
//!     b.push_row(IdRef::Str(item), IdRef::Str(worker), IdRef::Str(label))?;
//! }
//! let m = b.finish()?;
//! let data = ItemCounts::from_matrix(&m); // one pass, per-item category counts
//! let alpha = krippendorff_alpha(&data, Level::Nominal)?;
//! assert!((alpha.value().expect("defined") - 4.0 / 9.0).abs() < 1e-12); // crowd-kit: 0.444…
//! let kappa = fleiss_kappa(&data, &WeightMatrix::identity(data.n_categories()))?;
//! assert!(kappa.se().is_some()); // irrCAC's standard error
//! # Ok(()) }
//! ```
//!
//! ## Coefficients
//!
//! | function | what it is | input |
//! |---|---|---|
//! | [`percent_agreement`] | share of agreeing pairs of ratings within items, not chance-corrected | [`ItemCounts`] |
//! | [`fleiss_kappa`] | Fleiss (1971), chance from pooled category shares `Σ π_k²`; generalised to varying ratings per item and weights (Gwet 2014) | [`ItemCounts`] |
//! | [`gwet_ac`] | Gwet's AC1 (unweighted) / AC2 (weighted): chance `Σ π_k(1 − π_k)/(q − 1)`, robust to skewed prevalence | [`ItemCounts`] |
//! | [`brennan_prediger`] | chance `1/q` (uniform) | [`ItemCounts`] |
//! | [`krippendorff_alpha`] | `1 − D_o/D_e` over the coincidence matrix; nominal, ordinal, interval, ratio | [`ItemCounts`] |
//! | [`conger_kappa`] | Fleiss' observed agreement, chance averaged over pairs of raters (Cohen-type) | `JudgmentMatrix` |
//! | [`cohen_kappa`] | two raters, own marginals; unweighted, linear, quadratic, custom weights | [`Contingency`] |
//! | [`scott_pi`] | two raters, shared marginals | [`Contingency`] |
//!
//! The three layouts people hold agreement data in are all accepted: judgments
//! (`item, worker, label`, via [`ItemCounts::from_matrix`] and
//! [`Contingency::from_matrix`]), a Fleiss counts table (`item,<class…>`, via
//! [`ItemCounts::from_table`]) and a two-rater contingency table
//! (`label_a,label_b,count`, via [`Contingency::from_rows`]); both tables can also be
//! read from Arrow record batches ([`ItemCounts::from_batches`],
//! [`Contingency::from_batches`]).
//!
//! ## Missing data
//!
//! Any number of ratings per item is allowed. Each function's docs say how it
//! treats items with fewer than two ratings; in short: the Gwet-family coefficients
//! (percent agreement, Fleiss, AC1/AC2, Brennan–Prediger, Conger) average observed
//! agreement over items with two or more ratings and use every rating for the chance
//! term (irrCAC's convention); alpha ignores units with a single value entirely
//! (Krippendorff's convention); Cohen and Scott use the items both raters rated.
//!
//! ## Undefined values
//!
//! A coefficient that is undefined on the data (one category only, no item with two
//! ratings, no common item) is [`Coefficient::Undefined`] with a typed
//! [`Undefined`] reason — never NaN, never a panic. Bad input (non-numeric labels for
//! interval alpha, a weight matrix of the wrong shape, Cohen on three raters, a
//! bootstrap of 0 replicates) is an `Err` naming the parameter.
//!
//! ## Category order (weighted coefficients, ordinal alpha)
//!
//! The declared class order when the classes were declared; else the order of first
//! appearance in a contingency or counts table; else numeric order for numeric
//! labels. Linear / quadratic weights use the numeric label values when all labels
//! are numbers, else equally spaced positions ([`CategoryScale`]; R's `irr::kappa2`
//! spaces the *levels present* equally, which [`CategoryScale::Ranks`] reproduces).
//!
//! ## Uncertainty
//!
//! - analytic SEs ([`Estimate::se`]): Gwet's linearised variances as in irrCAC for
//!   percent agreement, Fleiss, AC1/AC2, Brennan–Prediger, Conger and alpha (no
//!   finite-population correction), the Fleiss–Cohen–Everitt asymptotic SE for
//!   Cohen's kappa and Gwet's for Scott's pi; [`Coefficient::t_interval`] gives
//!   irrCAC's t-based interval;
//! - a bootstrap over items for every coefficient ([`bootstrap_counts`],
//!   [`bootstrap_conger`], [`bootstrap_pairwise`], generic [`bootstrap_items`]):
//!   seeded, parallel, bit-identical for any thread count, working on per-item
//!   sufficient statistics;
//! - Hayes & Krippendorff's (2007) bootstrap for alpha
//!   ([`hayes_krippendorff_bootstrap`]) with `P(α < 0.667)` and `P(α < 0.800)`.
//!   Its replicates are samples of a fixed number of *pairs of values* (at most 25
//!   per non-zero coincidence cell, whatever the size of the data) with the expected
//!   disagreement held fixed, so on large data its interval is much wider than the
//!   item bootstrap's, which resamples all the items: they answer different
//!   questions, and [`AgreementReport::interval_notes`] says so.
//!
//! Every bootstrap has a `_with_progress` twin taking a
//! [`&dyn Progress`](crowdqc_core::progress::Progress): it reports replicates between
//! blocks, stops with `Error::Interrupted` when asked to, and returns bit-identical
//! results.
//!
//! ## Reports
//!
//! [`report`] computes everything that applies to a layout (judgments, a contingency
//! table or a counts table: [`AgreementData`]) under [`ReportOptions`] and returns an
//! [`AgreementReport`]: typed, `serde::Serialize` (the CLI's JSON), rendered as text
//! by its `Display`, and an Arrow table with one row per coefficient
//! ([`AgreementReport::to_record_batch`]). [`item_agreement_table`] and
//! [`worker_agreement_table`] give the per-item and per-worker views as Arrow tables.
//!
//! ## Per-item and per-worker views
//!
//! [`item_agreement`] (top-label share, entropy, pairwise agreement),
//! [`worker_agreement`] (agreement with peers, with the leave-one-out consensus and
//! with majority vote), and crowd-kit's [`uncertainty`] and [`consistency`]. Majority
//! labels, vote shares and the majority-vote skill come from
//! [`crowdqc_core::votes`]; duplicate judgments count as ratings everywhere except in
//! the majority-vote skill, which counts identical rows once as crowd-kit does.
//!
//! ## Verification
//!
//! The integration tests reproduce, at their published precision, every value of the
//! worked examples in the shared fixtures (Fleiss 1971; Krippendorff 2011; Gwet 2014
//! and irrCAC; SAS, R `irr` and Wikipedia kappas; crowd-kit's alpha examples), match
//! irrCAC 0.4.4's values and standard errors (raw and table, unweighted and weighted),
//! crowd-kit 1.4.2's `alpha_krippendorff`, `consistency` and `uncertainty`, and the
//! `krippendorff` 0.9.0 package on real crowd datasets, and check properties (bounds,
//! perfect agreement, invariance to row order and relabelling, the alpha–Fleiss
//! identity `α = 1 − (1 − κ)(1 − 1/n..)` under constant redundancy).
//!
//! ## Crate features
//!
//! None.

#![deny(missing_docs)]

mod alpha;
mod bootstrap;
mod coefficient;
mod conger;
mod counts;
mod layouts;
mod mergeable;
mod multi;
mod pairwise;
mod report;
mod stats;
mod views;
mod weights;

pub use alpha::{
    HayesKrippendorff, hayes_krippendorff_bootstrap, hayes_krippendorff_bootstrap_with_progress,
    krippendorff_alpha,
};
pub use bootstrap::{
    BootstrapOptions, BootstrapSummary, CountsCoefficient, MAX_BOOTSTRAP_DRAWS,
    MAX_BOOTSTRAP_REPLICATES, bootstrap_counts, bootstrap_counts_with_progress, bootstrap_items,
    bootstrap_items_with_progress,
};
pub use coefficient::{Coefficient, Estimate, Undefined};
pub use conger::{bootstrap_conger, bootstrap_conger_with_progress, conger_kappa};
pub use counts::ItemCounts;
pub use mergeable::AgreementCounts;
pub use multi::{brennan_prediger, fleiss_kappa, gwet_ac, percent_agreement};
pub use pairwise::{
    Contingency, MAX_COUNT, PairwiseCoefficient, bootstrap_pairwise,
    bootstrap_pairwise_with_progress, cohen_kappa, scott_pi,
};
pub use report::{
    AgreementData, AgreementReport, BootstrapReport, CoefficientName, CoefficientReport,
    HayesReport, InputSummary, Interval, IntervalKind, Layout, ReportOptions, SeMethod,
    item_agreement_table, report, report_with_progress, worker_agreement_table,
};
pub use views::{
    ItemAgreement, UncertaintyBy, WorkerAgreement, consistency, item_agreement,
    majority_vote_with_skills, uncertainty, worker_agreement,
};
pub use weights::{CategoryScale, Level, WeightMatrix, Weights};

/// Krippendorff's thresholds: `α ≥ 0.800` reliable, `0.667 ≤ α < 0.800` tentative
/// conclusions only, below that unreliable (Krippendorff 2004, p. 241).
pub const KRIPPENDORFF_THRESHOLDS: [f64; 2] = [0.667, 0.800];

/// A one-line interpretation of an alpha value against Krippendorff's thresholds.
pub fn interpret_alpha(alpha: f64) -> &'static str {
    if alpha >= 0.800 {
        "reliable (alpha >= 0.800)"
    } else if alpha >= 0.667 {
        "tentative conclusions only (0.667 <= alpha < 0.800)"
    } else {
        "unreliable (alpha < 0.667)"
    }
}
