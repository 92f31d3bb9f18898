//! Seeded synthetic crowds with known truth.
//!
//! A [`SynthConfig`] describes the crowd: K classes with a prior (class imbalance),
//! workers drawn from [`Archetype`]s (good ~0.9 accuracy, mediocre ~0.7, uniform-random
//! spammers, constant-label spammers, adversarial) in a configurable [`ArchetypeMix`],
//! [`Redundancy`] (fixed, uniform range or Poisson), skewed worker activity (Zipf), a
//! gold fraction, optional repeats (duplicates) and optional timestamps and durations.
//! [`SynthCrowd`] generates the judgments and keeps the truth: every item's true class
//! and gold flag ([`ItemTruth`]) and every worker's archetype and confusion matrix
//! ([`WorkerTruth`]).
//!
//! Output forms:
//! - rows ([`SynthCrowd::judgments`], [`Judgment`]) or a [`JudgmentMatrix`](crowdqc_core::JudgmentMatrix) directly
//!   ([`SynthCrowd::to_matrix`]);
//! - Arrow [`RecordBatch`](arrow_array::RecordBatch)es of a chosen size, with string ids
//!   (`i000123`, `w0042`, labels `c0`…) or integer ids and labels
//!   ([`SynthCrowd::batches`], [`SynthCrowd::gold_batches`]). Batches are generated
//!   lazily, so 1e8 judgments stream in bounded memory.
//!
//! # Determinism
//!
//! Items are generated in blocks of [`BLOCK_ITEMS`]; block `b` draws from its own
//! ChaCha8 streams (`2b + 1` for item truth, `2b + 2` for judgments; stream 0 draws the
//! workers), so the output is a pure function of the config, whatever the batch size
//! or thread count, and any block can be generated on its own.
//!
//! # Examples
//!
//! ```
//! use crowdqc_testkit::synth::{SynthConfig, SynthCrowd, BatchOptions, Redundancy};
//! use crowdqc_core::IngestOptions;
//! # fn main() -> crowdqc_core::Result<()> {
//! let cfg = SynthConfig { seed: 7, n_items: 200, n_workers: 20, n_classes: 3,
//!                         redundancy: Redundancy::Fixed(4), ..Default::default() };
//! let crowd = SynthCrowd::new(cfg)?;
//! let m = crowd.to_matrix(&BatchOptions::default(), IngestOptions::default())?;
//! assert_eq!(m.n_judgments(), 800);
//! let truth = crowd.item_truth();
//! // map matrix item 0 back to its true class
//! let i = crowd.parse_item(m.items().get(0)).expect("generated id");
//! assert!(truth[i].class < 3);
//! # Ok(()) }
//! ```

mod arrow;
mod bench;
mod config;
mod generate;
mod workers;

pub use arrow::{BatchOptions, Batches, GoldBatches, IdFormat, LabelFormat};
pub use bench::{speed_matrix, tiny_workers_matrix};
pub use config::{Archetype, ArchetypeMix, ClassPrior, Redundancy, RowOrder, SynthConfig};
pub use generate::{BLOCK_ITEMS, Block, ItemTruth, Judgment, SynthCrowd};
pub use workers::WorkerTruth;
