//! [`JudgmentMatrix`]: the compute representation every algorithm takes.

use std::ops::Range;
use std::sync::OnceLock;

use crate::classes::ClassSet;
use crate::codes::{ClassCodes, ClassVec};
use crate::dict::IdDictionary;
use crate::error::{Error, Result};
use crate::gold::{Gold, GoldReport};
use crate::matrix_index::{worker_offsets, worker_positions};
use crate::options::DuplicatePolicy;

/// What happened during ingest: every input row is accounted for here.
///
/// `rows_read == judgments + dropped_duplicate_rows`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IngestReport {
    /// Judgment rows read from the input.
    pub rows_read: u64,
    /// Judgments kept in the matrix.
    pub judgments: u64,
    /// Distinct `(item, worker)` pairs that occur more than once.
    pub duplicate_pairs: u64,
    /// Rows beyond the first of each duplicate pair.
    pub duplicate_extra_rows: u64,
    /// Duplicate pairs whose labels are not all the same.
    pub conflicting_duplicate_pairs: u64,
    /// Rows removed by the duplicate policy (`first` / `last`).
    pub dropped_duplicate_rows: u64,
    /// The duplicate policy applied.
    pub duplicate_policy: DuplicatePolicy,
    /// How gold joined, when gold was given.
    pub gold: Option<GoldReport>,
}

/// Judgments `(item, worker, label)` with ids dictionary-encoded to dense `u32`.
///
/// Storage is CSR by item: judgment positions `0..n_judgments()` are grouped by item
/// (item `i` owns positions [`item_range(i)`](Self::item_range)), in input order within
/// an item; for each position the worker (`u32`) and the class are stored in flat
/// arrays, the class in one byte when there are at most 256 classes
/// ([`class_codes`](Self::class_codes)). The dictionaries map every index back to the
/// caller's ids.
///
/// That is all a matrix holds eagerly: about 5 bytes per judgment plus 8 per item. The
/// views some methods want — the item of every position
/// ([`judgment_items`](Self::judgment_items)), classes widened to `u32`
/// ([`judgment_classes`](Self::judgment_classes), only when stored narrow) and the
/// positions grouped by worker ([`worker_positions`](Self::worker_positions)) — are
/// built on first use (4 bytes per judgment each) and kept; methods that read only the
/// CSR columns (Dawid–Skene's kernel reads workers, classes and offsets) never pay for
/// them. [`heap_bytes`](Self::heap_bytes) counts what is held.
///
/// Built with [`JudgmentMatrixBuilder`](crate::JudgmentMatrixBuilder) (from Arrow
/// batches or rows). Items always have at least one judgment after ingest; a matrix
/// derived with [`without_workers`](Self::without_workers) may have items with none.
#[derive(Debug, Clone)]
pub struct JudgmentMatrix {
    pub(crate) items: IdDictionary,
    pub(crate) workers: IdDictionary,
    pub(crate) classes: ClassSet,
    pub(crate) item_offsets: Vec<usize>,
    pub(crate) worker: Vec<u32>,
    pub(crate) class: ClassVec,
    pub(crate) worker_offsets: Vec<usize>,
    pub(crate) views: Views,
    pub(crate) timestamps: Option<Vec<i64>>,
    pub(crate) durations: Option<Vec<f64>>,
    pub(crate) gold: Gold,
    pub(crate) report: IngestReport,
}

/// Per-position views built on first use.
#[derive(Debug, Clone, Default)]
pub(crate) struct Views {
    item: OnceLock<Vec<u32>>,
    class: OnceLock<Vec<u32>>,
    by_worker: OnceLock<Vec<u32>>,
}

impl Views {
    fn heap_bytes(&self) -> usize {
        [&self.item, &self.class, &self.by_worker]
            .iter()
            .filter_map(|v| v.get())
            .map(|v| v.capacity() * 4)
            .sum()
    }
}

