//! Whole-file reads: judgments (+ gold) into a matrix, small tables into batches.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::Schema;
use crowdqc_core::{Error, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, Result};

use crate::reader::BatchReader;

/// Progress of a long read, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Judgment rows read so far.
    pub rows: u64,
    /// Total judgment rows, when known in advance (Parquet, CSV).
    pub total: Option<u64>,
}

/// Reads judgments (and optionally gold) from files into a [`JudgmentMatrix`].
/// The format is chosen by extension: `.parquet`, `.csv`, `.tsv`, `.arrow` / `.ipc`. Only the
/// needed columns are read, batch by batch; the file is never loaded whole.
///
/// The gold file (columns item + `label` | `true_label` | `gold`, or the mapped names)
/// is read first, so a bad gold file fails before the judgments are read.
///
/// # Errors
/// Unreadable or malformed files, and every ingest error of
/// [`JudgmentMatrixBuilder`], wrapped with the path of the file concerned.
pub fn read_judgments(
    path: &Path,
    opts: &IngestOptions,
    gold: Option<&Path>,
) -> Result<JudgmentMatrix> {
    read_judgments_with_progress(path, opts, gold, &mut |_| {})
}

/// [`read_judgments`], calling `progress` after every batch of judgments.
///
/// # Errors
/// As [`read_judgments`].
pub fn read_judgments_with_progress(
    path: &Path,
    opts: &IngestOptions,
    gold: Option<&Path>,
    progress: &mut dyn FnMut(Progress),
) -> Result<JudgmentMatrix> {
    let mut builder = JudgmentMatrixBuilder::new(opts.clone())?;
    if let Some(gpath) = gold {
        let mut reader = BatchReader::open_gold(gpath, &opts.columns)?;
        let mut row0 = 0;
        while let Some(batch) = reader.next() {
            let batch = batch?;
            if let Err(e) = builder.push_gold_batch(&batch) {
                let lines = reader.take_lines();
                return Err(with_line(e, lines.as_deref(), row0).in_file(gpath));
            }
            row0 += batch.num_rows() as u64;
        }
    }
    let reader = BatchReader::open_judgments(path, &opts.columns)?;
    let total = reader.total_rows();
    if let Some(n) = total {
        builder.reserve(usize::try_from(n).unwrap_or(0));
    }
    // Decoding runs on a second thread, one or two batches ahead of ingest, so Parquet
    // or CSV decoding overlaps with dictionary encoding. Batches arrive in file order,
    // so the result does not depend on timing.
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Decoded>>(2);
        scope.spawn(move || {
            let mut reader = reader;
            while let Some(batch) = reader.next() {
                let item = batch.map(|batch| Decoded {
                    lines: reader.take_lines(),
                    batch,
                });
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    break;
                }
            }
        });
        for item in rx {
            let Decoded { batch, lines } = item?;
            let batch = plain_large_dictionaries(batch).map_err(|e| e.in_file(path))?;
            let row0 = builder.rows();
            if let Err(e) = builder.push_batch(&batch) {
                return Err(with_line(e, lines.as_deref(), row0).in_file(path));
            }
            progress(Progress {
                rows: builder.rows(),
                total,
            });
        }
        Ok(())
    })?;
    builder.finish().map_err(|e| match (gold, &e) {
        (Some(g), Error::InvalidValue { message, .. }) if message.starts_with("gold label") => {
            e.in_file(g)
        }
        _ => e.in_file(path),
    })
}

/// Replaces dictionary columns whose dictionary is large compared with the batch (more
/// than one entry per [`DICTIONARY_ROWS_PER_ENTRY`] rows) by plain arrays. Ingest maps a
/// dictionary by interning each entry used in the batch, which pays off only when
/// entries repeat often within the batch; a Parquet column chunk's dictionary can hold
/// far more entries than one batch uses (e.g. 100 000 worker ids).
fn plain_large_dictionaries(batch: RecordBatch) -> Result<RecordBatch> {
    let large = |c: &ArrayRef| {
        c.as_any_dictionary_opt()
            .is_some_and(|d| d.values().len() * DICTIONARY_ROWS_PER_ENTRY > c.len())
    };
    if !batch.columns().iter().any(large) {
        return Ok(batch);
    }
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        match c.as_any_dictionary_opt() {
            Some(d) if large(c) => {
                let plain = arrow_select::take::take(d.values().as_ref(), d.keys(), None)?;
                fields.push(Arc::new(
                    f.as_ref().clone().with_data_type(plain.data_type().clone()),
                ));
                columns.push(plain);
            }
            _ => {
                fields.push(f.clone());
                columns.push(c.clone());
            }
        }
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// A dictionary pays off in ingest when each entry is used by at least this many rows
/// of a batch (see [`plain_large_dictionaries`]).
pub(crate) const DICTIONARY_ROWS_PER_ENTRY: usize = 16;

/// A batch of judgments and, for CSV input, the one-based line of each of its rows.
struct Decoded {
    batch: RecordBatch,
    lines: Option<Vec<u64>>,
}

/// Adds the CSV line number to a value error that names a row of the current batch
/// (`lines` holds the line of each row of the batch, which starts at row `row0`).
fn with_line(e: Error, lines: Option<&[u64]>, row0: u64) -> Error {
    match e {
        Error::InvalidValue {
            column,
            row: Some(row),
            message,
        } => {
            let line = row
                .checked_sub(row0)
                .and_then(|r| lines?.get(usize::try_from(r).ok()?).copied());
            let message = match line {
                Some(l) => format!("{message} (line {l})"),
                None => message,
            };
            Error::InvalidValue {
                column,
                row: Some(row),
                message,
            }
        }
        e => e,
    }
}

/// Reads a whole (small) table, e.g. a contingency table or counts file, as batches of
/// at most [`BATCH_SIZE`](crate::BATCH_SIZE) rows. CSV columns are integers when every
/// value parses as one, else floats when every value parses as one, else text.
///
/// # Errors
/// Unreadable or malformed files, wrapped with the path.
pub fn read_table(path: &Path) -> Result<Vec<RecordBatch>> {
    BatchReader::open(path)?.collect()
}
