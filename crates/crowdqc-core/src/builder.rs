//! [`JudgmentMatrixBuilder`]: streaming construction of a [`JudgmentMatrix`].

use arrow_array::RecordBatch;

use crate::codes::{Chunked, LabelChunks};
use crate::columns::{self, Role};
use crate::dict::{IdDictionary, IdRef};
use crate::error::{Error, Result};
use crate::ingest::{DictCache, encode_durations, encode_ids, encode_timestamps, trim_strings};
use crate::options::IngestOptions;

/// Builds a [`JudgmentMatrix`](crate::JudgmentMatrix) from any number of Arrow record batches (or single rows),
/// without concatenating them first.
///
/// ```
/// use crowdqc_core::{JudgmentMatrixBuilder, IngestOptions, IdRef};
/// # fn main() -> crowdqc_core::Result<()> {
/// let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
/// for (item, worker, label) in [("t1", "w1", "yes"), ("t1", "w2", "no"), ("t2", "w1", "yes")] {
///     b.push_row(IdRef::Str(item), IdRef::Str(worker), IdRef::Str(label))?;
/// }
/// b.push_gold_row(IdRef::Str("t2"), IdRef::Str("yes"))?;
/// let m = b.finish()?;
/// assert_eq!((m.n_items(), m.n_workers(), m.n_classes(), m.n_judgments()), (2, 2, 2, 3));
/// assert_eq!(m.classes().label(0).to_string(), "no"); // sorted order
/// assert_eq!(m.gold().label(1), Some(1));
/// # Ok(()) }
/// ```
///
/// ## Memory
///
/// Rows are kept as codes in chunked columns that grow without copying: a `u32` worker
/// and a one-byte label per row (four bytes once a 257th label appears), plus a `u32`
/// item per row only when the input is not grouped by item — while every item's rows
/// are contiguous (as in most dumps), a count per item is all that is kept, and
/// [`finish`](Self::finish) moves the columns into the matrix without sorting. Otherwise
/// `finish` scatters the rows into item order one column at a time, freeing each input
/// chunk once read. Item ids that arrive in increasing order are appended to the item
/// dictionary without a hash table (see [`IdDictionary`]).
#[derive(Debug)]
pub struct JudgmentMatrixBuilder {
    pub(crate) opts: IngestOptions,
    pub(crate) items: IdDictionary,
    pub(crate) workers: IdDictionary,
    pub(crate) labels: IdDictionary,
    pub(crate) declared: usize,
    /// Rows per item code.
    pub(crate) item_counts: Vec<usize>,
    /// The item code of every row, once the input stopped being grouped by item
    /// (`None` while grouped: then the rows are in item order and `item_counts` says
    /// which rows belong to which item).
    pub(crate) coo_item: Option<Chunked<u32>>,
    /// Item code of the last row appended.
    last_item: Option<u32>,
    pub(crate) coo_worker: Chunked<u32>,
    pub(crate) coo_label: LabelChunks,
    /// Encoded codes of the current batch (item, worker, label), reused.
    pub(crate) scratch: [Vec<u32>; 3],
    pub(crate) timestamps: Option<Vec<i64>>,
    pub(crate) durations: Option<Vec<f64>>,
    pub(crate) columns: Option<Resolved>,
    pub(crate) rows: u64,
    pub(crate) gold_items: IdDictionary,
    pub(crate) gold_label_dict: IdDictionary,
    pub(crate) gold_labels: Vec<u32>,
    pub(crate) gold_rows: Vec<u64>,
    pub(crate) gold_repeated: u64,
    pub(crate) gold_given: bool,
    gold_row_count: u64,
    /// Name of the gold label column (for messages), once a gold batch was read.
    pub(crate) gold_label_column: Option<String>,
    /// Dictionary-array caches of the item, worker and label columns.
    caches: [DictCache; 3],
    /// What pushed rows do: kept (one pass), counted (first of two passes) or placed
    /// (second pass).
    pub(crate) pass: Pass,
    /// True once [`set_two_pass`](Self::set_two_pass) was called.
    pub(crate) two_pass: bool,
    /// Fingerprint of the first pass's row codes (two-pass reads).
    pub(crate) fingerprint: u64,
    /// Where the first pass of a two-pass read also sends its rows' codes (a spill
    /// file), so the second pass can replay them instead of the input.
    pub(crate) sink: Option<Box<dyn RowSink>>,
    /// Per [`PartStream`](crate::PartStream): the global code of each code of the
    /// stream's kept item, worker and label dictionaries.
    pub(crate) streams: Vec<[Vec<u32>; 3]>,
}

