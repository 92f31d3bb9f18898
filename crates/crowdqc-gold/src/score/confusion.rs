//! Per-worker gold confusion counts, dense when small, sparse when the
//! `workers × classes²` table would be large (10⁵ labels make it terabytes).

use std::collections::BTreeMap;

use crowdqc_core::memory;
use ndarray::{Array3, ArrayView3};

/// Largest `workers × classes²` gold confusion table kept dense (2²⁷ cells, 1 GiB of
/// `u64`); above it, or beyond the memory budget of [`crowdqc_core::memory`], the
/// counts are kept sparsely (memory linear in the gold answers).
pub const MAX_DENSE_CONFUSION_CELLS: usize = 1 << 27;

/// One non-zero cell of a worker's gold confusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConfusionCell {
    /// Worker index.
    pub worker: u32,
    /// The gold (true) class.
    pub gold: u32,
    /// The class the worker answered.
    pub observed: u32,
    /// Gold answers in this cell (> 0).
    pub count: u64,
}

/// The counts, dense or sparse; both give the same cells.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Confusion {
    Dense(Array3<u64>),
    Sparse {
        k: usize,
        cells: BTreeMap<(u32, u32, u32), u64>,
    },
}

impl Confusion {
    /// An all-zero table for `nw` workers and `k` classes.
    pub(crate) fn new(nw: usize, k: usize) -> Confusion {
        let dense = nw
            .checked_mul(k)
            .and_then(|c| c.checked_mul(k))
            .is_some_and(|c| c <= MAX_DENSE_CONFUSION_CELLS)
            && memory::fits(memory::bytes_of::<u64>(&[nw, k, k]));
        if dense {
            Confusion::Dense(Array3::zeros((nw, k, k)))
        } else {
            Confusion::Sparse {
                k,
                cells: BTreeMap::new(),
            }
        }
    }

    /// Number of classes.
    pub(crate) fn k(&self) -> usize {
        match self {
            Confusion::Dense(a) => a.dim().1,
            Confusion::Sparse { k, .. } => *k,
        }
    }

    /// Adds one answer of worker `w` (observed `o`) on a gold item of class `t`.
    pub(crate) fn add(&mut self, w: u32, t: u32, o: u32) {
        match self {
            Confusion::Dense(a) => a[[w as usize, t as usize, o as usize]] += 1,
            Confusion::Sparse { cells, .. } => *cells.entry((w, t, o)).or_insert(0) += 1,
        }
    }

    /// Removes one answer (it must have been added).
    pub(crate) fn remove(&mut self, w: u32, t: u32, o: u32) {
        match self {
            Confusion::Dense(a) => a[[w as usize, t as usize, o as usize]] -= 1,
            Confusion::Sparse { cells, .. } => {
                if let Some(c) = cells.get_mut(&(w, t, o)) {
                    *c -= 1;
                    if *c == 0 {
                        cells.remove(&(w, t, o));
                    }
                }
            }
        }
    }

    /// The count of one cell.
    pub(crate) fn get(&self, w: u32, t: u32, o: u32) -> u64 {
        match self {
            Confusion::Dense(a) => a
                .get([w as usize, t as usize, o as usize])
                .copied()
                .unwrap_or(0),
            Confusion::Sparse { cells, .. } => cells.get(&(w, t, o)).copied().unwrap_or(0),
        }
    }

    /// The dense view, when dense.
    pub(crate) fn dense(&self) -> Option<ArrayView3<'_, u64>> {
        match self {
            Confusion::Dense(a) => Some(a.view()),
            Confusion::Sparse { .. } => None,
        }
    }

    /// The non-zero cells in `(worker, gold, observed)` order.
    pub(crate) fn cells(&self) -> Vec<ConfusionCell> {
        let cell = |(w, t, o): (u32, u32, u32), count| ConfusionCell {
            worker: w,
            gold: t,
            observed: o,
            count,
        };
        match self {
            Confusion::Dense(a) => a
                .indexed_iter()
                .filter(|&(_, &c)| c > 0)
                .map(|((w, t, o), &c)| cell((w as u32, t as u32, o as u32), c))
                .collect(),
            Confusion::Sparse { cells, .. } => {
                cells.iter().map(|(&key, &c)| cell(key, c)).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_agree() {
        let mut d = Confusion::new(3, 2);
        assert!(d.dense().is_some());
        let mut s = Confusion::Sparse {
            k: 2,
            cells: BTreeMap::new(),
        };
        for (w, t, o) in [(0, 1, 0), (0, 1, 0), (2, 0, 0), (1, 1, 1), (2, 0, 0)] {
            d.add(w, t, o);
            s.add(w, t, o);
        }
        d.remove(1, 1, 1);
        s.remove(1, 1, 1);
        assert_eq!(d.cells(), s.cells());
        assert_eq!(
            s.cells(),
            [
                ConfusionCell {
                    worker: 0,
                    gold: 1,
                    observed: 0,
                    count: 2
                },
                ConfusionCell {
                    worker: 2,
                    gold: 0,
                    observed: 0,
                    count: 2
                }
            ]
        );
        assert_eq!((d.get(0, 1, 0), s.get(0, 1, 0), s.get(1, 1, 1)), (2, 2, 0));
        assert!(s.dense().is_none());
        // 10^5 classes: never dense (10^10 cells per worker)
        assert!(Confusion::new(10, 100_000).dense().is_none());
    }
}
