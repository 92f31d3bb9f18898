//! proptest strategies for judgment data, for invariance and property tests.
//!
//! - [`small_crowd`]: a small random crowd ([`SmallCrowd`]): 1..=`max_items` items,
//!   1..=`max_workers` workers, 1..=`max_classes` classes, skewed redundancy (most
//!   items get few judgments, some many), skewed worker activity, and — unless
//!   disabled — repeated `(item, worker)` pairs, in shuffled row order.
//! - [`judgment_matrix`]: the same, built into a [`JudgmentMatrix`].
//! - [`row_permutation`], [`crowd_and_permutation`]: a permutation of row order, to
//!   check that results do not depend on it.
//! - [`relabelling`], [`crowd_and_relabelling`]: a bijective renaming of item, worker
//!   and class ids, to check that results do not depend on the names.
//!
//! Ids are strings `i{n}` / `w{n}` (no padding) and labels are Int64 class numbers
//! unless noted. Indices are upper bounds: a crowd with `n_workers = 5` may use only
//! some of the five workers, and likewise for classes.
//!
//! # Examples
//!
//! ```
//! use proptest::prelude::*;
//! use crowdqc_core::IngestOptions;
//! use crowdqc_testkit::strategies::{crowd_and_permutation, CrowdParams};
//!
//! proptest!(ProptestConfig::with_cases(16), |((crowd, perm) in crowd_and_permutation(CrowdParams::default()))| {
//!     let a = crowd.to_matrix(IngestOptions::default());
//!     let b = crowd.permuted(&perm).to_matrix(IngestOptions::default());
//!     prop_assert_eq!(a.n_judgments(), b.n_judgments());
//!     prop_assert_eq!(a.classes().counts(), b.classes().counts());
//! });
//! ```

use std::sync::Arc;

use arrow_array::{Int64Array, RecordBatch, StringArray};
use crowdqc_core::{IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use proptest::prelude::*;

/// Bounds of a [`small_crowd`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrowdParams {
    /// Largest number of items (≥ 1). Default 12.
    pub max_items: u32,
    /// Largest number of workers (≥ 1). Default 8.
    pub max_workers: u32,
    /// Largest number of classes (≥ 1). Default 4.
    pub max_classes: u32,
    /// Largest number of judgments of one item (≥ 1). Default 6.
    pub max_redundancy: u32,
    /// Allow repeated `(item, worker)` pairs. Default true.
    pub duplicates: bool,
}

impl Default for CrowdParams {
    fn default() -> Self {
        CrowdParams {
            max_items: 12,
            max_workers: 8,
            max_classes: 4,
            max_redundancy: 6,
            duplicates: true,
        }
    }
}

/// A small crowd: judgment rows as `(item, worker, class)` indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmallCrowd {
    /// Upper bound of item indices (every item `0..n_items` has at least one row).
    pub n_items: u32,
    /// Upper bound of worker indices.
    pub n_workers: u32,
    /// Upper bound of class indices.
    pub n_classes: u32,
    /// Rows `(item, worker, class)` in input order.
    pub rows: Vec<(u32, u32, u32)>,
    /// Name of each item index (default `i{index}`).
    pub item_names: Vec<String>,
    /// Name of each worker index (default `w{index}`).
    pub worker_names: Vec<String>,
    /// Integer label of each class index (default the index).
    pub class_labels: Vec<i64>,
}

impl SmallCrowd {
    /// A crowd with default names from rows.
    pub fn new(n_items: u32, n_workers: u32, n_classes: u32, rows: Vec<(u32, u32, u32)>) -> Self {
        SmallCrowd {
            n_items,
            n_workers,
            n_classes,
            rows,
            item_names: (0..n_items).map(|i| format!("i{i}")).collect(),
            worker_names: (0..n_workers).map(|w| format!("w{w}")).collect(),
            class_labels: (0..i64::from(n_classes)).collect(),
        }
    }

    /// The rows as one record batch: `item`, `worker` (Utf8), `label` (Int64).
    pub fn to_batch(&self) -> RecordBatch {
        let item: StringArray = self
            .rows
            .iter()
            .map(|r| Some(self.item_names[r.0 as usize].as_str()))
            .collect();
        let worker: StringArray = self
            .rows
            .iter()
            .map(|r| Some(self.worker_names[r.1 as usize].as_str()))
            .collect();
        let label: Int64Array = self
            .rows
            .iter()
            .map(|r| Some(self.class_labels[r.2 as usize]))
            .collect();
        RecordBatch::try_from_iter([
            ("item", Arc::new(item) as _),
            ("worker", Arc::new(worker) as _),
            ("label", Arc::new(label) as _),
        ])
        .expect("three equal-length columns")
    }

    /// Builds the matrix.
    ///
    /// # Panics
    /// When ingest fails (test helper; e.g. `DuplicatePolicy::Error` with duplicates).
    pub fn to_matrix(&self, opts: IngestOptions) -> JudgmentMatrix {
        self.try_to_matrix(opts).expect("ingest of a SmallCrowd")
    }

    /// Builds the matrix, returning ingest errors.
    ///
    /// # Errors
    /// Any ingest error.
    pub fn try_to_matrix(&self, opts: IngestOptions) -> crowdqc_core::Result<JudgmentMatrix> {
        let mut b = JudgmentMatrixBuilder::new(opts)?;
        b.push_batch(&self.to_batch())?;
        b.finish()
    }

