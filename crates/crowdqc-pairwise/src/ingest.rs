//! [`ComparisonsBuilder`]: comparisons from Arrow record batches through core's column
//! layer, with the same duplicate policy and bad-input rules as judgments.

use arrow_array::RecordBatch;
use crowdqc_core::columns::{self, IdColumn, Role};
use crowdqc_core::{DuplicatePolicy, Error, IdDictionary, IdRef, Result};
use rayon::prelude::*;

use crate::data::{Comparisons, ComparisonsReport, Component, Outcome};

/// Outcome values meaning "no winner" (compared case-insensitively, surrounding spaces
/// ignored) unless [`PairwiseOptions::tie_markers`] replaces them.
pub const TIE_MARKERS: &[&str] = &["tie", "draw", "equal", "="];
/// Outcome values meaning "the left item won" (case-insensitive), besides its id.
pub const LEFT_MARKERS: &[&str] = &["left"];
/// Outcome values meaning "the right item won" (case-insensitive), besides its id.
pub const RIGHT_MARKERS: &[&str] = &["right"];

/// How to read comparisons: column names (`None`: the default aliases of
/// [`columns`](crowdqc_core::columns)), the duplicate policy and the tie markers.
///
/// Two layouts are accepted: `worker, left, right, winner` (crowd-kit's `worker, left,
/// right, label`), where the outcome is the winner's id, `left`/`right`, or a tie
/// marker; and `worker, winner, loser` (no ties), read as left = winner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairwiseOptions {
    /// Worker column (default `worker`, `performer`, `annotator`).
    pub worker: Option<String>,
    /// Left item column (default `left`).
    pub left: Option<String>,
    /// Right item column (default `right`).
    pub right: Option<String>,
    /// Outcome column (default `winner`, crowd-kit's `label`).
    pub winner: Option<String>,
    /// Loser column of the `winner, loser` layout (default `loser`).
    pub loser: Option<String>,
    /// Repeated `(worker, {left, right})` pairs, in either order: kept by default,
    /// always counted.
    pub duplicates: DuplicatePolicy,
    /// Outcome values that mean a tie (default [`TIE_MARKERS`]).
    pub tie_markers: Vec<String>,
}

impl Default for PairwiseOptions {
    fn default() -> Self {
        PairwiseOptions {
            worker: None,
            left: None,
            right: None,
            winner: None,
            loser: None,
            duplicates: DuplicatePolicy::KeepAll,
            tie_markers: TIE_MARKERS.iter().map(|s| (*s).to_string()).collect(),
        }
    }
}

/// True when two ids are the same id: equal, or an integer and its canonical decimal
/// text (a CSV outcome column with tie markers is text while the item columns are
/// integers).
pub(crate) fn same_id(a: IdRef<'_>, b: IdRef<'_>) -> bool {
    match (a, b) {
        (IdRef::Int(x), IdRef::Int(y)) => x == y,
        (IdRef::Str(x), IdRef::Str(y)) => x == y,
        (IdRef::Int(v), IdRef::Str(s)) | (IdRef::Str(s), IdRef::Int(v)) => {
            s.parse::<i64>().ok() == Some(v) && s == v.to_string()
        }
    }
}

/// Builds [`Comparisons`] from any number of record batches (never concatenated).
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{RecordBatch, StringArray};
/// use crowdqc_pairwise::{ComparisonsBuilder, Outcome, PairwiseOptions};
///
/// # fn main() -> crowdqc_core::Result<()> {
/// let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as _;
/// let batch = RecordBatch::try_from_iter([
///     ("worker", col(vec!["w1", "w1", "w2"])),
///     ("left", col(vec!["a", "b", "c"])),
///     ("right", col(vec!["b", "c", "a"])),
///     ("label", col(vec!["a", "tie", "a"])),
/// ])?;
/// let mut b = ComparisonsBuilder::new(PairwiseOptions::default())?;
/// b.push_batch(&batch)?;
/// let c = b.finish()?;
/// assert_eq!(c.outcome(), [Outcome::Left, Outcome::Tie, Outcome::Right]);
/// assert_eq!(c.report().ties, 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ComparisonsBuilder {
    opts: PairwiseOptions,
    ties: Vec<String>,
    items: IdDictionary,
    workers: IdDictionary,
    left: Vec<u32>,
    right: Vec<u32>,
    worker: Vec<u32>,
    outcome: Vec<Outcome>,
    rows: u64,
}

