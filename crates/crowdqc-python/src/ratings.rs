//! Ratings over `crowdqc-ratings`: [`ratings_aggregate`] (one score per item, worker
//! bias and variance) and [`ratings_agreement`] (ICC in six forms, ICC(1,1) from every
//! rating, Kendall's W). Both read an Arrow C stream into a [`RatingMatrix`] and compute
//! on a worker thread with the GIL released (Ctrl-C → `KeyboardInterrupt`); tables come
//! back as pyarrow `RecordBatch`es and the rest as plain dicts that `crowdqc.ratings`
//! wraps.

use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use crowdqc_core::progress::Progress;
use crowdqc_core::{ColumnMap, DuplicatePolicy, Error, IngestReport};
use crowdqc_policy::EvidenceTable;
use crowdqc_ratings::{GoldRatings, gold_evidence};
use crowdqc_ratings::{
    IccForm, KendallW, KendallWIncomplete, Method, RatingMatrix, RatingParams, RatingScale,
    RatingsBuilder, RatingsOptions, rating_agreement,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::IntoPy;
use crate::run::interruptible;

/// How to read the ratings, from the Python arguments.
fn options(
    item: Option<String>,
    worker: Option<String>,
    label: Option<String>,
    levels: Option<Vec<String>>,
    duplicates: &str,
) -> PyResult<RatingsOptions> {
    let duplicates: DuplicatePolicy = duplicates.parse().py_err()?;
    let mut columns = ColumnMap::default();
    columns.item = item;
    columns.worker = worker;
    columns.label = label;
    let scale = match levels {
        Some(l) => RatingScale::Ordinal(l),
        None => RatingScale::Numeric,
    };
    Ok(RatingsOptions::default()
        .with_columns(columns)
        .with_duplicates(duplicates)
        .with_scale(scale))
}

/// Streams every batch of `reader` through the library's builder.
fn load(
    reader: RecordBatchStreamReader,
    opts: RatingsOptions,
) -> crowdqc_core::Result<RatingMatrix> {
    let mut b = RatingsBuilder::new(opts)?;
    for batch in reader {
        let batch = batch.map_err(|e| Error::External {
            context: "reading the ratings stream".into(),
            message: e.to_string(),
        })?;
        b.push_batch(&batch)?;
    }
    b.finish()
}

/// The input counts and the ingest report as a dict.
fn input<'py>(py: Python<'py>, m: &RatingMatrix) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("n_items", m.n_items())?;
    d.set_item("n_workers", m.n_workers())?;
    d.set_item("n_ratings", m.n_ratings())?;
    let r: &IngestReport = m.ingest_report();
    let i = PyDict::new(py);
    i.set_item("rows_read", r.rows_read)?;
    i.set_item("ratings", r.judgments)?;
    i.set_item("duplicate_pairs", r.duplicate_pairs)?;
    i.set_item("duplicate_extra_rows", r.duplicate_extra_rows)?;
    i.set_item("conflicting_duplicate_pairs", r.conflicting_duplicate_pairs)?;
    i.set_item("dropped_duplicate_rows", r.dropped_duplicate_rows)?;
    i.set_item("duplicate_policy", r.duplicate_policy.as_str())?;
    d.set_item("ingest", i)?;
    Ok(d)
}

/// Aggregates ratings: `(items RecordBatch, workers RecordBatch, summary dict)`.
///
/// `data` is an Arrow C stream with item, worker and rating columns (names given, else
/// core's aliases); `levels` declares an ordinal scale (lowest first). The tables are
/// [`RatingAggregation::items_record_batch`](crowdqc_ratings::RatingAggregation::items_record_batch)
/// and `workers_record_batch`; the summary has `method`, `iterations`, `converged`, the
/// input counts and the ingest report.
#[pyfunction]
#[pyo3(signature = (data, method="mean", trim=0.1, max_iter=100, tol=1e-6, alpha=0.05,
    levels=None, duplicates="keep-all", item=None, worker=None, label=None))]
