//! [`BatchReader`]: a streaming reader of record batches from any supported file.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
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

    /// [`open_judgments`](Self::open_judgments) with batches of at most `batch_size`
    /// rows (at least 1) for Parquet and CSV; Arrow IPC batches stay as written.
    ///
    /// # Errors
    /// As [`open_judgments`](Self::open_judgments).
    pub fn open_judgments_sized(
        path: &Path,
        columns: &ColumnMap,
        batch_size: usize,
    ) -> Result<Self> {
        Self::open_with(path, Some((columns, Role::Judgments)), batch_size.max(1))
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
/// 1 KB file declaring a 1.5 GB block took 12 s and 1.5 GB (found by fuzzing). Reads only
/// the footer, never the whole file.
fn check_ipc_blocks(path: &Path, len: u64) -> Result<()> {
    let bad = |message: String| Error::Parse {
        line: None,
        message: format!("invalid Arrow IPC file: {message}"),
    };
    let mut f = File::open(path).map_err(|e| errors::io(path, e))?;
    let mut tail = [0u8; 10];
    f.seek(SeekFrom::Start(len - 10))
        .and_then(|_| f.read_exact(&mut tail))
        .map_err(|e| errors::io(path, e))?;
    let footer_len = i32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let footer_len = u64::try_from(footer_len)
        .ok()
        .filter(|&l| l + 10 <= len)
        .ok_or_else(|| bad(format!("footer length {footer_len} does not fit the file")))?;
    // footer_len + 10 <= len, so the footer fits in memory as the file itself does
    let mut footer = vec![0u8; footer_len as usize];
    f.seek(SeekFrom::Start(len - 10 - footer_len))
        .and_then(|_| f.read_exact(&mut footer))
        .map_err(|e| errors::io(path, e))?;
    let footer =
        arrow_ipc::root_as_footer(&footer).map_err(|e| bad(format!("unreadable footer: {e}")))?;
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

/// Checks that every message of an Arrow IPC stream (metadata and body) lies inside the
/// file before arrow-ipc reads it: its reader allocates and zeroes a message's declared
/// metadata and body sizes first, so a few bytes declaring a 2 GB body would cost 2 GB.
/// Walks the message headers with seeks; the bodies are not read.
fn check_ipc_stream(path: &Path, len: u64) -> Result<()> {
    let bad = |at: u64, message: String| Error::Parse {
        line: None,
        message: format!("invalid Arrow IPC stream: message at byte {at}: {message}"),
    };
    let mut f = BufReader::new(File::open(path).map_err(|e| errors::io(path, e))?);
    let mut pos = 0u64;
    let mut meta = Vec::new();
    loop {
        if pos == len {
            return Ok(()); // a stream may end without an end-of-stream marker
        }
        let mut word = [0u8; 4];
        let mut header = 4u64;
        f.read_exact(&mut word)
            .map_err(|_| bad(pos, "cut short inside a message header".into()))?;
        if word == [0xff; 4] {
            // continuation marker, then the metadata length
            f.read_exact(&mut word)
                .map_err(|_| bad(pos, "cut short inside a message header".into()))?;
            header = 8;
        }
        let meta_len = i32::from_le_bytes(word);
        if meta_len == 0 {
            return Ok(()); // end of stream
        }
        let meta_len = u64::try_from(meta_len)
            .ok()
            .filter(|&m| pos + header + m <= len)
            .ok_or_else(|| {
                bad(
                    pos,
                    format!("metadata length {meta_len} runs beyond the file's {len} bytes"),
                )
            })?;
        meta.resize(meta_len as usize, 0);
        f.read_exact(&mut meta).map_err(|e| errors::io(path, e))?;
        let message = arrow_ipc::root_as_message(&meta)
            .map_err(|e| bad(pos, format!("unreadable message header: {e}")))?;
        let body = u64::try_from(message.bodyLength())
            .ok()
            .filter(|&b| pos + header + meta_len + b <= len)
            .ok_or_else(|| {
                bad(
                    pos,
                    format!(
                        "declares a {}-byte body beyond the file's {len} bytes",
                        message.bodyLength()
                    ),
                )
            })?;
        pos += header + meta_len + body;
        f.seek(SeekFrom::Start(pos))
            .map_err(|e| errors::io(path, e))?;
    }
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
        let len = std::fs::metadata(path)
            .map_err(|e| errors::io(path, e))?
            .len();
        check_ipc_stream(path, len)?;
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
