//! Judgment files (and their gold file) read into a [`JudgmentMatrix`].

use arrow_array::RecordBatch;
use crowdqc_core::{Error, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, Result};
use std::path::Path;

use crate::batch_reader::BatchReader;
use crate::dictionaries::plain_large_dictionaries;
use crate::errors::with_line;

/// Progress of a long read, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

/// A batch of judgments and, for CSV input, the one-based line of each of its rows.
struct Decoded {
    batch: RecordBatch,
    lines: Option<Vec<u64>>,
}
