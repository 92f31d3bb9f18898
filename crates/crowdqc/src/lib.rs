//! # crowdqc
//!
//! Quality control and consensus scoring for crowdsourced labels. Annotation
//! platforms collect judgments `(item, worker, label)`; from millions of them crowdqc
//! answers four questions, as one fast, parallel engine over Apache Arrow columns:
//!
//! 1. **How much do the workers agree?** — [`agreement`]: percent agreement, Cohen's
//!    and Fleiss' kappa, Conger, Brennan–Prediger, Krippendorff's alpha at four levels,
//!    Gwet's AC1/AC2, each with standard errors, intervals and a seeded bootstrap.
//! 2. **What is each item's true label, and how reliable is each worker?** —
//!    [`aggregation`]: majority vote, Wawa, zero-based skill, gold majority vote,
//!    Dawid–Skene (gold-aware, crowd-kit-exact by default), one-coin Dawid–Skene,
//!    GLAD, MACE, KOS and M-MSR, plus spammer scores.
//! 3. **How do workers do on known-answer questions?** — [`gold`]: gold accuracy with
//!    Wilson / Jeffreys / Clopper–Pearson intervals, contested gold, forgiveness,
//!    gold-vs-model divergence, and a gold scheduler (quiz, adaptive rate, exposure
//!    control) with a page planner.
//! 4. **Who may keep working?** — [`policy`]: declarative access rules (TOML) with
//!    explanations, tiers with hysteresis, Wald's SPRT, time-ordered replay, exact
//!    false-ban probabilities and a simulator.
//!
//! Everything starts from a [`JudgmentMatrix`]: judgments dictionary-encoded to dense
//! `u32` indices, stored CSR by item with an index by worker, built once from Arrow
//! record batches ([`JudgmentMatrixBuilder`]) or files ([`io::read_judgments`]:
//! Parquet, CSV, Arrow IPC).
//!
//! ## One pass through the four questions
//!
//! ```
//! use crowdqc::prelude::*;
//!
//! # fn main() -> crowdqc::Result<()> {
//! // Five workers label six items; w5 answers "no" to everything. Items t1 and t4 are gold.
//! let rows = [
//!     ("t1", ["yes", "yes", "yes", "no", "no"]),
//!     ("t2", ["no", "no", "no", "yes", "no"]),
//!     ("t3", ["yes", "yes", "no", "yes", "no"]),
//!     ("t4", ["no", "no", "no", "no", "no"]),
//!     ("t5", ["yes", "yes", "yes", "yes", "no"]),
//!     ("t6", ["no", "yes", "no", "no", "no"]),
//! ];
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (item, labels) in rows {
//!     for (w, label) in labels.iter().enumerate() {
//!         b.push_row(IdRef::Str(item), IdRef::Str(&format!("w{}", w + 1)), IdRef::Str(label))?;
//!     }
//! }
//! b.push_gold_row(IdRef::Str("t1"), IdRef::Str("yes"))?;
//! b.push_gold_row(IdRef::Str("t4"), IdRef::Str("no"))?;
//! let m = b.finish()?;
//!
//! // 1. agreement
//! let counts = ItemCounts::from_matrix(&m);
//! let alpha = krippendorff_alpha(&counts, Level::Nominal)?;
//! assert!(alpha.value().is_some_and(|a| a > 0.0 && a < 1.0));
//!
//! // 2. truth inference with crowd-kit's defaults, which do not use gold: the gold of t1
//! //    and t4 stays out of the fit (`.clamp_gold(true)` would fix those items' labels)
//! let ds = DawidSkene::params().fit(&m)?;
//! let clamped = DawidSkene::params().clamp_gold(true).fit(&m)?;
//! assert_ne!(ds.posteriors(), clamped.posteriors());
//! let labels = ds.labels(); // classes are sorted: 0 = "no", 1 = "yes"
//! assert_eq!(labels[m.items().lookup(IdRef::Str("t5")).unwrap() as usize], 1);
//! assert!(ds.fit_report().converged); // why it stopped: `ds.fit_report().stop_reason`
//!
//! // 3. gold scoring with Wilson intervals
//! let scores = GoldParams::new().score(&m)?;
//! let w5 = m.workers().lookup(IdRef::Str("w5")).unwrap();
//! assert_eq!((scores.answered()[w5 as usize], scores.correct()[w5 as usize]), (2, 1));
//!
//! // 4. an access policy over the workers' evidence, with explanations
//! let policy = parse_policy(
//!     r#"
//!     [[rules]]
//!     id = "low-gold"
//!     action = "warn"
//!     min_evidence = 2
//!     when = [{ metric = "gold_accuracy", below = 0.6 }]
//!     "#,
//! )?;
//! let evidence = scores.to_evidence(&m)?;
//! let decision = policy.evaluate(&evidence[w5 as usize]);
//! assert_eq!(decision.action, Action::Warn);
//! assert!(!policy.explain(&decision, &evidence[w5 as usize]).is_empty());
//! # Ok(()) }
//! ```
//!
//! ## Crates
//!
//! | crate | what |
//! |---|---|
//! | [`core`] (`crowdqc-core`) | data model, dictionaries, gold, estimator traits, shared evidence, the [`Error`] type |
//! | [`io`] (`crowdqc-io`) | Parquet / CSV / Arrow IPC readers, atomic writers (the only crate on `parquet`) |
//! | [`agreement`] (`crowdqc-agreement`) | agreement coefficients and intervals |
//! | [`aggregation`] (`crowdqc-aggregation`) | truth inference and worker reliability |
//! | [`gold`] (`crowdqc-gold`) | gold scoring and scheduling |
//! | [`policy`] (`crowdqc-policy`) | access rules, sequential tests, replay, simulator |
//!
//! The `crowdqc` command (crate `crowdqc-cli`) composes them: `inspect`, `agreement`,
//! `aggregate`, `gold score|plan`, `policy eval|replay|simulate|exact`.
//! What a command does beyond parsing its flags and printing is a library call here
//! (feature `io`): `aggregate` is `aggregate::Request` → `aggregate::Outcome`, and the
//! file-level steps of `ratings`, `pairwise`, `gold` and `policy` are in `pipeline`.
//!
//! ## Determinism
//!
//! Every random choice takes an explicit seed, and parallel results are bit-identical
//! for any rayon thread count (fixed-size chunks reduced in index order). The library
//! never builds rayon's global pool: run inside your own pool to limit threads.
//!
//! ## Crate features
//!
//! - `io` (default): file readers and writers ([`io`]); pulls in `parquet`. Turn it
//!   off to embed the engine over your own Arrow batches with a smaller build.
//! - `terminal` (off): `terminal`, what a command-line program needs around the calls
//!   (a progress bar on stderr, the Ctrl-C clean-up of unfinished outputs, a one-line
//!   panic report); pulls in `indicatif` and `signal-hook`.

#![deny(missing_docs)]

pub use crowdqc_aggregation as aggregation;
pub use crowdqc_agreement as agreement;
pub use crowdqc_core as core;
pub use crowdqc_gold as gold;
#[cfg(feature = "io")]
pub use crowdqc_io as io;
pub use crowdqc_pairwise as pairwise;
pub use crowdqc_policy as policy;
pub use crowdqc_ratings as ratings;

pub use crowdqc_core::{Error, JudgmentMatrix, JudgmentMatrixBuilder, Result};

#[cfg(feature = "io")]
pub mod aggregate;
#[cfg(feature = "io")]
pub mod out_of_core;
#[cfg(feature = "io")]
pub mod pipeline;
#[cfg(feature = "terminal")]
pub mod terminal;

/// The names most programs need, in one import.
pub mod prelude {
    pub use crowdqc_aggregation::{
        DawidSkene, Glad, Mace, MajorityVote, OneCoinDawidSkene, Wawa, ZeroBasedSkill,
    };
    pub use crowdqc_agreement::{
        ItemCounts, Level, WeightMatrix, fleiss_kappa, gwet_ac, krippendorff_alpha,
        percent_agreement,
    };
    pub use crowdqc_core::estimator::{Estimator, FittedModel};
    pub use crowdqc_core::{
        DuplicatePolicy, Error, Gold, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder,
        Result,
    };
    pub use crowdqc_gold::GoldParams;
    pub use crowdqc_policy::{Action, Policy, parse_policy};
}
