//! [`BatchReader`]: a streaming reader of record batches from any supported file.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_ipc::reader::{FileReader, StreamReader};
use arrow_schema::SchemaRef;
use crowdqc_core::{ColumnMap, Error, Result};
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;

use crate::csv_input::{self, CsvBatches};
use crate::errors;
use crate::format::FileFormat;
use crate::guard::guarded;
use crate::parquet_input;
use crate::projection::{Role, select};

/// Rows per record batch when reading (Parquet, CSV).
pub const BATCH_SIZE: usize = 65_536;

enum Inner {
    Parquet(ParquetRecordBatchReader),
    Csv(Box<CsvBatches>),
    IpcFile(FileReader<BufReader<File>>),
    IpcStream(StreamReader<BufReader<File>>),
}

/// Streams record batches from a Parquet, CSV or Arrow IPC file, optionally reading only
/// the columns that judgments or gold labels need. Never holds more than one batch.
///
/// Every error is wrapped with the file's path ([`Error::InFile`]).
///
/// ```no_run
/// use crowdqc_io::BatchReader;
/// # fn main() -> crowdqc_core::Result<()> {
/// let mut rows = 0;
/// for batch in BatchReader::open("results.parquet".as_ref())? {
///     rows += batch?.num_rows();
/// }
/// # Ok(()) }
/// ```
pub struct BatchReader {
    path: PathBuf,
    format: FileFormat,
    schema: SchemaRef,
    total_rows: Option<u64>,
    rows_read: u64,
    failed: bool,
    inner: Inner,
}

impl std::fmt::Debug for BatchReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchReader")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("schema", &self.schema)
            .field("total_rows", &self.total_rows)
            .field("rows_read", &self.rows_read)
            .finish_non_exhaustive()
    }
}

impl BatchReader {
    /// Opens a file and reads all its columns.
    ///
    /// # Errors
    /// Unsupported extension, missing or unreadable file, malformed header or footer.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, None, BATCH_SIZE).map_err(|e| e.in_file(path))
    }

    /// Opens a judgment file, reading only the item, worker and label columns (and
    /// `timestamp` / `duration_ms` when present), found by the names in `columns` or the
    /// default aliases (`item`|`task`, `worker`|`performer`|`annotator`, `label`).
    /// Parquet string id columns whose pages are all dictionary encoded are read as
    /// Arrow dictionaries.
    ///
    /// # Errors
    /// As [`open`](Self::open), plus [`Error::MissingColumn`] listing the columns found
    /// and the names tried.
    pub fn open_judgments(path: &Path, columns: &ColumnMap) -> Result<Self> {
        Self::open_with(path, Some((columns, Role::Judgments)), BATCH_SIZE)
            .map_err(|e| e.in_file(path))
    }

    /// Opens a gold file, reading only the item column and the gold label column
    /// (mapped label column, else `label`, `true_label` or `gold`).
    ///
    /// # Errors
    /// As [`open_judgments`](Self::open_judgments).
    pub fn open_gold(path: &Path, columns: &ColumnMap) -> Result<Self> {
        Self::open_with(path, Some((columns, Role::Gold)), BATCH_SIZE).map_err(|e| e.in_file(path))
    }

    /// Opens a table of per-worker weights, reading only the worker column (mapped
    /// name, else `worker`, `performer`, `annotator`; CSV ids typed as in judgments) and
    /// the weight column (`weight` or `skill`).
    ///
    /// # Errors
    /// As [`open_judgments`](Self::open_judgments).
    pub fn open_weights(path: &Path, columns: &ColumnMap) -> Result<Self> {
        Self::open_with(path, Some((columns, Role::Weights)), BATCH_SIZE)
            .map_err(|e| e.in_file(path))
    }

    fn open_with(path: &Path, role: Option<(&ColumnMap, Role)>, batch_size: usize) -> Result<Self> {
        let format = FileFormat::from_path(path)?;
        if path.is_dir() {
            return Err(errors::not_a_file(path));
        }
        let (inner, schema, total_rows) = match format {
            FileFormat::Parquet => {
                let o = guarded("Parquet", || parquet_input::open(path, role, batch_size))?;
                (Inner::Parquet(o.reader), o.schema, Some(o.rows))
            }
            FileFormat::Csv | FileFormat::Tsv => {
                let (b, rows) = csv_input::open(path, role, batch_size, format.delimiter())?;
                let schema = b.schema();
                (Inner::Csv(Box::new(b)), schema, Some(rows))
            }
            FileFormat::Ipc => guarded("Arrow IPC", || open_ipc(path, role))?,
        };
        Ok(BatchReader {
            path: path.to_path_buf(),
            format,
            schema,
            total_rows,
            rows_read: 0,
            failed: false,
            inner,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's format.
    pub fn format(&self) -> FileFormat {
        self.format
    }

    /// The schema of the batches (only the selected columns).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Number of data rows in the file, when known before reading (Parquet footer,
    /// CSV after its first pass).
    pub fn total_rows(&self) -> Option<u64> {
        self.total_rows
    }

    /// Rows returned so far.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// For CSV input: the one-based line number in the file of each row of the last
    /// batch returned (rows with quoted line breaks make lines differ from rows), taken
    /// out of the reader; `None` for other formats.
    pub fn take_lines(&mut self) -> Option<Vec<u64>> {
        match &mut self.inner {
            Inner::Csv(c) => Some(c.take_lines()),
            _ => None,
        }
    }

    fn next_raw(&mut self) -> Option<Result<RecordBatch>> {
        if self.failed {
            return None;
        }
        let path = &self.path;
        let item = match &mut self.inner {
            Inner::Parquet(r) => guarded("Parquet", || {
                Ok(r.next()
                    .map(|b| b.map_err(|e| errors::arrow_read("Parquet", path, e))))
            }),
            Inner::Csv(r) => Ok(r.next()),
            Inner::IpcFile(r) => guarded("Arrow IPC", || {
                Ok(r.next()
                    .map(|b| b.map_err(|e| errors::arrow_read("Arrow IPC", path, e))))
            }),
            Inner::IpcStream(r) => guarded("Arrow IPC", || {
                Ok(r.next()
                    .map(|b| b.map_err(|e| errors::arrow_read("Arrow IPC", path, e))))
            }),
        };
        let item = item.unwrap_or_else(|e| Some(Err(e)));
        if matches!(item, Some(Err(_))) {
            // a decoder that failed (or panicked) is not asked again
            self.failed = true;
        }
        item
    }
}

impl Iterator for BatchReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.next_raw()?;
        Some(match item {
            Ok(b) => {
                self.rows_read += b.num_rows() as u64;
                Ok(b)
            }
            Err(e) => Err(e.in_file(&self.path)),
        })
    }
}

