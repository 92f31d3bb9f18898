//! `crowdqc agreement` over files: the report from judgments (with the per-item and
//! per-worker tables), from a two-rater contingency table or from a Fleiss counts table.

use std::path::Path;

use crowdqc_agreement::{
    AgreementReport, Contingency, ItemCounts, ReportOptions, item_agreement_table,
    report_with_progress, worker_agreement_table,
};
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, JudgmentMatrix, Result};

use super::write_if;

/// Checks, before any work, the per-item (`items_out`) and per-worker (`workers_out`)
/// tables asked for: each needs a judgments file (`judgments`; not a contingency or
/// counts table) and a path that can be written.
///
/// # Errors
/// [`Error::InvalidParameter`] `items-out` or `workers-out` without judgments (the
/// first one given); those of [`crowdqc_io::check_output_path`].
pub fn check_outputs(
    judgments: bool,
    items_out: Option<&Path>,
    workers_out: Option<&Path>,
) -> Result<()> {
    for (flag, out) in [("items-out", items_out), ("workers-out", workers_out)] {
        if let Some(p) = out {
            if !judgments {
                return Err(Error::param(
                    flag,
                    "per-item and per-worker views need a judgments file, not --table or --counts",
                ));
            }
            crowdqc_io::check_output_path(p)?;
        }
    }
    Ok(())
}

/// The agreement report of the judgments `m`, after writing the per-item table to
/// `items_out` and the per-worker table to `workers_out` (either may be absent).
///
/// # Errors
/// Those of the tables, the writes and [`report_with_progress`].
pub fn of_judgments(
    m: &JudgmentMatrix,
    opts: &ReportOptions,
    (items_out, workers_out): (Option<&Path>, Option<&Path>),
    progress: &dyn Progress,
) -> Result<AgreementReport> {
    write_if(items_out, || item_agreement_table(m))?;
    write_if(workers_out, || worker_agreement_table(m))?;
    report_with_progress(m, opts, progress)
}

/// The agreement report of the two-rater contingency table at `path`
/// (`label_a, label_b, count`; categories by first appearance).
///
/// # Errors
/// An unreadable file; bad rows (naming file and line); those of
/// [`report_with_progress`], naming the file.
pub fn of_contingency(
    path: &Path,
    opts: &ReportOptions,
    progress: &dyn Progress,
) -> Result<AgreementReport> {
    let file = crowdqc_io::read_table_with_lines(path)?;
    let t =
        Contingency::from_batches(file.batches().map(|(_, b)| b)).map_err(|e| file.locate(e))?;
    report_with_progress(&t, opts, progress).map_err(|e| e.in_file(path))
}

/// The agreement report of the Fleiss counts table at `path` (`item, <class…>`;
/// categories in column order).
///
/// # Errors
/// An unreadable file; bad rows (naming file and line); those of
/// [`report_with_progress`], naming the file.
pub fn of_counts(
    path: &Path,
    opts: &ReportOptions,
    progress: &dyn Progress,
) -> Result<AgreementReport> {
    let file = crowdqc_io::read_table_with_lines(path)?;
    let c = ItemCounts::from_batches(file.batches().map(|(_, b)| b)).map_err(|e| file.locate(e))?;
    report_with_progress(&c, opts, progress).map_err(|e| e.in_file(path))
}
