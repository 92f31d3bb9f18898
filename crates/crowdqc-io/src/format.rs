//! File formats, chosen by extension (and, for Arrow IPC, by the file's magic bytes).

use std::fmt;
use std::path::Path;

use crowdqc_core::{Error, Result};

/// A table file format crowdqc reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFormat {
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Tab-separated values with a header row (`.tsv`), read and written like CSV.
    Tsv,
    /// Arrow IPC, file or stream format (`.arrow`, `.ipc`, `.feather`).
    Ipc,
}

impl FileFormat {
    /// The extensions accepted, for messages.
    pub const EXTENSIONS: &'static str = ".parquet, .csv, .tsv, .arrow or .ipc";

    /// The format of `path`, from its extension (case-insensitive).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the extension is missing or not supported.
    ///
    /// # Examples
    /// ```
    /// use crowdqc_io::FileFormat;
    /// assert_eq!(FileFormat::from_path("a/b.PARQUET".as_ref()).unwrap(), FileFormat::Parquet);
    /// assert!(FileFormat::from_path("b.xlsx".as_ref()).is_err());
    /// ```
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("parquet" | "pq") => Ok(FileFormat::Parquet),
            Some("csv") => Ok(FileFormat::Csv),
            Some("tsv" | "tab") => Ok(FileFormat::Tsv),
            Some("arrow" | "ipc" | "feather" | "arrows") => Ok(FileFormat::Ipc),
            other => Err(Error::param(
                "path",
                format!(
                    "unsupported file extension {}; use {}",
                    other.map_or_else(|| "(none)".to_string(), |e| format!("`.{e}`")),
                    Self::EXTENSIONS
                ),
            )),
        }
    }
}

impl FileFormat {
    /// The field delimiter of a delimited text format.
    pub(crate) fn delimiter(self) -> u8 {
        if self == FileFormat::Tsv { b'\t' } else { b',' }
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileFormat::Parquet => "parquet",
            FileFormat::Csv => "csv",
            FileFormat::Tsv => "tsv",
            FileFormat::Ipc => "arrow ipc",
        })
    }
}
