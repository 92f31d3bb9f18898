//! Agreement over `crowdqc-agreement`'s typed report: [`agreement_report`] (judgments),
//! [`agreement_report_counts`] (a Fleiss counts table), [`agreement_report_table`] (a
//! two-rater contingency table) and the per-item and per-worker
//! agreement tables. The report comes back as a pyarrow `RecordBatch` (one row per
//! coefficient, [`AgreementReport::to_record_batch`]) and as plain Python values
//! (dicts, lists, floats) that `crowdqc.agreement` wraps in typed objects.

use arrow_pyarrow::ToPyArrow;
use crowdqc_agreement::{
    AgreementReport, CoefficientReport, Contingency, HayesReport, ItemCounts, Level, ReportOptions,
    SeMethod, Weights,
};
use crowdqc_core::progress::Progress;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::Arc;

use crate::errors::IntoPy;
use crate::ingest::Matrix;
use crate::run::interruptible;

/// Agreement weights from Python: a name or a `q × q` row-major matrix.
#[derive(FromPyObject)]
pub enum WeightsArg {
    /// `identity`, `linear`, `quadratic` or `ordinal`.
    Name(String),
    /// Custom agreement weights, row-major.
    Matrix(Vec<f64>),
}

/// The report options from the Python arguments.
#[allow(clippy::too_many_arguments)]
fn options(
    level: &str,
    weights: Option<WeightsArg>,
    rank_spacing: bool,
    confidence: f64,
    bootstrap: usize,
    seed: u64,
    hayes_krippendorff: bool,
) -> PyResult<ReportOptions> {
    let level: Level = level.parse().py_err()?;
    let weights = match weights {
        None => Weights::Identity,
        Some(WeightsArg::Name(n)) => n.parse().py_err()?,
        Some(WeightsArg::Matrix(v)) => Weights::Custom(v),
    };
    let mut o = ReportOptions::default()
        .level(level)
        .weights(weights)
        .rank_spacing(rank_spacing)
        .confidence(confidence)
        .seed(seed)
        .hayes_krippendorff(hayes_krippendorff);
    if bootstrap > 0 {
        o = o.bootstrap(bootstrap);
    }
    Ok(o)
}

fn coefficient<'py>(py: Python<'py>, c: &CoefficientReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", c.name.key())?;
    d.set_item("title", c.name.title())?;
    d.set_item("value", c.value)?;
    d.set_item("reason", c.reason.as_deref())?;
    d.set_item("se", c.se)?;
    d.set_item(
        "se_method",
        c.se_method.map(|m| match m {
            SeMethod::Analytic => "analytic",
            SeMethod::Bootstrap => "bootstrap",
        }),
    )?;
    d.set_item("observed", c.observed)?;
    d.set_item("expected", c.expected)?;
    d.set_item("n_items", c.n_items)?;
    let intervals = PyList::empty(py);
    for i in &c.intervals {
        let x = PyDict::new(py);
        x.set_item("kind", i.kind.label())?;
        x.set_item("description", i.kind.describe())?;
        x.set_item("level", i.level)?;
        x.set_item("low", i.low)?;
        x.set_item("high", i.high)?;
        intervals.append(x)?;
    }
    d.set_item("intervals", intervals)?;
    match &c.bootstrap {
        Some(b) => {
            let x = PyDict::new(py);
            x.set_item("replicates", b.replicates)?;
            x.set_item("undefined", b.undefined)?;
            x.set_item("mean", b.mean)?;
            x.set_item("se", b.se)?;
            x.set_item("ci_low", b.ci_low)?;
            x.set_item("ci_high", b.ci_high)?;
            d.set_item("bootstrap", x)?;
        }
        None => d.set_item("bootstrap", py.None())?,
    }
    match &c.hayes_krippendorff {
        Some(HayesReport::Computed {
            replicates,
            pairs_per_replicate,
            ci_low,
            ci_high,
            p_below_0_667,
            p_below_0_800,
        }) => {
            let x = PyDict::new(py);
            x.set_item("replicates", *replicates)?;
            x.set_item("pairs_per_replicate", *pairs_per_replicate)?;
            x.set_item("ci_low", *ci_low)?;
            x.set_item("ci_high", *ci_high)?;
            x.set_item("p_below_0_667", *p_below_0_667)?;
            x.set_item("p_below_0_800", *p_below_0_800)?;
            x.set_item("reason", py.None())?;
            d.set_item("hayes_krippendorff", x)?;
        }
        Some(HayesReport::NotComputed { reason }) => {
            let x = PyDict::new(py);
            x.set_item("reason", reason)?;
            d.set_item("hayes_krippendorff", x)?;
        }
        None => d.set_item("hayes_krippendorff", py.None())?,
    }
    d.set_item("interpretation", c.interpretation)?;
    d.set_item("note", c.note)?;
    Ok(d)
}

/// `(table, summary, coefficients)`: the Arrow table, a dict describing the input and
/// options, and one dict per coefficient.
fn render<'py>(py: Python<'py>, r: &AgreementReport) -> PyResult<Bound<'py, PyAny>> {
    let table = r.to_record_batch().py_err()?.to_pyarrow(py)?;
    let s = PyDict::new(py);
    s.set_item("layout", r.input.layout.as_str())?;
    s.set_item("items", r.input.items)?;
    s.set_item("ratings", r.input.ratings)?;
    s.set_item("raters", r.input.raters)?;
    s.set_item("categories", &r.input.categories)?;
    s.set_item("level", r.level.as_str())?;
    s.set_item("weights", r.weights)?;
    s.set_item("confidence", r.confidence)?;
    s.set_item("bootstrap", r.bootstrap.map(|(n, _)| n))?;
    s.set_item("seed", r.bootstrap.map(|(_, seed)| seed))?;
    s.set_item("interval_notes", r.interval_notes())?;
    let coefs = PyList::empty(py);
    for c in &r.coefficients {
        coefs.append(coefficient(py, c)?)?;
    }
    Ok((table, s, coefs).into_pyobject(py)?.into_any())
}

