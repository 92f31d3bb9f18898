//! Judgment files (and their gold file) read into a [`JudgmentMatrix`].

use arrow_array::RecordBatch;
use crowdqc_core::memory::{self, ReadPasses};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, Result};
use std::path::{Path, PathBuf};

use crate::batch_reader::BatchReader;
use crate::dictionaries::plain_large_dictionaries;
use crate::errors::with_line;
use crate::spill::Spill;

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
    read_judgments_with_progress(path, opts, gold, &NoProgress)
}

/// [`read_judgments`], reporting to `progress`: one [`Progress::start`] (`"reading
/// <file>"`, with the file's row count when known in advance: Parquet, CSV), then
/// [`Progress::advance`] by each batch's rows (each row group's, for Parquet, whose row
/// groups are read on several threads); the read stops between batches (row groups)
/// when [`Progress::interrupted`] is true.
///
/// # Errors
/// As [`read_judgments`], plus [`Error::Interrupted`].
pub fn read_judgments_with_progress(
    path: &Path,
    opts: &IngestOptions,
    gold: Option<&Path>,
    progress: &dyn Progress,
) -> Result<JudgmentMatrix> {
    read_judgments_passes(path, opts, gold, progress, ReadPasses::One)
}

/// [`read_judgments_with_progress`] with the read chosen by the caller (see
/// [`plan_read`]): [`ReadPasses::Two`] reads the file twice — dictionaries and per-item
/// counts first, then every row straight into the matrix — and holds no per-row
/// buffer; the matrix is the same, bit for bit. Progress starts once per pass
/// (`"reading <file> (pass 1 of 2)"`).
///
/// # Errors
/// As [`read_judgments`], plus [`Error::Interrupted`], and an error when the file
/// changed between the two passes.
pub fn read_judgments_passes(
    path: &Path,
    opts: &IngestOptions,
    gold: Option<&Path>,
    progress: &dyn Progress,
    passes: ReadPasses,
) -> Result<JudgmentMatrix> {
    read_judgments_planned(
        path,
        opts,
        gold,
        progress,
        &ReadPlan {
            passes,
            spill_dir: None,
        },
    )
}

/// How to read a judgment file: one or two passes, and for two passes the directory
/// where the first pass spills its rows' codes (then the second pass replays that file,
/// about 9 bytes per judgment on disk, instead of decoding the input again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPlan {
    /// One or two passes.
    pub passes: ReadPasses,
    /// Spill directory of a two-pass read (ignored for one pass).
    pub spill_dir: Option<PathBuf>,
}

/// [`read_judgments_passes`] following a [`ReadPlan`]. A spill file is removed when
/// the read ends, on success or error (and on Ctrl-C through
/// [`abandon_writes`](crate::abandon_writes)).
///
/// # Errors
/// As [`read_judgments_passes`]; a spill directory that is not a directory or cannot
/// be written (the error names the spill file, e.g. a full disk).
pub fn read_judgments_planned(
    path: &Path,
    opts: &IngestOptions,
    gold: Option<&Path>,
    progress: &dyn Progress,
    plan: &ReadPlan,
) -> Result<JudgmentMatrix> {
    let passes = plan.passes;
    let mut builder = JudgmentMatrixBuilder::new(opts.clone())?;
    let mut gold_lines: Vec<u64> = Vec::new();
    if let Some(gpath) = gold {
        let mut reader = BatchReader::open_gold(gpath, &opts.columns)?;
        while let Some(batch) = reader.next() {
            let batch = batch?;
            // gold files are small: keep every row's line, so errors found later (a
            // conflicting label, a label outside the classes) name the file line too
            gold_lines.extend(reader.take_lines().unwrap_or_default());
            if let Err(e) = builder.push_gold_batch(&batch) {
                return Err(with_line(e, Some(&gold_lines), 0).in_file(gpath));
            }
        }
    }
    let gold_error = |e: Error| match (gold, &e) {
        (Some(g), Error::InvalidValue { message, .. }) if message.starts_with("gold label") => {
            with_line(e, Some(&gold_lines), 0).in_file(g)
        }
        _ => e.in_file(path),
    };
    match passes {
        ReadPasses::One => read_pass(path, opts, &mut builder, progress, "")?,
        ReadPasses::Two => match &plan.spill_dir {
            None => {
                builder.set_two_pass()?;
                read_pass(path, opts, &mut builder, progress, " (pass 1 of 2)")?;
                builder.start_second_pass().map_err(gold_error)?;
                read_pass(path, opts, &mut builder, progress, " (pass 2 of 2)")?;
            }
            Some(dir) => {
                let (spill, sink) = Spill::create(dir)?;
                builder.set_two_pass_with_sink(sink)?;
                read_pass(path, opts, &mut builder, progress, " (pass 1 of 2)")?;
                builder.start_second_pass().map_err(gold_error)?;
                progress.start(
                    &format!("replaying {} (pass 2 of 2)", spill.path().display()),
                    Some(builder.first_pass_rows()),
                );
                let r = spill.replay(&mut builder, progress);
                progress.finish();
                r?;
            }
        },
    }
    builder.finish().map_err(gold_error)
}

