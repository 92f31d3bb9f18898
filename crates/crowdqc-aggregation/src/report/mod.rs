//! Typed reports of a fitted model, for embedders and every front end: the items table
//! (item id in its input type, label, confidence, `p_*` posteriors), the workers table
//! (judgments, accuracy, the method's own columns such as `spammer_score`), per-worker
//! weights read from a table, the evaluation against held-out gold, and the run
//! summary — each [`serde::Serialize`] or an Arrow [`RecordBatch`](arrow_array::RecordBatch).
//!
//! ```
//! use crowdqc_aggregation::registry::{self, RunOptions};
//! use crowdqc_aggregation::report::{self, AggregateSummary};
//! # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"), ("t2", "a", "y")] {
//! #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! # }
//! # let matrix = b.finish()?;
//! let model = registry::fit("ds", &matrix, &RunOptions::default())?;
//! let items = report::items_table(&matrix, model.as_ref(), 0..matrix.n_items() as u32)?;
//! let workers = report::workers_table(&matrix, model.as_ref())?;
//! assert_eq!(items.num_rows(), 2);
//! assert_eq!(workers.schema().field(0).name(), "worker");
//! let summary = AggregateSummary::new(&matrix, model.as_ref(), None, None);
//! assert_eq!(summary.items, 2);
//! # Ok(()) }
//! ```

mod eval;
mod method;
mod summary;
mod tables;
mod text;
mod weights;

pub use eval::{EvalGold, Evaluation};
pub use method::{check_method_data, resolve_method};
pub use summary::{AggregateSummary, GoldUse, LabelCount};
pub use tables::{ITEM_BATCH_ROWS, MAX_CONFUSION_CELLS, item_batches, items_table, workers_table};
pub use weights::worker_weights;
