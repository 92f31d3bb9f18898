//! A shard: judgments of a set of items, coded with the global dictionaries.

use arrow_array::RecordBatch;
use crowdqc_core::{ColumnMap, Error, IdDictionary, IdRef, JudgmentMatrix, Result};

use super::ids::{GlobalIds, IdSort, SortedIds, id_columns};
use crate::common::ActiveClasses;

/// The judgments of a set of items (every judgment of each), CSR by item, with workers
/// and labels coded by the global dictionaries ([`GlobalIds`]). Items are in sorted id
/// order; within an item, judgments are ordered by `(worker code, label code)` so the
/// arithmetic does not depend on the input's row order or partitioning.
///
/// Memory: 8 bytes per judgment (`u32` worker and label codes) plus 8 per item and
/// `8 · n_workers · k` for the per-group counts, besides the item ids.
#[derive(Debug, Clone)]
pub struct Shard {
    pub(crate) n_workers: usize,
    pub(crate) k: usize,
    /// Item ids in row order (sorted for shards built from batches).
    pub(crate) items: Option<SortedIds>,
    pub(crate) offsets: Vec<usize>,
    pub(crate) workers: Vec<u32>,
    pub(crate) labels: Vec<u32>,
    /// Judgments per `(worker, label)`.
    pub(crate) counts: Vec<u64>,
    /// Clamped class per item, or [`NONE`].
    pub(crate) gold: Option<Vec<u32>>,
    pub(crate) n_nonempty: u64,
}

fn not_global(what: &str, id: IdRef<'_>) -> Error {
    Error::param(
        "global_ids",
        format!(
            "{what} {id} of this shard is not in the global {what} dictionary; build the \
             dictionaries from every shard's ids (GlobalIds::merge)"
        ),
    )
}

impl Shard {
    /// Builds a shard from its judgment batches (columns `item`, `worker`, `label`, or
    /// their aliases, or the names of `map`), coding workers and labels with `global`.
    /// Duplicate `(item, worker)` pairs are all kept (the matrix's default policy).
    ///
    /// # Errors
    /// A missing column, an unsupported column type or a null id, naming the column
    /// and the row (counted across the batches); a worker or label absent from
    /// `global`; fewer than two global labels.
    pub fn from_batches(
        batches: &[RecordBatch],
        map: &ColumnMap,
        global: &GlobalIds,
    ) -> Result<Shard> {
        let k = global.labels.len();
        if k < 2 {
            return Err(Error::insufficient(format!(
                "Dawid-Skene needs at least two classes in the judgments, found {k}"
            )));
        }
        let mut items = IdDictionary::new();
        let (mut wd, mut ld) = (IdDictionary::new(), IdDictionary::new());
        let n: usize = batches.iter().map(|b| b.num_rows()).sum();
        let mut rows: Vec<(u32, u32, u32)> = Vec::with_capacity(n);
        let mut first = 0u64;
        for b in batches {
            let [ic, wc, lc] = id_columns(b, map, first)?;
            for r in 0..ic.len() {
                rows.push((
                    items.intern(ic.get(r)?),
                    wd.intern(wc.get(r)?),
                    ld.intern(lc.get(r)?),
                ));
            }
            first += b.num_rows() as u64;
        }
        let to_global = |d: &IdDictionary, set: &SortedIds, what: &str| -> Result<Vec<u32>> {
            d.iter()
                .map(|id| set.code_of(id).ok_or_else(|| not_global(what, id)))
                .collect()
        };
        let wmap = to_global(&wd, &global.workers, "worker")?;
        let lmap = to_global(&ld, &global.labels, "label")?;
        let sorted = SortedIds::from_ids(items.iter(), IdSort::Ids);
        let rank: Vec<u32> = items
            .iter()
            .map(|id| sorted.code_of(id).expect("an item of the shard"))
            .collect();
        let triples = rows
            .into_iter()
            .map(|(i, w, l)| (rank[i as usize], wmap[w as usize], lmap[l as usize]));
        Ok(Self::assemble(
            sorted.len(),
            global.workers.len(),
            k,
            triples,
            Some(sorted),
            None,
        ))
    }

