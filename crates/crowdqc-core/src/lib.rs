//! # crowdqc-core
//!
//! The data model of [crowdqc](https://docs.rs/crowdqc): judgments `(item, worker,
//! label)` read from Apache Arrow record batches into a [`JudgmentMatrix`], the
//! dictionaries that map dense indices back to the caller's ids, gold labels, the
//! estimator traits shared by the algorithm crates, and the one [`Error`] type.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{RecordBatch, StringArray, Int64Array};
//! use crowdqc_core::{IngestOptions, JudgmentMatrixBuilder};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let batch = RecordBatch::try_from_iter([
//!     ("task", Arc::new(StringArray::from(vec!["t1", "t1", "t2", "t2"])) as _),
//!     ("worker", Arc::new(StringArray::from(vec!["a", "b", "a", "b"])) as _),
//!     ("label", Arc::new(Int64Array::from(vec![10, 2, 2, 2])) as _),
//! ])?;
//! let mut builder = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! builder.push_batch(&batch)?; // any number of batches, never concatenated
//! let m = builder.finish()?;
//! assert_eq!(m.n_judgments(), 4);
//! // integer labels are ordered numerically: class 0 is 2, class 1 is 10
//! assert_eq!(m.classes().label(1).to_string(), "10");
//! // item t1 owns positions 0..2, in input order
//! assert_eq!(m.judgment_classes()[m.item_range(0)], [1, 0]);
//! # Ok(()) }
//! ```
//!
//! ## Data model
//!
//! - Ids (items, workers) are strings or integers (Utf8, LargeUtf8, Utf8View, any
//!   signed or unsigned integer, booleans, or dictionaries of those); they are encoded
//!   to dense `u32` codes in order of first appearance.
//! - Storage is compact: CSR by item with a `u32` worker and a one-byte class per
//!   judgment (for at most 256 classes) and 8 bytes of offsets per item; other views
//!   are built on first use (see [`JudgmentMatrix`]). Ingest streams batches into
//!   chunked columns (no buffer doubling), and input already grouped by item is never
//!   sorted; input sorted by item id also skips the item hash table.
//! - Inputs too large to keep their rows' codes until the matrix is built (9 bytes per
//!   row) are read in two passes ([`JudgmentMatrixBuilder::set_two_pass`]): dictionaries
//!   and per-item counts first, then every row straight into its place in
//!   exact-size columns — peak memory is the matrix and its dictionaries, and the
//!   matrix is the same, bit for bit. The second pass may replay the first pass's codes
//!   from a [`RowSink`] (a spill file) instead of the input.
//!   [`memory::plan_aggregate`] chooses one or two passes from the row count.
//! - Classes are the labels that occur, sorted (numerically for integer labels or
//!   labels that all parse as numbers), unless the caller declares the class set.
//! - Duplicate `(item, worker)` pairs follow a [`DuplicatePolicy`] and are always
//!   counted in the [`IngestReport`].
//! - Gold `(item, label)` joins by item id; gold for items with no judgment is counted,
//!   not an error.
//!
//! ## Crate features
//!
//! - `serde`: `Serialize`/`Deserialize` for options and reports.

#![deny(missing_docs)]

mod builder;
mod builder_finish;
pub mod bytes;
mod classes;
mod codes;
pub mod columns;
mod dict;
mod error;
pub mod estimator;
pub mod evidence;
mod gold;
mod ingest;
pub mod interval;
mod matrix;
mod matrix_index;
pub mod memory;
pub mod numeric;
mod options;
mod parts;
mod parts_stream;
pub mod progress;
mod second_pass;
pub mod summary;
mod summary_text;
pub mod text;
pub mod votes;

pub use builder::{JudgmentMatrixBuilder, RowCodes, RowSink};
pub use classes::{ClassOrder, ClassSet};
pub use codes::ClassCodes;
pub use dict::{Id, IdDictionary, IdKind, IdRef};
pub use error::{Error, Result};
pub use gold::{Gold, GoldReport};
pub use matrix::{IngestReport, JudgmentMatrix};
pub use options::{ColumnMap, DuplicatePolicy, IngestOptions};
pub use parts::EncodedPart;
pub use parts_stream::{MAX_STREAMS, PartStream};
pub use summary::MatrixSummary;
