//! Ratings `(item, worker, rating)` read through core's column layer into a
//! [`RatingMatrix`]: ids dictionary-encoded to dense `u32`, ratings stored CSR by item,
//! duplicates handled and counted exactly as for categorical judgments.

mod builder;

pub use builder::RatingsBuilder;

use std::ops::Range;

use crowdqc_core::{ColumnMap, DuplicatePolicy, IdDictionary, IngestReport};

/// How rating values are read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RatingScale {
    /// Numbers: any integer or float column, or strings that parse as numbers (`-0`,
    /// `00` and ` 7 ` are 0, 0 and 7). A value that is not a number is an error naming
    /// it and its row. The default.
    #[default]
    Numeric,
    /// Ordinal labels in a declared order, lowest first: the `i`-th level is read as
    /// the number `i` (0-based), so every method works on ranks. A label outside the
    /// levels is an error naming it, its row and the accepted levels.
    Ordinal(Vec<String>),
}

/// How to read ratings: column names, the duplicate policy and the scale.
///
/// ```
/// use crowdqc_ratings::{RatingScale, RatingsOptions};
/// let opts = RatingsOptions::default()
///     .with_scale(RatingScale::Ordinal(vec!["low".into(), "mid".into(), "high".into()]));
/// assert!(matches!(opts.scale, RatingScale::Ordinal(ref l) if l.len() == 3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RatingsOptions {
    /// Column names (`None`: core's aliases — `item`/`task`, `worker`/`performer`/
    /// `annotator`, `label`).
    pub columns: ColumnMap,
    /// Repeated `(item, worker)` pairs (default keep-all); always counted.
    pub duplicates: DuplicatePolicy,
    /// Numeric or ordinal values.
    pub scale: RatingScale,
}

impl RatingsOptions {
    /// Sets the column names.
    #[must_use]
    pub fn with_columns(mut self, columns: ColumnMap) -> Self {
        self.columns = columns;
        self
    }

    /// Sets the duplicate policy.
    #[must_use]
    pub fn with_duplicates(mut self, duplicates: DuplicatePolicy) -> Self {
        self.duplicates = duplicates;
        self
    }

    /// Sets the scale.
    #[must_use]
    pub fn with_scale(mut self, scale: RatingScale) -> Self {
        self.scale = scale;
        self
    }
}

/// Ratings `(item, worker, value)` with ids dictionary-encoded to dense `u32`.
///
/// Storage is CSR by item: item `i` owns positions [`item_range(i)`](Self::item_range),
/// in input order; for each position the worker and the value are stored in flat
/// arrays. A second index lists each worker's positions in input order. Built with
/// [`RatingsBuilder`]; every item has at least one rating.
#[derive(Debug, Clone)]
pub struct RatingMatrix {
    pub(crate) items: IdDictionary,
    pub(crate) workers: IdDictionary,
    pub(crate) item_offsets: Vec<usize>,
    pub(crate) worker: Vec<u32>,
    pub(crate) value: Vec<f64>,
    pub(crate) worker_offsets: Vec<usize>,
    pub(crate) by_worker: Vec<u32>,
    pub(crate) scale: RatingScale,
    pub(crate) report: IngestReport,
    /// True when some `(item, worker)` pair has more than one rating after the policy.
    pub(crate) has_duplicates: bool,
}

impl RatingMatrix {
    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Number of workers.
    pub fn n_workers(&self) -> usize {
        self.workers.len()
    }

    /// Number of ratings (positions).
    pub fn n_ratings(&self) -> usize {
        self.value.len()
    }

    /// Item ids (code = item index).
    pub fn items(&self) -> &IdDictionary {
        &self.items
    }

    /// Worker ids (code = worker index).
    pub fn workers(&self) -> &IdDictionary {
        &self.workers
    }

    /// CSR offsets by item, length `n_items() + 1`.
    pub fn item_offsets(&self) -> &[usize] {
        &self.item_offsets
    }

    /// The positions of item `i`'s ratings.
    ///
    /// # Panics
    /// If `i >= n_items()`.
    pub fn item_range(&self, i: usize) -> Range<usize> {
        self.item_offsets[i]..self.item_offsets[i + 1]
    }

    /// Worker index of every position.
    pub fn rating_workers(&self) -> &[u32] {
        &self.worker
    }

    /// Value of every position (ordinal levels as their 0-based rank).
    pub fn values(&self) -> &[f64] {
        &self.value
    }

    /// Positions of worker `w`'s ratings, in input order.
    ///
    /// # Panics
    /// If `w >= n_workers()`.
    pub fn worker_positions(&self, w: usize) -> &[u32] {
        &self.by_worker[self.worker_offsets[w]..self.worker_offsets[w + 1]]
    }

    /// The scale the values were read on.
    pub fn scale(&self) -> &RatingScale {
        &self.scale
    }

    /// Every input row accounted for: rows read, ratings kept, duplicates.
    pub fn ingest_report(&self) -> &IngestReport {
        &self.report
    }

    /// True when some `(item, worker)` pair still has more than one rating (policy
    /// keep-all with repeated pairs in the input).
    pub fn has_duplicates(&self) -> bool {
        self.has_duplicates
    }
}