/// Receives the codes of every row of the first pass of a two-pass read
/// ([`JudgmentMatrixBuilder::set_two_pass_with_sink`]), e.g. to spill them to disk and
/// replay them with [`JudgmentMatrixBuilder::push_codes`] instead of reading the input
/// again. Codes are first-appearance codes of the builder's dictionaries.
pub trait RowSink: Send + std::fmt::Debug {
    /// One batch of rows: item, worker and label codes, and the timestamps and
    /// durations when the input has those columns.
    ///
    /// # Errors
    /// Write failures (they end the read).
    fn rows(&mut self, codes: RowCodes<'_>) -> Result<()>;

    /// The first pass ended (called by
    /// [`start_second_pass`](JudgmentMatrixBuilder::start_second_pass) before the sink
    /// is dropped): flush what is buffered.
    ///
    /// # Errors
    /// Write failures.
    fn finish(&mut self) -> Result<()>;
}

/// The codes of a batch of rows (see [`RowSink`]).
#[derive(Debug, Clone, Copy)]
pub struct RowCodes<'a> {
    /// Item codes.
    pub items: &'a [u32],
    /// Worker codes.
    pub workers: &'a [u32],
    /// Label codes (first appearance, before the classes are ordered).
    pub labels: &'a [u32],
    /// Timestamps (ms), when the input has them.
    pub timestamps: Option<&'a [i64]>,
    /// Durations (ms), when the input has them.
    pub durations: Option<&'a [f64]>,
}

/// What [`JudgmentMatrixBuilder::push_batch`] does with the rows.
#[derive(Debug)]
pub(crate) enum Pass {
    /// Keep the rows' codes in chunked columns (one pass over the input).
    Collect,
    /// First of two passes: fill the dictionaries and count rows per item only.
    Count,
    /// Second of two passes: place every row straight into the CSR columns.
    Scatter(Box<crate::second_pass::SecondPass>),
}

/// Batches at least this long encode their id columns on two threads.
const PARALLEL_MIN_ROWS: usize = 4096;

/// The names of the judgment columns of a schema.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) item: String,
    pub(crate) worker: String,
    pub(crate) label: String,
    pub(crate) timestamp: Option<String>,
    pub(crate) duration: Option<String>,
}

impl Resolved {
    /// Finds the columns by the mapping in `c`, else the default aliases.
    pub(crate) fn from_schema(schema: &arrow_schema::Schema, c: &crate::ColumnMap) -> Result<Self> {
        let name = |i: usize| schema.field(i).name().clone();
        let required = |role: Role| columns::resolve(schema, role, role.mapped(c)).map(name);
        let optional = |role: Role| {
            Ok::<_, Error>(columns::resolve_optional(schema, role, role.mapped(c))?.map(name))
        };
        Ok(Resolved {
            item: required(Role::Item)?,
            worker: required(Role::Worker)?,
            label: required(Role::Label)?,
            timestamp: optional(Role::Timestamp)?,
            duration: optional(Role::Duration)?,
        })
    }
}

