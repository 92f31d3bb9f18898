//! Rust values → pyarrow arrays (the Python side turns them into numpy/pandas without
//! copying the numbers).

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, UInt32Array};
use arrow_pyarrow::ToPyArrow;
use crowdqc_core::{IdDictionary, IdKind, IdRef};
use pyo3::prelude::*;
use std::sync::Arc;

/// A pyarrow array from any Arrow array.
pub(crate) fn to_py<'py>(py: Python<'py>, a: &dyn Array) -> PyResult<Bound<'py, PyAny>> {
    a.to_data().to_pyarrow(py)
}

/// `float64` pyarrow array owning `v` (no copy: the buffer moves into Arrow).
pub(crate) fn f64s<'py>(py: Python<'py>, v: Vec<f64>) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &Float64Array::from(v))
}

/// `uint32` pyarrow array owning `v`.
pub(crate) fn u32s<'py>(py: Python<'py>, v: Vec<u32>) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &UInt32Array::from(v))
}

/// The ids of a dictionary in code order: `int64` for integer ids, `string` otherwise.
pub(crate) fn ids(dict: &IdDictionary) -> ArrayRef {
    ids_from(dict.kind(), dict.len(), dict.iter())
}

/// Ids from an iterator: `int64` when `kind` is integer, `string` otherwise.
pub(crate) fn ids_from<'a>(
    kind: IdKind,
    len: usize,
    iter: impl Iterator<Item = IdRef<'a>>,
) -> ArrayRef {
    match kind {
        IdKind::Int => Arc::new(Int64Array::from_iter_values(iter.map(|id| match id {
            IdRef::Int(v) => v,
            // an integer dictionary holds integers only; keep going rather than panic
            IdRef::Str(s) => s.parse().unwrap_or_default(),
        }))),
        IdKind::Str => {
            let mut b = StringBuilder::with_capacity(len, len * 8);
            for id in iter {
                match id {
                    IdRef::Str(s) => b.append_value(s),
                    IdRef::Int(v) => b.append_value(v.to_string()),
                }
            }
            Arc::new(b.finish())
        }
    }
}
