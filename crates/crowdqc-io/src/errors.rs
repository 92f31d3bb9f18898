//! Mapping of library errors (Parquet, Arrow, CSV, I/O) to crowdqc's [`Error`].

use std::path::Path;

use arrow_schema::ArrowError;
use crowdqc_core::Error;
use parquet::errors::ParquetError;

/// An I/O error on `path`; a directory where a file was expected is a bad input, not a
/// runtime failure.
pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
    if path.is_dir() {
        return not_a_file(path);
    }
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The error for a directory given where a file was expected.
pub(crate) fn not_a_file(path: &Path) -> Error {
    Error::Parse {
        line: None,
        message: "is a directory, not a file; give the path of a .parquet, .csv, .tsv or \
                  .arrow file"
            .into(),
    }
    .in_file(path)
}

/// A Parquet decoding error: the file is corrupt, truncated or not Parquet.
pub(crate) fn parquet(e: ParquetError) -> Error {
    Error::BadFile {
        format: "Parquet".into(),
        source: Box::new(e),
    }
}

/// An Arrow error while decoding a file of the given kind.
pub(crate) fn arrow_read(kind: &str, path: &Path, e: ArrowError) -> Error {
    match e {
        // a seek before the start or past the end, or bytes that are not what the
        // format says, come from the file's content: a bad file, not a failing disk
        ArrowError::IoError(_, source)
            if !matches!(
                source.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::InvalidInput
                    | std::io::ErrorKind::InvalidData
            ) =>
        {
            io(path, source)
        }
        e => Error::BadFile {
            format: kind.into(),
            source: Box::new(e),
        },
    }
}

/// A failure while writing (always a runtime failure, exit code 1).
pub(crate) fn write(kind: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::library(format!("writing {kind}"), e)
}

/// A CSV reading error, with its line number.
pub(crate) fn csv(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(csv::Position::line);
    match e.into_kind() {
        csv::ErrorKind::Io(source) => io(path, source),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => Error::Parse {
            line: pos.map(|p| p.line()).or(line),
            message: format!(
                "found {len} fields but the header has {expected_len}; every row needs one \
                 value per column (quote fields that contain commas)"
            ),
        },
        csv::ErrorKind::Utf8 { pos, err } => Error::Parse {
            line: pos.map(|p| p.line()).or(line),
            message: format!(
                "field {} is not valid UTF-8; re-encode the file as UTF-8",
                err.field() + 1
            ),
        },
        other => Error::Parse {
            line,
            message: format!("malformed CSV: {other:?}"),
        },
    }
}

/// Adds the CSV line number to a value error that names a row of the current batch
/// (`lines` holds the line of each row of the batch, which starts at row `row0`).
pub(crate) fn with_line(e: Error, lines: Option<&[u64]>, row0: u64) -> Error {
    match e {
        Error::InvalidValue {
            column,
            row: Some(row),
            message,
        } => {
            let line = row
                .checked_sub(row0)
                .and_then(|r| lines?.get(usize::try_from(r).ok()?).copied());
            let message = match line {
                Some(l) => format!("{message} (line {l})"),
                None => message,
            };
            Error::InvalidValue {
                column,
                row: Some(row),
                message,
            }
        }
        e => e,
    }
}
