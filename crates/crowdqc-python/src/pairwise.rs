//! Pairwise comparisons over `crowdqc-pairwise`: [`pairwise_fit`] (Bradley–Terry,
//! Davidson ties, noisy BT, Crowd-BT, Elo, win rate: item scores with standard errors,
//! worker reliability) and [`pairwise_evaluate`] (Kendall's τ-b, Spearman's ρ and pair
//! accuracy against gold levels). The comparisons are read from an Arrow C stream into
//! [`Comparisons`] and fitted on a worker thread with the GIL released (Ctrl-C →
//! `KeyboardInterrupt`); tables come back as pyarrow `RecordBatch`es and the rest as
//! plain dicts that `crowdqc.aggregation` wraps.

use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use crowdqc_core::progress::Progress;
use crowdqc_core::{DuplicatePolicy, Error};
use crowdqc_pairwise::eval::{RankingEval, evaluate};
use crowdqc_pairwise::gold::{KnownOrder, evidence_by_worker};
use crowdqc_pairwise::{
    Comparisons, ComparisonsBuilder, ComparisonsReport, FitReport, Method, PairwiseOptions,
    PairwiseParams, StderrKind,
};
use crowdqc_policy::EvidenceTable;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::IntoPy;
use crate::run::interruptible;

/// Streams every batch of `reader` through the library's builder.
fn load(
    reader: RecordBatchStreamReader,
    opts: PairwiseOptions,
) -> crowdqc_core::Result<Comparisons> {
    let mut b = ComparisonsBuilder::new(opts)?;
    for batch in reader {
        let batch = batch.map_err(|e| Error::External {
            context: "reading the comparisons stream".into(),
            message: e.to_string(),
        })?;
        b.push_batch(&batch)?;
    }
    b.finish()
}

/// The ingest report as a dict (components as `(items, examples)` tuples).
fn ingest<'py>(py: Python<'py>, r: &ComparisonsReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rows", r.rows)?;
    d.set_item("comparisons", r.comparisons)?;
    d.set_item("duplicate_rows", r.duplicate_rows)?;
    d.set_item("duplicates_dropped", r.duplicates_dropped)?;
    d.set_item("duplicate_policy", &r.duplicate_policy)?;
    d.set_item("ties", r.ties)?;
    let comps = PyList::empty(py);
    for c in &r.components {
        comps.append((c.items, c.examples.clone()))?;
    }
    d.set_item("components", comps)?;
    d.set_item("warning", r.disconnected_warning())?;
    Ok(d)
}

/// The fit report as a dict.
fn report<'py>(py: Python<'py>, r: &FitReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("iterations", r.iterations)?;
    d.set_item("converged", r.converged)?;
    d.set_item("log_likelihood", r.log_likelihood)?;
    d.set_item("objective", r.objective.clone())?;
    d.set_item("tie_parameter", r.tie_parameter)?;
    d.set_item("ties_ignored", r.ties_ignored)?;
    let (kind, replicates, seed) = match &r.stderr {
        StderrKind::ObservedInformation => ("observed-information", None, None),
        StderrKind::Bootstrap { replicates, seed } => ("bootstrap", Some(*replicates), Some(*seed)),
        StderrKind::Binomial => ("binomial", None, None),
        StderrKind::None => ("none", None, None),
    };
    d.set_item("stderr", kind)?;
    d.set_item("bootstrap_replicates", replicates)?;
    d.set_item("bootstrap_seed", seed)?;
    Ok(d)
}

/// Fits a pairwise method: `(items RecordBatch, workers RecordBatch, summary dict)`.
///
/// `data` is an Arrow C stream with `worker, left, right, winner` columns (the outcome
/// is the winner's id, `left`/`right` or a tie marker; crowd-kit calls it `label`) or
/// `worker, winner, loser`; column names given, else the library's aliases. The tables
/// are [`PairwiseFit::items_table`](crowdqc_pairwise::PairwiseFit::items_table) and
/// `workers_table` (rows in first-appearance order); the summary has `method`,
/// `n_items`, `n_workers`, `n_comparisons`, `ingest` (rows, duplicates, ties,
/// components, the disconnected-graph `warning`) and `fit` (iterations, convergence,
/// log-likelihood, objective per iteration, tie parameter, standard-error kind).
/// `None` parameters take the library's defaults.
#[pyfunction]
#[pyo3(signature = (data, method="bt", max_iter=None, tol=None, prior=None,
    reliability_prior=(1.0, 1.0), elo_k=32.0, bootstrap=0, seed=0, duplicates="keep-all",
    tie_markers=None, worker=None, left=None, right=None, winner=None, loser=None))]
