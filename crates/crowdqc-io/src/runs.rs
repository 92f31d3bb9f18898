//! Run files of the out-of-core path: a judgment file read once and hash-partitioned by
//! item into `P` temporary files in a local directory, with workers and labels coded
//! by dictionaries built on the way (they fit memory; the items need not).
//!
//! A run holds every judgment of its items (the run of a judgment is
//! [`run_of`] of its item id: `splitmix64(fnv1a64(id text)) % P`, the hash of
//! `crowdqc.distributed.partition_by_item`), as an Arrow IPC stream with the columns
//! `item` (the input's id type), `worker` and `label` (`u32` codes of
//! [`ItemRuns::workers`] and [`ItemRuns::labels`], first-seen order). Files are named
//! `.spill.crowdqc-XXXXXX.tmp` and removed when dropped, on error, and by
//! [`abandon_writes`](crate::abandon_writes) on Ctrl-C/SIGTERM (then as stale temp
//! files by a later run if the process was killed).

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, UInt32Array};
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use crowdqc_core::columns::{IdColumn, Role, resolve};
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, IdDictionary, IdRef, IngestOptions, Result};

use crate::batch_reader::BatchReader;
use crate::errors::{self, with_line};
use crate::spill::TempFile;

/// FNV-1a, 64 bit.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The run (of `n`) of an item id: `splitmix64(fnv1a64(text)) % n`, where the text of
/// an integer id is its decimal form (the shard of `crowdqc.distributed`'s
/// `partition_by_item`, so `7` and `"7"` agree). `n` must be at least 1.
pub fn run_of(id: IdRef<'_>, n: u32) -> u32 {
    let h = match id {
        IdRef::Int(v) => fnv1a(v.to_string().as_bytes()),
        IdRef::Str(s) => fnv1a(s.as_bytes()),
    };
    (mix(h) % u64::from(n.max(1))) as u32
}

/// The default bound on the rows buffered over all runs (bytes of their Arrow arrays),
/// for [`ItemRuns::partition`].
pub const DEFAULT_BUFFER_BYTES: u64 = 64 << 20;

/// The largest write buffer of a run file; smaller when the runs' share of the buffer
/// bound is smaller (at least 4 KiB).
const MAX_WRITE_BUFFER: u64 = 64 << 10;

/// The bytes per row a decoded input batch is assumed to take when its size is chosen
/// ([`batch_rows_for`]): three id columns of about 20 bytes each (measured: 38 bytes
/// per row for the string ids of the generated 1e7 and 1e8 files).
pub const BATCH_BYTES_PER_ROW: u64 = 64;

/// The fewest rows [`batch_rows_for`] gives a batch (below the buffer of a budget of
/// 64 KiB; the out-of-core path refuses smaller budgets).
pub const MIN_BATCH_ROWS: usize = 64;

/// Rows per input batch for a partitioning read that buffers up to `buffer_bytes`:
/// the batch and its copy split into runs take at most that much again (half each, at
/// [`BATCH_BYTES_PER_ROW`]), between [`MIN_BATCH_ROWS`] and
/// [`BATCH_SIZE`](crate::BATCH_SIZE) rows.
pub fn batch_rows_for(buffer_bytes: u64) -> usize {
    let rows = buffer_bytes / 2 / BATCH_BYTES_PER_ROW;
    usize::try_from(rows)
        .unwrap_or(usize::MAX)
        .clamp(MIN_BATCH_ROWS, crate::BATCH_SIZE)
}

/// The read buffer of a run file ([`ItemRuns::read`], [`ItemRuns::batches`]).
pub const RUN_READ_BUFFER: usize = 1 << 20;

/// What the partitioning read held, in bytes: the bounds it kept and the most it
/// measured, for a caller's memory plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunsMemory {
    /// The bound on the rows buffered over all runs: a run's rows are written once they
    /// take `buffer / runs` bytes, so the buffered rows stay below `buffer`.
    pub buffer: u64,
    /// The most the buffered rows took after a batch was split (below `buffer`).
    pub buffered_peak: u64,
    /// The largest input batch as decoded (Arrow array bytes); while it is split into
    /// runs its copy takes about as much again.
    pub batch_peak: u64,
    /// The runs' write buffers (one per run, of `min(64 KiB, buffer / runs / 2)` bytes,
    /// at least 4 KiB).
    pub writers: u64,
    /// Rows per input batch ([`batch_rows_for`] the buffer; Arrow IPC files keep the
    /// batches they were written with).
    pub batch_rows: usize,
}

