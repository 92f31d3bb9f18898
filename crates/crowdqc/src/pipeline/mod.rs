//! File-level entry points of the `crowdqc` commands besides [`aggregate`](crate::aggregate):
//! read an input file, fit, write the output tables, and return a report that a front end
//! renders (its [`Display`](std::fmt::Display) is the command's text output, its
//! `Serialize` the JSON). Each module follows its command group.

pub mod agreement;
pub mod gold;
pub mod pairwise;
pub mod policy;
pub mod ratings;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use crowdqc_core::progress::Progress;
use crowdqc_core::summary::ingest_notes;
use crowdqc_core::{IngestOptions, JudgmentMatrix, Result};
use crowdqc_io::{ReadPasses, ReadPlan, Table};

/// Reads the judgments file at `path` (and the gold file, if any) as a command does:
/// following `plan` (one pass when `None`; see [`crowdqc_io::plan_read_spilled`]) and
/// reporting to `progress`. Returns the matrix and what ingest found that the user
/// should be told ([`ingest_notes`]: duplicate pairs and what was done with them,
/// labels that differ only by spaces or case), which the CLI prints on stderr.
///
/// # Errors
/// Those of [`crowdqc_io::read_judgments_planned`].
pub fn read_judgments(
    path: &Path,
    opts: &IngestOptions,
    gold: Option<&Path>,
    plan: Option<&ReadPlan>,
    progress: &dyn Progress,
) -> Result<(JudgmentMatrix, Vec<String>)> {
    let one = ReadPlan {
        passes: ReadPasses::One,
        spill_dir: None,
    };
    let m = crowdqc_io::read_judgments_planned(path, opts, gold, progress, plan.unwrap_or(&one))?;
    let notes = ingest_notes(&m, opts.trim_labels);
    Ok((m, notes))
}

/// Reads a small table (gold, levels, stats …) and runs `f` on it; its errors name the
/// file and, for CSV, the line.
///
/// # Errors
/// An unreadable file; those of `f`, located in the file.
pub fn read_with<T>(path: &Path, f: impl FnOnce(&Table) -> Result<T>) -> Result<T> {
    let t = crowdqc_io::read_table_with_lines(path)?;
    f(&t).map_err(|e| t.locate(e))
}

/// Writes `table()` to `path`, if given.
///
/// # Errors
/// Those of `table` and of [`crowdqc_io::write_table`].
pub fn write_if(
    path: Option<&Path>,
    table: impl FnOnce() -> Result<arrow_array::RecordBatch>,
) -> Result<()> {
    path.map_or(Ok(()), |p| crowdqc_io::write_table(p, &table()?))
}

/// A path as reports show it.
pub fn shown(path: Option<&Path>) -> Option<String> {
    path.map(|p| p.display().to_string())
}

/// The text reports' lines naming each file written (`wrote        PATH`).
pub fn wrote_lines(written: &[&Option<String>]) -> String {
    let paths = written.iter().copied().flatten();
    paths.map(|p| format!("wrote        {p}\n")).collect()
}

/// The item and worker tables of a fit: where to write them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FitTables {
    /// One row per item.
    pub items: Option<PathBuf>,
    /// One row per worker.
    pub workers: Option<PathBuf>,
}

impl FitTables {
    /// The tables at these paths (either may be absent).
    pub fn new(items: Option<PathBuf>, workers: Option<PathBuf>) -> Self {
        FitTables { items, workers }
    }

    /// Checks that both can be written (before any long work).
    ///
    /// # Errors
    /// As [`crowdqc_io::check_output_path`].
    pub fn check(&self) -> Result<()> {
        let mut paths = [&self.items, &self.workers].into_iter().flatten();
        paths.try_for_each(|p| crowdqc_io::check_output_path(p))
    }

    /// Writes the tables given, items first.
    ///
    /// # Errors
    /// Those of the table builders and of [`crowdqc_io::write_table`].
    pub fn write(
        &self,
        items: impl FnOnce() -> Result<arrow_array::RecordBatch>,
        workers: impl FnOnce() -> Result<arrow_array::RecordBatch>,
    ) -> Result<()> {
        write_if(self.items.as_deref(), items)?;
        write_if(self.workers.as_deref(), workers)
    }

    /// The paths as reports show them: `(items, workers)`.
    pub fn shown(&self) -> (Option<String>, Option<String>) {
        (shown(self.items.as_deref()), shown(self.workers.as_deref()))
    }
}
