//! Atomic table writers: Parquet, CSV or Arrow IPC by extension, written to a temporary
//! file in the output's directory and renamed into place only when complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_ipc::writer::FileWriter;
use arrow_schema::SchemaRef;
use crowdqc_core::{Error, Result};
use tempfile::NamedTempFile;

use crate::csv_output::CsvTableWriter;
use crate::errors;
use crate::format::FileFormat;
use crate::parquet_output::ParallelParquet;
use crate::temp_files::{self, Registered};

/// Checks, before any work is done, that an output path can be written: its extension is
/// `.parquet`, `.csv` or `.arrow` / `.ipc`, its directory exists, and it is not itself a
/// directory.
///
/// # Errors
/// [`Error::InvalidParameter`] for an unsupported extension or a directory path;
/// [`Error::Io`] (not found) when the directory is missing.
///
/// # Examples
/// ```
/// use crowdqc_io::check_output_path;
/// assert!(check_output_path("/no/such/dir/out.parquet".as_ref()).is_err());
/// assert!(check_output_path(&std::env::temp_dir().join("out.xlsx")).is_err());
/// assert!(check_output_path(&std::env::temp_dir().join("out.csv")).is_ok());
/// ```
pub fn check_output_path(path: &Path) -> Result<()> {
    FileFormat::from_path(path).map_err(|e| e.in_file(path))?;
    check_file_path(path)?;
    let dir = parent_dir(path);
    // the output is written to a temporary file in `dir`, then renamed: make sure one
    // can be created there now rather than after the work
    tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::new(
            e.kind(),
            format!(
                "cannot create files in the output directory (for `{}`): {e}",
                path.display()
            ),
        ),
    })?;
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes one table atomically (temp file in the same directory, then rename). The
/// format is chosen by extension: `.parquet` (zstd level 1, columns encoded in parallel), `.csv`, `.tsv`, `.arrow` / `.ipc`.
///
/// # Errors
/// Those of [`check_output_path`]; a column type the format cannot hold (CSV holds
/// strings, numbers and booleans); I/O failures, wrapped with the path. On error no
/// file is left behind and an existing file at `path` is untouched.
///
/// # Examples
/// ```
/// # use std::sync::Arc;
/// # use arrow_array::{Int64Array, RecordBatch};
/// # fn main() -> crowdqc_core::Result<()> {
/// let dir = tempfile::tempdir().expect("tempdir");
/// let path = dir.path().join("out.parquet");
/// let batch = RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(vec![1, 2])) as _)])?;
/// crowdqc_io::write_table(&path, &batch)?;
/// let back = crowdqc_io::read_table(&path)?;
/// assert_eq!(back[0], batch);
/// # Ok(()) }
/// ```
pub fn write_table(path: &Path, batch: &RecordBatch) -> Result<()> {
    let mut w = TableWriter::create(path, batch.schema())?;
    w.write(batch)?;
    w.finish()
}

/// Writes batches (all of one schema, the first giving it) to `path` atomically, one at
/// a time (e.g. the items table of a large model, built batch by batch).
/// An empty iterator writes nothing and is an error.
///
/// # Errors
/// As [`write_table`], the first error of `batches`, or no batch at all.
pub fn write_batches(
    path: &Path,
    batches: impl IntoIterator<Item = Result<RecordBatch>>,
) -> Result<()> {
    let mut batches = batches.into_iter();
    let first = batches
        .next()
        .ok_or_else(|| Error::insufficient("no table to write"))??;
    let mut w = TableWriter::create(path, first.schema())?;
    w.write(&first)?;
    drop(first);
    for b in batches {
        w.write(&b?)?;
    }
    w.finish()
}

enum Sink {
    Parquet(Box<ParallelParquet>),
    Csv(CsvTableWriter<BufWriter<File>>),
    Ipc(Box<FileWriter<BufWriter<File>>>),
}

/// Creates the hidden temporary file next to `path` (after removing stale ones), locks
/// it and registers it for [`abandon_writes`](crate::abandon_writes).
fn create_temp(path: &Path) -> Result<(NamedTempFile, Registered, BufWriter<File>)> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    temp_files::remove_stale_temp_files(dir);
    let prefix = format!(".{name}{}", temp_files::MARKER);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp").rand_bytes(6);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0o666 minus the umask, like any newly created file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let (tmp, registered) = temp_files::create_registered(
        || builder.tempfile_in(dir).map_err(|e| errors::io(dir, e)),
        |t| t.path().to_path_buf(),
    )?;
    // held until the file is renamed or removed: tells a later run's cleanup that
    // this file is being written (see `temp_files`); a file system without locks
    // only loses that protection
    let _ = tmp.as_file().try_lock();
    let file = tmp.reopen().map_err(|e| errors::io(tmp.path(), e))?;
    Ok((tmp, registered, BufWriter::with_capacity(1 << 16, file)))
}

/// Checks that a file of any kind (e.g. a saved model) can be written at `path`: its
/// directory exists and `path` is not a directory. [`check_output_path`] without the
/// table extensions.
///
/// # Errors
/// As [`check_output_path`], except for the extension.
pub fn check_file_path(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::param(
            "output",
            format!("`{}` is a directory; give a file name", path.display()),
        ));
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(Error::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "output directory does not exist (for `{}`); create it first",
                    path.display()
                ),
            ),
        });
    }
    Ok(())
}

