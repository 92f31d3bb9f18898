//! Parallel ingest: runs of batches ("parts", e.g. one Parquet row group each) are
//! encoded against part-local dictionaries on any thread ([`EncodedPart::push`]), then
//! merged into a builder in input order ([`JudgmentMatrixBuilder::push_part`]).
//!
//! The matrix is the same, bit for bit, as pushing the same batches one by one with
//! [`JudgmentMatrixBuilder::push_batch`]: a part's dictionary holds its ids in order of
//! first appearance within the part, so merging the parts' dictionaries in input order,
//! each in its own code order, assigns every id the global code of its first appearance
//! in the input. Errors are the same too, with the same rows: a part stops at its first
//! failing batch and the merge reports, in input order, what `push_batch` would have
//! reported first. The global dictionaries then see one lookup per distinct id of a part
//! instead of one per row, and the per-row hashing runs on as many threads as there are
//! parts in flight.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::builder::{JudgmentMatrixBuilder, Pass, Resolved, batch_column};
use crate::dict::IdDictionary;
use crate::error::{Error, Result};
use crate::ingest::{DictCache, encode_durations, encode_ids, encode_timestamps, trim_strings};
use crate::options::IngestOptions;
use crate::parts_stream::{NewIds, StreamTag};

/// Judgment batches encoded against their own dictionaries, ready to be merged into a
/// [`JudgmentMatrixBuilder`] with [`push_part`](JudgmentMatrixBuilder::push_part).
/// Build one per run of consecutive batches (any thread), push the batches in input
/// order, and merge the parts in input order.
#[derive(Debug)]
pub struct EncodedPart {
    opts: IngestOptions,
    schema: Option<SchemaRef>,
    columns: Option<Resolved>,
    /// Item, worker and label dictionaries of the part (first appearance in the part),
    /// or of its stream ([`PartStream`](crate::PartStream)), which then continue the
    /// stream's previous part: ids new to the part have codes from `base` on.
    pub(crate) dicts: [IdDictionary; 3],
    /// Per column, the dictionary's length when the part began.
    pub(crate) base: [usize; 3],
    /// The stream and the part's place in it (`None`: a part on its own).
    pub(crate) stream: Option<StreamTag>,
    /// Set when the stream ended the part: the ids new to each column, and whether the
    /// stream starts a fresh dictionary after this part.
    pub(crate) news: Option<[(NewIds, bool); 3]>,
    /// Part-local codes of every complete row.
    pub(crate) codes: [Vec<u32>; 3],
    caches: [DictCache; 3],
    timestamps: Option<Vec<i64>>,
    durations: Option<Vec<f64>>,
    /// The first error (in decoding or encoding a batch; the part takes no more
    /// batches), and whether its rows count from the start of the part.
    failure: Option<(Error, bool)>,
    /// Encode the three id columns of a batch as parallel rayon tasks.
    parallel_columns: bool,
}

/// Batches at least this long encode their id columns as parallel tasks.
const PARALLEL_MIN_ROWS: usize = 4096;

impl EncodedPart {
    /// An empty part for a builder with options `opts` (the same options as the
    /// builder's). With `parallel_columns`, the item, worker and label columns of each
    /// batch are encoded as parallel rayon tasks (useful when fewer parts than threads
    /// are in flight).
    pub fn new(opts: &IngestOptions, parallel_columns: bool) -> Self {
        EncodedPart {
            opts: opts.clone(),
            schema: None,
            columns: None,
            // part dictionaries grow from empty in every part: keep their hashes
            dicts: std::array::from_fn(|_| IdDictionary::with_stored_hashes()),
            base: [0; 3],
            stream: None,
            news: None,
            codes: Default::default(),
            caches: Default::default(),
            timestamps: None,
            durations: None,
            failure: None,
            parallel_columns,
        }
    }

    /// Rows encoded so far.
    pub fn rows(&self) -> usize {
        self.codes[0].len()
    }

