//! [`DistShard`]: one shard's judgments, resident in the process (a Ray actor) that
//! reads them, and the shard-side steps of the distributed fits.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use arrow_schema::{Field, Schema};
use crowdqc_aggregation::distributed::{
    self as dist, DsParams, GlobalIds, IdSort, Shard, ShardIds, SortedIds,
};
use crowdqc_core::{ColumnMap, Error, Result};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::counts;
use crate::arrow_out::{f64s, u32s};
use crate::errors::IntoPy;

/// A one-column (`id`) record batch of sorted ids.
pub(crate) fn id_batch(ids: &SortedIds) -> Result<RecordBatch> {
    let arr: ArrayRef = ids.to_array();
    let schema = Schema::new(vec![Field::new("id", arr.data_type().clone(), false)]);
    RecordBatch::try_new(Arc::new(schema), vec![arr]).map_err(|e| Error::External {
        context: "building an id batch".into(),
        message: e.to_string(),
    })
}

/// The sorted ids of a one-column batch made by [`id_batch`].
pub(crate) fn ids_of(batch: &RecordBatch, what: &str, sort: IdSort) -> Result<SortedIds> {
    if batch.num_columns() != 1 {
        return Err(Error::param(
            what,
            format!(
                "needs a one-column id batch, got {} columns",
                batch.num_columns()
            ),
        ));
    }
    SortedIds::from_array(batch.column(0), what, sort)
}

pub(crate) fn batch_from_py(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    RecordBatch::from_pyarrow_bound(obj)
}

/// One shard of judgments partitioned by item: read from its files with crowdqc's
/// reader ([`read`](Self::read)), its sorted ids listed ([`ids`](Self::ids)), then coded
/// with the global dictionaries ([`build`](Self::build)); after that it answers the
/// E-step, posteriors and majority vote of the distributed fits.
#[pyclass(module = "crowdqc._native")]
pub struct DistShard {
    files: Vec<PathBuf>,
    batches: Vec<RecordBatch>,
    gold: Vec<RecordBatch>,
    shard: Option<Arc<Shard>>,
    /// The global labels (to code gold labels).
    labels: Option<SortedIds>,
}

impl DistShard {
    fn built(&self) -> PyResult<Arc<Shard>> {
        self.shard.clone().ok_or_else(|| {
            crate::errors::to_py(Error::param(
                "shard",
                "is not built yet: call build(workers, labels) with the global dictionaries",
            ))
        })
    }
}

fn params_of(bytes: &[u8]) -> Result<DsParams> {
    DsParams::from_bytes(bytes)
}

#[pymethods]
impl DistShard {
    /// Reads the shard's judgment files (Parquet, CSV or Arrow IPC by extension) and
    /// its gold files, if any, with crowdqc's reader; the GIL is released.
    #[staticmethod]
    #[pyo3(signature = (files, gold_files=None))]
    fn read(
        py: Python<'_>,
        files: Vec<PathBuf>,
        gold_files: Option<Vec<PathBuf>>,
    ) -> PyResult<DistShard> {
        let f = files.clone();
        let (batches, gold) = py
            .detach(move || -> Result<(Vec<RecordBatch>, Vec<RecordBatch>)> {
                let mut batches = Vec::new();
                for p in &f {
                    batches.extend(crowdqc_io::read_table(p)?);
                }
                let mut gold = Vec::new();
                for p in gold_files.iter().flatten() {
                    gold.extend(crowdqc_io::read_table(p)?);
                }
                Ok((batches, gold))
            })
            .py_err()?;
        Ok(DistShard {
            files,
            batches,
            gold,
            shard: None,
            labels: None,
        })
    }