/// The agreement report of a judgment matrix: `(pyarrow.RecordBatch, summary dict,
/// list of coefficient dicts)`. The bootstraps run with the GIL released and stop on
/// Ctrl-C (`KeyboardInterrupt`).
#[pyfunction]
#[pyo3(signature = (matrix, level="nominal", weights=None, rank_spacing=false,
    confidence=0.95, bootstrap=0, seed=0, hayes_krippendorff=true))]
#[allow(clippy::too_many_arguments)]
pub fn agreement_report<'py>(
    py: Python<'py>,
    matrix: &Matrix,
    level: &str,
    weights: Option<WeightsArg>,
    rank_spacing: bool,
    confidence: f64,
    bootstrap: usize,
    seed: u64,
    hayes_krippendorff: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options(
        level,
        weights,
        rank_spacing,
        confidence,
        bootstrap,
        seed,
        hayes_krippendorff,
    )?;
    let m = Arc::clone(&matrix.inner);
    let r = interruptible(py, move |p: &dyn Progress| {
        crowdqc_agreement::report_with_progress(&*m, &opts, p)
    })?;
    render(py, &r)
}

/// The agreement report of a Fleiss counts table (`categories`, one row of counts per
/// item): no rater identities, so no Conger, Cohen or Scott. Returns as
/// [`agreement_report`].
#[pyfunction]
#[pyo3(signature = (categories, rows, level="nominal", weights=None, rank_spacing=false,
    confidence=0.95, bootstrap=0, seed=0, hayes_krippendorff=true))]
#[allow(clippy::too_many_arguments)]
pub fn agreement_report_counts<'py>(
    py: Python<'py>,
    categories: Vec<String>,
    rows: Vec<Vec<u64>>,
    level: &str,
    weights: Option<WeightsArg>,
    rank_spacing: bool,
    confidence: f64,
    bootstrap: usize,
    seed: u64,
    hayes_krippendorff: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options(
        level,
        weights,
        rank_spacing,
        confidence,
        bootstrap,
        seed,
        hayes_krippendorff,
    )?;
    let counts = ItemCounts::from_table(&categories, &rows).py_err()?;
    let r = interruptible(py, move |p: &dyn Progress| {
        crowdqc_agreement::report_with_progress(&counts, &opts, p)
    })?;
    render(py, &r)
}

/// The agreement report of a two-rater contingency table, from `(label_a, label_b,
/// count)` rows or from `categories` and `q × q` row-major `counts`: Cohen's kappa,
/// Scott's pi and the multi-rater coefficients on its subjects. Returns as
/// [`agreement_report`].
#[pyfunction]
#[pyo3(signature = (rows=None, categories=None, counts=None, level="nominal", weights=None,
    rank_spacing=false, confidence=0.95, bootstrap=0, seed=0, hayes_krippendorff=true))]
#[allow(clippy::too_many_arguments)]
pub fn agreement_report_table<'py>(
    py: Python<'py>,
    rows: Option<Vec<(String, String, u64)>>,
    categories: Option<Vec<String>>,
    counts: Option<Vec<u64>>,
    level: &str,
    weights: Option<WeightsArg>,
    rank_spacing: bool,
    confidence: f64,
    bootstrap: usize,
    seed: u64,
    hayes_krippendorff: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options(
        level,
        weights,
        rank_spacing,
        confidence,
        bootstrap,
        seed,
        hayes_krippendorff,
    )?;
    let table = match (rows, categories, counts) {
        (Some(r), None, None) => Contingency::from_rows(&r),
        (None, Some(c), Some(n)) => Contingency::new(&c, &n),
        _ => Err(crowdqc_core::Error::param(
            "table",
            "give either (label_a, label_b, count) rows or categories and q x q counts",
        )),
    }
    .py_err()?;
    let r = interruptible(py, move |p: &dyn Progress| {
        crowdqc_agreement::report_with_progress(&table, &opts, p)
    })?;
    render(py, &r)
}

/// Per-item agreement of the matrix as a pyarrow `RecordBatch` (`item`, `ratings`,
/// `top_label`, `top_share`, `entropy`, `pairwise_agreement`).
#[pyfunction]
pub fn item_agreement_table<'py>(py: Python<'py>, matrix: &Matrix) -> PyResult<Bound<'py, PyAny>> {
    let m = Arc::clone(&matrix.inner);
    let b = py
        .detach(move || crowdqc_agreement::item_agreement_table(&m))
        .py_err()?;
    b.to_pyarrow(py)
}

/// Per-worker agreement of the matrix as a pyarrow `RecordBatch` (`worker`,
/// `judgments`, `shared_judgments`, `peer_agreement`, `consensus_agreement`,
/// `mv_agreement`).
#[pyfunction]
pub fn worker_agreement_table<'py>(
    py: Python<'py>,
    matrix: &Matrix,
) -> PyResult<Bound<'py, PyAny>> {
    let m = Arc::clone(&matrix.inner);
    let b = py
        .detach(move || crowdqc_agreement::worker_agreement_table(&m))
        .py_err()?;
    b.to_pyarrow(py)
}