impl ComparisonsBuilder {
    /// A builder with these options.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an empty tie marker.
    pub fn new(opts: PairwiseOptions) -> Result<Self> {
        if opts.tie_markers.iter().any(|m| m.trim().is_empty()) {
            return Err(Error::param(
                "tie_markers",
                "a tie marker must not be empty; give values such as `tie` or `draw`",
            ));
        }
        let ties = opts
            .tie_markers
            .iter()
            .map(|m| m.trim().to_lowercase())
            .collect();
        Ok(ComparisonsBuilder {
            opts,
            ties,
            items: IdDictionary::new(),
            workers: IdDictionary::new(),
            left: Vec::new(),
            right: Vec::new(),
            worker: Vec::new(),
            outcome: Vec::new(),
            rows: 0,
        })
    }

    pub(crate) fn outcome_of(&self, l: IdRef<'_>, r: IdRef<'_>, o: IdRef<'_>) -> Option<Outcome> {
        if same_id(o, l) {
            return Some(Outcome::Left);
        }
        if same_id(o, r) {
            return Some(Outcome::Right);
        }
        let IdRef::Str(s) = o else { return None };
        let t = s.trim().to_lowercase();
        if self.ties.contains(&t) {
            Some(Outcome::Tie)
        } else if LEFT_MARKERS.contains(&t.as_str()) {
            Some(Outcome::Left)
        } else if RIGHT_MARKERS.contains(&t.as_str()) {
            Some(Outcome::Right)
        } else {
            None
        }
    }

