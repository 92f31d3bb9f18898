//! Shards on disk, for fits that stream their shards instead of holding them (the
//! out-of-core path): built from coded runs, written and read back as compact CSR.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use arrow_array::RecordBatch;
use crowdqc_core::{Error, Result};

use super::ids::{IdSort, SortedIds};
use super::shard::Shard;

const MAGIC: &[u8; 8] = b"CQSHARD1";

fn corrupt(what: &str) -> Error {
    Error::Parse {
        line: None,
        message: format!("invalid shard file: {what}"),
    }
}

fn io(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => corrupt("truncated"),
        std::io::ErrorKind::InvalidData => corrupt(&e.to_string()),
        _ => Error::Io {
            path: std::path::PathBuf::new(),
            source: e,
        },
    }
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn read_u64(r: &mut dyn Read) -> Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b).map_err(io)?;
    Ok(u64::from_le_bytes(b))
}

/// `n` values of `width` little-endian bytes each, decoded by `f` through a small
/// buffer (no second copy of the column in memory). The vector grows as values arrive,
/// so a size claimed by a corrupt header is never allocated at once.
fn read_le<T>(r: &mut dyn Read, n: usize, width: usize, f: impl Fn(&[u8]) -> T) -> Result<Vec<T>> {
    const CHUNK: usize = 1 << 16;
    let mut out = Vec::with_capacity(n.min(1 << 26));
    let mut buf = vec![0u8; CHUNK * width];
    let mut left = n;
    while left > 0 {
        let m = left.min(CHUNK);
        let b = &mut buf[..m * width];
        r.read_exact(b).map_err(io)?;
        out.extend(b.chunks_exact(width).map(&f));
        left -= m;
    }
    Ok(out)
}

impl Shard {
    /// Builds a shard from the batches of a run (columns `item` of any id type,
    /// `worker` and `label` as `u32` codes of the run's own dictionaries), mapping the
    /// codes to global ones through `worker_code` and `label_code` (indexed by run
    /// code). Items are in sorted id order, as [`Shard::from_batches`].
    ///
    /// # Errors
    /// A missing or mistyped column, a null item id, a code outside the maps or a
    /// global code outside `n_workers` / `k`.
    pub fn from_coded_batches(
        batches: &[RecordBatch],
        worker_code: &[u32],
        label_code: &[u32],
        n_workers: usize,
        k: usize,
    ) -> Result<Shard> {
        let n = batches.iter().map(RecordBatch::num_rows).sum();
        let batches = batches.iter().map(|b| Ok(b.clone()));
        Self::from_coded_run(batches, n, (worker_code, label_code), n_workers, k, true)
            .map(|(s, _)| s)
    }

    /// Writes the shard (CSR by item: 8 bytes per item, 4 + 1 bytes per judgment for
    /// up to 256 classes, 4 + 4 above; then the item ids when it has them). Gold is not
    /// written.
    ///
    /// # Errors
    /// I/O errors, naming `path`.
    pub fn write_file(&self, path: &Path) -> Result<()> {
        self.write_items_file(path, 0..self.n_items())
    }

    /// Writes items `items` (a range of item rows, in order) as a shard file of their
    /// own, as [`write_file`](Self::write_file) writes the whole shard: for splitting a
    /// shard into smaller files (every judgment of an item stays with it).
    ///
    /// # Errors
    /// I/O errors, naming `path`; [`Error::InvalidParameter`] for a range outside the
    /// items.
    pub fn write_items_file(&self, path: &Path, items: std::ops::Range<usize>) -> Result<()> {
        if items.start > items.end || items.end > self.n_items() {
            return Err(Error::param(
                "items",
                format!(
                    "range {items:?} outside the shard's {} items",
                    self.n_items()
                ),
            ));
        }
        let err = io_at(path);
        let f = File::options()
            .write(true)
            .truncate(true)
            .create(true)
            .open(path)
            .map_err(&err)?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        self.write_to(&mut w, items).map_err(&err)?;
        w.flush().map_err(&err)
    }

