//! [`JudgmentMatrixBuilder`]: streaming construction of a [`JudgmentMatrix`].

use arrow_array::RecordBatch;

use crate::classes::{ClassOrder, ClassSet, sorted_order};
use crate::columns::{self, Role};
use crate::dict::{IdDictionary, IdRef};
use crate::error::{Error, Result};
use crate::gold::{Gold, GoldReport};
use crate::ingest::{DictCache, encode_durations, encode_ids, encode_timestamps, trim_strings};
use crate::matrix::{IngestReport, JudgmentMatrix, find_duplicates, worker_index};
use crate::options::{DuplicatePolicy, IngestOptions};

/// Builds a [`JudgmentMatrix`] from any number of Arrow record batches (or single rows),
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
#[derive(Debug)]
pub struct JudgmentMatrixBuilder {
    opts: IngestOptions,
    items: IdDictionary,
    workers: IdDictionary,
    labels: IdDictionary,
    declared: usize,
    coo_item: Vec<u32>,
    coo_worker: Vec<u32>,
    coo_label: Vec<u32>,
    timestamps: Option<Vec<i64>>,
    durations: Option<Vec<f64>>,
    columns: Option<Resolved>,
    rows: u64,
    gold_items: IdDictionary,
    gold_label_dict: IdDictionary,
    gold_labels: Vec<u32>,
    gold_rows: Vec<u64>,
    gold_repeated: u64,
    gold_given: bool,
    gold_row_count: u64,
    /// Name of the gold label column (for messages), once a gold batch was read.
    gold_label_column: Option<String>,
    /// Dictionary-array caches of the item, worker and label columns.
    caches: [DictCache; 3],
}

/// Batches at least this long encode their id columns on two threads.
const PARALLEL_MIN_ROWS: usize = 4096;