impl RunsMemory {
    /// The partitioning read's peak besides the dictionaries: the buffered rows (bound),
    /// one run's rows being concatenated for writing (`buffer / runs`), the decoded
    /// batch and its split copy, and the write buffers.
    pub fn peak(&self, runs: usize) -> u64 {
        self.buffer
            .saturating_add(self.buffer / runs.max(1) as u64)
            .saturating_add(self.batch_peak.saturating_mul(2))
            .saturating_add(self.writers)
    }
}

/// The run files of one input (see the module docs); removed when dropped.
#[derive(Debug)]
pub struct ItemRuns {
    files: Vec<Option<TempFile>>,
    rows: Vec<u64>,
    workers: IdDictionary,
    labels: IdDictionary,
    dir: PathBuf,
    memory: RunsMemory,
}

/// One run being written.
struct RunWriter {
    w: StreamWriter<BufWriter<File>>,
    pending: Vec<RecordBatch>,
    pending_bytes: u64,
}

fn plain(c: &ArrayRef) -> Result<ArrayRef> {
    match c.as_any_dictionary_opt() {
        Some(d) => Ok(arrow_select::take::take(
            d.values().as_ref(),
            d.keys(),
            None,
        )?),
        None => Ok(c.clone()),
    }
}

impl ItemRuns {
    /// Reads `path` once (any judgment format; columns per `opts`) and writes its rows
    /// into `n_runs` run files in `dir`. Progress starts once (`"partitioning <file>
    /// into N runs"`) and advances by rows; the read stops between batches when
    /// interrupted.
    ///
    /// # Errors
    /// As a judgment read: unreadable or malformed file, missing column, null id
    /// (naming the row, and the line for CSV); `dir` not a directory or not writable
    /// (e.g. a full disk, naming the file); [`Error::Interrupted`]. Files written so far
    /// are removed.
    pub fn partition(
        path: &Path,
        opts: &IngestOptions,
        dir: &Path,
        n_runs: usize,
        progress: &dyn Progress,
    ) -> Result<ItemRuns> {
        Self::partition_checked(
            path,
            opts,
            dir,
            n_runs,
            DEFAULT_BUFFER_BYTES,
            progress,
            &|_, _, _| Ok(()),
        )
    }

    /// [`partition`](Self::partition) with the rows buffered over all runs bounded by
    /// `buffer_bytes` (see [`RunsMemory`]) and the input read in batches sized from it
    /// ([`batch_rows_for`]), calling `check` with the numbers of
    /// workers and labels seen so far and the bytes their dictionaries take after every
    /// batch: an error from it stops the read (for a caller whose memory grows with
    /// them, to refuse before reading the rest).
    ///
    /// # Errors
    /// As [`partition`](Self::partition), and `check`'s (with the file's path).
    pub fn partition_checked(
        path: &Path,
        opts: &IngestOptions,
        dir: &Path,
        n_runs: usize,
        buffer_bytes: u64,
        progress: &dyn Progress,
        check: &dyn Fn(usize, usize, u64) -> Result<()>,
    ) -> Result<ItemRuns> {
        if n_runs == 0 || n_runs > u32::MAX as usize {
            return Err(Error::param(
                "runs",
                format!("needs between 1 and {} runs, got {n_runs}", u32::MAX),
            ));
        }
        let share = buffer_bytes / n_runs as u64;
        let write_buffer = (share / 2).clamp(4 << 10, MAX_WRITE_BUFFER);
        let mut runs = ItemRuns {
            files: Vec::with_capacity(n_runs),
            rows: vec![0; n_runs],
            workers: IdDictionary::new(),
            labels: IdDictionary::new(),
            dir: dir.to_path_buf(),
            memory: RunsMemory {
                buffer: buffer_bytes,
                batch_rows: batch_rows_for(buffer_bytes),
                writers: write_buffer.saturating_mul(n_runs as u64),
                ..RunsMemory::default()
            },
        };
        for _ in 0..n_runs {
            runs.files.push(Some(TempFile::create(dir)?));
        }
        let mut reader =
            BatchReader::open_judgments_sized(path, &opts.columns, runs.memory.batch_rows)?;
        progress.start(
            &format!("partitioning {} into {n_runs} runs", path.display()),
            reader.total_rows(),
        );
        let r = runs.fill(path, opts, &mut reader, progress, check);
        progress.finish();
        r.map(|()| runs)
    }

