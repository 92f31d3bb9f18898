//! crowd-kit's metrics over `crowdqc-agreement`, and file reading over `crowdqc-io`.

use std::path::PathBuf;

use arrow_pyarrow::{IntoPyArrow, Table};
use crowdqc_agreement::{ItemCounts, Level, UncertaintyBy};
use crowdqc_core::{Error, Result};
use pyo3::prelude::*;

use crate::arrow_out::{f64s, u32s};
use crate::errors::{IntoPy, to_py};
use crate::ingest::Matrix;

/// Krippendorff's alpha of the matrix at `level` (`nominal`, `ordinal`, `interval`,
/// `ratio`); `None` when undefined on the data (one value only, no pairable unit).
#[pyfunction]
#[pyo3(signature = (matrix, level="nominal"))]
pub fn krippendorff_alpha(matrix: &Matrix, level: &str) -> PyResult<Option<f64>> {
    let level: Level = level.parse().py_err()?;
    let counts = ItemCounts::from_matrix(&matrix.inner);
    let c = crowdqc_agreement::krippendorff_alpha(&counts, level).py_err()?;
    Ok(c.value())
}

/// crowd-kit's per-item (`by="task"`) or per-worker (`by="worker"`) uncertainty
/// (Shannon entropy of skill-weighted label shares) as pyarrow `float64`; `skills` per
/// worker index, `None` = every skill 1.
#[pyfunction]
#[pyo3(signature = (matrix, skills=None, by="task"))]
pub fn uncertainty<'py>(
    py: Python<'py>,
    matrix: &Matrix,
    skills: Option<Vec<f64>>,
    by: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let by = match by {
        "task" => UncertaintyBy::Item,
        "worker" => UncertaintyBy::Worker,
        other => {
            return Err(to_py(Error::param(
                "compute_by",
                format!("must be 'task' or 'worker', got '{other}'"),
            )));
        }
    };
    let v = crowdqc_agreement::uncertainty(&matrix.inner, skills.as_deref(), by).py_err()?;
    f64s(py, v)
}

/// crowd-kit's per-item consistency of the consensus class indices `consensus` under
/// per-worker `skills`, as pyarrow `float64`.
#[pyfunction]
pub fn consistency<'py>(
    py: Python<'py>,
    matrix: &Matrix,
    consensus: Vec<u32>,
    skills: Vec<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let v = crowdqc_agreement::consistency(&matrix.inner, &consensus, &skills).py_err()?;
    f64s(py, v)
}

/// Majority vote (ties to the lowest class index) and crowd-kit's MV skills:
/// `(labels uint32 per item, skills float64 per worker)`.
#[pyfunction]
pub fn mv_skills<'py>(
    py: Python<'py>,
    matrix: &Matrix,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (labels, skills) = crowdqc_agreement::majority_vote_with_skills(&matrix.inner);
    Ok((u32s(py, labels)?, f64s(py, skills)?))
}

/// Reads a Parquet, CSV or Arrow IPC file (by extension) into a `pyarrow.Table`. The
/// GIL is released while the file is read.
#[pyfunction]
pub fn read_table(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyAny>> {
    let table = py
        .detach(|| -> Result<Table> {
            let batches = crowdqc_io::read_table(&path)?;
            let schema = match batches.first() {
                Some(b) => b.schema(),
                None => crowdqc_io::BatchReader::open(&path)?.schema(),
            };
            Table::try_new(batches, schema).map_err(|e| Error::External {
                context: format!("assembling the table of {}", path.display()),
                message: e.to_string(),
            })
        })
        .map_err(to_py)?;
    table.into_pyarrow(py)
}