#[derive(Debug, Clone)]
struct Resolved {
    item: String,
    worker: String,
    label: String,
    timestamp: Option<String>,
    duration: Option<String>,
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
            items: IdDictionary::new(),
            workers: IdDictionary::new(),
            labels,
            declared,
            coo_item: Vec::new(),
            coo_worker: Vec::new(),
            coo_label: Vec::new(),
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
        })
    }

    /// Judgment rows pushed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Reserves room for `n` more judgments, as a hint: at most
    /// [`RESERVE_HINT_CAP`](Self::RESERVE_HINT_CAP) rows are reserved, and a
    /// reservation the allocator refuses is skipped (the buffers then grow as rows
    /// arrive). A count declared by a file (a Parquet footer) can be anything, so it
    /// never decides an allocation on its own.
    pub fn reserve(&mut self, n: usize) {
        let n = n.min(Self::RESERVE_HINT_CAP);
        for v in [
            &mut self.coo_item,
            &mut self.coo_worker,
            &mut self.coo_label,
        ] {
            if v.try_reserve(n).is_err() {
                return;
            }
        }
    }

    /// The most rows [`reserve`](Self::reserve) reserves in advance (2^24 rows, 192 MiB
    /// for the three code columns); more rows are still accepted, by growth.
    pub const RESERVE_HINT_CAP: usize = 1 << 24;

    fn resolve(&mut self, batch: &RecordBatch) -> Result<Resolved> {
        if let Some(r) = &self.columns {
            return Ok(r.clone());
        }
        let c = &self.opts.columns;
        let name = |i: usize| batch.schema().field(i).name().clone();
        let schema = batch.schema();
        let required = |role: Role| columns::resolve(&schema, role, role.mapped(c)).map(name);
        let optional = |role: Role| {
            Ok::<_, Error>(columns::resolve_optional(&schema, role, role.mapped(c))?.map(name))
        };
        let r = Resolved {
            item: required(Role::Item)?,
            worker: required(Role::Worker)?,
            label: required(Role::Label)?,
            timestamp: optional(Role::Timestamp)?,
            duration: optional(Role::Duration)?,
        };
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
        let r = self.resolve(batch)?;
        let col = |name: &str| -> Result<&arrow_array::ArrayRef> {
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
        };
        let row0 = self.rows;
        let start = self.coo_label.len();
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
            coo_item,
            coo_worker,
            coo_label,
            caches,
            ..
        } = self;
        let [item_cache, worker_cache, label_cache] = caches;
        let mut encode_item = || {
            encode_ids(
                item_col.as_ref(),
                items,
                coo_item,
                &r.item,
                row0,
                item_cache,
            )
        };
        let mut encode_worker = || {
            encode_ids(
                worker_col.as_ref(),
                workers,
                coo_worker,
                &r.worker,
                row0,
                worker_cache,
            )
        };
        let mut encode_label = || {
            encode_ids(
                label_col.as_ref(),
                labels,
                coo_label,
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
            && let Some(i) = self.coo_label[start..]
                .iter()
                .position(|&c| c as usize >= self.declared)
        {
            let label = self.labels.get(self.coo_label[start + i]).to_string();
            return Err(self.unknown_label(&r.label, row0 + i as u64, &label));
        }
        if let (Some(name), Some(out)) = (&r.timestamp, self.timestamps.as_mut()) {
            encode_timestamps(col(name)?.as_ref(), out, name, row0)?;
        }
        if let (Some(name), Some(out)) = (&r.duration, self.durations.as_mut()) {
            encode_durations(col(name)?.as_ref(), out, name, row0)?;
        }
        self.rows += batch.num_rows() as u64;
        self.check_len()
    }

    fn unknown_label(&self, column: &str, row: u64, label: &str) -> Error {
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

    fn check_len(&self) -> Result<()> {
        if self.coo_label.len() > u32::MAX as usize {
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
        self.coo_item.push(self.items.intern(item));
        self.coo_worker.push(self.workers.intern(worker));
        self.coo_label.push(l);
        self.rows += 1;
        self.check_len()
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

    /// Finishes the matrix: orders the classes, joins gold, sorts judgments by item,
    /// applies the duplicate policy and builds the worker index.
    ///
    /// # Errors
    /// Empty input; a duplicate pair under [`DuplicatePolicy::Error`]; a gold label
    /// outside the class set (unless [`IngestOptions::extend_classes_with_gold`]).
    pub fn finish(mut self) -> Result<JudgmentMatrix> {
        if self.coo_label.is_empty() {
            return Err(Error::insufficient("the input has no judgments"));
        }
        // 1. gold: join items, check / extend labels (before classes are ordered).
        let mut gold_pairs: Vec<(u32, u32)> = Vec::new(); // (item, provisional label)
        let mut gold_report = GoldReport {
            given: self.gold_labels.len(),
            repeated_rows: self.gold_repeated,
            ..Default::default()
        };
        for (g, &gl) in self.gold_labels.iter().enumerate() {
            let gid = self.gold_items.get(g as u32);
            let Some(item) = self.items.lookup(gid) else {
                gold_report.unknown_items += 1;
                if gold_report.unknown_examples.len() < 5 {
                    gold_report.unknown_examples.push(gid.to_string());
                }
                continue;
            };
            let glabel = self.gold_label_dict.get(gl);
            let label = match self.labels.lookup(glabel) {
                Some(l) => l,
                None if self.opts.extend_classes_with_gold => self.labels.intern(glabel),
                None => {
                    let mut known: Vec<IdRef<'_>> = self.labels.iter().collect();
                    known.sort();
                    let shown: Vec<String> = known.iter().take(20).map(|l| l.to_string()).collect();
                    let more = if known.len() > 20 {
                        format!(", … {} more", known.len() - 20)
                    } else {
                        String::new()
                    };
                    return Err(Error::value(
                        self.gold_label_column.as_deref().unwrap_or("label"),
                        Some(self.gold_rows[g]),
                        format!(
                            "gold label `{glabel}` for item `{gid}` is not a class of the judgments [{}{more}]; \
                             fix the gold or allow gold to extend the class set",
                            shown.join(", ")
                        ),
                    ));
                }
            };
            gold_pairs.push((item, label));
        }
        gold_report.joined = gold_pairs.len();

        // 2. class order: declared first (extras from gold after), else sorted.
        let n_labels = self.labels.len();
        let (perm, order) = if self.declared > 0 {
            let (mut tail, _) = sorted_order(&self.labels);
            tail.retain(|&c| c as usize >= self.declared);
            (
                (0..self.declared as u32).chain(tail).collect::<Vec<_>>(),
                ClassOrder::Declared,
            )
        } else {
            sorted_order(&self.labels)
        };
        let mut remap = vec![0u32; n_labels];
        let mut class_dict = IdDictionary::new();
        for (k, &c) in perm.iter().enumerate() {
            remap[c as usize] = k as u32;
            class_dict.intern(self.labels.get(c));
        }
        for l in &mut self.coo_label {
            *l = remap[*l as usize];
        }
        for (_, l) in &mut gold_pairs {
            *l = remap[*l as usize];
        }

        // 3. counting sort by item (stable: input order within an item).
        let n_items = self.items.len();
        let n = self.coo_label.len();
        let mut offsets = vec![0usize; n_items + 1];
        for &i in &self.coo_item {
            offsets[i as usize + 1] += 1;
        }
        for i in 0..n_items {
            offsets[i + 1] += offsets[i];
        }
        // Input already grouped by item (each item's rows contiguous, as in most dumps):
        // item codes are assigned in order of first appearance, so the item column is
        // non-decreasing and the rows are already in CSR order — no scatter.
        let grouped = self.coo_item.windows(2).all(|w| w[0] <= w[1]);
        let (item, worker, class, ts, du) = if grouped {
            (
                std::mem::take(&mut self.coo_item),
                std::mem::take(&mut self.coo_worker),
                std::mem::take(&mut self.coo_label),
                self.timestamps.take(),
                self.durations.take(),
            )
        } else {
            let mut cursor = offsets[..n_items].to_vec();
            let mut worker = vec![0u32; n];
            let mut class = vec![0u32; n];
            let mut ts = self.timestamps.as_ref().map(|_| vec![0i64; n]);
            let mut du = self.durations.as_ref().map(|_| vec![0f64; n]);
            for r in 0..n {
                let i = self.coo_item[r] as usize;
                let p = cursor[i];
                cursor[i] += 1;
                worker[p] = self.coo_worker[r];
                class[p] = self.coo_label[r];
                if let (Some(out), Some(src)) = (ts.as_mut(), self.timestamps.as_ref()) {
                    out[p] = src[r];
                }
                if let (Some(out), Some(src)) = (du.as_mut(), self.durations.as_ref()) {
                    out[p] = src[r];
                }
            }
            drop(cursor);
            let mut item = Vec::with_capacity(n);
            for i in 0..n_items {
                item.resize(offsets[i + 1], i as u32);
            }
            (item, worker, class, ts, du)
        };

        // 4. duplicates and the worker index. Only the `error` policy needs the input
        // rows afterwards (to name the two rows of the first repeated pair); otherwise
        // they are freed first and both passes run on two threads.
        drop(std::mem::take(&mut self.coo_label));
        drop(self.timestamps.take());
        drop(self.durations.take());
        let n_workers = self.workers.len();
        let policy = self.opts.duplicates;
        let (dups, (worker_offsets, by_worker)) = if policy == DuplicatePolicy::Error {
            let dups = find_duplicates(&offsets, &worker, &class, n_workers, policy);
            if let Some(&(i, w)) = dups.first_pair.as_ref() {
                // grouped input kept no row arrays: there positions are the rows
                let rows: Vec<u64> = if grouped {
                    (offsets[i as usize]..offsets[i as usize + 1])
                        .filter(|&p| worker[p] == w)
                        .take(2)
                        .map(|p| p as u64)
                        .collect()
                } else {
                    (0..n)
                        .filter(|&r| self.coo_item[r] == i && self.coo_worker[r] == w)
                        .take(2)
                        .map(|r| r as u64)
                        .collect()
                };
                return Err(Error::Conflict(format!(
                    "worker `{}` judged item `{}` more than once (data rows {} and {}, \
                         1-based); choose a duplicate policy: keep-all, first or last",
                    self.workers.get(w),
                    self.items.get(i),
                    rows.first().copied().unwrap_or(0) + 1,
                    rows.get(1).copied().unwrap_or(0) + 1,
                )));
            }
            drop(std::mem::take(&mut self.coo_item));
            drop(std::mem::take(&mut self.coo_worker));
            (dups, worker_index(&worker, n_workers))
        } else {
            drop(std::mem::take(&mut self.coo_item));
            drop(std::mem::take(&mut self.coo_worker));
            rayon::join(
                || find_duplicates(&offsets, &worker, &class, n_workers, policy),
                || worker_index(&worker, n_workers),
            )
        };

        let n_classes = class_dict.len();
        let mut report = IngestReport {
            rows_read: self.rows,
            judgments: n as u64,
            duplicate_pairs: dups.pairs,
            duplicate_extra_rows: dups.extra_rows,
            conflicting_duplicate_pairs: dups.conflicting,
            dropped_duplicate_rows: 0,
            duplicate_policy: self.opts.duplicates,
            gold: self.gold_given.then_some(gold_report),
        };
        let gold = Gold::from_pairs(n_items, n_classes, gold_pairs)?;
        let mut m = JudgmentMatrix {
            items: self.items,
            workers: self.workers,
            classes: ClassSet::new(class_dict, vec![0; n_classes], order),
            item_offsets: offsets,
            item,
            worker,
            class,
            worker_offsets,
            by_worker,
            timestamps: ts,
            durations: du,
            gold,
            report: IngestReport::default(),
        };
        if let Some(keep) = dups.keep {
            m = m.filter_positions(&keep);
            report.dropped_duplicate_rows = report.rows_read - m.n_judgments() as u64;
            report.judgments = m.n_judgments() as u64;
        }
        let mut counts = vec![0u64; n_classes];
        for &c in &m.class {
            counts[c as usize] += 1;
        }
        m.classes = ClassSet::new(m.classes.dictionary().clone(), counts, order);
        m.report = report;
        Ok(m)
    }
}

/// `label` without surrounding whitespace when `trim` is set and it is a string.
fn trim_label(label: IdRef<'_>, trim: bool) -> IdRef<'_> {
    match label {
        IdRef::Str(s) if trim => IdRef::Str(s.trim()),
        l => l,
    }
}