const IPC_FILE_MAGIC: &[u8; 6] = b"ARROW1";
/// Checks that every block the footer of an Arrow IPC file declares lies inside the file:
/// arrow-ipc allocates (and zeroes) a block's declared size before reading it, so a
/// 1 KB file declaring a 1.5 GB block took 12 s and 1.5 GB (found by fuzzing).
fn check_ipc_blocks(path: &Path, len: u64) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| errors::io(path, e))?;
    let bad = |message: String| Error::Parse {
        line: None,
        message: format!("invalid Arrow IPC file: {message}"),
    };
    let n = bytes.len();
    let footer_len = i32::from_le_bytes([bytes[n - 10], bytes[n - 9], bytes[n - 8], bytes[n - 7]]);
    let footer_len = usize::try_from(footer_len)
        .ok()
        .filter(|&f| f + 10 <= n)
        .ok_or_else(|| bad(format!("footer length {footer_len} does not fit the file")))?;
    let footer = arrow_ipc::root_as_footer(&bytes[n - 10 - footer_len..n - 10])
        .map_err(|e| bad(format!("unreadable footer: {e}")))?;
    let blocks = footer
        .recordBatches()
        .into_iter()
        .chain(footer.dictionaries())
        .flatten();
    for (k, b) in blocks.enumerate() {
        let end = u64::try_from(b.offset())
            .ok()
            .zip(u64::try_from(b.metaDataLength()).ok())
            .zip(u64::try_from(b.bodyLength()).ok())
            .and_then(|((o, m), l)| o.checked_add(m)?.checked_add(l));
        if end.is_none_or(|e| e > len) {
            return Err(bad(format!(
                "block {k} declares offset {}, {} + {} bytes, beyond the file's {len} bytes",
                b.offset(),
                b.metaDataLength(),
                b.bodyLength()
            )));
        }
    }
    Ok(())
}

/// The shortest Arrow IPC file: magic and padding (8), footer length (4), magic (6).
const IPC_FILE_MIN_LEN: u64 = 18;

fn open_ipc(
    path: &Path,
    role: Option<(&ColumnMap, Role)>,
) -> Result<(Inner, SchemaRef, Option<u64>)> {
    let open = || -> Result<BufReader<File>> {
        Ok(BufReader::with_capacity(
            1 << 16,
            File::open(path).map_err(|e| errors::io(path, e))?,
        ))
    };
    let mut magic = [0u8; 6];
    let n = open()?.read(&mut magic).map_err(|e| errors::io(path, e))?;
    let err = |e| errors::arrow_read("Arrow IPC", path, e);
    if n == 6 && &magic == IPC_FILE_MAGIC {
        let len = std::fs::metadata(path)
            .map_err(|e| errors::io(path, e))?
            .len();
        if len < IPC_FILE_MIN_LEN {
            return Err(Error::Parse {
                line: None,
                message: format!(
                    "truncated Arrow IPC file: {len} bytes, but the file format needs at \
                     least {IPC_FILE_MIN_LEN} (magic, footer length, closing magic)"
                ),
            });
        }
        check_ipc_blocks(path, len)?;
        let full = FileReader::try_new(open()?, None).map_err(err)?;
        let projection = match role {
            Some((c, r)) => Some(select(&full.schema(), c, r)?.indices),
            None => None,
        };
        drop(full);
        let r = FileReader::try_new(open()?, projection).map_err(err)?;
        let schema = r.schema();
        Ok((Inner::IpcFile(r), schema, None))
    } else if n == 0 {
        Err(Error::Parse {
            line: None,
            message: "empty file: not an Arrow IPC file".into(),
        })
    } else {
        let full = StreamReader::try_new(open()?, None).map_err(err)?;
        let projection = match role {
            Some((c, r)) => Some(select(&full.schema(), c, r)?.indices),
            None => None,
        };
        drop(full);
        let r = StreamReader::try_new(open()?, projection).map_err(err)?;
        let schema = r.schema();
        Ok((Inner::IpcStream(r), schema, None))
    }
}