#[allow(clippy::too_many_arguments)]
pub fn ratings_aggregate<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    method: &str,
    trim: f64,
    max_iter: usize,
    tol: f64,
    alpha: f64,
    levels: Option<Vec<String>>,
    duplicates: &str,
    item: Option<String>,
    worker: Option<String>,
    label: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let method: Method = method.parse().py_err()?;
    let params = RatingParams::new(method)
        .trim(trim)
        .max_iter(max_iter)
        .tol(tol)
        .alpha(alpha);
    params.validate().py_err()?;
    let opts = options(item, worker, label, levels, duplicates)?;
    let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
    let (m, fit) = interruptible(py, move |p: &dyn Progress| {
        let m = load(reader, opts)?;
        let fit = params.fit_with_progress(&m, p)?;
        Ok((m, fit))
    })?;
    let items = fit.items_record_batch().py_err()?.to_pyarrow(py)?;
    let workers = fit.workers_record_batch().py_err()?.to_pyarrow(py)?;
    let s = input(py, &m)?;
    s.set_item("method", fit.method().name())?;
    s.set_item("iterations", fit.iterations())?;
    s.set_item("converged", fit.converged())?;
    Ok((items, workers, s).into_pyobject(py)?.into_any())
}

fn form<'py>(py: Python<'py>, f: &IccForm) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("form", f.form)?;
    d.set_item("shrout_fleiss", f.shrout_fleiss)?;
    d.set_item("description", f.description)?;
    d.set_item("value", f.value)?;
    d.set_item("f", f.f)?;
    d.set_item("df1", f.df1)?;
    d.set_item("df2", f.df2)?;
    d.set_item("p_value", f.p_value)?;
    d.set_item("ci_low", f.ci_low)?;
    d.set_item("ci_high", f.ci_high)?;
    d.set_item("undefined", f.undefined.as_deref())?;
    Ok(d)
}

fn kendall<'py>(py: Python<'py>, k: &KendallW) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("n_items", k.n_items)?;
    d.set_item("n_items_dropped", k.n_items_dropped)?;
    d.set_item("n_raters", k.n_raters)?;
    d.set_item("w", k.w)?;
    d.set_item("w_uncorrected", k.w_uncorrected)?;
    d.set_item("chi2", k.chi2)?;
    d.set_item("df", k.df)?;
    d.set_item("p_value", k.p_value)?;
    d.set_item("undefined", k.undefined.as_deref())?;
    Ok(d)
}

fn kendall_incomplete<'py>(
    py: Python<'py>,
    k: Option<&KendallWIncomplete>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(k) = k else { return Ok(None) };
    let d = PyDict::new(py);
    d.set_item("n_items", k.n_items)?;
    d.set_item("n_raters", k.n_raters)?;
    d.set_item("rater_pairs", k.rater_pairs)?;
    d.set_item("mean_rho", k.mean_rho)?;
    d.set_item("mean_k", k.mean_k)?;
    d.set_item("w", k.w)?;
    d.set_item("chi2", k.chi2)?;
    d.set_item("df", k.df)?;
    d.set_item("p_value", k.p_value)?;
    d.set_item("undefined", k.undefined.as_deref())?;
    Ok(Some(d))
}

/// ICC and Kendall's W of ratings: `(statistics RecordBatch, summary dict)`.
///
/// The table is [`RatingAgreement::to_record_batch`](crowdqc_ratings::RatingAgreement::to_record_batch)
/// (one row per statistic); the summary has the input counts, the ICC's `n_items`,
/// `n_items_dropped`, `n_raters`, `confidence`, `mean_squares` (dict or None),
/// `forms` (six dicts), `all_ratings` (ICC(1,1) from every rating), `kendall_w` and
/// `kendall_w_incomplete` (Brueckl's W from every rating, or None).
#[pyfunction]
#[pyo3(signature = (data, confidence=0.95, levels=None, duplicates="keep-all", item=None,
    worker=None, label=None))]
