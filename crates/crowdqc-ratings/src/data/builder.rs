//! [`RatingsBuilder`]: Arrow batches (or rows) to a [`RatingMatrix`].

use arrow_array::RecordBatch;
use crowdqc_core::columns::{self, IdColumn, NumberColumn, Role};
use crowdqc_core::{DuplicatePolicy, Error, IdDictionary, IdRef, IngestReport, Result};
use hashbrown::HashMap;

use super::{RatingMatrix, RatingScale, RatingsOptions};

/// Builds a [`RatingMatrix`] from any number of Arrow record batches (never
/// concatenated) or single rows.
///
/// Columns are found with [`crowdqc_core::columns`] (the mapped names, else the
/// aliases `item`/`task`, `worker`/`performer`/`annotator`, `label`), so every Arrow
/// type ingest accepts is accepted here. Numeric ratings are read with
/// [`NumberColumn`]: a value that is not a number is an error naming the value and its
/// 1-based row.
///
/// ```
/// use crowdqc_core::IdRef;
/// use crowdqc_ratings::{RatingsBuilder, RatingsOptions};
/// # fn main() -> crowdqc_core::Result<()> {
/// let mut b = RatingsBuilder::new(RatingsOptions::default())?;
/// b.push_row(IdRef::Str("t1"), IdRef::Str("ann"), 4.0)?;
/// b.push_row(IdRef::Str("t1"), IdRef::Str("bob"), 5.0)?;
/// let m = b.finish()?;
/// assert_eq!((m.n_items(), m.n_workers(), m.n_ratings()), (1, 2, 2));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RatingsBuilder {
    opts: RatingsOptions,
    levels: HashMap<String, f64>,
    items: IdDictionary,
    workers: IdDictionary,
    item: Vec<u32>,
    worker: Vec<u32>,
    value: Vec<f64>,
    rows: u64,
}

impl RatingsBuilder {
    /// A builder with these options.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`scale`) for an ordinal scale with no level or a
    /// repeated level.
    pub fn new(opts: RatingsOptions) -> Result<Self> {
        let mut levels = HashMap::new();
        if let RatingScale::Ordinal(l) = &opts.scale {
            if l.is_empty() {
                return Err(Error::param(
                    "scale",
                    "an ordinal scale needs at least one level, lowest first",
                ));
            }
            for (i, s) in l.iter().enumerate() {
                if levels.insert(s.clone(), i as f64).is_some() {
                    return Err(Error::param(
                        "scale",
                        format!("level `{s}` is declared twice; list each level once"),
                    ));
                }
            }
        }
        Ok(RatingsBuilder {
            opts,
            levels,
            items: IdDictionary::new(),
            workers: IdDictionary::new(),
            item: Vec::new(),
            worker: Vec::new(),
            value: Vec::new(),
            rows: 0,
        })
    }

    fn level(&self, label: IdRef<'_>, column: &str, row: u64) -> Result<f64> {
        let text = label.to_string();
        self.levels.get(&text).copied().ok_or_else(|| {
            let accepted = match &self.opts.scale {
                RatingScale::Ordinal(l) => l.join(", "),
                RatingScale::Numeric => String::new(),
            };
            Error::value(
                column,
                Some(row),
                format!("`{text}` is not one of the declared levels [{accepted}]"),
            )
        })
    }

    fn push(&mut self, item: IdRef<'_>, worker: IdRef<'_>, value: f64, row: u64) -> Result<()> {
        if !value.is_finite() {
            return Err(Error::value(
                self.opts.columns.label.as_deref().unwrap_or("label"),
                Some(row),
                format!("rating {value} is not a finite number; drop or fix the row"),
            ));
        }
        if self.item.len() >= u32::MAX as usize {
            return Err(Error::insufficient(
                "more than 2^32 - 1 ratings; split the input",
            ));
        }
        self.item.push(self.items.intern(item));
        self.worker.push(self.workers.intern(worker));
        self.value.push(value);
        Ok(())
    }

    /// Adds one rating (a numeric value; for an ordinal scale, the level's rank).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a non-finite value.
    pub fn push_row(&mut self, item: IdRef<'_>, worker: IdRef<'_>, value: f64) -> Result<()> {
        let row = self.rows;
        self.push(item, worker, value, row)?;
        self.rows += 1;
        Ok(())
    }

