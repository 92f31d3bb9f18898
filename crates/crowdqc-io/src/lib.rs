//! # crowdqc-io
//!
//! Readers and writers for crowdqc: judgments and gold from Parquet (row-group
//! streaming, column projection), CSV and Arrow IPC files; result tables written to
//! Parquet or CSV atomically. The only crowdqc crate that depends on `parquet`.
//! (Being implemented: the functions below are the interface.)

#![deny(missing_docs)]

use std::path::Path;

use arrow_array::RecordBatch;
use crowdqc_core::{Error, IngestOptions, JudgmentMatrix, Result};

fn pending(what: &str) -> Error {
    Error::External {
        context: what.into(),
        message: "not implemented yet".into(),
    }
}

/// Reads judgments (and optionally gold) from files into a [`JudgmentMatrix`].
/// The format is chosen by extension: `.parquet`, `.csv`, `.arrow` / `.ipc`.
///
/// # Errors
/// Unreadable or malformed files, and every ingest error of
/// [`JudgmentMatrixBuilder`](crowdqc_core::JudgmentMatrixBuilder), wrapped with the path.
pub fn read_judgments(
    path: &Path,
    opts: &IngestOptions,
    gold: Option<&Path>,
) -> Result<JudgmentMatrix> {
    let _ = (path, opts, gold);
    Err(pending("read_judgments"))
}

/// Reads a whole (small) table, e.g. a contingency table or counts file.
///
/// # Errors
/// Unreadable or malformed files.
pub fn read_table(path: &Path) -> Result<Vec<RecordBatch>> {
    let _ = path;
    Err(pending("read_table"))
}

/// Checks, before any work is done, that an output path can be written: its directory
/// exists and its extension is `.parquet` or `.csv` (or `.arrow` / `.ipc`).
///
/// # Errors
/// Missing directory or unsupported extension.
pub fn check_output_path(path: &Path) -> Result<()> {
    let _ = path;
    Err(pending("check_output_path"))
}

/// Writes one table atomically (temp file in the same directory, then rename).
///
/// # Errors
/// I/O failures, wrapped with the path.
pub fn write_table(path: &Path, batch: &RecordBatch) -> Result<()> {
    let _ = (path, batch);
    Err(pending("write_table"))
}