    /// The same rows in the order `perm` (row `k` of the result is row `perm[k]`).
    ///
    /// # Panics
    /// When `perm` is not a permutation of `0..rows.len()` indices (out of range).
    pub fn permuted(&self, perm: &[usize]) -> SmallCrowd {
        SmallCrowd {
            rows: perm.iter().map(|&k| self.rows[k]).collect(),
            ..self.clone()
        }
    }

    /// The same crowd with ids renamed: item `i` is called `i{r.items[i]}`, worker `w`
    /// `w{r.workers[w]}`, class `c` gets label `r.classes[c]` (so the sorted class
    /// order changes with it). Row order and indices are unchanged.
    pub fn relabelled(&self, r: &Relabelling) -> SmallCrowd {
        SmallCrowd {
            item_names: (0..self.n_items as usize)
                .map(|i| format!("i{}", r.items[i]))
                .collect(),
            worker_names: (0..self.n_workers as usize)
                .map(|w| format!("w{}", r.workers[w]))
                .collect(),
            class_labels: (0..self.n_classes as usize)
                .map(|c| i64::from(r.classes[c]))
                .collect(),
            ..self.clone()
        }
    }
}

/// A renaming of ids: permutations of item, worker and class numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relabelling {
    /// New number of each item.
    pub items: Vec<u32>,
    /// New number of each worker.
    pub workers: Vec<u32>,
    /// New label of each class.
    pub classes: Vec<u32>,
}

/// Small random crowds within `p`; see the [module docs](self).
pub fn small_crowd(p: CrowdParams) -> impl Strategy<Value = SmallCrowd> {
    let (mi, mw, mc, mr) = (
        p.max_items.max(1),
        p.max_workers.max(1),
        p.max_classes.max(1),
        p.max_redundancy.max(1),
    );
    (1..=mi, 1..=mw, 1..=mc)
        .prop_flat_map(move |(ni, nw, nc)| {
            // per item: redundancy r = max - isqrt(x), x uniform in 0..max², so
            // P(r) ∝ 2(max - r) + 1: mostly small, sometimes max; workers likewise
            // skewed towards low indices (an active core and a long tail).
            let item = (
                proptest::collection::vec(
                    (0..nw * nw, 0..nc).prop_map(move |(x, c)| (nw - 1 - x.isqrt(), c)),
                    mr as usize,
                ),
                0..mr * mr,
            )
                .prop_map(move |(mut v, x)| {
                    v.truncate((mr - x.isqrt()) as usize);
                    v
                });
            (
                Just((ni, nw, nc)),
                proptest::collection::vec(item, ni as usize),
            )
        })
        .prop_map(move |((ni, nw, nc), per_item)| {
            let mut rows = Vec::new();
            for (i, judg) in per_item.into_iter().enumerate() {
                for (w, c) in judg {
                    if p.duplicates || !rows.iter().any(|&(ri, rw, _)| ri == i as u32 && rw == w) {
                        rows.push((i as u32, w, c));
                    }
                }
            }
            SmallCrowd::new(ni, nw, nc, rows)
        })
        .prop_flat_map(|c| {
            let n = c.rows.len();
            (Just(c), row_permutation(n))
        })
        .prop_map(|(c, perm)| c.permuted(&perm))
}

/// [`small_crowd`] built into a [`JudgmentMatrix`] with default options.
pub fn judgment_matrix(p: CrowdParams) -> impl Strategy<Value = JudgmentMatrix> {
    small_crowd(p).prop_map(|c| c.to_matrix(IngestOptions::default()))
}

/// A uniformly random permutation of `0..n`.
pub fn row_permutation(n: usize) -> impl Strategy<Value = Vec<usize>> {
    Just((0..n).collect::<Vec<usize>>()).prop_shuffle()
}

/// A random [`Relabelling`] of `n_items` items, `n_workers` workers, `n_classes` classes
/// (new numbers drawn from `0..2n`, so both order and spelling change).
pub fn relabelling(
    n_items: u32,
    n_workers: u32,
    n_classes: u32,
) -> impl Strategy<Value = Relabelling> {
    let pick = |n: u32| {
        Just((0..2 * n.max(1)).collect::<Vec<u32>>())
            .prop_shuffle()
            .prop_map(move |v| v[..n as usize].to_vec())
    };
    (pick(n_items), pick(n_workers), pick(n_classes)).prop_map(|(items, workers, classes)| {
        Relabelling {
            items,
            workers,
            classes,
        }
    })
}

/// A crowd and a permutation of its rows.
pub fn crowd_and_permutation(p: CrowdParams) -> impl Strategy<Value = (SmallCrowd, Vec<usize>)> {
    small_crowd(p).prop_flat_map(|c| {
        let n = c.rows.len();
        (Just(c), row_permutation(n))
    })
}

/// A crowd and a relabelling of its ids.
pub fn crowd_and_relabelling(p: CrowdParams) -> impl Strategy<Value = (SmallCrowd, Relabelling)> {
    small_crowd(p).prop_flat_map(|c| {
        let r = relabelling(c.n_items, c.n_workers, c.n_classes);
        (Just(c), r)
    })
}