/// The read [`crowdqc_core::memory::plan_aggregate`] chooses for `path`: from the row
/// count a Parquet footer declares; one pass when the count is not known before reading
/// (CSV, Arrow IPC).
///
/// # Errors
/// An unreadable Parquet footer; [`Error::ResourceLimit`] (with the path) when even two
/// passes need more memory than the budget.
pub fn plan_read(path: &Path) -> Result<ReadPasses> {
    match declared_rows(path)? {
        Some(rows) => memory::plan_aggregate(rows, true).map_err(|e| e.in_file(path)),
        None => Ok(ReadPasses::One),
    }
}

/// [`plan_read`] with a spill directory for the two-pass read when one is given.
///
/// # Errors
/// As [`plan_read`].
pub fn plan_read_spilled(path: &Path, spill_dir: Option<&Path>) -> Result<ReadPlan> {
    let passes = plan_read(path)?;
    Ok(ReadPlan {
        passes,
        spill_dir: spill_dir
            .filter(|_| passes == ReadPasses::Two)
            .map(Path::to_path_buf),
    })
}

/// Reads every batch of `path` into `builder` (one pass; Parquet row groups on several
/// threads, see [`crate::parallel_read`]).
fn read_pass(
    path: &Path,
    opts: &IngestOptions,
    builder: &mut JudgmentMatrixBuilder,
    progress: &dyn Progress,
    note: &str,
) -> Result<()> {
    if matches!(
        crate::FileFormat::from_path(path),
        Ok(crate::FileFormat::Parquet)
    ) && !path.is_dir()
    {
        // row groups decoded and encoded on several threads, merged in file order
        return crate::parallel_read::read_parquet_pass(path, opts, builder, progress, note);
    }
    let reader = BatchReader::open_judgments(path, &opts.columns)?;
    let total = reader.total_rows();
    builder.reserve(reserve_hint(path, &reader));
    progress.start(&format!("reading {}{note}", path.display()), total);
    // Decoding runs on a second thread, one or two batches ahead of ingest, so Parquet
    // or CSV decoding overlaps with dictionary encoding. Batches arrive in file order,
    // so the result does not depend on timing.
    let read = std::thread::scope(|scope| -> Result<()> {
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
            progress.advance(builder.rows() - row0);
            progress.check()?;
        }
        Ok(())
    });
    progress.finish();
    read
}

/// Rows to reserve before reading: the rows counted by the CSV first pass; for a
/// Parquet footer's declared count (which a corrupt or hostile file can set to
/// anything), no more than the file has bytes (only a hint: rows of a highly
/// compressed file beyond it just grow the buffers); nothing for Arrow IPC. The
/// builder caps the hint and skips a reservation the allocator refuses.
fn reserve_hint(path: &Path, reader: &BatchReader) -> usize {
    let Some(n) = reader.total_rows() else {
        return 0;
    };
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    match reader.format() {
        crate::FileFormat::Parquet => {
            let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
            n.min(usize::try_from(bytes).unwrap_or(usize::MAX))
        }
        _ => n,
    }
}

/// A batch of judgments and, for CSV input, the one-based line of each of its rows.
struct Decoded {
    batch: RecordBatch,
    lines: Option<Vec<u64>>,
}

/// The number of judgment rows a file declares before it is read: the row count in a
/// Parquet footer; `None` for CSV and Arrow IPC (known only by reading them). For
/// memory estimates before a long read.
///
/// # Errors
/// Unreadable Parquet footer, wrapped with the path.
pub fn declared_rows(path: &Path) -> Result<Option<u64>> {
    match crate::FileFormat::from_path(path) {
        Ok(crate::FileFormat::Parquet) => Ok(BatchReader::open(path)?.total_rows()),
        _ => Ok(None),
    }
}