    pub(crate) fn accepted(&self) -> String {
        format!(
            "the winning item's id, `left`, `right`, or a tie marker ({})",
            self.ties
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn push(&mut self, w: IdRef<'_>, l: IdRef<'_>, r: IdRef<'_>, o: Outcome) {
        self.worker.push(self.workers.intern(w));
        self.left.push(self.items.intern(l));
        self.right.push(self.items.intern(r));
        self.outcome.push(o);
        self.rows += 1;
    }

    /// Adds one comparison given by ids (for callers that do not hold Arrow data).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] when `left` and `right` are the same item.
    pub fn push_ids(
        &mut self,
        worker: IdRef<'_>,
        left: IdRef<'_>,
        right: IdRef<'_>,
        outcome: Outcome,
    ) -> Result<()> {
        if same_id(left, right) {
            return Err(self_comparison("left", self.rows, left));
        }
        self.push(worker, left, right, outcome);
        Ok(())
    }

    /// Adds the rows of one batch.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] (naming the columns tried and found), [`Error::Schema`]
    /// for a column that cannot hold ids, and [`Error::InvalidValue`] naming the column
    /// and the row of a null id, a self-comparison, or an outcome that is neither side
    /// nor a tie marker (naming the accepted values).
    pub fn push_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let schema = batch.schema();
        let o = &self.opts;
        let wi = columns::resolve(&schema, Role::Worker, o.worker.as_deref())?;
        let li = columns::resolve_optional(&schema, Role::Left, o.left.as_deref())?;
        let row0 = self.rows;
        let name = |i: usize| schema.field(i).name().clone();
        let wc = IdColumn::new(batch.column(wi), &name(wi), row0)?;
        if let Some(li) = li {
            let ri = columns::resolve(&schema, Role::Right, o.right.as_deref())?;
            let oi = columns::resolve(&schema, Role::Winner, o.winner.as_deref())?;
            let lc = IdColumn::new(batch.column(li), &name(li), row0)?;
            let rc = IdColumn::new(batch.column(ri), &name(ri), row0)?;
            let oc = IdColumn::new(batch.column(oi), &name(oi), row0)?;
            for i in 0..batch.num_rows() {
                let (w, l, r, v) = (wc.get(i)?, lc.get(i)?, rc.get(i)?, oc.get(i)?);
                if same_id(l, r) {
                    return Err(self_comparison(lc.name(), lc.file_row(i), l));
                }
                let out = self.outcome_of(l, r, v).ok_or_else(|| {
                    Error::value(
                        oc.name(),
                        Some(oc.file_row(i)),
                        format!(
                            "outcome `{v}` is neither the left item `{l}` nor the right item \
                             `{r}`; accepted: {}",
                            self.accepted()
                        ),
                    )
                })?;
                self.push(w, l, r, out);
            }
        } else {
            let winner = columns::resolve(&schema, Role::Winner, o.winner.as_deref());
            let loser = columns::resolve(&schema, Role::Loser, o.loser.as_deref());
            let (Ok(oi), Ok(xi)) = (winner, loser) else {
                // neither layout: name the first layout's missing column
                return Err(columns::resolve(&schema, Role::Left, None)
                    .err()
                    .unwrap_or_else(|| Error::insufficient("no left column")));
            };
            let wc2 = IdColumn::new(batch.column(oi), &name(oi), row0)?;
            let xc = IdColumn::new(batch.column(xi), &name(xi), row0)?;
            for i in 0..batch.num_rows() {
                let (w, a, b) = (wc.get(i)?, wc2.get(i)?, xc.get(i)?);
                if same_id(a, b) {
                    return Err(self_comparison(wc2.name(), wc2.file_row(i), a));
                }
                self.push(w, a, b, Outcome::Left);
            }
        }
        Ok(())
    }

    /// Pushes every batch of `batches` (e.g. a file reader's) and finishes: the
    /// streaming read of a whole comparisons file.
    ///
    /// # Errors
    /// The first error of a batch (as given), of [`push_batch`](Self::push_batch) or of
    /// [`finish`](Self::finish).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, RecordBatch, StringArray};
    /// use crowdqc_pairwise::{ComparisonsBuilder, PairwiseOptions};
    /// let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    /// let batch = |w, l, r, o| {
    ///     let cols = [("worker", col(w)), ("left", col(l)), ("right", col(r)), ("winner", col(o))];
    ///     RecordBatch::try_from_iter(cols).expect("batch")
    /// };
    /// let b1 = batch(&["w1", "w2"], &["a", "b"], &["b", "c"], &["a", "c"]);
    /// let b2 = batch(&["w1"], &["a"], &["c"], &["c"]);
    /// let opts = PairwiseOptions::default();
    /// let data = ComparisonsBuilder::new(opts.clone())?.read_all([Ok(b1), Ok(b2.clone())])?;
    /// assert_eq!((data.len(), data.n_items()), (3, 3));
    /// // a failed batch stops the read with its own error
    /// let bad = crowdqc_core::Error::insufficient("disk gone");
    /// let e = ComparisonsBuilder::new(opts)?.read_all([Ok(b2), Err(bad)]).unwrap_err();
    /// assert!(e.to_string().contains("disk gone"));
    /// # Ok::<(), crowdqc_core::Error>(())
    /// ```
    pub fn read_all(
        mut self,
        batches: impl IntoIterator<Item = Result<RecordBatch>>,
    ) -> Result<Comparisons> {
        for batch in batches {
            self.push_batch(&batch?)?;
        }
        self.finish()
    }

    /// Applies the duplicate policy, finds the connected components and returns the
    /// comparisons.
    ///
    /// # Errors
    /// [`Error::Conflict`] naming the worker, the pair and both rows under the `error`
    /// duplicate policy.
    pub fn finish(mut self) -> Result<Comparisons> {
        let n = self.left.len();
        if n > u32::MAX as usize {
            return Err(Error::insufficient(format!(
                "{n} comparisons exceed the limit of {} per input; split the input",
                u32::MAX
            )));
        }
        // (worker, low item, high item, row) packed in one u128 and sorted: duplicates
        // are adjacent, rows ascending within a pair
        let mut keys: Vec<u128> = (0..n)
            .map(|k| {
                let (l, r) = (self.left[k], self.right[k]);
                let (lo, hi) = if l < r { (l, r) } else { (r, l) };
                (u128::from(self.worker[k]) << 96)
                    | (u128::from(lo) << 64)
                    | (u128::from(hi) << 32)
                    | k as u128
            })
            .collect();
        keys.par_sort_unstable();
        let pair = |k: u128| k >> 32;
        let row = |k: u128| (k & u128::from(u32::MAX)) as usize;
        let mut duplicate_rows = 0u64;
        let mut dropped_row = vec![
            false;
            if matches!(self.opts.duplicates, DuplicatePolicy::KeepAll) {
                0
            } else {
                n
            }
        ];
        let mut s = 0;
        while s < n {
            let mut e = s + 1;
            while e < n && pair(keys[e]) == pair(keys[s]) {
                e += 1;
            }
            if e - s > 1 {
                duplicate_rows += (e - s - 1) as u64;
                match self.opts.duplicates {
                    DuplicatePolicy::KeepAll => {}
                    DuplicatePolicy::First => {
                        (s + 1..e).for_each(|j| dropped_row[row(keys[j])] = true)
                    }
                    DuplicatePolicy::Last => {
                        (s..e - 1).for_each(|j| dropped_row[row(keys[j])] = true)
                    }
                    DuplicatePolicy::Error => {
                        let (a, b) = (row(keys[s]), row(keys[s + 1]));
                        return Err(Error::Conflict(format!(
                            "worker `{}` compared `{}` and `{}` twice (rows {} and {}); the \
                             duplicate policy is `error` (use keep-all, first or last)",
                            self.workers.get(self.worker[a]),
                            self.items.get(self.left[a]),
                            self.items.get(self.right[a]),
                            a + 1,
                            b + 1
                        )));
                    }
                }
            }
            s = e;
        }
        drop(keys);
        let mut dropped = 0u64;
        if !dropped_row.is_empty() {
            let mut j = 0;
            for (k, &gone) in dropped_row.iter().enumerate() {
                if gone {
                    dropped += 1;
                    continue;
                }
                self.left[j] = self.left[k];
                self.right[j] = self.right[k];
                self.worker[j] = self.worker[k];
                self.outcome[j] = self.outcome[k];
                j += 1;
            }
            self.left.truncate(j);
            self.right.truncate(j);
            self.worker.truncate(j);
            self.outcome.truncate(j);
        }
        let (_, members) = crate::graph::components(self.items.len(), &self.left, &self.right);
        let components = members
            .iter()
            .map(|m| Component {
                items: m.len(),
                examples: m
                    .iter()
                    .take(3)
                    .map(|&c| self.items.get(c).to_string())
                    .collect(),
            })
            .collect();
        let ties = self.outcome.iter().filter(|&&o| o == Outcome::Tie).count() as u64;
        let report = ComparisonsReport {
            rows: self.rows,
            comparisons: self.left.len() as u64,
            duplicate_rows,
            duplicates_dropped: dropped,
            duplicate_policy: self.opts.duplicates.as_str().to_string(),
            ties,
            components,
        };
        Ok(Comparisons {
            items: self.items,
            workers: self.workers,
            left: self.left,
            right: self.right,
            worker: self.worker,
            outcome: self.outcome,
            report,
        })
    }
}

pub(crate) fn self_comparison(column: &str, row: u64, id: IdRef<'_>) -> Error {
    Error::value(
        column,
        Some(row),
        format!(
            "item `{id}` is compared with itself (left and right are the same item); drop \
             the row"
        ),
    )
}