/// Writes a file of any kind atomically, like the table writers: `write` fills a
/// temporary file next to `path`, which is flushed, synced and renamed into place only
/// when `write` succeeded (on error it is removed and `path` is untouched; signal
/// handlers remove it with [`abandon_writes`](crate::abandon_writes)).
///
/// # Errors
/// Those of [`check_file_path`], of `write`, and I/O failures, wrapped with the path.
///
/// # Examples
/// ```
/// # fn main() -> crowdqc_core::Result<()> {
/// let dir = tempfile::tempdir().expect("tempdir");
/// let path = dir.path().join("model.crowdqc");
/// crowdqc_io::write_atomic(&path, |w| {
///     w.write_all(b"hello").map_err(|e| crowdqc_core::Error::Io { path: "x".into(), source: e })
/// })?;
/// assert_eq!(std::fs::read(&path).expect("written"), b"hello");
/// # Ok(()) }
/// ```
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    check_file_path(path)?;
    let (tmp, _registered, mut out) = create_temp(path)?;
    write(&mut out).map_err(|e| e.in_file(path))?;
    out.flush().map_err(|e| errors::io(path, e))?;
    let file = out
        .into_inner()
        .map_err(|e| errors::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| errors::io(path, e))?;
    drop(file);
    tmp.persist(path).map_err(|e| errors::io(path, e.error))?;
    Ok(())
}

/// A streaming, atomic table writer for outputs too large for one batch: create it, write
/// any number of batches with the same schema, then [`finish`](Self::finish). Until
/// `finish` succeeds the data lives in a hidden temporary file next to the output;
/// dropping the writer (or any error) removes it, and so does
/// [`abandon_writes`](crate::abandon_writes) (for signal handlers). Creating a writer
/// first removes stale temp files of crowdqc in the output's directory (the rule is
/// in [`remove_stale_temp_files`](crate::remove_stale_temp_files)).
pub struct TableWriter {
    path: PathBuf,
    format: FileFormat,
    tmp: NamedTempFile,
    sink: Sink,
    /// Unregisters the temp file (after it was renamed or removed) when dropped.
    _registered: Registered,
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableWriter")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("tmp", &self.tmp.path())
            .finish_non_exhaustive()
    }
}

impl TableWriter {
    /// Starts writing a table with `schema` to `path`.
    ///
    /// # Errors
    /// Those of [`check_output_path`]; a column type the format cannot hold; failure to
    /// create the temporary file.
    pub fn create(path: &Path, schema: SchemaRef) -> Result<Self> {
        check_output_path(path)?;
        let format = FileFormat::from_path(path)?;
        let (tmp, registered, out) = create_temp(path)?;
        let sink = match format {
            FileFormat::Parquet => Sink::Parquet(Box::new(
                ParallelParquet::try_new(out, schema).map_err(|e| e.in_file(path))?,
            )),
            FileFormat::Csv | FileFormat::Tsv => Sink::Csv(
                CsvTableWriter::try_new(out, &schema, format.delimiter())
                    .map_err(|e| e.in_file(path))?,
            ),
            FileFormat::Ipc => Sink::Ipc(Box::new(
                FileWriter::try_new(out, &schema)
                    .map_err(|e| errors::write("Arrow IPC", e).in_file(path))?,
            )),
        };
        Ok(TableWriter {
            path: path.to_path_buf(),
            format,
            tmp,
            sink,
            _registered: registered,
        })
    }

    /// The final output path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a batch.
    ///
    /// # Errors
    /// A schema different from the one given to [`create`](Self::create); I/O failures.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let r = match &mut self.sink {
            Sink::Parquet(w) => w.write(batch),
            Sink::Csv(w) => w.write(batch),
            Sink::Ipc(w) => w.write(batch).map_err(|e| errors::write("Arrow IPC", e)),
        };
        r.map_err(|e| e.in_file(&self.path))
    }

    /// Completes the file, flushes it to disk and renames it to the output path.
    ///
    /// # Errors
    /// I/O failures; the temporary file is removed and the output path is untouched.
    pub fn finish(self) -> Result<()> {
        let TableWriter {
            path,
            tmp,
            sink,
            _registered,
            ..
        } = self;
        let wrap = |e: Error| e.in_file(&path);
        let mut out = match sink {
            Sink::Parquet(w) => w.finish().map_err(wrap)?,
            Sink::Csv(w) => w.finish().map_err(wrap)?,
            Sink::Ipc(mut w) => {
                w.finish()
                    .map_err(|e| wrap(errors::write("Arrow IPC", e)))?;
                (*w).into_inner()
                    .map_err(|e| wrap(errors::write("Arrow IPC", e)))?
            }
        };
        out.flush().map_err(|e| errors::io(&path, e))?;
        let file = out
            .into_inner()
            .map_err(|e| errors::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| errors::io(&path, e))?;
        drop(file);
        tmp.persist(&path).map_err(|e| errors::io(&path, e.error))?;
        Ok(())
    }
}
