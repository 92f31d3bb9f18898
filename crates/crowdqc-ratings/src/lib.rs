//! # crowdqc-ratings
//!
//! Graded judgments — a 1–5 quality score, a 0–100 slider, a truthfulness level — as
//! `(item, worker, rating)`: one score per item with a standard error, each worker's
//! bias and variance, agreement (ICC in six forms, Kendall's W), and gold ratings as
//! worker evidence for access policies.
//!
//! ```
//! use crowdqc_core::IdRef;
//! use crowdqc_ratings::{Method, RatingParams, RatingsBuilder, RatingsOptions, rating_agreement};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = RatingsBuilder::new(RatingsOptions::default())?;
//! for (item, worker, x) in [
//!     ("a", "w1", 1.0), ("a", "w2", 2.0), ("a", "w3", 1.0),
//!     ("b", "w1", 4.0), ("b", "w2", 5.0), ("b", "w3", 4.0),
//!     ("c", "w1", 3.0), ("c", "w2", 3.0), ("c", "w3", 2.0),
//! ] {
//!     b.push_row(IdRef::Str(item), IdRef::Str(worker), x)?;
//! }
//! let m = b.finish()?;
//! let fit = RatingParams::new(Method::Mean).fit(&m)?;
//! assert!((fit.scores()[1] - 13.0 / 3.0).abs() < 1e-12);
//! // w2 rates 5/9 of a point above the consensus on average: (2/3 + 2/3 + 1/3) / 3
//! assert!((fit.worker_stats()[1].bias - 5.0 / 9.0).abs() < 1e-12);
//! let agreement = rating_agreement(&m, 0.95)?;
//! assert!(agreement.icc.form("ICC(2,1)").and_then(|f| f.value).is_some());
//! # Ok(()) }
//! ```
//!
//! ## Input
//!
//! [`RatingsBuilder`] reads Arrow record batches through core's column layer
//! ([`crowdqc_core::columns`]): the same column aliases and Arrow types as categorical
//! judgments, the same [`DuplicatePolicy`](crowdqc_core::DuplicatePolicy) and the same
//! [`IngestReport`](crowdqc_core::IngestReport). Ratings are numbers (integer or float
//! columns, or text that parses as a number — a value that does not is an error naming
//! it and its row) or ordinal labels in a declared order ([`RatingScale::Ordinal`]),
//! read as their 0-based rank.
//!
//! ## Aggregation
//!
//! | [`Method`] | score of an item | worker weight |
//! |---|---|---|
//! | `mean` | arithmetic mean | — |
//! | `median` | median | — |
//! | `trimmed-mean` | mean without `⌊trim·n⌋` ratings at each end (scipy's `trim_mean`) | — |
//! | `catd` | weighted mean (Li et al., PVLDB 2014) | `χ²_{α/2}(n_w) / Σ residual²` |
//! | `crh` | weighted median (Li et al., SIGMOD 2014) | `−log(loss_w / Σ loss)`, loss `Σ |x − t| / sd_item` |
//! | `lfc` | precision-weighted mean (Raykar et al., JMLR 2010) | `1 / mean residual²` |
//!
//! Every method reports, per worker, the bias (mean residual against the scores), the
//! residual variance, RMSE and MAE ([`WorkerRatingStats`]); per item a standard error.
//! LFC is checked item by item against Zheng et al.'s own code (`l_LFCcont`) on the
//! Snow et al. affect data (MAE 12.195, RMSE 18.969, as Zheng et al. 2017 report);
//! CATD and CRH follow the papers where Zheng's code departs from them (see the
//! integration tests).
//!
//! ## Agreement
//!
//! [`icc`] gives ICC(1,1), ICC(2,1), ICC(3,1), ICC(1,k), ICC(2,k), ICC(3,k) with F tests
//! and F-based intervals exactly as `psych::ICC` (checked against Shrout & Fleiss 1979's
//! worked example and `pingouin.intraclass_corr`); [`kendall_w`] gives Kendall's W with
//! the tie correction and Friedman's χ² test (checked against `pingouin.friedman`).
//! **Missing ratings**: both use the items rated by every worker (listwise deletion, as
//! psych and pingouin do) and report how many items were dropped; because crowdsourced
//! workers usually rate different subsets of items, [`IccReport::all_ratings`] adds
//! ICC(1,1) from every rating (one-way ANOVA with unequal group sizes, `n₀` for `k`),
//! which equals `ICC1` on complete data, and [`kendall_w_incomplete`] adds Kendall's W
//! from every rating (Brueckl 2011's generalisation through the weighted mean pairwise
//! Spearman ρ, as R's `irrNA::kendallNA`; equal to W on complete data without ties),
//! reported by [`rating_agreement`] whenever an item was dropped. Undefined values (a
//! constant rating column, too few complete items) are `None` with the reason, never
//! NaN and never an error. Krippendorff's interval and ordinal alpha, which use every
//! rating, are in `crowdqc-agreement`.
//!
//! ## Gold and policies
//!
//! [`GoldRatings`] holds a known value and a tolerance per item; [`score_accuracy`]
//! measures aggregated scores against it (MAE, RMSE, Pearson, Spearman, Kendall's τ-b);
//! [`gold_evidence`] turns each worker's ratings of gold items into
//! [`WorkerEvidence`](crowdqc_core::evidence::WorkerEvidence), so the policies of
//! `crowdqc-policy` ban a random clicker on rating tasks exactly as on classification.
//!
//! ## Determinism and scale
//!
//! Parallel work (rayon) is split in fixed chunks and combined in a fixed order:
//! results are bit-identical for any thread count. ICC and Kendall's W take well under
//! a second for 10⁷ ratings (see `benches/benches/ratings.rs`); memory is linear in the
//! ratings.
//!
//! ## Crate features
//!
//! None; reports are always `serde::Serialize`.

#![deny(missing_docs)]

mod aggregate;
mod agreement;
mod data;
mod gold;
mod report;

pub use aggregate::{Method, RatingAggregation, RatingParams, WorkerRatingStats};
pub use agreement::{
    IccForm, IccReport, KendallW, KendallWIncomplete, MAX_PAIR_ENTRIES, MeanSquares,
    RatingAgreement, icc, kendall_w, kendall_w_incomplete, rating_agreement,
};
pub use data::{RatingMatrix, RatingScale, RatingsBuilder, RatingsOptions};
pub use gold::{
    GoldRatings, ScoreAccuracy, TOLERANCE_ALIASES, gold_evidence, kendall_tau_b, pearson, ranks,
    score_accuracy,
};
pub use report::RatingSummary;
