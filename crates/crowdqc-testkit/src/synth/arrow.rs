//! Arrow output of a synthetic crowd: judgment and gold record batches.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use crowdqc_core::{Error, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, Result};

use super::generate::{ItemTruth, Judgment, SynthCrowd};

/// How ids are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdFormat {
    /// Utf8 strings with a prefix and zero padding to a fixed width: items `i000123`,
    /// workers `w0042` (width = digits of the largest index). Default.
    #[default]
    Str,
    /// Int64 indices (`0..n`).
    Int,
}

/// How labels are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelFormat {
    /// Utf8 `c0`, `c1`, … zero-padded so that string order equals class order.
    Str,
    /// Int64 class indices. Default.
    #[default]
    Int,
}

/// Options of the Arrow output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Rows per batch (≥ 1; the last batch may be shorter). Default 65 536.
    pub rows: usize,
    /// Item and worker id format.
    pub ids: IdFormat,
    /// Label format (judgments and gold).
    pub labels: LabelFormat,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            rows: 65_536,
            ids: IdFormat::Str,
            labels: LabelFormat::Int,
        }
    }
}

fn digits(n: usize) -> usize {
    n.saturating_sub(1).max(1).ilog10() as usize + 1
}

/// Formats `prefix` + zero-padded `v` into `buf` (no allocation after the first call).
fn fmt_id(buf: &mut String, prefix: char, v: usize, width: usize) {
    use std::fmt::Write;
    buf.clear();
    buf.push(prefix);
    let _ = write!(buf, "{v:0width$}");
}

struct Formatter {
    opts: BatchOptions,
    item_w: usize,
    worker_w: usize,
    class_w: usize,
    buf: String,
}

impl Formatter {
    fn new(crowd: &SynthCrowd, opts: BatchOptions) -> Self {
        let c = crowd.config();
        Formatter {
            opts,
            item_w: digits(c.n_items),
            worker_w: digits(c.n_workers),
            class_w: digits(c.n_classes),
            buf: String::new(),
        }
    }

    fn column<'a>(
        &mut self,
        values: impl ExactSizeIterator<Item = usize> + 'a,
        prefix: char,
        width: usize,
        strings: bool,
    ) -> ArrayRef {
        let n = values.len();
        if strings {
            let mut b = StringBuilder::with_capacity(n, n * (width + 1));
            for v in values {
                fmt_id(&mut self.buf, prefix, v, width);
                b.append_value(&self.buf);
            }
            Arc::new(b.finish())
        } else {
            let mut b = Int64Builder::with_capacity(n);
            for v in values {
                b.append_value(v as i64);
            }
            Arc::new(b.finish())
        }
    }

    fn judgments(&mut self, rows: &[Judgment], schema: &SchemaRef, times: bool) -> RecordBatch {
        let ids = self.opts.ids == IdFormat::Str;
        let labels = self.opts.labels == LabelFormat::Str;
        let (iw, ww, cw) = (self.item_w, self.worker_w, self.class_w);
        let mut cols = vec![
            self.column(rows.iter().map(|r| r.item as usize), 'i', iw, ids),
            self.column(rows.iter().map(|r| r.worker as usize), 'w', ww, ids),
            self.column(rows.iter().map(|r| r.label as usize), 'c', cw, labels),
        ];
        if times {
            let ts: Int64Array = rows.iter().map(|r| Some(r.timestamp_ms)).collect();
            let du: Int64Array = rows.iter().map(|r| Some(r.duration_ms)).collect();
            cols.push(Arc::new(ts));
            cols.push(Arc::new(du));
        }
        RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema")
    }

    fn gold(&mut self, rows: &[(usize, u32, bool)], schema: &SchemaRef, flag: bool) -> RecordBatch {
        let ids = self.opts.ids == IdFormat::Str;
        let labels = self.opts.labels == LabelFormat::Str;
        let (iw, cw) = (self.item_w, self.class_w);
        let mut cols = vec![
            self.column(rows.iter().map(|r| r.0), 'i', iw, ids),
            self.column(rows.iter().map(|r| r.1 as usize), 'c', cw, labels),
        ];
        if flag {
            let g: BooleanArray = rows.iter().map(|r| Some(r.2)).collect();
            cols.push(Arc::new(g));
        }
        RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema")
    }
}