#[allow(clippy::too_many_arguments)]
pub fn ratings_agreement<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    confidence: f64,
    levels: Option<Vec<String>>,
    duplicates: &str,
    item: Option<String>,
    worker: Option<String>,
    label: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    crowdqc_core::interval::check_confidence(confidence).py_err()?;
    let opts = options(item, worker, label, levels, duplicates)?;
    let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
    let (m, r) = interruptible(py, move |_: &dyn Progress| {
        let m = load(reader, opts)?;
        let r = rating_agreement(&m, confidence)?;
        Ok((m, r))
    })?;
    let table = r.to_record_batch().py_err()?.to_pyarrow(py)?;
    let s = input(py, &m)?;
    let icc = &r.icc;
    s.set_item("n_items_used", icc.n_items)?;
    s.set_item("n_items_dropped", icc.n_items_dropped)?;
    s.set_item("n_raters", icc.n_raters)?;
    s.set_item("confidence", icc.confidence)?;
    match &icc.mean_squares {
        Some(ms) => {
            let d = PyDict::new(py);
            d.set_item("msr", ms.msr)?;
            d.set_item("msc", ms.msc)?;
            d.set_item("mse", ms.mse)?;
            d.set_item("msw", ms.msw)?;
            s.set_item("mean_squares", d)?;
        }
        None => s.set_item("mean_squares", py.None())?,
    }
    let forms = PyList::empty(py);
    for f in &icc.forms {
        forms.append(form(py, f)?)?;
    }
    s.set_item("forms", forms)?;
    s.set_item("all_ratings", form(py, &icc.all_ratings)?)?;
    s.set_item("kendall_w", kendall(py, &r.kendall_w)?)?;
    s.set_item(
        "kendall_w_incomplete",
        kendall_incomplete(py, r.kendall_w_incomplete.as_ref())?,
    )?;
    Ok((table, s).into_pyobject(py)?.into_any())
}

/// Evaluates `policy` for the workers of ratings `data` (Arrow C stream) against gold
/// ratings `gold` (Arrow C stream with `item`, `label` and optionally `tolerance`
/// columns): a rating within the tolerance of the gold value is a correct gold answer
/// — the library path of `crowdqc ratings policy`. Returns `(decisions RecordBatch,
/// summary dict, decision dicts)` as `Policy.evaluate`.
#[pyfunction]
#[pyo3(signature = (policy, data, gold, tolerance=0.0, levels=None, duplicates="keep-all",
    item=None, worker=None, label=None))]
#[allow(clippy::too_many_arguments)]
pub fn ratings_policy<'py>(
    py: Python<'py>,
    policy: &crate::policy::NativePolicy,
    data: &Bound<'py, PyAny>,
    gold: &Bound<'py, PyAny>,
    tolerance: f64,
    levels: Option<Vec<String>>,
    duplicates: &str,
    item: Option<String>,
    worker: Option<String>,
    label: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    GoldRatings::check_tolerance(tolerance).py_err()?;
    let opts = options(item, worker, label, levels, duplicates)?;
    let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
    let gold_reader = RecordBatchStreamReader::from_pyarrow_bound(gold)?;
    let p = std::sync::Arc::clone(&policy.inner);
    let e = interruptible(py, move |_: &dyn Progress| {
        let m = load(reader, opts)?;
        let batches = crate::ingest::read_all(gold_reader, "gold")?;
        let rows = crate::ingest::numbered(&batches);
        let g = GoldRatings::from_batches(&m, rows, &ColumnMap::default(), tolerance)?;
        let evidence = gold_evidence(&m, &g);
        Ok(p.evaluate_table(&EvidenceTable::from_evidence(evidence, &p)))
    })?;
    crate::policy::evaluation_py(py, &e)
}