impl JudgmentMatrix {
    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Number of workers.
    pub fn n_workers(&self) -> usize {
        self.workers.len()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// Number of judgments (positions).
    pub fn n_judgments(&self) -> usize {
        self.worker.len()
    }

    /// Item ids (code = item index).
    pub fn items(&self) -> &IdDictionary {
        &self.items
    }

    /// Worker ids (code = worker index).
    pub fn workers(&self) -> &IdDictionary {
        &self.workers
    }

    /// The class set (class index ↔ label).
    pub fn classes(&self) -> &ClassSet {
        &self.classes
    }

    /// CSR offsets by item: item `i` owns positions `offsets[i]..offsets[i + 1]`;
    /// length `n_items() + 1`.
    pub fn item_offsets(&self) -> &[usize] {
        &self.item_offsets
    }

    /// The positions of item `i`'s judgments.
    ///
    /// # Panics
    /// If `i >= n_items()`.
    pub fn item_range(&self, i: u32) -> Range<usize> {
        self.item_offsets[i as usize]..self.item_offsets[i as usize + 1]
    }

    /// Item index of every position (non-decreasing). Built from the item offsets on
    /// first call (4 bytes per judgment, kept); loops over items need only
    /// [`item_range`](Self::item_range).
    pub fn judgment_items(&self) -> &[u32] {
        self.views.item.get_or_init(|| {
            let mut item = Vec::with_capacity(self.n_judgments());
            for i in 0..self.n_items() {
                item.resize(self.item_offsets[i + 1], i as u32);
            }
            item
        })
    }

    /// Worker index of every position.
    pub fn judgment_workers(&self) -> &[u32] {
        &self.worker
    }

    /// Class index of every position, as `u32`. When the classes are stored in one
    /// byte (at most 256 classes) the widened copy is built on first call (4 bytes per
    /// judgment, kept): hot loops should read [`class_codes`](Self::class_codes).
    pub fn judgment_classes(&self) -> &[u32] {
        match &self.class {
            ClassVec::U32(v) => v,
            ClassVec::U8(v) => self
                .views
                .class
                .get_or_init(|| v.iter().map(|&c| u32::from(c)).collect()),
        }
    }

    /// Class index of every position in its stored width (one byte when there are at
    /// most 256 classes).
    pub fn class_codes(&self) -> ClassCodes<'_> {
        self.class.view()
    }

    /// CSR offsets of the worker index: worker `w`'s positions are
    /// `worker_positions()[offsets[w]..offsets[w + 1]]`; length `n_workers() + 1`.
    pub fn worker_offsets(&self) -> &[usize] {
        &self.worker_offsets
    }

    /// Positions grouped by worker, ascending within a worker. Built on first call (a
    /// counting sort, 4 bytes per judgment, kept).
    pub fn worker_positions(&self) -> &[u32] {
        self.views
            .by_worker
            .get_or_init(|| worker_positions(&self.worker, &self.worker_offsets))
    }

    /// Positions of worker `w`'s judgments, ascending.
    ///
    /// # Panics
    /// If `w >= n_workers()`.
    pub fn worker_judgments(&self, w: u32) -> &[u32] {
        &self.worker_positions()
            [self.worker_offsets[w as usize]..self.worker_offsets[w as usize + 1]]
    }

    /// Frees the views built on first use ([`judgment_items`](Self::judgment_items),
    /// widened [`judgment_classes`](Self::judgment_classes),
    /// [`worker_positions`](Self::worker_positions)); they are rebuilt if asked for
    /// again. For long-lived matrices after a method that needed them.
    pub fn release_views(&mut self) {
        self.views = Views::default();
    }

    /// Number of judgments of item `i`.
    pub fn item_count(&self, i: u32) -> usize {
        self.item_range(i).len()
    }

    /// Number of judgments of worker `w`.
    pub fn worker_count(&self, w: u32) -> usize {
        self.worker_offsets[w as usize + 1] - self.worker_offsets[w as usize]
    }

    /// Timestamps in milliseconds since the Unix epoch, per position, when the input had
    /// a timestamp column.
    pub fn timestamps(&self) -> Option<&[i64]> {
        self.timestamps.as_deref()
    }

    /// Durations in milliseconds per position (NaN where missing), when the input had a
    /// duration column.
    pub fn durations(&self) -> Option<&[f64]> {
        self.durations.as_deref()
    }

    /// Gold labels joined to items (empty when none were given).
    pub fn gold(&self) -> &Gold {
        &self.gold
    }