    /// CSR from `(item, worker, label)` codes: counting sort by item, then each item's
    /// judgments sorted by `(worker, label)`.
    pub(crate) fn assemble(
        n_items: usize,
        n_workers: usize,
        k: usize,
        triples: impl Iterator<Item = (u32, u32, u32)> + Clone,
        items: Option<SortedIds>,
        gold: Option<Vec<u32>>,
    ) -> Shard {
        let mut offsets = vec![0usize; n_items + 1];
        for (i, _, _) in triples.clone() {
            offsets[i as usize + 1] += 1;
        }
        for i in 0..n_items {
            offsets[i + 1] += offsets[i];
        }
        let n = offsets[n_items];
        let mut pairs = vec![(0u32, 0u32); n];
        let mut cursor = offsets[..n_items].to_vec();
        let mut counts = vec![0u64; n_workers * k];
        for (i, w, l) in triples {
            pairs[cursor[i as usize]] = (w, l);
            cursor[i as usize] += 1;
            counts[w as usize * k + l as usize] += 1;
        }
        for t in 0..n_items {
            pairs[offsets[t]..offsets[t + 1]].sort_unstable();
        }
        let (workers, labels) = pairs.into_iter().unzip();
        let n_nonempty = offsets.windows(2).filter(|w| w[1] > w[0]).count() as u64;
        Shard {
            n_workers,
            k,
            items,
            offsets,
            workers,
            labels,
            counts,
            gold,
            n_nonempty,
        }
    }

    /// The whole matrix as one shard over its active classes, workers coded by sorted
    /// id rank (the code a global sorted dictionary gives them), items in matrix
    /// order. Returns the shard and, per rank, the matrix worker code.
    pub(crate) fn from_matrix(
        m: &JudgmentMatrix,
        active: &ActiveClasses,
        clamp_gold: bool,
    ) -> (Shard, Vec<u32>) {
        let sorted = SortedIds::from_ids(m.workers().iter(), IdSort::Ids);
        let mut by_rank = vec![0u32; m.n_workers()];
        let rank: Vec<u32> = (0..m.n_workers() as u32)
            .map(|w| {
                let r = sorted
                    .code_of(m.workers().get(w))
                    .expect("a worker of the matrix");
                by_rank[r as usize] = w;
                r
            })
            .collect();
        let (ws, cs, is) = (
            m.judgment_workers(),
            m.judgment_classes(),
            m.judgment_items(),
        );
        let triples = is
            .iter()
            .zip(ws)
            .zip(cs)
            .map(|((&i, &w), &c)| (i, rank[w as usize], active.to_active[c as usize]));
        let gold = active.clamped_gold(m, clamp_gold);
        let shard = Self::assemble(
            m.n_items(),
            m.n_workers(),
            active.len(),
            triples,
            None,
            gold,
        );
        (shard, by_rank)
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of judgments.
    pub fn n_judgments(&self) -> usize {
        self.workers.len()
    }

    /// Number of workers of the global dictionary.
    pub fn n_workers(&self) -> usize {
        self.n_workers
    }

    /// Number of classes of the global dictionary.
    pub fn n_classes(&self) -> usize {
        self.k
    }

    /// The shard's item ids, sorted: row `i` of [`posteriors`](super::posteriors) is
    /// item `items().get(i)`. `None` for a shard built inside a single-machine fit.
    pub fn items(&self) -> Option<&SortedIds> {
        self.items.as_ref()
    }

    /// Item `t`'s judgments: worker codes and label codes (global), ordered by
    /// `(worker, label)`. For adapters that compute other statistics on a shard
    /// (agreement counts, gold counts).
    ///
    /// # Panics
    /// When `t >= n_items()`.
    pub fn item_judgments(&self, t: usize) -> (&[u32], &[u32]) {
        let r = self.offsets[t]..self.offsets[t + 1];
        (&self.workers[r.clone()], &self.labels[r])
    }

    /// Consecutive item ranges covering every item, each costing at most `max_cost`
    /// where an item costs `per_item + per_judgment · judgments` (greedy, in item
    /// order; an item costing more than `max_cost` alone gets a range of its own). No
    /// range for a shard without items.
    pub fn item_ranges(
        &self,
        max_cost: u64,
        per_judgment: u64,
        per_item: u64,
    ) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let (mut start, mut cost) = (0usize, 0u64);
        for t in 0..self.n_items() {
            let c = per_item.saturating_add(
                per_judgment.saturating_mul((self.offsets[t + 1] - self.offsets[t]) as u64),
            );
            if t > start && cost.saturating_add(c) > max_cost {
                out.push(start..t);
                (start, cost) = (t, 0);
            }
            cost = cost.saturating_add(c);
        }
        if self.n_items() > start {
            out.push(start..self.n_items());
        }
        out
    }

    /// Judgments of the items of `items` (a range of item rows).
    ///
    /// # Panics
    /// When the range is outside the items.
    pub fn range_judgments(&self, items: std::ops::Range<usize>) -> usize {
        self.offsets[items.end] - self.offsets[items.start]
    }

    /// Judgments of the item with the most.
    pub fn max_item_judgments(&self) -> usize {
        self.offsets
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 8
            + (self.workers.capacity() + self.labels.capacity()) * 4
            + self.counts.capacity() * 8
    }
}