impl JudgmentMatrixBuilder {
    /// A builder with the given options.
    ///
    /// # Errors
    /// When the declared class set is empty or repeats a label.
    pub fn new(opts: IngestOptions) -> Result<Self> {
        let mut labels = IdDictionary::new();
        let mut declared = 0;
        if let Some(classes) = &opts.classes {
            if classes.is_empty() {
                return Err(Error::param("classes", "the declared class set is empty"));
            }
            for c in classes {
                let c = if opts.trim_labels { c.trim() } else { c };
                if labels.lookup(IdRef::Str(c)).is_some() {
                    return Err(Error::param(
                        "classes",
                        format!("class `{c}` is declared twice"),
                    ));
                }
                labels.intern_str(c);
            }
            declared = classes.len();
        }
        Ok(JudgmentMatrixBuilder {
            opts,
            // hashes kept while reading (growth does not hash the ids again), freed by
            // `finish` before the columns are sorted
            items: IdDictionary::with_stored_hashes(),
            workers: IdDictionary::with_stored_hashes(),
            labels,
            declared,
            item_counts: Vec::new(),
            coo_item: None,
            last_item: None,
            coo_worker: Chunked::default(),
            coo_label: LabelChunks::default(),
            scratch: Default::default(),
            timestamps: None,
            durations: None,
            columns: None,
            rows: 0,
            gold_items: IdDictionary::new(),
            gold_label_dict: IdDictionary::new(),
            gold_labels: Vec::new(),
            gold_rows: Vec::new(),
            gold_repeated: 0,
            gold_given: false,
            gold_row_count: 0,
            gold_label_column: None,
            caches: Default::default(),
            pass: Pass::Collect,
            two_pass: false,
            fingerprint: 0,
            sink: None,
            streams: Vec::new(),
        })
    }

    /// Reads the input twice instead of keeping its rows (call before the first row):
    /// the first pass fills the dictionaries and counts judgments per item, the second
    /// ([`start_second_pass`](Self::start_second_pass), then the same rows again)
    /// writes each row straight into its place in the matrix. Peak memory is the
    /// matrix itself (5 bytes per judgment, 8 per item) plus the dictionaries, with no
    /// per-row buffer (one pass keeps 9 bytes per row until [`finish`](Self::finish));
    /// the matrix is the same, bit for bit.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] `two_pass` when rows were already pushed.
    pub fn set_two_pass(&mut self) -> Result<()> {
        if self.rows > 0 || self.two_pass {
            return Err(Error::param(
                "two_pass",
                "must be chosen before the first row is pushed",
            ));
        }
        self.pass = Pass::Count;
        self.two_pass = true;
        Ok(())
    }

    /// Judgment rows pushed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// A hint of how many judgments will come. Kept for compatibility: the columns
    /// grow in fixed-size chunks, which never copy what they hold, so nothing is
    /// reserved in advance (a count declared by a file can be anything).
    pub fn reserve(&mut self, n: usize) {
        let _ = n;
    }

    /// The most rows [`reserve`](Self::reserve) would reserve in advance; it now
    /// reserves none (columns grow by chunks).
    pub const RESERVE_HINT_CAP: usize = 1 << 24;

    /// Heap bytes held so far: the code columns, the per-item counts and the three
    /// dictionaries (what ingest costs in memory before [`finish`](Self::finish)).
    pub fn heap_bytes(&self) -> usize {
        self.item_counts.capacity() * 8
            + self.coo_item.as_ref().map_or(0, Chunked::heap_bytes)
            + self.coo_worker.heap_bytes()
            + self.coo_label.heap_bytes()
            + self.timestamps.as_ref().map_or(0, |t| t.capacity() * 8)
            + self.durations.as_ref().map_or(0, |t| t.capacity() * 8)
            + self.items.heap_bytes()
            + self.workers.heap_bytes()
            + self.labels.heap_bytes()
            + self.second_pass_bytes()
    }

    /// True while every item's rows so far are contiguous (then
    /// [`finish`](Self::finish) needs no sort).
    pub fn is_grouped(&self) -> bool {
        self.coo_item.is_none()
    }

    pub(crate) fn resolve(&mut self, schema: &arrow_schema::Schema) -> Result<Resolved> {
        if let Some(r) = &self.columns {
            return Ok(r.clone());
        }
        let r = Resolved::from_schema(schema, &self.opts.columns)?;
        if r.timestamp.is_some() {
            self.timestamps = Some(Vec::new());
        }
        if r.duration.is_some() {
            self.durations = Some(Vec::new());
        }
        self.columns = Some(r.clone());
        Ok(r)
    }

