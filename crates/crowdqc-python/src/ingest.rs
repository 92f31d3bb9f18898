//! [`Matrix`]: judgments from an Arrow C stream into a [`JudgmentMatrix`].

use arrow_array::RecordBatchReader;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_pyarrow::FromPyArrow;
use crowdqc_core::{ColumnMap, Error, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use pyo3::prelude::*;
use std::sync::Arc;

use crate::arrow_out;
use crate::errors::IntoPy;

/// A judgment matrix `(item, worker, label)` built once and fitted any number of times.
///
/// Build it with `Matrix.from_arrow(data, gold=None, item=None, worker=None,
/// label=None)`: `data` is anything exporting `__arrow_c_stream__` (a pyarrow Table or
/// RecordBatchReader, a polars DataFrame, a pandas ≥ 2.2 DataFrame). Columns are found
/// by the given names or by the aliases `item`/`task`, `worker`/`performer`/`annotator`
/// and `label`. Ids keep their type (integers or strings); classes are the labels that
/// occur, sorted. Duplicate `(item, worker)` rows are all kept, as crowd-kit does.
#[pyclass(frozen, module = "crowdqc._native")]
pub struct Matrix {
    pub(crate) inner: Arc<JudgmentMatrix>,
}

fn stream(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    RecordBatchStreamReader::from_pyarrow_bound(obj)
}

fn arrow_err(context: &str, e: impl std::fmt::Display) -> Error {
    Error::External {
        context: context.into(),
        message: e.to_string(),
    }
}

/// Every batch of an Arrow C stream (`what` names it in a read error).
pub(crate) fn read_all(
    reader: RecordBatchStreamReader,
    what: &str,
) -> crowdqc_core::Result<Vec<arrow_array::RecordBatch>> {
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| arrow_err(&format!("reading the {what} stream"), e))
}

/// `batches` paired with the zero-based data row of each one's first row, as the
/// libraries' table readers take them (so errors name the row).
pub(crate) fn numbered(
    batches: &[arrow_array::RecordBatch],
) -> Vec<(u64, &arrow_array::RecordBatch)> {
    let mut row0 = 0u64;
    batches
        .iter()
        .map(|b| {
            let r = row0;
            row0 += b.num_rows() as u64;
            (r, b)
        })
        .collect()
}

#[pymethods]
impl Matrix {
    /// Builds the matrix from an Arrow C stream (see the class docs); `gold` is an
    /// optional stream with `item`/`task` and `label`/`true_label` columns. The GIL is
    /// released while the batches are read; input columns are not copied.
    #[staticmethod]
    #[pyo3(signature = (data, gold=None, item=None, worker=None, label=None))]
    fn from_arrow(
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        gold: Option<&Bound<'_, PyAny>>,
        item: Option<String>,
        worker: Option<String>,
        label: Option<String>,
    ) -> PyResult<Matrix> {
        let reader = stream(data)?;
        let gold = gold.map(stream).transpose()?;
        let mut columns = ColumnMap::default();
        if let Some(name) = item {
            columns = columns.with_item(name);
        }
        if let Some(name) = worker {
            columns = columns.with_worker(name);
        }
        if let Some(name) = label {
            columns = columns.with_label(name);
        }
        let opts = IngestOptions::default().with_columns(columns);
        let inner = py
            .detach(move || -> crowdqc_core::Result<JudgmentMatrix> {
                let mut b = JudgmentMatrixBuilder::new(opts)?;
                for batch in reader {
                    b.push_batch(&batch.map_err(|e| arrow_err("reading the input stream", e))?)?;
                }
                if let Some(g) = gold {
                    for batch in g {
                        b.push_gold_batch(
                            &batch.map_err(|e| arrow_err("reading the gold stream", e))?,
                        )?;
                    }
                }
                if b.rows() == 0 {
                    return Err(Error::insufficient(
                        "the input has no rows; pass a frame with at least one judgment",
                    ));
                }
                b.finish()
            })
            .py_err()?;
        Ok(Matrix {
            inner: Arc::new(inner),
        })
    }

    /// The column names of an Arrow C stream's schema (without reading its batches).
    #[staticmethod]
    fn schema_names(data: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let reader = stream(data)?;
        Ok(reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect())
    }

    /// Number of items (tasks).
    #[getter]
    fn n_items(&self) -> usize {
        self.inner.n_items()
    }

    /// Number of workers.
    #[getter]
    fn n_workers(&self) -> usize {
        self.inner.n_workers()
    }

    /// Number of classes (labels).
    #[getter]
    fn n_classes(&self) -> usize {
        self.inner.n_classes()
    }

    /// Number of judgments (rows).
    #[getter]
    fn n_judgments(&self) -> usize {
        self.inner.n_judgments()
    }

    /// Item ids in first-appearance order (pyarrow `int64` or `string`).
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        arrow_out::to_py(py, &arrow_out::ids(self.inner.items()))
    }

    /// Worker ids in first-appearance order (pyarrow `int64` or `string`).
    fn workers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        arrow_out::to_py(py, &arrow_out::ids(self.inner.workers()))
    }

    /// Class labels in class order (sorted; numerically for numbers).
    fn classes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.classes();
        arrow_out::to_py(py, &arrow_out::ids_from(c.kind(), c.len(), c.iter()))
    }

    /// Per judgment (in item order): item index, worker index and class index, as
    /// three pyarrow `uint32` arrays.
    fn judgments<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let m = &self.inner;
        Ok((
            arrow_out::u32s(py, m.judgment_items().to_vec())?,
            arrow_out::u32s(py, m.judgment_workers().to_vec())?,
            arrow_out::u32s(py, m.judgment_classes().to_vec())?,
        ))
    }

    /// The distinct `(worker index, class index)` pairs of the judgments, sorted by
    /// worker then class, as two pyarrow `uint32` arrays (the rows of crowd-kit's
    /// `errors_`). One pass over the judgments.
    fn observed_pairs<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let m = &self.inner;
        let k = m.n_classes();
        let classes = m.judgment_classes();
        let (mut ws, mut cs) = (Vec::new(), Vec::new());
        let mut seen = vec![false; k];
        for w in 0..m.n_workers() as u32 {
            for &p in m.worker_judgments(w) {
                seen[classes[p as usize] as usize] = true;
            }
            for (c, s) in seen.iter_mut().enumerate() {
                if *s {
                    ws.push(w);
                    cs.push(c as u32);
                    *s = false;
                }
            }
        }
        Ok((arrow_out::u32s(py, ws)?, arrow_out::u32s(py, cs)?))
    }

    /// Bytes of heap the matrix holds.
    #[getter]
    fn heap_bytes(&self) -> usize {
        self.inner.heap_bytes()
    }

    fn __repr__(&self) -> String {
        format!(
            "Matrix(n_items={}, n_workers={}, n_classes={}, n_judgments={})",
            self.inner.n_items(),
            self.inner.n_workers(),
            self.inner.n_classes(),
            self.inner.n_judgments()
        )
    }
}