    /// Replaces the gold labels (e.g. after forgiving a bad gold item).
    ///
    /// # Errors
    /// When `gold` is for a different number of items, or names a class out of range.
    pub fn set_gold(&mut self, gold: Gold) -> Result<()> {
        if gold.as_slice().len() != self.n_items() {
            return Err(Error::param(
                "gold",
                format!(
                    "has {} items, the matrix has {}",
                    gold.as_slice().len(),
                    self.n_items()
                ),
            ));
        }
        if let Some(&i) = gold
            .items()
            .iter()
            .find(|&&i| gold.as_slice()[i as usize] as usize >= self.n_classes())
        {
            return Err(Error::param(
                "gold",
                format!("item index {i} has a class index out of range"),
            ));
        }
        self.gold = gold;
        Ok(())
    }

    /// What happened during ingest.
    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    /// Approximate heap bytes held by the matrix (arrays, views built so far, and
    /// dictionaries).
    pub fn heap_bytes(&self) -> usize {
        self.item_offsets.capacity() * 8
            + self.worker_offsets.capacity() * 8
            + self.worker.capacity() * 4
            + self.class.heap_bytes()
            + self.views.heap_bytes()
            + self.timestamps.as_ref().map_or(0, |t| t.capacity() * 8)
            + self.durations.as_ref().map_or(0, |t| t.capacity() * 8)
            + self.gold.as_slice().len() * 4
            + self.items.heap_bytes()
            + self.workers.heap_bytes()
            + self.classes.dictionary().heap_bytes()
    }

    /// A matrix without the judgments of the given workers (e.g. untrusted workers
    /// whose labels are excluded before re-aggregating). Dictionaries, classes and
    /// gold are kept, so indices keep their meaning; items may be left with no judgment.
    pub fn without_workers(&self, excluded: &[u32]) -> JudgmentMatrix {
        let mut drop = vec![false; self.n_workers()];
        for &w in excluded {
            if let Some(d) = drop.get_mut(w as usize) {
                *d = true;
            }
        }
        let keep: Vec<bool> = self.worker.iter().map(|&w| !drop[w as usize]).collect();
        let mut m = self.filter_positions(&keep);
        m.report.judgments = m.n_judgments() as u64;
        m
    }

    /// A matrix with only the judgments at positions `p` where `keep[p]` is true (e.g.
    /// a training fold). Dictionaries, classes and gold are kept, so indices keep their
    /// meaning; items and workers may be left with no judgment.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error) `keep` when its length is not
    /// [`n_judgments`](Self::n_judgments).
    pub fn keep_positions(&self, keep: &[bool]) -> crate::Result<JudgmentMatrix> {
        if keep.len() != self.n_judgments() {
            return Err(crate::Error::param(
                "keep",
                format!(
                    "needs one flag per judgment ({}), got {}",
                    self.n_judgments(),
                    keep.len()
                ),
            ));
        }
        let mut m = self.filter_positions(keep);
        m.report.judgments = m.n_judgments() as u64;
        Ok(m)
    }

    /// Keeps positions where `keep[p]` is true, rebuilding offsets and the worker index.
    pub(crate) fn filter_positions(&self, keep: &[bool]) -> JudgmentMatrix {
        let n_items = self.n_items();
        let kept = keep.iter().filter(|&&k| k).count();
        let mut item_offsets = Vec::with_capacity(n_items + 1);
        item_offsets.push(0);
        let mut worker = Vec::with_capacity(kept);
        let mut class = ClassVec::with_capacity(self.n_classes(), kept);
        let codes = self.class_codes();
        let mut ts = self.timestamps.as_ref().map(|_| Vec::with_capacity(kept));
        let mut du = self.durations.as_ref().map(|_| Vec::with_capacity(kept));
        for i in 0..n_items {
            for p in self.item_offsets[i]..self.item_offsets[i + 1] {
                if keep[p] {
                    worker.push(self.worker[p]);
                    class.push(codes.get(p));
                    if let (Some(out), Some(src)) = (ts.as_mut(), self.timestamps.as_ref()) {
                        out.push(src[p]);
                    }
                    if let (Some(out), Some(src)) = (du.as_mut(), self.durations.as_ref()) {
                        out.push(src[p]);
                    }
                }
            }
            item_offsets.push(worker.len());
        }
        let worker_offsets = worker_offsets(&worker, self.n_workers());
        JudgmentMatrix {
            items: self.items.clone(),
            workers: self.workers.clone(),
            classes: self.classes.clone(),
            item_offsets,
            worker,
            class,
            worker_offsets,
            views: Views::default(),
            timestamps: ts,
            durations: du,
            gold: self.gold.clone(),
            report: self.report.clone(),
        }
    }
}