impl SynthCrowd {
    /// The schema of the judgment batches: `item`, `worker`, `label` (+ `timestamp`
    /// Int64 ms since the epoch and `duration_ms` Int64 when [`times`] is on).
    ///
    /// [`times`]: super::SynthConfig::times
    pub fn schema(&self, opts: &BatchOptions) -> SchemaRef {
        let id = match opts.ids {
            IdFormat::Str => DataType::Utf8,
            IdFormat::Int => DataType::Int64,
        };
        let mut fields = vec![
            Field::new("item", id.clone(), false),
            Field::new("worker", id, false),
            Field::new("label", label_type(opts), false),
        ];
        if self.config().times {
            fields.push(Field::new("timestamp", DataType::Int64, false));
            fields.push(Field::new("duration_ms", DataType::Int64, false));
        }
        Arc::new(Schema::new(fields))
    }

    /// The schema of the gold batches: `item`, `label`.
    pub fn gold_schema(&self, opts: &BatchOptions) -> SchemaRef {
        let id = match opts.ids {
            IdFormat::Str => DataType::Utf8,
            IdFormat::Int => DataType::Int64,
        };
        Arc::new(Schema::new(vec![
            Field::new("item", id, false),
            Field::new("label", label_type(opts), false),
        ]))
    }

    /// The judgments as record batches of `opts.rows` rows, generated lazily (memory
    /// is one block plus one batch). The concatenated rows are the same for any batch
    /// size.
    ///
    /// # Errors
    /// `opts.rows == 0`.
    pub fn batches(&self, opts: BatchOptions) -> Result<Batches<'_>> {
        check_rows(&opts)?;
        Ok(Batches {
            crowd: self,
            schema: self.schema(&opts),
            fmt: Formatter::new(self, opts),
            next_block: 0,
            pending: Vec::new(),
        })
    }

    /// The gold labels `(item, true label)` of the gold items, in item order, as record
    /// batches of up to `opts.rows` rows (no batch when there is no gold item).
    ///
    /// # Errors
    /// `opts.rows == 0`.
    pub fn gold_batches(&self, opts: BatchOptions) -> Result<GoldBatches<'_>> {
        check_rows(&opts)?;
        Ok(GoldBatches {
            crowd: self,
            schema: self.gold_schema(&opts),
            fmt: Formatter::new(self, opts),
            next_block: 0,
            pending: Vec::new(),
            all: false,
        })
    }

    /// The schema of [`items_truth_batches`](Self::items_truth_batches): `item`,
    /// `label` (the true class), `gold` (Boolean).
    pub fn items_truth_schema(&self, opts: &BatchOptions) -> SchemaRef {
        let g = self.gold_schema(opts);
        let mut fields: Vec<Field> = g.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new("gold", DataType::Boolean, false));
        Arc::new(Schema::new(fields))
    }

    /// The truth of every item `(item, true label, gold flag)`, in item order, as
    /// record batches of up to `opts.rows` rows.
    ///
    /// # Errors
    /// `opts.rows == 0`.
    pub fn items_truth_batches(&self, opts: BatchOptions) -> Result<GoldBatches<'_>> {
        check_rows(&opts)?;
        Ok(GoldBatches {
            crowd: self,
            schema: self.items_truth_schema(&opts),
            fmt: Formatter::new(self, opts),
            next_block: 0,
            pending: Vec::new(),
            all: true,
        })
    }

    /// The workers' truth as one batch: `worker` (id as in `opts.ids`), `archetype`,
    /// `param`, `target`, `activity`, `expected_accuracy` (under the class prior).
    pub fn workers_batch(&self, opts: &BatchOptions) -> RecordBatch {
        let w = self.workers();
        let mut fmt = Formatter::new(self, *opts);
        let ww = fmt.worker_w;
        let ids = fmt.column(0..w.len(), 'w', ww, opts.ids == IdFormat::Str);
        let cols: Vec<(&str, ArrayRef)> = vec![
            ("worker", ids),
            (
                "archetype",
                Arc::new(StringArray::from_iter_values(
                    w.iter().map(|t| t.archetype.name()),
                )),
            ),
            (
                "param",
                Arc::new(Float64Array::from_iter_values(w.iter().map(|t| t.param))),
            ),
            (
                "target",
                Arc::new(Int64Array::from_iter_values(
                    w.iter().map(|t| i64::from(t.target)),
                )),
            ),
            (
                "activity",
                Arc::new(Float64Array::from_iter_values(w.iter().map(|t| t.activity))),
            ),
            (
                "expected_accuracy",
                Arc::new(Float64Array::from_iter_values(
                    w.iter().map(|t| t.expected_accuracy(self.prior())),
                )),
            ),
        ];
        RecordBatch::try_from_iter(cols).expect("equal-length columns")
    }

    /// Builds a [`JudgmentMatrix`] from [`batches`](Self::batches) and, when
    /// `gold_fraction > 0`, [`gold_batches`](Self::gold_batches).
    ///
    /// # Errors
    /// `opts.rows == 0`, and any ingest error (e.g. a declared class set that misses a
    /// generated label).
    pub fn to_matrix(&self, opts: &BatchOptions, ingest: IngestOptions) -> Result<JudgmentMatrix> {
        let mut b = JudgmentMatrixBuilder::new(ingest)?;
        for batch in self.batches(*opts)? {
            b.push_batch(&batch)?;
        }
        if self.config().gold_fraction > 0.0 {
            let mut any = false;
            for g in self.gold_batches(*opts)? {
                b.push_gold_batch(&g)?;
                any = true;
            }
            if !any {
                b.push_gold_batch(&RecordBatch::new_empty(self.gold_schema(opts)))?;
            }
        }
        b.finish()
    }
}