    /// The shard's sorted unique `(items, workers, labels)`, each a one-column
    /// (`id`) pyarrow RecordBatch, for the driver's `dist_global_ids`.
    fn ids<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let batches = &self.batches;
        let (i, w, l) = py
            .detach(|| -> Result<(RecordBatch, RecordBatch, RecordBatch)> {
                let ids = ShardIds::from_batches(batches, &ColumnMap::default())?;
                Ok((
                    id_batch(&ids.items)?,
                    id_batch(&ids.workers)?,
                    id_batch(&ids.labels)?,
                ))
            })
            .py_err()?;
        Ok((i.to_pyarrow(py)?, w.to_pyarrow(py)?, l.to_pyarrow(py)?))
    }

    /// Codes the shard with the global dictionaries `(workers, labels, n_items)` (what
    /// `GlobalDicts.to_batches()` returns) and frees the read batches; returns the
    /// number of judgments.
    fn build(&mut self, py: Python<'_>, dicts: &Bound<'_, PyAny>) -> PyResult<usize> {
        let (w, l, n_items): (Bound<'_, PyAny>, Bound<'_, PyAny>, usize) = dicts.extract()?;
        let (w, l) = (batch_from_py(&w)?, batch_from_py(&l)?);
        let batches = std::mem::take(&mut self.batches);
        let (shard, labels) = py
            .detach(move || -> Result<(Shard, SortedIds)> {
                let global = GlobalIds {
                    workers: ids_of(&w, "workers", IdSort::Ids)?,
                    labels: ids_of(&l, "labels", IdSort::Labels)?,
                    n_items,
                };
                let shard = Shard::from_batches(&batches, &ColumnMap::default(), &global)?;
                Ok((shard, global.labels))
            })
            .py_err()?;
        let n = shard.n_judgments();
        self.shard = Some(Arc::new(shard));
        self.labels = Some(labels);
        Ok(n)
    }

    /// Number of judgments (after `build`).
    #[getter]
    fn n_judgments(&self) -> PyResult<usize> {
        Ok(self.built()?.n_judgments())
    }

    /// Number of items (after `build`).
    #[getter]
    fn n_items(&self) -> PyResult<usize> {
        Ok(self.built()?.n_items())
    }

    /// Bytes of heap the coded shard holds.
    #[getter]
    fn heap_bytes(&self) -> PyResult<usize> {
        Ok(self.built()?.heap_bytes())
    }

    /// The files read.
    #[getter]
    fn files(&self) -> Vec<PathBuf> {
        self.files.clone()
    }

    /// The statistics of the majority-vote start (`DsStats` bytes).
    fn init_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let s = self.built()?;
        let out = py
            .detach(move || dist::init_stats(&s).map(|st| st.to_bytes()))
            .py_err()?;
        Ok(PyBytes::new(py, &out))
    }

    /// The E-step under `params` (`DsParams` bytes): the shard's `DsStats` bytes.
    fn e_step<'py>(&self, py: Python<'py>, params: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let s = self.built()?;
        let out = py
            .detach(|| -> Result<Vec<u8>> { Ok(dist::e_step(&s, &params_of(params)?)?.to_bytes()) })
            .py_err()?;
        Ok(PyBytes::new(py, &out))
    }

    /// Posteriors under `params` (`DsParams` bytes): `(item ids of the shard in sorted
    /// order as a one-column RecordBatch, posteriors as flat row-major pyarrow float64)`.
    fn posteriors<'py>(
        &self,
        py: Python<'py>,
        params: &[u8],
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let s = self.built()?;
        let (items, q) = py
            .detach(|| -> Result<(RecordBatch, Vec<f64>)> {
                let q = dist::posteriors(&s, &params_of(params)?)?;
                Ok((item_batch(&s)?, q))
            })
            .py_err()?;
        Ok((items.to_pyarrow(py)?, f64s(py, q)?))
    }

    /// Majority vote: `(item ids batch, vote shares flat float64, labels uint32,
    /// per-worker correct counts, per-worker answered counts)`; ties go to the lowest
    /// class index.
    #[allow(clippy::type_complexity)]
    fn majority_vote<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Vec<u64>,
        Vec<u64>,
    )> {
        let s = self.built()?;
        let (items, mv) = py
            .detach(|| -> Result<(RecordBatch, dist::MvShard)> {
                Ok((item_batch(&s)?, dist::mv_shard(&s)))
            })
            .py_err()?;
        Ok((
            items.to_pyarrow(py)?,
            f64s(py, mv.shares)?,
            u32s(py, mv.labels)?,
            mv.stats.correct,
            mv.stats.answered,
        ))
    }

    /// Agreement counts: the histogram of the items' category-count vectors (bytes,
    /// merged by `agreement_merge`).
    fn agreement_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let s = self.built()?;
        let out = py.detach(move || counts::agreement_histogram(&s));
        Ok(PyBytes::new(py, &out))
    }

    /// Gold counts of the shard's gold items: `(confusion cells bytes, gold items with
    /// judgments here, gold rows whose item has no judgment here)`.
    fn gold_counts<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyBytes>, u64, u64)> {
        let s = self.built()?;
        if self.gold.is_empty() {
            return Err(crate::errors::to_py(Error::param(
                "gold_files",
                "this shard has no gold: partition the judgments with gold=... \
                 (or give gold_files)",
            )));
        }
        let (gold, labels) = (&self.gold, self.labels.as_ref());
        let (cells, with, without) = py
            .detach(|| -> Result<(Vec<u8>, u64, u64)> {
                let labels = labels.ok_or_else(|| Error::param("shard", "is not built"))?;
                counts::gold_cells(&s, gold, labels)
            })
            .py_err()?;
        Ok((PyBytes::new(py, &cells), with, without))
    }

    /// Whether gold files were read.
    #[getter]
    fn has_gold(&self) -> bool {
        !self.gold.is_empty()
    }

    fn __repr__(&self) -> String {
        match &self.shard {
            Some(s) => format!(
                "DistShard(n_items={}, n_judgments={}, n_workers={}, n_classes={})",
                s.n_items(),
                s.n_judgments(),
                s.n_workers(),
                s.n_classes()
            ),
            None => format!("DistShard(files={:?}, not built)", self.files),
        }
    }
}

/// The shard's item ids as a one-column batch.
fn item_batch(s: &Shard) -> Result<RecordBatch> {
    let items = s.items().ok_or_else(|| {
        Error::param(
            "shard",
            "has no item ids (built inside a single-machine fit)",
        )
    })?;
    id_batch(items)
}
