//! Spill files of two-pass reads ([`ReadPasses::Spill`](crate::ReadPasses)): the first
//! pass writes every row's codes (item and worker `u32`, label in one byte while the
//! labels allow, timestamps and durations when present: 9 bytes per judgment for
//! most inputs) to a temporary file in a local directory; the second pass replays
//! them instead of decoding the input and hashing its ids again.
//!
//! The file is named `.spill.crowdqc-XXXXXX.tmp`: it is removed when the read ends
//! (success or error), by [`abandon_writes`](crate::abandon_writes) on Ctrl-C, and
//! as a stale temporary file by a later run if the process was killed.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crowdqc_core::{Error, JudgmentMatrixBuilder, Result, RowCodes, RowSink};

use crate::errors;
use crate::temp_files::{self, Registered};

const WIDE_LABELS: u8 = 1;
const TIMESTAMPS: u8 = 2;
const DURATIONS: u8 = 4;

/// A registered temporary file in a spill directory, named
/// `.spill.crowdqc-XXXXXX.tmp` and locked while it lives: removed when dropped, by
/// [`abandon_writes`](crate::abandon_writes) on Ctrl-C/SIGTERM, and as a stale temp
/// file by a later run if the process was killed.
#[derive(Debug)]
pub struct TempFile {
    tmp: tempfile::NamedTempFile,
    _registered: Registered,
}

impl TempFile {
    /// Creates an empty temporary file in `dir`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `spill-dir` when `dir` is not a directory; the
    /// I/O error (naming `dir`) when it cannot be written; [`Error::Interrupted`] after
    /// [`abandon_writes`](crate::abandon_writes).
    pub fn create(dir: &Path) -> Result<TempFile> {
        let meta = std::fs::metadata(dir).map_err(|e| errors::io(dir, e))?;
        if !meta.is_dir() {
            return Err(Error::param(
                "spill-dir",
                format!("`{}` is not a directory", dir.display()),
            ));
        }
        let (tmp, registered) = temp_files::create_registered(
            || {
                tempfile::Builder::new()
                    .prefix(".spill.crowdqc-")
                    .suffix(".tmp")
                    .rand_bytes(6)
                    .tempfile_in(dir)
                    .map_err(|e| errors::io(dir, e))
            },
            |t| t.path().to_path_buf(),
        )?;
        let _ = tmp.as_file().try_lock();
        Ok(TempFile {
            tmp,
            _registered: registered,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }
}

/// A spill file being written or replayed; removed when dropped.
#[derive(Debug)]
pub(crate) struct Spill {
    tmp: TempFile,
}

impl Spill {
    /// Creates an empty spill file in `dir` and the sink that writes it.
    pub(crate) fn create(dir: &Path) -> Result<(Spill, Box<dyn RowSink>)> {
        let tmp = TempFile::create(dir)?;
        let file = File::options()
            .write(true)
            .open(tmp.path())
            .map_err(|e| errors::io(tmp.path(), e))?;
        let sink = SpillWriter {
            w: BufWriter::with_capacity(1 << 20, file),
            path: tmp.path().to_path_buf(),
            buf: Vec::new(),
        };
        Ok((Spill { tmp }, Box::new(sink)))
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Replays every row into the builder's second pass; `progress` gets the rows.
    pub(crate) fn replay(
        &self,
        builder: &mut JudgmentMatrixBuilder,
        progress: &dyn crowdqc_core::progress::Progress,
    ) -> Result<()> {
        let path = self.path();
        let io = |e| errors::io(path, e);
        let mut r = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
        let (mut items, mut workers, mut labels) = (Vec::new(), Vec::new(), Vec::new());
        let (mut ts, mut du) = (Vec::new(), Vec::new());
        let mut bytes = Vec::new();
        loop {
            let mut head = [0u8; 5];
            match r.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(io(e)),
            }
            let n = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
            let flags = head[4];
            let label_bytes = if flags & WIDE_LABELS != 0 { 4 } else { 1 };
            let mut read = |len: usize, bytes: &mut Vec<u8>| -> Result<()> {
                bytes.resize(len, 0);
                r.read_exact(bytes).map_err(io)
            };
            read(n * 4, &mut bytes)?;
            decode_u32(&bytes, &mut items);
            read(n * 4, &mut bytes)?;
            decode_u32(&bytes, &mut workers);
            read(n * label_bytes, &mut bytes)?;
            if label_bytes == 4 {
                decode_u32(&bytes, &mut labels);
            } else {
                labels.clear();
                labels.extend(bytes.iter().map(|&b| u32::from(b)));
            }
            if flags & TIMESTAMPS != 0 {
                read(n * 8, &mut bytes)?;
                ts.clear();
                ts.extend(
                    bytes
                        .chunks_exact(8)
                        .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))),
                );
            }
            if flags & DURATIONS != 0 {
                read(n * 8, &mut bytes)?;
                du.clear();
                du.extend(
                    bytes
                        .chunks_exact(8)
                        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))),
                );
            }
            builder.push_codes(RowCodes {
                items: &items,
                workers: &workers,
                labels: &labels,
                timestamps: (flags & TIMESTAMPS != 0).then_some(&ts[..]),
                durations: (flags & DURATIONS != 0).then_some(&du[..]),
            })?;
            progress.advance(n as u64);
            progress.check()?;
        }
        Ok(())
    }
}

fn decode_u32(bytes: &[u8], out: &mut Vec<u32>) {
    out.clear();
    out.extend(
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
    );
}

/// The [`RowSink`] writing a spill file: per batch a header (row count `u32`, flags
/// byte), then the columns, little-endian.
#[derive(Debug)]
struct SpillWriter {
    w: BufWriter<File>,
    path: PathBuf,
    buf: Vec<u8>,
}

impl RowSink for SpillWriter {
    fn rows(&mut self, c: RowCodes<'_>) -> Result<()> {
        let n = c.items.len();
        let wide = c.labels.iter().any(|&l| l > u32::from(u8::MAX));
        let flags = if wide { WIDE_LABELS } else { 0 }
            | if c.timestamps.is_some() {
                TIMESTAMPS
            } else {
                0
            }
            | if c.durations.is_some() { DURATIONS } else { 0 };
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(&(n as u32).to_le_bytes());
        b.push(flags);
        for col in [c.items, c.workers] {
            for v in col {
                b.extend_from_slice(&v.to_le_bytes());
            }
        }
        if wide {
            for v in c.labels {
                b.extend_from_slice(&v.to_le_bytes());
            }
        } else {
            b.extend(c.labels.iter().map(|&l| l as u8));
        }
        for v in c.timestamps.into_iter().flatten() {
            b.extend_from_slice(&v.to_le_bytes());
        }
        for v in c.durations.into_iter().flatten() {
            b.extend_from_slice(&v.to_le_bytes());
        }
        self.w.write_all(b).map_err(|e| errors::io(&self.path, e))
    }

    fn finish(&mut self) -> Result<()> {
        self.w.flush().map_err(|e| errors::io(&self.path, e))
    }
}