fn label_type(opts: &BatchOptions) -> DataType {
    match opts.labels {
        LabelFormat::Str => DataType::Utf8,
        LabelFormat::Int => DataType::Int64,
    }
}

fn check_rows(opts: &BatchOptions) -> Result<()> {
    if opts.rows == 0 {
        return Err(Error::param("rows", "rows per batch must be at least 1"));
    }
    Ok(())
}

/// Iterator over judgment batches; see [`SynthCrowd::batches`].
pub struct Batches<'a> {
    crowd: &'a SynthCrowd,
    schema: SchemaRef,
    fmt: Formatter,
    next_block: usize,
    pending: Vec<Judgment>,
}

impl Iterator for Batches<'_> {
    type Item = RecordBatch;

    fn next(&mut self) -> Option<RecordBatch> {
        let want = self.fmt.opts.rows;
        while self.pending.len() < want && self.next_block < self.crowd.n_blocks() {
            self.pending.extend(self.crowd.block(self.next_block).rows);
            self.next_block += 1;
        }
        if self.pending.is_empty() {
            return None;
        }
        let take = want.min(self.pending.len());
        let batch = self.fmt.judgments(
            &self.pending[..take],
            &self.schema,
            self.crowd.config().times,
        );
        self.pending.drain(..take);
        Some(batch)
    }
}

/// Iterator over gold (or item-truth) batches; see [`SynthCrowd::gold_batches`] and
/// [`SynthCrowd::items_truth_batches`].
pub struct GoldBatches<'a> {
    crowd: &'a SynthCrowd,
    schema: SchemaRef,
    fmt: Formatter,
    next_block: usize,
    pending: Vec<(usize, u32, bool)>,
    all: bool,
}

impl Iterator for GoldBatches<'_> {
    type Item = RecordBatch;

    fn next(&mut self) -> Option<RecordBatch> {
        let want = self.fmt.opts.rows;
        while self.pending.len() < want && self.next_block < self.crowd.n_blocks() {
            let b = self.next_block;
            let first = b * super::BLOCK_ITEMS;
            let truth: Vec<ItemTruth> = self.crowd.block_truth(b);
            self.pending.extend(
                truth
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| self.all || t.gold)
                    .map(|(k, t)| (first + k, t.class, t.gold)),
            );
            self.next_block += 1;
        }
        if self.pending.is_empty() {
            return None;
        }
        let take = want.min(self.pending.len());
        let batch = self.fmt.gold(&self.pending[..take], &self.schema, self.all);
        self.pending.drain(..take);
        Some(batch)
    }
}