    fn fill(
        &mut self,
        path: &Path,
        opts: &IngestOptions,
        reader: &mut BatchReader,
        progress: &dyn Progress,
        check: &dyn Fn(usize, usize, u64) -> Result<()>,
    ) -> Result<()> {
        let n_runs = self.files.len();
        let mut writers: Vec<Option<RunWriter>> = (0..n_runs).map(|_| None).collect();
        // a run is written once its rows take its share of the bound, so all the
        // buffered rows stay below it
        let flush_at = (self.memory.buffer / n_runs as u64).max(1);
        let write_buffer = (self.memory.writers / n_runs as u64) as usize;
        let mut buffered = 0u64;
        let mut row0 = 0u64;
        let mut run_rows: Vec<Vec<u32>> = vec![Vec::new(); n_runs];
        while let Some(batch) = reader.next() {
            let batch = batch?;
            self.memory.batch_peak = self
                .memory
                .batch_peak
                .max(batch.get_array_memory_size() as u64);
            let lines = reader.take_lines();
            let n = batch.num_rows();
            let (items, workers, labels) = self
                .code(&batch, opts, row0)
                .map_err(|e| with_line(e, lines.as_deref(), row0).in_file(path))?;
            let item_col = IdColumn::new(&items, "item", row0)?;
            for v in &mut run_rows {
                v.clear();
            }
            for r in 0..n {
                let id = item_col.get(r).map_err(|e| e.in_file(path))?;
                run_rows[run_of(id, n_runs as u32) as usize].push(r as u32);
            }
            let schema = run_schema(items.data_type());
            let full = RecordBatch::try_new(
                schema.clone(),
                vec![
                    items,
                    Arc::new(UInt32Array::from(workers)),
                    Arc::new(UInt32Array::from(labels)),
                ],
            )?;
            for (p, idx) in run_rows.iter().enumerate() {
                if idx.is_empty() {
                    continue;
                }
                let part =
                    arrow_select::take::take_record_batch(&full, &UInt32Array::from(idx.clone()))?;
                self.rows[p] += idx.len() as u64;
                let w = match &mut writers[p] {
                    Some(w) => w,
                    slot => {
                        let f = self.file(p)?;
                        let file = File::options()
                            .write(true)
                            .open(f)
                            .map_err(|e| errors::io(f, e))?;
                        let w = StreamWriter::try_new(
                            BufWriter::with_capacity(write_buffer, file),
                            &schema,
                        )?;
                        slot.insert(RunWriter {
                            w,
                            pending: Vec::new(),
                            pending_bytes: 0,
                        })
                    }
                };
                let bytes = part.get_array_memory_size() as u64;
                w.pending_bytes += bytes;
                buffered += bytes;
                w.pending.push(part);
                if w.pending_bytes >= flush_at {
                    buffered -= w.pending_bytes;
                    flush(w, self.files[p].as_ref().map(TempFile::path))?;
                }
            }
            self.memory.buffered_peak = self.memory.buffered_peak.max(buffered);
            row0 += n as u64;
            progress.advance(n as u64);
            progress.check()?;
            let dict_bytes = (self.workers.heap_bytes() + self.labels.heap_bytes()) as u64;
            check(self.workers.len(), self.labels.len(), dict_bytes)
                .map_err(|e| e.in_file(path))?;
        }
        for (p, w) in writers.iter_mut().enumerate() {
            if let Some(w) = w {
                let path = self.files[p].as_ref().map(TempFile::path);
                flush(w, path)?;
                w.w.finish()?;
                w.w.get_mut()
                    .flush()
                    .map_err(|e| errors::io(path.unwrap_or(&self.dir), e))?;
            }
        }
        Ok(())
    }

    /// The batch's item column (plain) and its workers' and labels' codes.
    fn code(
        &mut self,
        batch: &RecordBatch,
        opts: &IngestOptions,
        row0: u64,
    ) -> Result<(ArrayRef, Vec<u32>, Vec<u32>)> {
        let s = batch.schema();
        let col = |role: Role| -> Result<usize> { resolve(&s, role, role.mapped(&opts.columns)) };
        let (ii, wi, li) = (col(Role::Item)?, col(Role::Worker)?, col(Role::Label)?);
        let wc = IdColumn::new(batch.column(wi), s.field(wi).name(), row0)?;
        let lc = IdColumn::new(batch.column(li), s.field(li).name(), row0)?;
        let ic = IdColumn::new(batch.column(ii), s.field(ii).name(), row0)?;
        let n = batch.num_rows();
        let (mut ws, mut ls) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for r in 0..n {
            ic.get(r)?;
            ws.push(self.workers.intern(wc.get(r)?));
            let l = match lc.get(r)? {
                IdRef::Str(t) if opts.trim_labels => IdRef::Str(t.trim()),
                l => l,
            };
            ls.push(self.labels.intern(l));
        }
        Ok((plain(batch.column(ii))?, ws, ls))
    }

