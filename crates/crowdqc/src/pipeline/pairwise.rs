//! `crowdqc pairwise aggregate | policy` over files: comparisons read through
//! [`ComparisonsBuilder`], gold levels or known orders, the fitted scores written as
//! tables.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use crowdqc_core::evidence::WorkerEvidence;
use crowdqc_core::{Id, Result};
use crowdqc_pairwise::eval::evaluate_fit;
use crowdqc_pairwise::gold::{KnownOrder, evidence_by_worker, levels_from_batches};
use crowdqc_pairwise::{
    Comparisons, ComparisonsBuilder, PairwiseOptions, PairwiseParams, PairwiseSummary,
};

use super::{FitTables, read_with, wrote_lines};

/// Reads a comparisons file with `opts` (the disconnected-graph warning, if any, is in
/// [`Comparisons::report`]).
///
/// # Errors
/// An unreadable file, missing columns, bad rows (naming the file and row).
pub fn load(path: &Path, opts: PairwiseOptions) -> Result<Comparisons> {
    let b = ComparisonsBuilder::new(opts)?;
    let reader = crowdqc_io::BatchReader::open(path)?;
    b.read_all(reader).map_err(|e| e.in_file(path))
}

/// Gold levels `(item, numeric level)` from the table at `path`.
///
/// # Errors
/// An unreadable file; those of [`levels_from_batches`], naming file and line.
pub fn read_levels(path: &Path) -> Result<Vec<(Id, f64)>> {
    read_with(path, |t| levels_from_batches(t.batches()))
}

/// Fits `params` on `data`, scores the fit against gold `levels` (Kendall's tau-b,
/// Spearman's rho, pair accuracy) and writes the item and worker tables.
///
/// # Errors
/// Those of the fit, of [`evaluate_fit`] and of the writes.
pub fn aggregate(
    data: &Comparisons,
    params: &PairwiseParams,
    levels: Option<&[(Id, f64)]>,
    tables: &FitTables,
) -> Result<AggregateReport> {
    let t0 = Instant::now();
    let fit = params.fit(data)?;
    let fit_seconds = t0.elapsed().as_secs_f64();
    let eval = levels.map(|l| evaluate_fit(&fit, l.iter().map(|(id, v)| (id.as_ref(), *v))));
    let summary = PairwiseSummary::new(data, &fit).with_eval(eval.transpose()?);
    tables.write(|| fit.items_table(), || fit.workers_table())?;
    let (out, workers_out) = tables.shown();
    Ok(AggregateReport {
        summary,
        out,
        workers_out,
        seconds: ReadFit {
            read: 0.0,
            fit: fit_seconds,
        },
    })
}

/// Each worker's evidence for an access policy: agreement with the known order of the
/// gold table at `gold` (known winners, or `item, level`) and with a fit of `params`.
///
/// # Errors
/// An unreadable gold file, those of [`KnownOrder::from_batches`] (naming file and
/// line) and of the fit.
pub fn policy_evidence(
    data: &Comparisons,
    gold: &Path,
    opts: &PairwiseOptions,
    params: &PairwiseParams,
) -> Result<Vec<(Id, WorkerEvidence)>> {
    let known = read_with(gold, |t| KnownOrder::from_batches(data, t.batches(), opts))?;
    let fit = params.fit(data)?;
    Ok(evidence_by_worker(data, Some(&known), Some(&fit)))
}

/// What `crowdqc pairwise aggregate` reports: the [`PairwiseSummary`] (JSON fields
/// flattened), the tables written and the time taken.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AggregateReport {
    /// Data, fit, top items, unreliable workers, evaluation.
    #[serde(flatten)]
    pub summary: PairwiseSummary,
    /// The items table written.
    pub out: Option<String>,
    /// The workers table written.
    pub workers_out: Option<String>,
    /// Seconds reading (measured by the caller) and fitting.
    pub seconds: ReadFit,
}

/// Seconds reading and fitting.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ReadFit {
    /// Reading the comparisons.
    pub read: f64,
    /// Fitting.
    pub fit: f64,
}

impl fmt::Display for AggregateReport {
    /// The summary, the files written and the time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wrote = wrote_lines(&[&self.out, &self.workers_out]);
        let s = self.seconds;
        write!(f, "{}{wrote}", self.summary)?;
        writeln!(f, "time         read {:.2} s, fit {:.2} s", s.read, s.fit)
    }
}