    /// Appends one record batch of judgments. Columns are found by name (the mapping in
    /// [`IngestOptions::columns`], else the default aliases) on the first batch; later
    /// batches must have the same columns. Extra columns are ignored.
    ///
    /// # Errors
    /// Missing column, unsupported column type, null id or label, a label outside the
    /// declared class set, an unparsable timestamp. Rows in errors are zero-based data
    /// rows counted across all batches. On error the builder must be discarded.
    pub fn push_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let r = self.resolve(&batch.schema())?;
        let col = |name: &str| batch_column(batch, name);
        let row0 = self.rows;
        let (item_col, worker_col, label_col) = (col(&r.item)?, col(&r.worker)?, col(&r.label)?);
        let trimmed;
        let label_col = if self.opts.trim_labels {
            trimmed = trim_strings(label_col)?;
            &trimmed
        } else {
            label_col
        };
        // The three id columns go to three independent dictionaries: encode them as
        // three tasks (rayon runs them on whichever threads are free). Each dictionary
        // is still filled in row order, so codes are the same as sequential encoding;
        // errors are reported item, worker, label first as before.
        let JudgmentMatrixBuilder {
            items,
            workers,
            labels,
            scratch,
            caches,
            ..
        } = self;
        let [item_cache, worker_cache, label_cache] = caches;
        let [s_item, s_worker, s_label] = scratch;
        for s in [&mut *s_item, &mut *s_worker, &mut *s_label] {
            s.clear();
        }
        let mut encode_item =
            || encode_ids(item_col.as_ref(), items, s_item, &r.item, row0, item_cache);
        let mut encode_worker = || {
            encode_ids(
                worker_col.as_ref(),
                workers,
                s_worker,
                &r.worker,
                row0,
                worker_cache,
            )
        };
        let mut encode_label = || {
            encode_ids(
                label_col.as_ref(),
                labels,
                s_label,
                &r.label,
                row0,
                label_cache,
            )
        };
        let (ri, (rw, rl)) = if batch.num_rows() >= PARALLEL_MIN_ROWS {
            rayon::join(encode_item, || rayon::join(encode_worker, encode_label))
        } else {
            (encode_item(), (encode_worker(), encode_label()))
        };
        ri?;
        rw?;
        rl?;
        if self.declared > 0
            && let Some(i) = self.scratch[2]
                .iter()
                .position(|&c| c as usize >= self.declared)
        {
            let label = self.labels.get(self.scratch[2][i]).to_string();
            return Err(self.unknown_label(&r.label, row0 + i as u64, &label));
        }
        if !matches!(self.pass, Pass::Collect) {
            // two passes keep no row: only this batch's values, for the second pass
            for t in [&mut self.timestamps].into_iter().flatten() {
                t.clear();
            }
            for d in [&mut self.durations].into_iter().flatten() {
                d.clear();
            }
        }
        if let (Some(name), Some(out)) = (&r.timestamp, self.timestamps.as_mut()) {
            encode_timestamps(col(name)?.as_ref(), out, name, row0)?;
        }
        if let (Some(name), Some(out)) = (&r.duration, self.durations.as_mut()) {
            encode_durations(col(name)?.as_ref(), out, name, row0)?;
        }
        self.check_len(batch.num_rows())?;
        self.append_scratch()?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// [`set_two_pass`](Self::set_two_pass), with every row's codes of the first pass
    /// also sent to `sink`; the second pass may then replay them with
    /// [`push_codes`](Self::push_codes) instead of pushing the input again.
    ///
    /// # Errors
    /// As [`set_two_pass`](Self::set_two_pass).
    pub fn set_two_pass_with_sink(&mut self, sink: Box<dyn RowSink>) -> Result<()> {
        self.set_two_pass()?;
        self.sink = Some(sink);
        Ok(())
    }

    /// Second pass of a two-pass read: places rows given as codes (as a [`RowSink`]
    /// received them in the first pass, in the same order).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] `two_pass` outside the second pass, or columns of
    /// different lengths; a code the first pass did not produce, more rows than the
    /// first pass (the input changed).
    pub fn push_codes(&mut self, codes: RowCodes<'_>) -> Result<()> {
        let n = codes.items.len();
        let same = codes.workers.len() == n
            && codes.labels.len() == n
            && codes.timestamps.is_none_or(|t| t.len() == n)
            && codes.durations.is_none_or(|d| d.len() == n);
        let Pass::Scatter(sp) = &mut self.pass else {
            return Err(Error::param(
                "two_pass",
                "push_codes is for the second pass of a two-pass read",
            ));
        };
        if !same {
            return Err(Error::param("codes", "the columns have different lengths"));
        }
        sp.place_codes(self.rows, codes)?;
        self.rows += n as u64;
        Ok(())
    }

