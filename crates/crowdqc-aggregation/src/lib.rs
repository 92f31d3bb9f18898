//! # crowdqc-aggregation
//!
//! Truth inference and worker reliability: from noisy judgments `(item, worker,
//! label)`, each item's label with a calibrated posterior and each worker's
//! reliability.
//!
//! Every method is a params type (private fields, consuming setters that document the
//! default and range, `validate()`, `Clone + PartialEq`) whose
//! [`fit`](crowdqc_core::estimator::Estimator::fit) takes a
//! [`JudgmentMatrix`](crowdqc_core::JudgmentMatrix) and returns a model implementing
//! [`FittedModel`](crowdqc_core::estimator::FittedModel): posteriors
//! `(n_items, n_classes)`, hard labels with a documented tie rule, per-worker accuracy,
//! extra worker columns and a fit report. [`registry`] picks a method by name at run
//! time (`Box<dyn FittedModel>`).
//!
//! ```
//! use crowdqc_aggregation::DawidSkene;
//! use crowdqc_core::estimator::{Estimator, FittedModel};
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (item, worker, label) in [("t1", "a", "cat"), ("t1", "b", "cat"), ("t1", "c", "dog"),
//!                               ("t2", "a", "dog"), ("t2", "b", "dog"), ("t2", "c", "dog")] {
//!     b.push_row(IdRef::Str(item), IdRef::Str(worker), IdRef::Str(label))?;
//! }
//! let matrix = b.finish()?;
//! let model = DawidSkene::params().fit(&matrix)?; // crowd-kit's defaults
//! assert_eq!(model.labels(), [0, 1]); // cat, dog
//! let confusion = model.confusion(); // [worker, true, observed]
//! assert_eq!(confusion.dim(), (3, 2, 2));
//! # Ok(()) }
//! ```
//!
//! ## Methods
//!
//! | method | type | gold | notes |
//! |---|---|---|---|
//! | `mv` | [`MajorityVote`] | no | vote shares; [`TieRule`] lowest index (default), first seen, seeded random |
//! | `wmv` | [`MajorityVote`] + `weights` | no | caller's per-worker weights |
//! | `wawa` | [`Wawa`] | no | crowd-kit's Wawa |
//! | `zbs` | [`ZeroBasedSkill`] | no | crowd-kit's zero-based skill |
//! | `gold-mv` | [`GoldMajorityVote`] | uses | workers weighted by gold accuracy |
//! | `ds` | [`DawidSkene`] | clamps | full confusion, crowd-kit parity |
//! | `one-coin-ds` | [`OneCoinDawidSkene`] | no | one accuracy per worker |
//!
//! Spammer scores: [`spammer_scores`] (Raykar & Yu) and [`answer_patterns`]
//! (constant-label, uniform-answer workers).
//!
//! ## crowd-kit parity
//!
//! With default parameters, [`DawidSkene`] and [`OneCoinDawidSkene`] reproduce crowd-kit
//! 1.4.2's posteriors within 1e-6 with the same number of iterations (its
//! per-judgment objective, log2 E-step, 1e-10 floors and stopping rule are followed
//! exactly); [`MajorityVote`] and [`Wawa`] reproduce its labels except on ties, which
//! go to the lowest class index (crowd-kit under pandas 2; pandas 3 uses the label's
//! first appearance: [`TieRule::FirstSeen`]). Tested on crowd-kit's own test values
//! and on crowd-kit runs over real datasets (`fixtures/aggregation/`).
//!
//! ## Performance
//!
//! The EM loop runs over flat arrays: CSR by item for the E-step, `(worker, label)`
//! groups for the M-step, log2 space, no allocation or hashing per iteration, rayon
//! in fixed-size chunks reduced in index order, so results are bit-identical for any
//! thread count.

#![deny(missing_docs)]

pub mod glad;
pub mod kos;
pub mod mace;
pub mod mmsr;

mod common;
mod ds;
mod em;
mod gold_mv;
mod mv;
mod one_coin;
pub mod registry;
mod spam;
mod wawa;
mod zbs;

pub use common::TieRule;
pub use ds::{
    ClassPriors, DawidSkene, DawidSkeneModel, DawidSkeneParams, InitialConfusion, StopRule,
};
pub use glad::{Glad, GladModel, GladParams};
pub use gold_mv::{GoldMajorityVote, GoldMajorityVoteParams, MissingSkill};
pub use kos::{Kos, KosModel, KosParams};
pub use mace::{Mace, MaceMethod, MaceModel, MaceParams};
pub use mmsr::{Mmsr, MmsrModel, MmsrParams};
pub use mv::{MajorityVote, MajorityVoteParams, VoteModel};
pub use one_coin::{OneCoinDawidSkene, OneCoinDawidSkeneParams};
pub use spam::{AnswerPatterns, answer_patterns, spammer_scores};
pub use wawa::{Wawa, WawaParams};
pub use zbs::{ZeroBasedSkill, ZeroBasedSkillParams};
