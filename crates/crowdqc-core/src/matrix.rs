//! [`JudgmentMatrix`]: the compute representation every algorithm takes.

use std::ops::Range;

use crate::classes::ClassSet;
use crate::dict::IdDictionary;
use crate::error::{Error, Result};
use crate::gold::{Gold, GoldReport};
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
/// an item; for each position the item, worker and class index are stored in flat
/// arrays. An index by worker lists, for each worker, its positions in ascending order.
/// The dictionaries map every index back to the caller's ids.
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
    pub(crate) item: Vec<u32>,
    pub(crate) worker: Vec<u32>,
    pub(crate) class: Vec<u32>,
    pub(crate) worker_offsets: Vec<usize>,
    pub(crate) by_worker: Vec<u32>,
    pub(crate) timestamps: Option<Vec<i64>>,
    pub(crate) durations: Option<Vec<f64>>,
    pub(crate) gold: Gold,
    pub(crate) report: IngestReport,
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
        self.class.len()
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

    /// Item index of every position (non-decreasing).
    pub fn judgment_items(&self) -> &[u32] {
        &self.item
    }

    /// Worker index of every position.
    pub fn judgment_workers(&self) -> &[u32] {
        &self.worker
    }

    /// Class index of every position.
    pub fn judgment_classes(&self) -> &[u32] {
        &self.class
    }

    /// CSR offsets of the worker index: worker `w`'s positions are
    /// `worker_positions()[offsets[w]..offsets[w + 1]]`; length `n_workers() + 1`.
    pub fn worker_offsets(&self) -> &[usize] {
        &self.worker_offsets
    }

    /// Positions grouped by worker, ascending within a worker.
    pub fn worker_positions(&self) -> &[u32] {
        &self.by_worker
    }

    /// Positions of worker `w`'s judgments, ascending.
    ///
    /// # Panics
    /// If `w >= n_workers()`.
    pub fn worker_judgments(&self, w: u32) -> &[u32] {
        &self.by_worker[self.worker_offsets[w as usize]..self.worker_offsets[w as usize + 1]]
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

    /// Approximate heap bytes held by the matrix (arrays and dictionaries).
    pub fn heap_bytes(&self) -> usize {
        let v32 = |v: &Vec<u32>| v.capacity() * 4;
        self.item_offsets.capacity() * 8
            + self.worker_offsets.capacity() * 8
            + v32(&self.item)
            + v32(&self.worker)
            + v32(&self.class)
            + v32(&self.by_worker)
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
        let (mut item, mut worker, mut class) = (
            Vec::with_capacity(kept),
            Vec::with_capacity(kept),
            Vec::with_capacity(kept),
        );
        let mut ts = self.timestamps.as_ref().map(|_| Vec::with_capacity(kept));
        let mut du = self.durations.as_ref().map(|_| Vec::with_capacity(kept));
        for i in 0..n_items {
            for p in self.item_offsets[i]..self.item_offsets[i + 1] {
                if keep[p] {
                    item.push(self.item[p]);
                    worker.push(self.worker[p]);
                    class.push(self.class[p]);
                    if let (Some(out), Some(src)) = (ts.as_mut(), self.timestamps.as_ref()) {
                        out.push(src[p]);
                    }
                    if let (Some(out), Some(src)) = (du.as_mut(), self.durations.as_ref()) {
                        out.push(src[p]);
                    }
                }
            }
            item_offsets.push(item.len());
        }
        let (worker_offsets, by_worker) = worker_index(&worker, self.n_workers());
        JudgmentMatrix {
            items: self.items.clone(),
            workers: self.workers.clone(),
            classes: self.classes.clone(),
            item_offsets,
            item,
            worker,
            class,
            worker_offsets,
            by_worker,
            timestamps: ts,
            durations: du,
            gold: self.gold.clone(),
            report: self.report.clone(),
        }
    }
}

/// Counting sort of positions by worker: `(offsets, positions)`.
pub(crate) fn worker_index(worker: &[u32], n_workers: usize) -> (Vec<usize>, Vec<u32>) {
    let mut offsets = vec![0usize; n_workers + 1];
    for &w in worker {
        offsets[w as usize + 1] += 1;
    }
    for w in 0..n_workers {
        offsets[w + 1] += offsets[w];
    }
    let mut cursor = offsets[..n_workers].to_vec();
    let mut by_worker = vec![0u32; worker.len()];
    for (p, &w) in worker.iter().enumerate() {
        let c = &mut cursor[w as usize];
        by_worker[*c] = p as u32;
        *c += 1;
    }
    (offsets, by_worker)
}

/// Repeated `(item, worker)` pairs found by [`find_duplicates`].
pub(crate) struct Duplicates {
    pub(crate) pairs: u64,
    pub(crate) extra_rows: u64,
    pub(crate) conflicting: u64,
    pub(crate) first_pair: Option<(u32, u32)>,
    pub(crate) keep: Option<Vec<bool>>,
}

/// Finds repeated workers within each item's positions. A first pass marks each
/// worker with the last item it was seen on (linear, no sorting); only items where a
/// worker repeats are sorted to count and resolve their repeated pairs.
pub(crate) fn find_duplicates(
    offsets: &[usize],
    worker: &[u32],
    class: &[u32],
    n_workers: usize,
    policy: DuplicatePolicy,
) -> Duplicates {
    let mut d = Duplicates {
        pairs: 0,
        extra_rows: 0,
        conflicting: 0,
        first_pair: None,
        keep: None,
    };
    let mut buf: Vec<(u32, u32)> = Vec::new(); // (worker, position)
    // seen[w] = 1 + the last item on which worker w was seen (0: not yet)
    let mut seen = vec![0u64; n_workers];
    for i in 0..offsets.len() - 1 {
        let (a, b) = (offsets[i], offsets[i + 1]);
        if b - a < 2 {
            continue;
        }
        let mark = i as u64 + 1;
        let mut repeated = false;
        for &w in &worker[a..b] {
            let s = &mut seen[w as usize];
            repeated |= *s == mark;
            *s = mark;
        }
        if !repeated {
            continue;
        }
        buf.clear();
        buf.extend((a..b).map(|p| (worker[p], p as u32)));
        buf.sort_unstable();
        let mut k = 0;
        while k < buf.len() {
            let mut e = k + 1;
            while e < buf.len() && buf[e].0 == buf[k].0 {
                e += 1;
            }
            if e - k > 1 {
                d.pairs += 1;
                d.extra_rows += (e - k - 1) as u64;
                let c0 = class[buf[k].1 as usize];
                if buf[k..e].iter().any(|&(_, p)| class[p as usize] != c0) {
                    d.conflicting += 1;
                }
                if d.first_pair.is_none() {
                    d.first_pair = Some((i as u32, buf[k].0));
                }
                let keep_pos = match policy {
                    DuplicatePolicy::First => Some(buf[k].1),
                    DuplicatePolicy::Last => Some(buf[e - 1].1),
                    _ => None,
                };
                if let Some(kp) = keep_pos {
                    let keep = d.keep.get_or_insert_with(|| vec![true; worker.len()]);
                    for &(_, p) in &buf[k..e] {
                        keep[p as usize] = p == kp;
                    }
                }
            }
            k = e;
        }
    }
    d
}