    fn file(&self, p: usize) -> Result<&Path> {
        self.files[p]
            .as_ref()
            .map(TempFile::path)
            .ok_or_else(|| Error::param("run", format!("run {p} was already removed")))
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when there are no runs.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Judgments in run `p`.
    pub fn rows(&self, p: usize) -> u64 {
        self.rows[p]
    }

    /// Judgments in all runs (every row of the input).
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().sum()
    }

    /// The workers seen, coded in first-seen order (the `worker` codes of the runs).
    pub fn workers(&self) -> &IdDictionary {
        &self.workers
    }

    /// The labels seen (trimmed when the options say so), coded in first-seen order.
    pub fn labels(&self) -> &IdDictionary {
        &self.labels
    }

    /// What the partitioning read held (see [`RunsMemory`]).
    pub fn memory(&self) -> RunsMemory {
        self.memory
    }

    /// The directory of the run files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The batches of run `p` (columns `item`, `worker`, `label`; none for an empty
    /// run).
    ///
    /// # Errors
    /// An unreadable run file (naming it), or a run already removed.
    pub fn read(&self, p: usize) -> Result<Vec<RecordBatch>> {
        if self.rows[p] == 0 {
            return Ok(Vec::new());
        }
        let path = self.file(p)?;
        let f = File::open(path).map_err(|e| errors::io(path, e))?;
        let r = StreamReader::try_new(BufReader::with_capacity(RUN_READ_BUFFER, f), None)
            .map_err(|e| Error::from(e).in_file(path))?;
        r.map(|b| b.map_err(|e| Error::from(e).in_file(path)))
            .collect()
    }

    /// The batches of run `p` read one at a time (see [`read`](Self::read)): for a
    /// caller that holds one batch at a time.
    ///
    /// # Errors
    /// An unreadable run file (naming it), or a run already removed; each batch's
    /// error names the file too.
    pub fn batches(&self, p: usize) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + '_>> {
        if self.rows[p] == 0 {
            return Ok(Box::new(std::iter::empty()));
        }
        let path = self.file(p)?;
        let f = File::open(path).map_err(|e| errors::io(path, e))?;
        let r = StreamReader::try_new(BufReader::with_capacity(RUN_READ_BUFFER, f), None)
            .map_err(|e| Error::from(e).in_file(path))?;
        Ok(Box::new(
            r.map(move |b| b.map_err(|e| Error::from(e).in_file(path))),
        ))
    }

    /// Drops the worker and label dictionaries (once the caller has mapped their
    /// codes): [`workers`](Self::workers) and [`labels`](Self::labels) are empty
    /// afterwards.
    pub fn release_dictionaries(&mut self) {
        self.workers = IdDictionary::new();
        self.labels = IdDictionary::new();
    }

    /// Removes run `p`'s file (once its contents are no longer needed).
    pub fn remove(&mut self, p: usize) {
        self.files[p] = None;
    }

    /// A new empty temporary file in the runs' directory, registered like the run
    /// files (removed when dropped, on error and on Ctrl-C/SIGTERM): for files derived
    /// from the runs.
    ///
    /// # Errors
    /// The directory cannot be written.
    pub fn temp_file(&self) -> Result<TempFile> {
        TempFile::create(&self.dir)
    }
}

fn run_schema(item: &DataType) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("item", item.clone(), false),
        Field::new("worker", DataType::UInt32, false),
        Field::new("label", DataType::UInt32, false),
    ]))
}

fn flush(w: &mut RunWriter, path: Option<&Path>) -> Result<()> {
    if w.pending.is_empty() {
        return Ok(());
    }
    let b = arrow_select::concat::concat_batches(&w.pending[0].schema(), &w.pending)?;
    w.pending.clear();
    w.pending_bytes = 0;
    w.w.write(&b).map_err(|e| match path {
        Some(p) => Error::from(e).in_file(p),
        None => Error::from(e),
    })
}

#[cfg(test)]
#[path = "runs_tests.rs"]
mod tests;