    fn write_to(&self, w: &mut dyn Write, items: std::ops::Range<usize>) -> std::io::Result<()> {
        let (s, e) = (self.offsets[items.start], self.offsets[items.end]);
        let mut head = Vec::with_capacity(40);
        head.extend_from_slice(MAGIC);
        for v in [self.n_workers, self.k, items.len(), e - s] {
            head.extend_from_slice(&(v as u64).to_le_bytes());
        }
        w.write_all(&head)?;
        // in chunks of 64 K values, so no second copy of a column is made
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 19);
        for c in self.offsets[items.start..=items.end].chunks(1 << 16) {
            buf.clear();
            for &o in c {
                buf.extend_from_slice(&((o - s) as u64).to_le_bytes());
            }
            w.write_all(&buf)?;
        }
        for c in self.workers[s..e].chunks(1 << 16) {
            buf.clear();
            for &v in c {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            w.write_all(&buf)?;
        }
        for c in self.labels[s..e].chunks(1 << 16) {
            buf.clear();
            if self.k <= 256 {
                buf.extend(c.iter().map(|&l| l as u8));
            } else {
                for &v in c {
                    buf.extend_from_slice(&v.to_le_bytes());
                }
            }
            w.write_all(&buf)?;
        }
        match &self.items {
            Some(ids) => {
                w.write_all(&[1])?;
                ids.write_range_to(items, w)
            }
            None => w.write_all(&[0]),
        }
    }

    /// Reads a shard written by [`write_file`](Self::write_file); the item ids only
    /// when `with_items` (they are last, so a fit's E-steps skip them).
    ///
    /// # Errors
    /// I/O errors; [`Error::Parse`] for a file that is not a valid shard; both name
    /// `path`.
    pub fn read_file(path: &Path, with_items: bool) -> Result<Shard> {
        Self::read_path(path, with_items, true)
    }

    /// Reads a shard written by [`write_file`](Self::write_file) (with its item ids when
    /// `with_items`) without the per-`(worker, label)` counts (`8 · n_workers · k` bytes, the same
    /// for every shard): for [`StatsStream`](super::StatsStream), which counts once.
    /// [`e_step`](super::e_step) and [`init_stats`](super::init_stats) refuse such a
    /// shard. Memory: 8 bytes per item and per judgment, and the ids.
    ///
    /// # Errors
    /// As [`read_file`](Self::read_file).
    pub fn read_codes(path: &Path, with_items: bool) -> Result<Shard> {
        Self::read_path(path, with_items, false)
    }

    fn read_path(path: &Path, with_items: bool, with_counts: bool) -> Result<Shard> {
        let f = File::open(path).map_err(io_at(path))?;
        let mut r = BufReader::with_capacity(1 << 20, f);
        Self::read_from(&mut r, with_items, with_counts).map_err(|e| match e {
            Error::Io { source, .. } => io_at(path)(source),
            e => e.in_file(path),
        })
    }

    fn read_from(r: &mut dyn Read, with_items: bool, with_counts: bool) -> Result<Shard> {
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).map_err(io)?;
        if &magic != MAGIC {
            return Err(corrupt("wrong magic bytes"));
        }
        let mut dims = [0usize; 4];
        for d in &mut dims {
            *d = usize::try_from(read_u64(r)?).map_err(|_| corrupt("size"))?;
        }
        let [n_workers, k, n_items, n] = dims;
        if k < 2 || k > u32::MAX as usize || n > u32::MAX as usize * n_items.max(1) {
            return Err(corrupt("sizes"));
        }
        let size = |a: usize, b: usize| a.checked_mul(b).ok_or_else(|| corrupt("size"));
        size(n_items + 1, 8)?;
        let offsets: Vec<usize> = read_le(r, n_items + 1, 8, |c| {
            u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as usize
        })?;
        if offsets.first() != Some(&0)
            || offsets.last() != Some(&n)
            || offsets.windows(2).any(|w| w[1] < w[0])
        {
            return Err(corrupt("offsets"));
        }
        size(n, 4)?;
        let u32_le = |c: &[u8]| u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        let workers: Vec<u32> = read_le(r, n, 4, u32_le)?;
        let labels: Vec<u32> = if k <= 256 {
            read_le(r, n, 1, |c| u32::from(c[0]))?
        } else {
            read_le(r, n, 4, u32_le)?
        };
        let mut counts = vec![0u64; if with_counts { size(n_workers, k)? } else { 0 }];
        for (&w, &l) in workers.iter().zip(&labels) {
            if w as usize >= n_workers || l as usize >= k {
                return Err(corrupt("code out of range"));
            }
            if with_counts {
                counts[w as usize * k + l as usize] += 1;
            }
        }
        let items = if with_items {
            let mut tag = [0u8; 1];
            r.read_exact(&mut tag).map_err(io)?;
            match tag[0] {
                0 => None,
                1 => {
                    let ids = SortedIds::read_from(r, IdSort::Ids).map_err(io)?;
                    if ids.len() != n_items {
                        return Err(corrupt("item count"));
                    }
                    Some(ids)
                }
                _ => return Err(corrupt("items tag")),
            }
        } else {
            None
        };
        let n_nonempty = offsets.windows(2).filter(|w| w[1] > w[0]).count() as u64;
        Ok(Shard {
            n_workers,
            k,
            items,
            offsets,
            workers,
            labels,
            counts,
            gold: None,
            n_nonempty,
        })
    }
}