    /// True once a batch failed (the part takes no more batches).
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Records an error that ends the part after the rows pushed so far (e.g. the
    /// decoder failed on the next batch). It is reported by
    /// [`push_part`](JudgmentMatrixBuilder::push_part) as it is (rows, if any, not
    /// shifted), after the checks of the rows before it.
    pub fn fail(&mut self, error: Error) {
        if self.failure.is_none() {
            self.failure = Some((error, false));
        }
    }

    /// Encodes one batch (columns found as in
    /// [`push_batch`](JudgmentMatrixBuilder::push_batch)). Returns false when the batch
    /// failed or an earlier one did: the error is kept and reported by the merge.
    pub fn push(&mut self, batch: &RecordBatch) -> bool {
        if self.failure.is_some() {
            return false;
        }
        if let Err(e) = self.try_push(batch) {
            self.failure = Some((e, true));
            return false;
        }
        true
    }

    fn try_push(&mut self, batch: &RecordBatch) -> Result<()> {
        if self.columns.is_none() {
            let schema = batch.schema();
            let r = Resolved::from_schema(&schema, &self.opts.columns)?;
            if r.timestamp.is_some() {
                self.timestamps = Some(Vec::new());
            }
            if r.duration.is_some() {
                self.durations = Some(Vec::new());
            }
            self.columns = Some(r);
            self.schema = Some(schema);
        }
        let Some(r) = self.columns.clone() else {
            unreachable!("resolved above");
        };
        let col = |name: &str| batch_column(batch, name);
        let row0 = self.rows() as u64;
        let (item_col, worker_col, label_col) = (col(&r.item)?, col(&r.worker)?, col(&r.label)?);
        let trimmed;
        let label_col = if self.opts.trim_labels {
            trimmed = trim_strings(label_col)?;
            &trimmed
        } else {
            label_col
        };
        let [d_item, d_worker, d_label] = &mut self.dicts;
        let [s_item, s_worker, s_label] = &mut self.codes;
        let [c_item, c_worker, c_label] = &mut self.caches;
        let mut encode_item =
            || encode_ids(item_col.as_ref(), d_item, s_item, &r.item, row0, c_item);
        let mut encode_worker = || {
            encode_ids(
                worker_col.as_ref(),
                d_worker,
                s_worker,
                &r.worker,
                row0,
                c_worker,
            )
        };
        let mut encode_label = || {
            encode_ids(
                label_col.as_ref(),
                d_label,
                s_label,
                &r.label,
                row0,
                c_label,
            )
        };
        let (ri, (rw, rl)) = if self.parallel_columns && batch.num_rows() >= PARALLEL_MIN_ROWS {
            rayon::join(encode_item, || rayon::join(encode_worker, encode_label))
        } else {
            (encode_item(), (encode_worker(), encode_label()))
        };
        let n = row0 as usize;
        if let Err(e) = ri.and(rw).and(rl) {
            // the failing batch keeps no row
            for c in &mut self.codes {
                c.truncate(n);
            }
            return Err(e);
        }
        // From here on the batch's ids are kept: the merge checks its labels before
        // reporting a timestamp or duration error, as `push_batch` does.
        if let (Some(name), Some(out)) = (&r.timestamp, self.timestamps.as_mut()) {
            encode_timestamps(col(name)?.as_ref(), out, name, row0)?;
        }
        if let (Some(name), Some(out)) = (&r.duration, self.durations.as_mut()) {
            encode_durations(col(name)?.as_ref(), out, name, row0)?;
        }
        Ok(())
    }
}

/// `e` with its data row moved by `by` rows.
fn shift_row(e: Error, by: u64) -> Error {
    match e {
        Error::InvalidValue {
            column,
            row: Some(row),
            message,
        } => Error::InvalidValue {
            column,
            row: Some(row + by),
            message,
        },
        e => e,
    }
}

impl JudgmentMatrixBuilder {
    /// Merges a part encoded by [`EncodedPart::push`] (parts must come in input order):
    /// the same codes, checks and errors (with rows counted across all batches) as
    /// pushing its batches with [`push_batch`](Self::push_batch). Works in every pass of
    /// a two-pass read.
    ///
    /// # Errors
    /// As [`push_batch`](Self::push_batch): the first error of the part's batches.
    pub fn push_part(&mut self, part: EncodedPart) -> Result<()> {
        let EncodedPart {
            schema,
            dicts,
            base,
            stream,
            news,
            codes,
            timestamps,
            durations,
            failure,
            ..
        } = part;
        let row0 = self.rows;
        if let Some(schema) = &schema {
            self.resolve(schema)?;
        }
        let n = codes[0].len();
        // a part not ended by its stream: its dictionaries, from their base on
        let news = news.unwrap_or_else(|| {
            let [d0, d1, d2] = dicts;
            [
                (NewIds::Dict(d0, base[0]), true),
                (NewIds::Dict(d1, base[1]), true),
                (NewIds::Dict(d2, base[2]), true),
            ]
        });
        let mut maps = match stream {
            Some(tag) => self.take_stream_maps(tag)?,
            None => Default::default(),
        };
        for (map, &b) in maps.iter().zip(&base) {
            if map.len() != b {
                return Err(Error::param(
                    "part",
                    "the parts of a stream must be merged in their order, each once",
                ));
            }
        }
        // Global codes of each code of the column's dictionary, extended by the ids new
        // in this part (in code order = first appearance), then the rows remapped.
        let JudgmentMatrixBuilder {
            items,
            workers,
            labels,
            scratch,
            ..
        } = self;
        let [m_item, m_worker, m_label] = &mut maps;
        let [n_item, n_worker, n_label] = news;
        let [c_item, c_worker, c_label] = &codes;
        let [s_item, s_worker, s_label] = scratch;
        let map = |global: &mut IdDictionary,
                   (new, reset): (NewIds, bool),
                   remap: &mut Vec<u32>,
                   codes: &[u32],
                   out: &mut Vec<u32>| {
            new.intern_into(global, remap);
            out.clear();
            out.extend(codes.iter().map(|&c| remap[c as usize]));
            if reset {
                remap.clear();
            }
        };
        rayon::join(
            || map(items, n_item, m_item, c_item, s_item),
            || {
                map(workers, n_worker, m_worker, c_worker, s_worker);
                map(labels, n_label, m_label, c_label, s_label);
            },
        );
        if let Some(tag) = stream {
            self.put_stream_maps(tag, maps);
        }
        if self.declared > 0
            && let Some(i) = self.scratch[2]
                .iter()
                .position(|&c| c as usize >= self.declared)
        {
            let label = self.labels.get(self.scratch[2][i]).to_string();
            let column = self
                .columns
                .as_ref()
                .map_or("label", |r| r.label.as_str())
                .to_string();
            return Err(self.unknown_label(&column, row0 + i as u64, &label));
        }
        if let Some((e, relative)) = failure {
            return Err(if relative { shift_row(e, row0) } else { e });
        }
        if !matches!(self.pass, Pass::Collect) {
            for t in [&mut self.timestamps].into_iter().flatten() {
                t.clear();
            }
            for d in [&mut self.durations].into_iter().flatten() {
                d.clear();
            }
        }
        if let (Some(out), Some(t)) = (self.timestamps.as_mut(), timestamps) {
            out.extend_from_slice(&t[..n]);
        }
        if let (Some(out), Some(d)) = (self.durations.as_mut(), durations) {
            out.extend_from_slice(&d[..n]);
        }
        self.check_len(n)?;
        self.append_scratch()?;
        self.rows += n as u64;
        Ok(())
    }
}