    /// Moves the codes of the batch in `scratch` into the columns (or counts them, or
    /// places them, in a two-pass read).
    pub(crate) fn append_scratch(&mut self) -> Result<()> {
        let [s_item, s_worker, s_label] = &self.scratch;
        if s_item.is_empty() {
            return Ok(());
        }
        match &mut self.pass {
            Pass::Collect => {}
            Pass::Count => {
                self.item_counts.resize(self.items.len(), 0);
                let mut fp = self.fingerprint;
                for ((&i, &w), &l) in s_item.iter().zip(s_worker).zip(s_label) {
                    self.item_counts[i as usize] += 1;
                    fp = crate::second_pass::fingerprint(fp, i, w, l);
                }
                self.fingerprint = fp;
                if let Some(sink) = self.sink.as_mut() {
                    sink.rows(RowCodes {
                        items: s_item,
                        workers: s_worker,
                        labels: s_label,
                        timestamps: self.timestamps.as_deref(),
                        durations: self.durations.as_deref(),
                    })?;
                }
                return Ok(());
            }
            Pass::Scatter(sp) => {
                return sp.place(
                    self.rows,
                    [s_item, s_worker, s_label],
                    self.timestamps.as_deref(),
                    self.durations.as_deref(),
                );
            }
        }
        self.item_counts.resize(self.items.len(), 0);
        if self.coo_item.is_none() {
            // still grouped when the batch's codes continue the non-decreasing run
            let grouped = self.last_item.is_none_or(|l| s_item[0] >= l)
                && s_item.windows(2).all(|w| w[0] <= w[1]);
            if !grouped {
                // expand the implied item codes of the rows so far
                let mut col = Chunked::default();
                let mut run = Vec::new();
                for (i, &c) in self.item_counts.iter().enumerate() {
                    run.clear();
                    run.resize(c, i as u32);
                    col.extend_from_slice(&run);
                }
                self.coo_item = Some(col);
            }
        }
        if let Some(col) = self.coo_item.as_mut() {
            col.extend_from_slice(s_item);
        }
        for &i in s_item {
            self.item_counts[i as usize] += 1;
        }
        self.last_item = s_item.last().copied();
        self.coo_worker.extend_from_slice(s_worker);
        let max = s_label.iter().copied().max().unwrap_or(0);
        self.coo_label.extend(s_label, max);
        Ok(())
    }

    pub(crate) fn unknown_label(&self, column: &str, row: u64, label: &str) -> Error {
        let declared: Vec<String> = (0..self.declared as u32)
            .map(|c| self.labels.get(c).to_string())
            .collect();
        Error::value(
            column,
            Some(row),
            format!(
                "label `{label}` is not in the declared class set [{}]; add it to the classes or fix the row",
                declared.join(", ")
            ),
        )
    }

    pub(crate) fn check_len(&self, more: usize) -> Result<()> {
        if self.rows as usize + more > u32::MAX as usize {
            return Err(Error::insufficient(format!(
                "more than {} judgments in one matrix; split the input",
                u32::MAX
            )));
        }
        Ok(())
    }

    /// Appends one judgment (for callers without Arrow data). Optional columns, if the
    /// first batch had them, cannot be mixed with this method.
    ///
    /// # Errors
    /// A label outside the declared class set; mixing with batches that carried
    /// timestamps or durations.
    pub fn push_row(&mut self, item: IdRef<'_>, worker: IdRef<'_>, label: IdRef<'_>) -> Result<()> {
        if self.timestamps.is_some() || self.durations.is_some() {
            return Err(Error::param(
                "push_row",
                "cannot be mixed with batches that have timestamp or duration columns",
            ));
        }
        let label = trim_label(label, self.opts.trim_labels);
        let l = self.labels.intern(label);
        if self.declared > 0 && l as usize >= self.declared {
            return Err(self.unknown_label("label", self.rows, &label.to_string()));
        }
        self.check_len(1)?;
        let i = self.items.intern(item);
        let w = self.workers.intern(worker);
        for (s, v) in self.scratch.iter_mut().zip([i, w, l]) {
            s.clear();
            s.push(v);
        }
        self.append_scratch()?;
        self.rows += 1;
        Ok(())
    }