#[allow(clippy::too_many_arguments)]
pub fn pairwise_fit<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    method: &str,
    max_iter: Option<usize>,
    tol: Option<f64>,
    prior: Option<f64>,
    reliability_prior: (f64, f64),
    elo_k: f64,
    bootstrap: usize,
    seed: u64,
    duplicates: &str,
    tie_markers: Option<Vec<String>>,
    worker: Option<String>,
    left: Option<String>,
    right: Option<String>,
    winner: Option<String>,
    loser: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let method: Method = method.parse().py_err()?;
    let mut params = PairwiseParams::new(method)
        .reliability_prior(reliability_prior.0, reliability_prior.1)
        .elo_k(elo_k)
        .bootstrap(bootstrap)
        .seed(seed);
    if let Some(n) = max_iter {
        params = params.max_iter(n);
    }
    if let Some(t) = tol {
        params = params.tol(t);
    }
    if let Some(p) = prior {
        params = params.prior(p);
    }
    params.validate().py_err()?;
    let duplicates: DuplicatePolicy = duplicates.parse().py_err()?;
    let mut opts = PairwiseOptions {
        worker,
        left,
        right,
        winner,
        loser,
        duplicates,
        ..PairwiseOptions::default()
    };
    if let Some(t) = tie_markers {
        opts.tie_markers = t;
    }
    let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
    let (c, fit) = interruptible(py, move |p: &dyn Progress| {
        let c = load(reader, opts)?;
        let fit = params.fit_with_progress(&c, p)?;
        Ok((c, fit))
    })?;
    let items = fit.items_table().py_err()?.to_pyarrow(py)?;
    let workers = fit.workers_table().py_err()?.to_pyarrow(py)?;
    let s = PyDict::new(py);
    s.set_item("method", fit.method().name())?;
    s.set_item("n_items", c.n_items())?;
    s.set_item("n_workers", c.n_workers())?;
    s.set_item("n_comparisons", c.len())?;
    s.set_item("ingest", ingest(py, c.report())?)?;
    s.set_item("fit", report(py, fit.report())?)?;
    Ok((items, workers, s).into_pyobject(py)?.into_any())
}

/// Agreement of `scores` with `gold` levels (aligned lists): a dict with `items`,
/// `kendall_tau_b`, `spearman_rho`, `pair_accuracy` (share of pairs with different gold
/// levels that the scores order the same way; equal scores count wrong) and `pairs`,
/// from [`crowdqc_pairwise::eval::evaluate`].
#[pyfunction]
pub fn pairwise_evaluate<'py>(
    py: Python<'py>,
    scores: Vec<f64>,
    gold: Vec<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    // quadratic in the items: off the GIL, interruptible
    let e: RankingEval = interruptible(py, move |_: &dyn Progress| evaluate(&scores, &gold))?;
    let d = PyDict::new(py);
    d.set_item("items", e.items)?;
    d.set_item("kendall_tau_b", e.kendall_tau_b)?;
    d.set_item("spearman_rho", e.spearman_rho)?;
    d.set_item("pair_accuracy", e.pair_accuracy)?;
    d.set_item("pairs", e.pairs)?;
    Ok(d)
}

/// Evaluates `policy` for the workers of comparisons `data` (Arrow C stream) against
/// gold `gold` (Arrow C stream: known winners `left, right, winner` or `winner, loser`,
/// or known levels `item, level`, found by the library's column aliases), with `method`'s fitted worker reliability as
/// `model_accuracy` — the library path of `crowdqc pairwise policy`:
/// `(decisions RecordBatch, summary dict, decision dicts)` as `Policy.evaluate`.
#[pyfunction]
#[pyo3(signature = (policy, data, gold, method="crowd-bt", tie_markers=None, worker=None,
    left=None, right=None, winner=None, loser=None))]
#[allow(clippy::too_many_arguments)]
pub fn pairwise_policy<'py>(
    py: Python<'py>,
    policy: &crate::policy::NativePolicy,
    data: &Bound<'py, PyAny>,
    gold: &Bound<'py, PyAny>,
    method: &str,
    tie_markers: Option<Vec<String>>,
    worker: Option<String>,
    left: Option<String>,
    right: Option<String>,
    winner: Option<String>,
    loser: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let method: Method = method.parse().py_err()?;
    let mut opts = PairwiseOptions {
        worker,
        left,
        right,
        winner,
        loser,
        ..PairwiseOptions::default()
    };
    if let Some(t) = tie_markers {
        opts.tie_markers = t;
    }
    let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
    let gold_reader = RecordBatchStreamReader::from_pyarrow_bound(gold)?;
    let p = std::sync::Arc::clone(&policy.inner);
    let e = interruptible(py, move |progress: &dyn Progress| {
        let c = load(reader, opts.clone())?;
        let batches = crate::ingest::read_all(gold_reader, "gold")?;
        let rows = crate::ingest::numbered(&batches);
        // the gold's columns are found by the library's aliases (`item, level`,
        // `left, right, winner|label`, `winner, loser`), not the comparisons' names
        let gold_opts = PairwiseOptions {
            tie_markers: opts.tie_markers.clone(),
            ..PairwiseOptions::default()
        };
        let known = KnownOrder::from_batches(&c, rows, &gold_opts)?;
        let fit = PairwiseParams::new(method).fit_with_progress(&c, progress)?;
        let evidence = evidence_by_worker(&c, Some(&known), Some(&fit));
        Ok(p.evaluate_table(&EvidenceTable::from_evidence(evidence, &p)))
    })?;
    crate::policy::evaluation_py(py, &e)
}
