//! The driver side: global dictionaries, merging statistics and the EM loop's state.

use arrow_array::RecordBatch;
use arrow_pyarrow::ToPyArrow;
use crowdqc_aggregation::distributed::{
    self as dist, DsConfig, DsDriver, DsFit, DsParams, DsStats, GlobalIds, IdSort, ShardIds, Step,
};
use crowdqc_core::{Error, Result};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use super::counts;
use super::shard::{batch_from_py, id_batch, ids_of};
use crate::arrow_out::{f64s, to_py, u32s};
use crate::errors::{IntoPy, to_py as err_to_py};

/// The global sorted worker and label dictionaries, and the global item order.
#[pyclass(frozen, module = "crowdqc._native")]
pub struct GlobalDicts {
    ids: GlobalIds,
    /// `(shard, row)` of every item in global sorted item order.
    order: Vec<(u32, u32)>,
}

/// Merges the shards' `ids()` (in shard order) into the global dictionaries; refuses
/// data not partitioned by item (`crowdqc.ParseError` naming the item and the two
/// shards). The GIL is released.
#[pyfunction]
pub fn dist_global_ids(
    py: Python<'_>,
    shards: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>, Bound<'_, PyAny>)>,
) -> PyResult<GlobalDicts> {
    let batches = shards
        .iter()
        .map(|(i, w, l)| Ok((batch_from_py(i)?, batch_from_py(w)?, batch_from_py(l)?)))
        .collect::<PyResult<Vec<(RecordBatch, RecordBatch, RecordBatch)>>>()?;
    py.detach(move || -> Result<GlobalDicts> {
        let sets = batches
            .iter()
            .map(|(i, w, l)| {
                Ok(ShardIds {
                    items: ids_of(i, "items", IdSort::Ids)?,
                    workers: ids_of(w, "workers", IdSort::Ids)?,
                    labels: ids_of(l, "labels", IdSort::Labels)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&ShardIds> = sets.iter().collect();
        let ids = GlobalIds::merge(&refs)?;
        let items: Vec<_> = sets.iter().map(|s| &s.items).collect();
        let order = dist::item_order(&items)?;
        Ok(GlobalDicts { ids, order })
    })
    .py_err()
}

#[pymethods]
impl GlobalDicts {
    /// Number of items over all shards.
    #[getter]
    fn n_items(&self) -> usize {
        self.ids.n_items
    }

    /// Number of workers.
    #[getter]
    fn n_workers(&self) -> usize {
        self.ids.workers.len()
    }

    /// Number of classes.
    #[getter]
    fn n_classes(&self) -> usize {
        self.ids.labels.len()
    }

    /// Worker ids in code order (sorted), as a pyarrow array.
    fn workers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.ids.workers.to_array().as_ref())
    }

    /// Labels in class order, as a pyarrow array.
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.ids.labels.to_array().as_ref())
    }

    /// `(shard, row)` of every item in global sorted item order, as two pyarrow
    /// `uint32` arrays: output row `i` is row `row[i]` of shard `shard[i]`.
    fn item_order<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let (s, r): (Vec<u32>, Vec<u32>) = self.order.iter().copied().unzip();
        Ok((u32s(py, s)?, u32s(py, r)?))
    }

    /// What `DistShard.build` takes: `(workers batch, labels batch, n_items)`.
    fn to_batches<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>, usize)> {
        let w = id_batch(&self.ids.workers).py_err()?;
        let l = id_batch(&self.ids.labels).py_err()?;
        Ok((w.to_pyarrow(py)?, l.to_pyarrow(py)?, self.ids.n_items))
    }
}

/// Merges `DsStats` bytes in the given order (exact: any order gives the same bits).
fn merged(stats: &[&[u8]]) -> Result<DsStats> {
    let Some(first) = stats.first() else {
        return Err(Error::insufficient("no shard statistics to merge"));
    };
    let mut acc = DsStats::from_bytes(first)?;
    for s in &stats[1..] {
        dist::merge(&mut acc, &DsStats::from_bytes(s)?)?;
    }
    Ok(acc)
}

/// The byte slices of Python `bytes` objects (immutable: safe to read without the GIL
/// while the objects are held).
fn slices<'a>(stats: &'a [Bound<'_, PyBytes>]) -> Vec<&'a [u8]> {
    stats.iter().map(|b| b.as_bytes()).collect()
}

/// Merges shards' `DsStats` bytes into one `DsStats` (exact, order-free).
#[pyfunction]
pub fn ds_merge<'py>(
    py: Python<'py>,
    stats: Vec<Bound<'py, PyBytes>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let parts = slices(&stats);
    let m = py
        .detach(|| merged(&parts).map(|m| m.to_bytes()))
        .py_err()?;
    Ok(PyBytes::new(py, &m))
}

/// `DsParams` bytes as `(n_workers, n_classes, priors, confusion)`: pyarrow float64,
/// confusion flat `[worker, true, observed]`.
#[pyfunction]
pub fn ds_params_arrays<'py>(
    py: Python<'py>,
    params: &[u8],
) -> PyResult<(usize, usize, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let p = DsParams::from_bytes(params).py_err()?;
    Ok((
        p.n_workers(),
        p.n_classes(),
        f64s(py, p.priors().to_vec())?,
        f64s(py, p.confusion().to_vec())?,
    ))
}

/// The EM loop's state on the driver (`crowdqc_aggregation::distributed::DsDriver`):
/// `start` with the shards' initial statistics, then `update` with each round's E-step
/// statistics until it returns `None`; then `result()`.
#[pyclass(module = "crowdqc._native", name = "DsDriver")]
pub struct DsDriverPy {
    inner: DsDriver,
    fit: Option<DsFit>,
}

