//! Python exceptions mapped from [`crowdqc_core::Error`].
//!
//! The exception classes are defined in Python (`crowdqc._errors`: `Error`, a
//! `ValueError`, and one subclass per kind of error; `MissingColumnError` is also a
//! `KeyError`, as crowd-kit raises for a missing column). I/O errors become `OSError`
//! and an interrupted fit `KeyboardInterrupt`, the exceptions Python code already
//! handles for those.

use crowdqc_core::Error;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// The class `name` of `crowdqc._errors` (`ValueError` if the package is not importable).
fn class<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyType> {
    py.import("crowdqc._errors")
        .and_then(|m| m.getattr(name))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
        .unwrap_or_else(|_| py.get_type::<PyValueError>())
}

/// The Python exception of the crowdqc error kind `e`, with `msg`.
fn of_kind(py: Python<'_>, e: &Error, msg: String) -> PyErr {
    let name = match e {
        Error::InvalidParameter { .. } => "InvalidParameterError",
        Error::MissingColumn { .. } => "MissingColumnError",
        Error::Schema { .. } => "SchemaError",
        Error::InvalidValue { .. } => "InvalidValueError",
        Error::InsufficientData(_) => "InsufficientDataError",
        Error::Numerical { .. } => "NumericalError",
        Error::Parse { .. } | Error::Conflict(_) => "ParseError",
        Error::Io { .. } => return PyOSError::new_err(msg),
        Error::Interrupted => return PyKeyboardInterrupt::new_err("crowdqc: interrupted"),
        Error::InFile { source, .. } => return of_kind(py, source, msg),
        _ => "Error",
    };
    PyErr::from_type(class(py, name), msg)
}

/// The Python exception for a crowdqc error, with the library's message.
pub fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    Python::attach(|py| of_kind(py, &e, msg))
}

/// `Result` conversion shorthand.
pub(crate) trait IntoPy<T> {
    /// Maps the crowdqc error to its Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for crowdqc_core::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
