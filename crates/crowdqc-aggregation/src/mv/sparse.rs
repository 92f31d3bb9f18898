//! Vote shares that scale to any number of classes.
//!
//! The dense `(n_items, n_classes)` table of vote shares takes 16 GB for 20,000 items
//! and 10⁵ labels, although each item holds only the few classes it was voted for.
//! [`Shares`] keeps the dense table when it is small and otherwise stores, per item,
//! the classes it received and their shares (memory linear in the judgments). Both
//! forms give the same numbers bit for bit: the votes of an item are added in the same
//! order, and ties are broken by the same rules.

use crowdqc_core::JudgmentMatrix;
use crowdqc_core::memory;
use crowdqc_core::votes::{self, TieRule};
use ndarray::Array2;

/// Largest `n_items × n_classes` vote-share table kept dense (2²⁷ cells, 1 GiB of
/// `f64`); above it, or when the table would not fit the memory budget
/// ([`crowdqc_core::memory`]), vote-based methods keep their shares sparsely.
pub const MAX_DENSE_SHARE_CELLS: usize = 1 << 27;

/// Per-item vote shares, dense or sparse (see the module docs).
#[derive(Debug, Clone)]
pub(crate) enum Shares {
    /// `(n_items, n_classes)`.
    Dense(Array2<f64>),
    /// Per item, the voted classes (ascending) and their shares.
    Sparse(SparseShares),
}

impl From<Array2<f64>> for Shares {
    fn from(a: Array2<f64>) -> Self {
        Shares::Dense(a)
    }
}

/// Sparse vote shares: item `i` owns entries `offsets[i]..offsets[i + 1]`; an item
/// with no entry (no judgment, or votes of total weight 0) is uniform over all classes.
#[derive(Debug, Clone)]
pub(crate) struct SparseShares {
    k: usize,
    offsets: Vec<usize>,
    class: Vec<u32>,
    share: Vec<f64>,
}

impl SparseShares {
    /// Number of items.
    pub(crate) fn n_items(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Item `i`'s `(class, share)` entries; empty means uniform.
    pub(crate) fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.class[r.clone()], &self.share[r])
    }

    /// The share of class `c` in item `i`.
    #[cfg(test)]
    pub(crate) fn get(&self, i: usize, c: u32) -> f64 {
        let (cs, ps) = self.row(i);
        if cs.is_empty() {
            return 1.0 / self.k as f64;
        }
        cs.binary_search(&c).map_or(0.0, |j| ps[j])
    }

    /// Heap bytes.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 8 + self.class.capacity() * 4 + self.share.capacity() * 8
    }
}

/// Whether a dense `(n_items, n_classes)` table of `f64` is small enough to keep.
pub(crate) fn dense_fits(n_items: usize, k: usize) -> bool {
    n_items
        .checked_mul(k)
        .is_some_and(|cells| cells <= MAX_DENSE_SHARE_CELLS)
        && memory::fits(memory::bytes_of::<f64>(&[n_items, k]))
}

/// Weighted vote shares (as [`votes::vote_shares`]) and hard labels (as
/// [`votes::labels_with_ties`]), dense when [`dense_fits`], else sparse.
pub(crate) fn vote(
    m: &JudgmentMatrix,
    weight: impl Fn(u32) -> f64,
    rule: TieRule,
) -> (Shares, Vec<u32>) {
    if dense_fits(m.n_items(), m.n_classes()) {
        let shares = votes::vote_shares(m, weight);
        let labels = votes::labels_with_ties(m, &shares, rule);
        return (Shares::Dense(shares), labels);
    }
    let shares = sparse_shares(m, weight);
    let labels = sparse_labels(m, &shares, rule);
    (Shares::Sparse(shares), labels)
}

/// [`votes::vote_shares`] stored sparsely.
pub(crate) fn sparse_shares(m: &JudgmentMatrix, weight: impl Fn(u32) -> f64) -> SparseShares {
    let k = m.n_classes();
    let (ws, cs) = (m.judgment_workers(), m.judgment_classes());
    let mut slot = vec![u32::MAX; k];
    let mut offsets = Vec::with_capacity(m.n_items() + 1);
    offsets.push(0);
    let mut class: Vec<u32> = Vec::with_capacity(m.n_judgments());
    let mut share: Vec<f64> = Vec::with_capacity(m.n_judgments());
    let mut pairs: Vec<(u32, f64)> = Vec::new();
    for i in 0..m.n_items() as u32 {
        let start = class.len();
        let mut total = 0.0;
        for p in m.item_range(i) {
            let (v, c) = (weight(ws[p]), cs[p]);
            let s = &mut slot[c as usize];
            if *s == u32::MAX {
                *s = (class.len() - start) as u32;
                class.push(c);
                share.push(0.0);
            }
            share[start + *s as usize] += v;
            total += v;
        }
        for &c in &class[start..] {
            slot[c as usize] = u32::MAX;
        }
        if total > 0.0 {
            pairs.clear();
            pairs.extend(
                class[start..]
                    .iter()
                    .copied()
                    .zip(share[start..].iter().copied()),
            );
            pairs.sort_unstable_by_key(|&(c, _)| c);
            for (j, &(c, v)) in pairs.iter().enumerate() {
                class[start + j] = c;
                share[start + j] = v / total;
            }
        } else {
            class.truncate(start);
            share.truncate(start);
        }
        offsets.push(class.len());
    }
    class.shrink_to_fit();
    share.shrink_to_fit();
    SparseShares {
        k,
        offsets,
        class,
        share,
    }
}