#[pymethods]
impl DsDriverPy {
    /// A driver for `method` (`ds` or `one-coin-ds`) with crowd-kit's `n_iter` and
    /// `tol`.
    #[new]
    #[pyo3(signature = (method, n_iter=100, tol=1e-5))]
    fn new(method: &str, n_iter: usize, tol: f64) -> PyResult<Self> {
        let cfg = match method {
            "ds" => DsConfig::dawid_skene(),
            "one-coin-ds" => DsConfig::one_coin(),
            other => {
                return Err(err_to_py(Error::param(
                    "method",
                    format!("must be 'ds' or 'one-coin-ds', got '{other}'"),
                )));
            }
        };
        let inner = DsDriver::new(cfg.max_iter(n_iter).tol(tol)).py_err()?;
        Ok(DsDriverPy { inner, fit: None })
    }

    /// Merges the shards' initial statistics; returns the first parameters (bytes).
    fn start<'py>(
        &mut self,
        py: Python<'py>,
        stats: Vec<Bound<'py, PyBytes>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let parts = slices(&stats);
        let inner = &mut self.inner;
        let p = py
            .detach(|| -> Result<Vec<u8>> { Ok(inner.start(&merged(&parts)?)?.to_bytes()) })
            .py_err()?;
        Ok(PyBytes::new(py, &p))
    }

    /// Merges one round's E-step statistics; returns the next parameters (bytes), or
    /// `None` when the fit is over.
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        stats: Vec<Bound<'py, PyBytes>>,
    ) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let parts = slices(&stats);
        let inner = &mut self.inner;
        let step = py
            .detach(|| -> Result<Step> { inner.update(&merged(&parts)?) })
            .py_err()?;
        match step {
            Step::Continue(p) => Ok(Some(PyBytes::new(py, &p.to_bytes()))),
            Step::Done(fit) => {
                self.fit = Some(fit);
                Ok(None)
            }
        }
    }

    /// Iterations completed.
    #[getter]
    fn iterations(&self) -> usize {
        self.inner.iterations()
    }

    /// The finished fit: a dict with `params` and `posterior_params` (bytes; run the
    /// shards' posteriors with the latter), `iterations`, `converged`, `objective`
    /// (crowd-kit's per-judgment objective per iteration) and `log_likelihood`.
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let Some(fit) = &self.fit else {
            return Err(err_to_py(Error::param(
                "driver",
                "the fit is not over: call update until it returns None",
            )));
        };
        let d = PyDict::new(py);
        d.set_item("params", PyBytes::new(py, &fit.params.to_bytes()))?;
        d.set_item(
            "posterior_params",
            PyBytes::new(py, &fit.posterior_params.to_bytes()),
        )?;
        d.set_item("iterations", fit.report.iterations)?;
        d.set_item("converged", fit.report.converged)?;
        d.set_item("objective", fit.report.objective.clone())?;
        d.set_item("log_likelihood", fit.log_likelihood.clone())?;
        Ok(d)
    }
}

/// `DsParams` bytes from flat values: `priors` (`n_classes`) and `confusion`
/// (`n_workers · n_classes²`, `[worker, true, observed]`), e.g. a single-machine fit's,
/// to warm-start or compare.
#[pyfunction]
pub fn ds_params_bytes<'py>(
    py: Python<'py>,
    n_workers: usize,
    n_classes: usize,
    priors: Vec<f64>,
    confusion: Vec<f64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let p = DsParams::from_flat(n_workers, n_classes, priors, confusion).py_err()?;
    Ok(PyBytes::new(py, &p.to_bytes()))
}

/// Nominal Krippendorff's alpha and Fleiss' kappa from every shard's
/// `agreement_counts()` over `n_classes` categories: `(alpha, kappa)`, `None` where
/// undefined (one category only, no pairable item).
#[pyfunction]
pub fn agreement_merge(
    py: Python<'_>,
    parts: Vec<Bound<'_, PyBytes>>,
    n_classes: usize,
) -> PyResult<(Option<f64>, Option<f64>)> {
    let bytes: Vec<&[u8]> = parts.iter().map(|b| b.as_bytes()).collect();
    let c = py
        .detach(|| counts::agreement_merge(&bytes, n_classes))
        .py_err()?;
    Ok((
        c.krippendorff_alpha_nominal().value(),
        c.fleiss_kappa().value(),
    ))
}

/// Gold scores from every shard's gold cells: a dict of per-worker lists
/// `answered`, `correct`, `accuracy` (NaN without gold answers), `low`, `high` (the
/// `interval` at `confidence`), by global worker code.
#[pyfunction]
#[pyo3(signature = (parts, n_workers, n_classes, interval="wilson", confidence=0.95))]
pub fn gold_merge<'py>(
    py: Python<'py>,
    parts: Vec<Bound<'py, PyBytes>>,
    n_workers: usize,
    n_classes: usize,
    interval: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let bytes: Vec<&[u8]> = parts.iter().map(|b| b.as_bytes()).collect();
    let (c, iv) = py
        .detach(|| -> Result<_> {
            let params = counts::gold_params(interval, confidence)?;
            let c = counts::gold_merge(&bytes, n_workers, n_classes)?;
            let iv = c.intervals(&params)?;
            Ok((c, iv))
        })
        .py_err()?;
    let d = PyDict::new(py);
    d.set_item("answered", c.answered().to_vec())?;
    d.set_item("correct", c.correct().to_vec())?;
    d.set_item("accuracy", c.accuracy())?;
    d.set_item("low", iv.iter().map(|i| i.low).collect::<Vec<f64>>())?;
    d.set_item("high", iv.iter().map(|i| i.high).collect::<Vec<f64>>())?;
    Ok(d)
}
