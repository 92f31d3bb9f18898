//! # crowdqc-io
//!
//! Readers and writers for [crowdqc](https://docs.rs/crowdqc): judgments and gold
//! labels from Parquet, CSV and Arrow IPC files into a
//! [`JudgmentMatrix`](crowdqc_core::JudgmentMatrix), and result tables written to
//! Parquet, CSV or Arrow IPC atomically. The only crowdqc crate that depends on
//! `parquet`.
//!
//! ```no_run
//! use crowdqc_core::IngestOptions;
//! # fn main() -> crowdqc_core::Result<()> {
//! let m = crowdqc_io::read_judgments(
//!     "judgments.parquet".as_ref(),
//!     &IngestOptions::default(),
//!     Some("gold.csv".as_ref()),
//! )?;
//! println!("{} judgments of {} items by {} workers", m.n_judgments(), m.n_items(), m.n_workers());
//! # Ok(()) }
//! ```
//!
//! ## Formats (chosen by extension)
//!
//! - **Parquet** (`.parquet`): streamed one batch of [`BATCH_SIZE`] rows at a time,
//!   reading only the columns needed (item, worker, label, and `timestamp` /
//!   `duration_ms` when present). String id columns whose pages are all dictionary
//!   encoded are read as Arrow dictionaries, which ingest maps without hashing every
//!   row. Corrupt or truncated files are an error, never a panic.
//! - **CSV** (`.csv`): a header row is required; RFC 4180 quoting. Two passes: the
//!   first checks field counts and UTF-8 and infers types — a column is an integer
//!   column only when every non-empty value in the file parses as a 64-bit integer
//!   (so label values `-0` and `00` both read as 0, as in pandas); item and worker
//!   columns are integers only when every value is also written canonically, so the
//!   ids `007` and `7` stay distinct text and results map back to the ids as written.
//!   The duration column may be floating point; everything else is text; empty fields
//!   are nulls. Errors name the line. **TSV** (`.tsv`) is read and written the same
//!   way with tab delimiters.
//! - **Arrow IPC** (`.arrow`, `.ipc`, `.feather`): the file format, or the stream
//!   format when the file does not start with the IPC file magic.
//!
//! Corrupt or truncated files of any format are an error, never a crash: panics inside
//! the third-party decoders (arrow-ipc has some on malformed buffers) are caught and
//! reported as a bad file. A custom panic hook can stay quiet for those by checking
//! [`in_guarded_decode`].
//!
//! Every error is wrapped with the path of the file it concerns
//! ([`Error::InFile`](crowdqc_core::Error::InFile)) and names the column and row (or
//! line) at fault.
//!
//! ## Large inputs: two passes and spill files
//!
//! [`read_judgments_passes`] with [`ReadPasses::Two`] reads a file twice: the first
//! pass fills the dictionaries and counts judgments per item, the second writes every
//! row straight into the matrix, so no per-row buffer is held (at 1e9 judgments with
//! 2e8 items: about 13 GB instead of about 30). [`plan_read`] chooses one or two passes from
//! a Parquet footer's row count and the memory budget, and refuses (exit 2 in the CLI)
//! a file that fits neither way. With a spill directory ([`ReadPlan`],
//! `--spill-dir`), the first pass also writes each row's codes to a temporary file
//! there (about 9 bytes per judgment) and the second pass replays it instead of
//! decoding the input again; the file is removed on success, error and Ctrl-C. A file
//! that changes between the passes is an error, never a wrong matrix. For inputs that
//! do not fit even so, [`ItemRuns`] (module `runs`) reads the file once into run files
//! hash-partitioned by item, which the out-of-core fit of the `crowdqc` crate streams.
//!
//! ## Small tables
//!
//! Side inputs (weights, evaluation gold, worker stats, task lists) are read whole with
//! [`read_table_with_lines`], which keeps each CSV row's line; their cells are read
//! with [`crowdqc_core::columns`] (the same names and Arrow types as judgments) and
//! errors go through [`Table::locate`] to name the file, row and line.
//!
//! ## Modules
//!
//! `judgments` (files into a matrix, one or two passes), `spill` (spill files of
//! two-pass reads), `batch_reader` ([`BatchReader`]), `projection`
//! (the columns a judgment or gold file needs), `parquet_input`, `csv_input`,
//! `dictionaries` (when dictionary-encoded ids pay off), `plain_ids` (item and worker
//! columns of plain string pages decoded by the parallel read into each row group's
//! distinct ids), `table` (small tables),
//! `table_writer` and `csv_output` (atomic writers), `format`, `guard` (decoder
//! panics), `errors`. Dependencies run one way: `judgments` → `batch_reader` →
//! `parquet_input` / `csv_input` → `projection` / `dictionaries`.
//!
//! ## Writing
//!
//! [`write_table`], [`write_batches`] and the streaming [`TableWriter`] write Parquet
//! (zstd level 1, no dictionary for float columns, row groups of 2^20 rows, each row
//! group's columns encoded in parallel and appended in order, so the bytes do not
//! depend on the thread count), CSV (floats in their shortest round-trip form) or Arrow IPC by extension, to a temporary file in the output's directory that is
//! renamed into place only when complete; call [`check_output_path`] before any work.
//! Nothing is left behind: the temp file is removed on error, by [`abandon_writes`]
//! (signal handlers), and a later writer removes stale ones by the rule documented at
//! [`remove_stale_temp_files`] (not locked by a running writer, untouched for a
//! minute).
//!
//! ## Crate features
//!
//! None.

#![deny(missing_docs)]

mod batch_reader;
mod csv_input;
mod csv_output;
mod dictionaries;
mod errors;
mod format;
mod guard;
mod heap;
mod judgments;
mod parallel_read;
mod parquet_input;
mod parquet_output;
mod plain_ids;
mod projection;
mod runs;
mod spill;
mod table;
mod table_writer;
mod temp_files;

pub use batch_reader::{BATCH_SIZE, BatchReader};
/// The default column names, defined once in [`crowdqc_core::columns`].
pub use crowdqc_core::columns::{
    DURATION_ALIASES, GOLD_LABEL_ALIASES, ITEM_ALIASES, LABEL_ALIASES, TIMESTAMP_ALIASES,
    WORKER_ALIASES,
};
pub use crowdqc_core::memory::ReadPasses;
pub use format::FileFormat;
pub use guard::in_guarded_decode;
pub use heap::release_freed_heap;
pub use judgments::declared_rows;
pub use judgments::{
    ReadPlan, plan_read, plan_read_spilled, read_judgments, read_judgments_passes,
    read_judgments_planned, read_judgments_with_progress,
};
pub use runs::{
    BATCH_BYTES_PER_ROW, DEFAULT_BUFFER_BYTES, ItemRuns, MIN_BATCH_ROWS, RUN_READ_BUFFER,
    RunsMemory, batch_rows_for, run_of,
};
pub use spill::TempFile;
pub use table::{Table, read_gold_table, read_table, read_table_with_lines, read_weights_table};
pub use table_writer::{
    TableWriter, check_file_path, check_output_path, write_atomic, write_batches, write_table,
};
pub use temp_files::{
    STALE_AFTER, abandon_writes, is_temp_name, remove_stale_temp_files, take_removed_stale,
};