/// [`votes::labels_with_ties`] on sparse shares: the same labels, the same random
/// draws.
pub(crate) fn sparse_labels(m: &JudgmentMatrix, s: &SparseShares, rule: TieRule) -> Vec<u32> {
    let rank = matches!(rule, TieRule::FirstSeen).then(|| {
        let mut rank = vec![usize::MAX; m.n_classes()];
        for (p, &c) in m.judgment_classes().iter().enumerate() {
            if rank[c as usize] == usize::MAX {
                rank[c as usize] = p;
            }
        }
        rank
    });
    let mut rng = match rule {
        TieRule::Random { seed } => Some(SplitMix64(seed)),
        _ => None,
    };
    let mut tied: Vec<u32> = Vec::new();
    (0..s.n_items())
        .map(|i| {
            let (cs, ps) = s.row(i);
            tied.clear();
            if cs.is_empty() {
                // uniform: every class ties
                tied.extend(0..s.k as u32);
            } else {
                let best = ps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                tied.extend(
                    cs.iter()
                        .zip(ps)
                        .filter(|&(_, &v)| v == best)
                        .map(|(&c, _)| c),
                );
            }
            match (tied.len(), &rank, rng.as_mut()) {
                (0, _, _) => 0,
                (1, _, _) => tied[0],
                (_, Some(rank), _) => tied
                    .iter()
                    .copied()
                    .min_by_key(|&c| rank[c as usize])
                    .unwrap_or(0),
                (n, _, Some(rng)) => tied[rng.below(n)],
                _ => tied[0],
            }
        })
        .collect()
}

/// SplitMix64, the generator of [`TieRule::Random`] (same stream as
/// `crowdqc_core::votes`, so sparse and dense labels agree).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next();
            if v < zone {
                return (v % n) as usize;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};

    fn matrix() -> JudgmentMatrix {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
        // ties, weights, several classes per item, a class voted twice
        let rows = [
            ("t1", "a", "z"),
            ("t1", "b", "x"),
            ("t1", "c", "y"),
            ("t2", "a", "y"),
            ("t2", "b", "y"),
            ("t2", "c", "x"),
            ("t3", "a", "w"),
            ("t3", "b", "x"),
            ("t4", "c", "q"),
            ("t5", "a", "x"),
            ("t5", "b", "z"),
            ("t5", "d", "z"),
            ("t5", "c", "x"),
        ];
        for (i, w, l) in rows {
            b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
                .expect("row");
        }
        b.finish().expect("matrix")
    }

    /// The sparse form gives the dense numbers and labels bit for bit, for every tie
    /// rule and for weighted votes (including a zero-weight item, which is uniform).
    #[test]
    fn sparse_equals_dense() {
        let m = matrix();
        let weights = [0.5, 1.5, 0.25, 0.0];
        let rules = [
            TieRule::LowestIndex,
            TieRule::FirstSeen,
            TieRule::Random { seed: 7 },
            TieRule::Random { seed: 8 },
        ];
        for weighted in [false, true] {
            let w = |k: u32| if weighted { weights[k as usize] } else { 1.0 };
            let dense = votes::vote_shares(&m, w);
            let sparse = sparse_shares(&m, w);
            for i in 0..m.n_items() {
                for c in 0..m.n_classes() as u32 {
                    assert_eq!(
                        dense[[i, c as usize]].to_bits(),
                        sparse.get(i, c).to_bits(),
                        "item {i} class {c}"
                    );
                }
            }
            for rule in rules {
                assert_eq!(
                    votes::labels_with_ties(&m, &dense, rule),
                    sparse_labels(&m, &sparse, rule),
                    "{rule:?} weighted {weighted}"
                );
            }
        }
        // an item with only zero-weight votes is uniform (no entry)
        let only_d = sparse_shares(&m, |k| if k == 3 { 1.0 } else { 0.0 });
        assert!(only_d.row(0).0.is_empty());
        assert_eq!(only_d.get(0, 2), 1.0 / m.n_classes() as f64);
    }

    #[test]
    fn memory_is_linear_in_judgments() {
        let m = matrix();
        let s = sparse_shares(&m, |_| 1.0);
        // at most one entry per judgment
        assert!(s.class.len() <= m.n_judgments());
        assert!(s.heap_bytes() <= (m.n_items() + 1) * 8 + m.n_judgments() * 12);
    }
}