    /// Appends a batch of gold labels with columns `item` (or `task`, or the mapped item
    /// column) and `label` (or `true_label`, `gold`, or the mapped label column).
    ///
    /// # Errors
    /// Missing column, bad type, null values, or one item given two different labels.
    pub fn push_gold_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        // Gold files often keep the default names even when the judgments' columns are
        // mapped: try the mapped name first, then the aliases.
        let c = &self.opts.columns;
        let schema = batch.schema();
        let ii = columns::resolve_fallback(&schema, Role::Item, c.item.as_deref())?;
        let li = columns::resolve_fallback(&schema, Role::GoldLabel, c.label.as_deref())?;
        let (iname, lname) = (
            schema.field(ii).name().clone(),
            schema.field(li).name().clone(),
        );
        let mut icodes = Vec::new();
        let mut lcodes = Vec::new();
        let row0 = self.gold_row_count;
        self.gold_label_column = Some(lname.clone());
        encode_ids(
            batch.column(ii).as_ref(),
            &mut self.gold_items,
            &mut icodes,
            &iname,
            row0,
            &mut DictCache::default(),
        )?;
        let label_col = if self.opts.trim_labels {
            trim_strings(batch.column(li))?
        } else {
            batch.column(li).clone()
        };
        encode_ids(
            label_col.as_ref(),
            &mut self.gold_label_dict,
            &mut lcodes,
            &lname,
            row0,
            &mut DictCache::default(),
        )?;
        for (k, (i, l)) in icodes.into_iter().zip(lcodes).enumerate() {
            self.add_gold(i, l, row0 + k as u64)?;
        }
        self.gold_row_count += batch.num_rows() as u64;
        self.gold_given = true;
        Ok(())
    }

    /// Appends one gold label.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] (naming the row) when the item already has a different
    /// gold label.
    pub fn push_gold_row(&mut self, item: IdRef<'_>, label: IdRef<'_>) -> Result<()> {
        let i = self.gold_items.intern(item);
        let l = self
            .gold_label_dict
            .intern(trim_label(label, self.opts.trim_labels));
        self.add_gold(i, l, self.gold_row_count)?;
        self.gold_row_count += 1;
        self.gold_given = true;
        Ok(())
    }

    fn add_gold(&mut self, i: u32, l: u32, row: u64) -> Result<()> {
        let i = i as usize;
        if i < self.gold_labels.len() {
            let prev = self.gold_labels[i];
            if prev != l {
                return Err(Error::value(
                    self.gold_label_column.as_deref().unwrap_or("label"),
                    Some(row),
                    format!(
                        "gold item `{}` has two different labels: `{}` (first given in data \
                         row {}) and `{}`; keep one answer per gold item",
                        self.gold_items.get(i as u32),
                        self.gold_label_dict.get(prev),
                        self.gold_rows[i] + 1,
                        self.gold_label_dict.get(l),
                    ),
                ));
            }
            self.gold_repeated += 1;
        } else {
            debug_assert_eq!(i, self.gold_labels.len());
            self.gold_labels.push(l);
            self.gold_rows.push(row);
        }
        Ok(())
    }
}

/// `label` without surrounding whitespace when `trim` is set and it is a string.
fn trim_label(label: IdRef<'_>, trim: bool) -> IdRef<'_> {
    match label {
        IdRef::Str(s) if trim => IdRef::Str(s.trim()),
        l => l,
    }
}

/// The column `name` of `batch` (resolved from its first batch), or
/// [`Error::MissingColumn`] listing the batch's columns: a later batch lacks it.
pub(crate) fn batch_column<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a arrow_array::ArrayRef> {
    batch
        .column_by_name(name)
        .ok_or_else(|| Error::MissingColumn {
            wanted: name.into(),
            tried: vec![name.into()],
            found: batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
        })
}
