//! The one error type of crowdqc.
//!
//! Every fallible function in the workspace returns [`Result<T>`], whose error is
//! [`Error`]. Variants are structured so that callers can match on what went wrong
//! (a parameter, a column, a row, a file) and messages are lowercase, name the thing
//! at fault and the constraint it broke, and say how to fix it where possible.

use std::path::PathBuf;

/// `Result` with crowdqc's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in crowdqc.
///
/// Bad user input is reported as early as possible. Only broken internal invariants
/// panic, and those are documented under `# Panics` on the item concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its valid range.
    #[error("invalid parameter `{name}`: {constraint}")]
    InvalidParameter {
        /// Parameter name as the user spells it (setter, CLI flag or policy key).
        name: String,
        /// The constraint it broke, including the value given, e.g. `must be > 0, got 0`.
        constraint: String,
    },

    /// A required column is missing from the input.
    #[error(
        "missing column `{wanted}`: tried {tried}; found columns [{found}]; \
         map the column explicitly (e.g. --{wanted}-column NAME)",
        tried = .tried.join(", "),
        found = .found.join(", ")
    )]
    MissingColumn {
        /// The logical column wanted (`item`, `worker`, `label`, ...).
        wanted: String,
        /// The names that were tried (the mapping or the default aliases).
        tried: Vec<String>,
        /// The column names present in the input.
        found: Vec<String>,
    },

    /// A column has a type crowdqc cannot use.
    #[error("column `{column}` has type {found}; expected {expected}")]
    Schema {
        /// Column name.
        column: String,
        /// What would have been accepted.
        expected: String,
        /// The type found.
        found: String,
    },

    /// A value is not acceptable (null id, unknown label, unparsable number, ...).
    #[error("{}column `{column}`: {message}", .row.map(|r| format!("row {}, ", r + 1)).unwrap_or_default())]
    InvalidValue {
        /// Column name.
        column: String,
        /// Zero-based data row (header excluded) across the whole input, when known;
        /// messages show it one-based (`row 1` is the first data row).
        row: Option<u64>,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// Two rows contradict each other in a way the chosen policy forbids.
    #[error("{0}")]
    Conflict(String),

    /// The data do not support the computation (empty input, one class, ...).
    #[error("insufficient data: {0}")]
    InsufficientData(String),

    /// A numerical failure (non-finite objective, singular matrix, ...).
    #[error("numerical failure in {context}{}: {message}", .iteration.map(|i| format!(" at iteration {i}")).unwrap_or_default())]
    Numerical {
        /// Algorithm or function where it happened.
        context: String,
        /// Iteration number (1-based) for iterative methods.
        iteration: Option<usize>,
        /// What happened.
        message: String,
    },

    /// Malformed file content (CSV line, Parquet footer, TOML key, ...).
    #[error("{}{message}", .line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Parse {
        /// One-based line number in the file, when known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },

    /// An I/O failure on a path.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// An error while processing a particular file: wraps another error with the path.
    #[error("{}: {source}", .path.display())]
    InFile {
        /// The file being processed.
        path: PathBuf,
        /// What went wrong in it.
        #[source]
        source: Box<Error>,
    },

    /// The caller asked a long operation to stop (Ctrl-C, a cancelled request); see
    /// [`progress`](crate::progress).
    #[error("interrupted")]
    Interrupted,

    /// A file that a decoder (Parquet, Arrow IPC) rejects: corrupt, truncated or not of
    /// its format. The decoder's error is kept as the [`source`](std::error::Error::source).
    #[error("invalid, corrupt or truncated {format} file: {source}")]
    BadFile {
        /// The file format (`Parquet`, `Arrow IPC`).
        format: String,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },

    /// A failure inside a library (Arrow, Parquet, CSV, JSON) while crowdqc was doing
    /// `context`; the library's error is kept as the [`source`](std::error::Error::source).
    #[error("{context}: {source}")]
    Library {
        /// What crowdqc was doing.
        context: String,
        /// The library's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },

    /// A computation would need more memory than the budget (the memory available, or
    /// a caller's limit such as the CLI's `--max-memory`); see
    /// [`memory`](crate::memory). Nothing was allocated.
    #[error(
        "{what} needs about {} ({bytes} bytes), more than {budget_kind} ({}); {way_out}",
        crate::memory::format_bytes(*.bytes),
        crate::memory::format_bytes(*.budget)
    )]
    ResourceLimit {
        /// What needs the memory (method and table).
        what: String,
        /// The estimate, in bytes (`u64::MAX` when it overflowed).
        bytes: u64,
        /// The budget it was compared with, in bytes.
        budget: u64,
        /// Which budget (`the memory available`, `the memory limit (--max-memory)`).
        budget_kind: String,
        /// How to get a result anyway: a method or coefficient that works sparsely,
        /// fewer classes, a higher limit.
        way_out: String,
    },

    /// An error from a library, with context, when only its message is known (prefer
    /// [`Error::Library`], which keeps the error itself).
    #[error("{context}: {message}")]
    External {
        /// What crowdqc was doing.
        context: String,
        /// The library's message.
        message: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: impl Into<String>, constraint: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            constraint: constraint.into(),
        }
    }

    /// Shorthand for [`Error::InvalidValue`].
    pub fn value(column: impl Into<String>, row: Option<u64>, message: impl Into<String>) -> Self {
        Error::InvalidValue {
            column: column.into(),
            row,
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::InsufficientData`].
    pub fn insufficient(message: impl Into<String>) -> Self {
        Error::InsufficientData(message.into())
    }

    /// Wraps this error with the file it happened in (no-op if already wrapped with a path).
    #[must_use]
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        match self {
            e @ (Error::InFile { .. } | Error::Io { .. }) => e,
            e => Error::InFile {
                path: path.into(),
                source: Box::new(e),
            },
        }
    }

    /// The innermost error, looking through [`Error::InFile`] wrappers.
    pub fn innermost(&self) -> &Error {
        match self {
            Error::InFile { source, .. } => source.innermost(),
            e => e,
        }
    }

    /// True when the error is the caller's fault (bad input, parameter, schema),
    /// false for runtime failures (I/O, numerical, library errors). The CLI maps
    /// the first to exit code 2 and the second to exit code 1.
    pub fn is_user_error(&self) -> bool {
        match self.innermost() {
            Error::InvalidParameter { .. }
            | Error::MissingColumn { .. }
            | Error::Schema { .. }
            | Error::InvalidValue { .. }
            | Error::Conflict(_)
            | Error::InsufficientData(_)
            | Error::Parse { .. }
            | Error::BadFile { .. }
            | Error::ResourceLimit { .. } => true,
            Error::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
            ),
            _ => false,
        }
    }
}

impl Error {
    /// Shorthand for [`Error::Library`].
    pub fn library(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Library {
            context: context.into(),
            source: Box::new(source),
        }
    }
}

impl From<arrow_schema::ArrowError> for Error {
    fn from(e: arrow_schema::ArrowError) -> Self {
        Error::library("arrow", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_thing_and_constraint() {
        let e = Error::param("tol", "must be finite and > 0, got 0");
        assert_eq!(
            e.to_string(),
            "invalid parameter `tol`: must be finite and > 0, got 0"
        );
        let e = Error::value("label", Some(7), "null value; every judgment needs a label");
        assert_eq!(
            e.to_string(),
            "row 8, column `label`: null value; every judgment needs a label"
        );
        let e = Error::MissingColumn {
            wanted: "item".into(),
            tried: vec!["item".into(), "task".into()],
            found: vec!["a".into(), "b".into()],
        };
        let s = e.to_string();
        assert!(
            s.contains("tried item, task") && s.contains("found columns [a, b]"),
            "{s}"
        );
        let e = Error::value("x", None, "bad").in_file("/tmp/f.csv");
        assert_eq!(e.to_string(), "/tmp/f.csv: column `x`: bad");
        assert!(e.is_user_error());
        let e = Error::Numerical {
            context: "dawid-skene".into(),
            iteration: Some(3),
            message: "nan".into(),
        };
        assert_eq!(
            e.to_string(),
            "numerical failure in dawid-skene at iteration 3: nan"
        );
        assert!(!e.is_user_error());
    }

    #[test]
    fn library_errors_keep_their_source() {
        use std::error::Error as _;
        let e = Error::from(arrow_schema::ArrowError::ComputeError("boom".into()));
        assert_eq!(e.to_string(), "arrow: Compute error: boom");
        let src = e.source().expect("the arrow error is kept");
        assert!(src.downcast_ref::<arrow_schema::ArrowError>().is_some());
        assert!(!e.is_user_error());
        let e = Error::BadFile {
            format: "Parquet".into(),
            source: "bad footer".into(),
        };
        assert!(e.is_user_error() && e.source().is_some());
        // wrapping with the file keeps the chain
        let e = e.in_file("/tmp/x.parquet");
        let inner = e.source().expect("wrapped");
        assert!(inner.source().is_some());
    }
}
