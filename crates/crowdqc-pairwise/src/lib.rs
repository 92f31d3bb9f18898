//! # crowdqc-pairwise
//!
//! Scores items from crowdsourced pairwise comparisons `(worker, left, right, winner)`
//! — "which of these two answers is better" — and estimates how reliable each worker
//! is, from the comparisons alone or from gold comparisons.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{RecordBatch, StringArray};
//! use crowdqc_pairwise::{ComparisonsBuilder, Method, PairwiseOptions, PairwiseParams};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as _;
//! // crowd-kit's layout: `label` is the winner's id
//! let batch = RecordBatch::try_from_iter([
//!     ("worker", col(vec!["w1", "w1", "w1"])),
//!     ("left", col(vec!["a", "b", "c"])),
//!     ("right", col(vec!["b", "c", "a"])),
//!     ("label", col(vec!["a", "b", "a"])),
//! ])?;
//! let mut b = ComparisonsBuilder::new(PairwiseOptions::default())?;
//! b.push_batch(&batch)?;
//! let data = b.finish()?;
//! let fit = PairwiseParams::new(Method::Bt).max_iter(10).tol(0.0).fit(&data)?;
//! // crowd-kit 1.4.2's test value: a 0.934, b 0.065, c 0.0
//! assert!((fit.scores()[0] - 0.934).abs() < 5e-3);
//! let items = fit.items_table()?; // item, score, stderr, lower, upper, rank, ...
//! assert_eq!(items.num_rows(), 3);
//! # Ok(()) }
//! ```
//!
//! ## Data
//!
//! [`ComparisonsBuilder`] reads Arrow record batches through core's column layer (the
//! same id types and error messages as judgments) in two layouts: `worker, left, right,
//! winner` — the outcome is the winning item's id (crowd-kit's `label`), `left`,
//! `right`, or a tie marker ([`TIE_MARKERS`]: `tie`, `draw`, `equal`, `=`,
//! case-insensitive) — and `worker, winner, loser`. A comparison of an item with
//! itself, or an outcome that is neither side nor a tie marker, is an error naming the
//! row (and the accepted values). Repeated `(worker, {left, right})` pairs follow the
//! [`DuplicatePolicy`](crowdqc_core::DuplicatePolicy) and are always counted. A
//! disconnected comparison graph is reported with its components
//! ([`ComparisonsReport::disconnected_warning`]): scores are comparable only within one.
//!
//! ## Methods
//!
//! | method | model | scores | worker output |
//! |---|---|---|---|
//! | `bt` | Bradley–Terry, Hunter's MM (crowd-kit `BradleyTerry`) | strengths, sum 1 | agreement |
//! | `bt-ties` | Davidson (1970) ties, `ν` estimated | strengths, sum 1 | agreement |
//! | `noisy-bt` | crowd-kit `NoisyBradleyTerry`'s model, by EM | `expit(log-strength)` | skill, position bias |
//! | `crowd-bt` | Chen et al. (WSDM 2013), by EM | strengths, sum 1 | reliability `η` |
//! | `elo` | Elo, K = 32, input order | rating | agreement |
//! | `win-rate` | share won (ties ½) | rate | agreement |
//!
//! Standard errors come from the observed information of the log-strengths (diagonal,
//! other items fixed) or, with [`PairwiseParams::bootstrap`], from a seeded bootstrap
//! over comparisons; intervals are 95%, built on the log scale.
//!
//! Parity with crowd-kit 1.4.2 (`tests/it/parity.rs`, outputs of crowd-kit stored
//! with their script in `fixtures/pairwise/`): `bt` equals crowd-kit's `BradleyTerry`
//! to 1e-12 at a fixed number of iterations (`tol = 0`). crowd-kit's own stopping rule
//! compares the strength vector with itself (`p_old` aliases `p_new`), so with any
//! `tol > 0` it always stops after two iterations; crowdqc's `tol` measures the real
//! change, and `max_iter(2).tol(0.0)` reproduces crowd-kit's default output.
//!
//! crowd-kit's `NoisyBradleyTerry` minimises its likelihood by scipy's L-BFGS-B from
//! numpy's seed-0 uniform draws, with a hand-written gradient that is not the gradient
//! of that objective (the data term's sign is flipped, the regulariser's gradient is
//! missing, the worker terms are written to indices shifted by one and overwritten
//! instead of accumulated). On crowd-kit's own test inputs every run ends in an
//! abnormal line-search termination: on `data_equal` after **zero** iterations — the
//! expected scores are `expit` of the random starting point — and on `data_abc` after
//! three steps along a non-descent direction (`fixtures/pairwise/noisy_bt_optimizer.json`,
//! pinned by a test). Reproducing those numbers would need numpy's MT19937 stream and
//! a bit-for-bit copy of scipy's Fortran L-BFGS-B and its line search (no Rust crate
//! implements L-BFGS-B; `argmin`'s L-BFGS differs in its first step and line search),
//! to reproduce where an optimiser gives up on a wrong gradient, which says nothing
//! about the model. So there is no compatibility mode: crowdqc fits the same model by
//! EM and is compared on the order of the items, not on the values: Spearman's ρ
//! between the two score vectors is 0.89 on the stored synthetic set and 0.88 on the
//! readability data (the test requires > 0.85), and both put `c` last on crowd-kit's
//! `data_abc`.
//!
//! ## Evaluation: readability (Chen et al. 2013)
//!
//! 11,763 comparisons of 472 passages by 624 CrowdFlower workers, with expert reading
//! levels (`../shared/fixtures/chen2013-readability-pairwise`). Pair accuracy is over
//! passage pairs with different levels (equal scores count wrong); the published column
//! is the BoRa-EM authors' evaluation of the same preprocessed data
//! (`real_data/passage/baselines.txt` of github.com/KaustubhShejole/BoRa_EM), since
//! Chen et al. report this data set only as accuracy curves over the labelling budget.
//!
//! | method | Kendall τ-b | Spearman ρ | pair accuracy | published accuracy / τ |
//! |---|---|---|---|---|
//! | `bt` | 0.3412 | 0.4717 | 0.6783 | BT 0.6804 / 0.3407 |
//! | `bt-ties` (no ties here) | 0.3412 | 0.4717 | 0.6783 | |
//! | `noisy-bt` | 0.3764 | 0.5154 | 0.6965 | |
//! | `crowd-bt` | 0.3775 | 0.5173 | 0.6975 | CrowdBT 0.7002 / 0.3779 |
//! | `elo` | 0.3517 | 0.4787 | 0.6863 | |
//! | `win-rate` | 0.3324 | 0.4586 | 0.6697 | |
//!
//! (`tests/it/readability.rs` asserts Crowd-BT ahead of BT on all three measures and
//! both within 0.005 accuracy / 0.01 τ of the published values.)
//!
//! ## Worker quality and gold
//!
//! [`gold::worker_evidence`] turns comparisons with a known order (known item levels or
//! known winners) into [`WorkerEvidence`](crowdqc_core::evidence::WorkerEvidence) —
//! gold counts and recent outcomes, plus the fitted reliability as `model_accuracy` —
//! so crowdqc's access policies judge pairwise workers as they judge labelling workers.
//!
//! ## Determinism
//!
//! Per-item sums run over each item's comparisons in input order, per-comparison sums in
//! fixed chunks reduced in order: results are bit-identical for any rayon thread count.
//! The bootstrap seeds each replicate from `(seed, replicate)`.
//!
//! ## Crate features
//!
//! None.

#![deny(missing_docs)]

mod bt;
mod crowd;
mod data;
pub mod eval;
mod fit;
pub mod gold;
mod graph;
mod ingest;
mod mm;
mod model;
mod params;
mod report;

pub use data::{Comparisons, ComparisonsReport, Component, Outcome};
pub use ingest::{ComparisonsBuilder, LEFT_MARKERS, PairwiseOptions, RIGHT_MARKERS, TIE_MARKERS};
pub use model::{FitReport, PairwiseFit, StderrKind, Z95, competition_ranks};
pub use params::{Method, PairwiseParams};
pub use report::{ItemSummary, PairwiseSummary};
