//! Python exceptions mapped from [`crowdqc_core::Error`].
//!
//! `crowdqc.Error` derives from `ValueError`; each variant of the Rust error has a
//! subclass. I/O errors become `OSError` and an interrupted fit `KeyboardInterrupt`,
//! the exceptions Python code already handles for those.

use crowdqc_core::Error;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    crowdqc,
    CrowdqcError,
    PyValueError,
    "Base class of crowdqc's errors (a ValueError)."
);
pyo3::create_exception!(
    crowdqc,
    InvalidParameterError,
    CrowdqcError,
    "A parameter is outside its valid range."
);
pyo3::create_exception!(
    crowdqc,
    MissingColumnError,
    CrowdqcError,
    "A required column is missing; the message lists the names tried and the columns found."
);
pyo3::create_exception!(
    crowdqc,
    SchemaError,
    CrowdqcError,
    "A column has a type crowdqc cannot use (e.g. mixed-type labels)."
);
pyo3::create_exception!(
    crowdqc,
    InvalidValueError,
    CrowdqcError,
    "A value is not acceptable (null id or label, unknown label, ...); names column and row."
);
pyo3::create_exception!(
    crowdqc,
    InsufficientDataError,
    CrowdqcError,
    "The data do not support the computation (empty input, one class, ...)."
);
pyo3::create_exception!(
    crowdqc,
    NumericalError,
    CrowdqcError,
    "A numerical failure (non-finite objective, ...)."
);
pyo3::create_exception!(
    crowdqc,
    ParseError,
    CrowdqcError,
    "Malformed file content or conflicting rows."
);

/// Adds the exception classes to the module (`Error` is the base class).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<CrowdqcError>())?;
    m.add("InvalidParameterError", py.get_type::<InvalidParameterError>())?;
    m.add("MissingColumnError", py.get_type::<MissingColumnError>())?;
    m.add("SchemaError", py.get_type::<SchemaError>())?;
    m.add("InvalidValueError", py.get_type::<InvalidValueError>())?;
    m.add("InsufficientDataError", py.get_type::<InsufficientDataError>())?;
    m.add("NumericalError", py.get_type::<NumericalError>())?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    Ok(())
}

/// The Python exception for a crowdqc error, with the library's message.
pub fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::InvalidParameter { .. } => InvalidParameterError::new_err(msg),
        Error::MissingColumn { .. } => MissingColumnError::new_err(msg),
        Error::Schema { .. } => SchemaError::new_err(msg),
        Error::InvalidValue { .. } => InvalidValueError::new_err(msg),
        Error::InsufficientData(_) => InsufficientDataError::new_err(msg),
        Error::Numerical { .. } => NumericalError::new_err(msg),
        Error::Parse { .. } | Error::Conflict(_) => ParseError::new_err(msg),
        Error::Io { .. } => PyOSError::new_err(msg),
        Error::InFile { source, .. } => {
            // keep the class of the underlying error, with the path in the message
            let inner = to_py(*source);
            Python::attach(|py| {
                let ty = inner.get_type(py);
                PyErr::from_type(ty, msg)
            })
        }
        Error::Interrupted => PyKeyboardInterrupt::new_err("crowdqc: interrupted"),
        _ => CrowdqcError::new_err(msg),
    }
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