    /// Adds one rating given as a label of the declared ordinal scale (or, on a
    /// numeric scale, as text that parses as a number).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] naming the label and the accepted levels (or saying it
    /// is not a number).
    pub fn push_label(
        &mut self,
        item: IdRef<'_>,
        worker: IdRef<'_>,
        label: IdRef<'_>,
    ) -> Result<()> {
        let row = self.rows;
        let value = match self.opts.scale {
            RatingScale::Ordinal(_) => self.level(label, "label", row)?,
            RatingScale::Numeric => label.as_f64().ok_or_else(|| {
                Error::value("label", Some(row), format!("`{label}` is not a number"))
            })?,
        };
        self.push(item, worker, value, row)?;
        self.rows += 1;
        Ok(())
    }

    /// Adds every row of `batch` (its rows are numbered after the rows already added).
    ///
    /// # Errors
    /// [`Error::MissingColumn`] for an absent column, [`Error::Schema`] for a column
    /// type that cannot hold ids or ratings, [`Error::InvalidValue`] naming the column
    /// and the 1-based row of a null id or rating, a rating that is not a number
    /// (numeric scale; the first such value), or a label outside the levels (ordinal).
    pub fn push_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let schema = batch.schema();
        let cols = &self.opts.columns;
        let ii = columns::resolve(&schema, Role::Item, cols.item.as_deref())?;
        let wi = columns::resolve(&schema, Role::Worker, cols.worker.as_deref())?;
        let li = columns::resolve(&schema, Role::Label, cols.label.as_deref())?;
        let name = |i: usize| schema.field(i).name().clone();
        let row0 = self.rows;
        let items = IdColumn::new(batch.column(ii), &name(ii), row0)?;
        let workers = IdColumn::new(batch.column(wi), &name(wi), row0)?;
        let label_name = name(li);
        let n = batch.num_rows();
        self.item.reserve(n);
        self.worker.reserve(n);
        self.value.reserve(n);
        match self.opts.scale {
            RatingScale::Numeric => {
                let vals = NumberColumn::new(batch.column(li), &label_name, row0)?;
                for r in 0..n {
                    let v = vals.get(r)?;
                    self.push(items.get(r)?, workers.get(r)?, v, row0 + r as u64)
                        .map_err(|e| rename(e, &label_name))?;
                }
            }
            RatingScale::Ordinal(_) => {
                let labels = IdColumn::new(batch.column(li), &label_name, row0)?;
                for r in 0..n {
                    let v = self.level(labels.get(r)?, &label_name, row0 + r as u64)?;
                    self.push(items.get(r)?, workers.get(r)?, v, row0 + r as u64)?;
                }
            }
        }
        self.rows += n as u64;
        Ok(())
    }

    /// Pushes every batch of `batches` (e.g. a file reader's) and finishes: the
    /// streaming read of a whole ratings file.
    ///
    /// # Errors
    /// The first error of a batch (as given), of [`push_batch`](Self::push_batch) or of
    /// [`finish`](Self::finish).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    /// use crowdqc_ratings::{RatingsBuilder, RatingsOptions};
    /// let batch = |i: &[&str], w: &[&str], v: &[f64]| {
    ///     let cols: [(&str, ArrayRef); 3] = [
    ///         ("item", Arc::new(StringArray::from(i.to_vec()))),
    ///         ("worker", Arc::new(StringArray::from(w.to_vec()))),
    ///         ("label", Arc::new(Float64Array::from(v.to_vec()))),
    ///     ];
    ///     RecordBatch::try_from_iter(cols).expect("batch")
    /// };
    /// let b1 = batch(&["i1", "i2"], &["a", "a"], &[1.0, 2.0]);
    /// let b2 = batch(&["i1"], &["b"], &[3.0]);
    /// let opts = RatingsOptions::default();
    /// let m = RatingsBuilder::new(opts.clone())?.read_all([Ok(b1), Ok(b2.clone())])?;
    /// assert_eq!((m.n_ratings(), m.n_items()), (3, 2));
    /// // a failed batch stops the read with its own error
    /// let bad = crowdqc_core::Error::insufficient("disk gone");
    /// let e = RatingsBuilder::new(opts)?.read_all([Ok(b2), Err(bad)]).unwrap_err();
    /// assert!(e.to_string().contains("disk gone"));
    /// # Ok::<(), crowdqc_core::Error>(())
    /// ```
    pub fn read_all(
        mut self,
        batches: impl IntoIterator<Item = Result<RecordBatch>>,
    ) -> Result<RatingMatrix> {
        for batch in batches {
            self.push_batch(&batch?)?;
        }
        self.finish()
    }

    /// Groups the ratings by item, applies the duplicate policy and counts duplicates.
    ///
    /// # Errors
    /// [`Error::InsufficientData`] for no rating; [`Error::Conflict`] naming the item,
    /// the worker and both rows under the `error` duplicate policy.
    pub fn finish(mut self) -> Result<RatingMatrix> {
        let n = self.value.len();
        if n == 0 {
            return Err(Error::insufficient(
                "no ratings; the input has no data rows",
            ));
        }
        let n_items = self.items.len();
        let n_workers = self.workers.len();
        // counting sort by item, stable (input order within an item)
        let mut offsets = vec![0usize; n_items + 1];
        for &i in &self.item {
            offsets[i as usize + 1] += 1;
        }
        for i in 0..n_items {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut order = vec![0u32; n]; // order[pos] = input row
        for (row, &i) in self.item.iter().enumerate() {
            order[next[i as usize]] = row as u32;
            next[i as usize] += 1;
        }
        drop(next);
        self.item = Vec::new(); // the CSR order replaces it; keep the peak low
        // duplicates: per item, the first position of each worker
        let policy = self.opts.duplicates;
        let mut report = IngestReport {
            rows_read: self.rows,
            duplicate_policy: policy,
            ..IngestReport::default()
        };
        let mut stamp = vec![u32::MAX; n_workers]; // item that last saw the worker
        let mut first_pos = vec![0u32; n_workers]; // its position in `keep`
        let mut pair_item = vec![u32::MAX; n_workers]; // item whose pair was counted
        let mut conflict_item = vec![u32::MAX; n_workers]; // ... counted as conflicting
        let mut keep: Vec<u32> = Vec::with_capacity(n); // input rows kept, by item
        let mut new_offsets = vec![0usize; n_items + 1];
        let mut has_duplicates = false;
        for i in 0..n_items {
            for &row in &order[offsets[i]..offsets[i + 1]] {
                let w = self.worker[row as usize] as usize;
                if stamp[w] != i as u32 {
                    stamp[w] = i as u32;
                    first_pos[w] = keep.len() as u32;
                    keep.push(row);
                    continue;
                }
                let fp = first_pos[w] as usize;
                let first_row = keep[fp];
                report.duplicate_extra_rows += 1;
                if pair_item[w] != i as u32 {
                    pair_item[w] = i as u32;
                    report.duplicate_pairs += 1;
                }
                if self.value[first_row as usize] != self.value[row as usize]
                    && conflict_item[w] != i as u32
                {
                    conflict_item[w] = i as u32;
                    report.conflicting_duplicate_pairs += 1;
                }
                match policy {
                    DuplicatePolicy::Error => {
                        return Err(Error::Conflict(format!(
                            "worker `{}` rated item `{}` more than once (data rows {} and {}, \
                             1-based); choose a duplicate policy: keep-all, first or last",
                            self.workers.get(w as u32),
                            self.items.get(i as u32),
                            u64::from(first_row) + 1,
                            u64::from(row) + 1,
                        )));
                    }
                    DuplicatePolicy::KeepAll => {
                        has_duplicates = true;
                        keep.push(row);
                    }
                    DuplicatePolicy::First => report.dropped_duplicate_rows += 1,
                    DuplicatePolicy::Last => {
                        report.dropped_duplicate_rows += 1;
                        keep[fp] = row;
                    }
                }
            }
            new_offsets[i + 1] = keep.len();
        }
        drop(order);
        drop(offsets);
        report.judgments = keep.len() as u64;
        let worker: Vec<u32> = keep.iter().map(|&r| self.worker[r as usize]).collect();
        let value: Vec<f64> = keep.iter().map(|&r| self.value[r as usize]).collect();
        self.worker = Vec::new();
        self.value = Vec::new();
        // worker index in input order: sort kept positions by their input row
        let mut pos_by_row: Vec<u32> = (0..keep.len() as u32).collect();
        pos_by_row.sort_unstable_by_key(|&p| keep[p as usize]);
        let mut worker_offsets = vec![0usize; n_workers + 1];
        for &w in &worker {
            worker_offsets[w as usize + 1] += 1;
        }
        for w in 0..n_workers {
            worker_offsets[w + 1] += worker_offsets[w];
        }
        let mut next = worker_offsets.clone();
        let mut by_worker = vec![0u32; keep.len()];
        for &p in &pos_by_row {
            let w = worker[p as usize] as usize;
            by_worker[next[w]] = p;
            next[w] += 1;
        }
        Ok(RatingMatrix {
            items: self.items,
            workers: self.workers,
            item_offsets: new_offsets,
            worker,
            value,
            worker_offsets,
            by_worker,
            scale: self.opts.scale,
            report,
            has_duplicates,
        })
    }
}

/// Errors of `push` name the label column by its logical name; give the real one.
fn rename(e: Error, column: &str) -> Error {
    match e {
        Error::InvalidValue { row, message, .. } => Error::value(column, row, message),
        e => e,
    }
}
