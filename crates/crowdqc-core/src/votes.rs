//! Votes: per-item vote shares, the rules that break ties between equally voted
//! classes, and per-worker accuracy against reference labels with an explicit rule for
//! duplicate judgments.
//!
//! Every crate that counts votes (majority vote and its weighted variants, gold scoring,
//! the agreement views) uses this one module, so that "majority" and "accuracy" mean
//! the same thing everywhere, and each caller names the duplicate rule it follows.
//!
//! ```
//! use crowdqc_core::votes::{self, DuplicateRule, TieRule};
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"), ("t2", "a", "y")] {
//!     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! }
//! let m = b.finish()?;
//! let shares = votes::vote_shares(&m, |_| 1.0);
//! assert!((shares[[0, 0]] - 2.0 / 3.0).abs() < 1e-15);
//! let labels = votes::labels_with_ties(&m, &shares, TieRule::LowestIndex);
//! assert_eq!(labels, [0, 1]); // t1 = "x", t2 = "y"
//! let acc = votes::accuracy_against(&m, &labels, DuplicateRule::CountAll);
//! assert_eq!(acc.accuracy(), [1.0, 1.0, 0.0]); // workers a, b, c
//! # Ok(()) }
//! ```

use ndarray::Array2;

use crate::JudgmentMatrix;

/// Marker for "no reference label" in per-item label vectors passed to
/// [`accuracy_against`] (items without gold, for instance).
pub const NO_LABEL: u32 = u32::MAX;

/// How hard labels are chosen when several classes share the largest score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TieRule {
    /// The tied class with the lowest class index (the smallest label in the default
    /// sorted class order). crowd-kit under pandas 2, and crowd-kit's weighted majority
    /// vote under every pandas version. The default.
    #[default]
    LowestIndex,
    /// The tied class whose first judgment comes first in the matrix's position order
    /// (items in order of first appearance, judgments in input order within an item).
    /// Close to crowd-kit 1.4 under pandas 3, which uses the label's first appearance in
    /// the raw input rows; the two differ only when a label first appears on an item
    /// that was itself first seen later.
    FirstSeen,
    /// A tied class drawn uniformly at random (items in index order, one draw per tied
    /// item from a SplitMix64 stream seeded with `seed`), as Snow et al. (2008) break
    /// ties. The same seed gives the same labels on every platform.
    Random {
        /// The seed.
        seed: u64,
    },
}

/// Which judgments count when a worker's accuracy is computed against reference
/// labels, when the data hold the same `(item, worker)` pair more than once (with
/// [`DuplicatePolicy::KeepAll`](crate::DuplicatePolicy::KeepAll)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DuplicateRule {
    /// Every judgment counts, duplicates included: a worker who gave the same answer
    /// twice is scored twice. The default (what the data say, row by row).
    #[default]
    CountAll,
    /// Identical `(item, worker, label)` rows count once; a worker who gave two
    /// different answers to one item is scored on both. crowd-kit 1.4.2's
    /// `get_accuracy` (it calls `drop_duplicates()` on the judgment table), hence the
    /// rule of the `skills_` of its majority vote and Wawa.
    DropIdenticalRows,
}

/// Per-item weighted vote shares over all matrix classes, `(n_items, n_classes)`.
/// `weight(w)` is the weight of worker `w`'s judgment; every judgment votes (duplicates
/// included). A row whose weights sum to 0 (or an item without judgment) is uniform.
pub fn vote_shares(m: &JudgmentMatrix, weight: impl Fn(u32) -> f64) -> Array2<f64> {
    let k = m.n_classes();
    let mut out = Array2::zeros((m.n_items(), k));
    let (ws, cs) = (m.judgment_workers(), m.judgment_classes());
    for (i, mut row) in out.rows_mut().into_iter().enumerate() {
        let mut total = 0.0;
        for p in m.item_range(i as u32) {
            let v = weight(ws[p]);
            row[cs[p] as usize] += v;
            total += v;
        }
        if total > 0.0 {
            row.mapv_inplace(|v| v / total);
        } else {
            row.fill(1.0 / k as f64);
        }
    }
    out
}

/// Unweighted vote shares of one item's judged classes into `row` (one entry per
/// class): the fraction of judgments per class, uniform when `classes` is empty.
pub fn item_vote_shares(classes: &[u32], row: &mut [f64]) {
    row.iter_mut().for_each(|r| *r = 0.0);
    if classes.is_empty() {
        let u = 1.0 / row.len().max(1) as f64;
        row.iter_mut().for_each(|r| *r = u);
        return;
    }
    for &c in classes {
        row[c as usize] += 1.0;
    }
    let n = classes.len() as f64;
    row.iter_mut().for_each(|r| *r /= n);
}

/// Class order used by [`TieRule::FirstSeen`]: rank of each class by first position.
fn first_seen_rank(m: &JudgmentMatrix) -> Vec<usize> {
    let mut rank = vec![usize::MAX; m.n_classes()];
    for (p, &c) in m.judgment_classes().iter().enumerate() {
        if rank[c as usize] == usize::MAX {
            rank[c as usize] = p;
        }
    }
    rank
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, portable, seeded generator.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n >= 1`), by rejection (no modulo bias).
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

/// Hard labels from scores (rows = items, columns = classes) with a tie rule. Only
/// exact float ties are ties. A row of NaN gets class 0.
pub fn labels_with_ties(m: &JudgmentMatrix, scores: &Array2<f64>, rule: TieRule) -> Vec<u32> {
    let rank = matches!(rule, TieRule::FirstSeen).then(|| first_seen_rank(m));
    let mut rng = match rule {
        TieRule::Random { seed } => Some(SplitMix64(seed)),
        _ => None,
    };
    let mut tied: Vec<u32> = Vec::new();
    scores
        .rows()
        .into_iter()
        .map(|row| {
            let best = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            tied.clear();
            tied.extend(
                row.iter()
                    .enumerate()
                    .filter(|&(_, &v)| v == best)
                    .map(|(c, _)| c as u32),
            );
            match (tied.len(), &rank, rng.as_mut()) {
                (0, _, _) => 0,
                (1, _, _) => tied[0],
                (_, Some(rank), _) => *tied
                    .iter()
                    .min_by_key(|&&c| rank[c as usize])
                    .expect("non-empty tie set"),
                (n, _, Some(rng)) => tied[rng.below(n)],
                _ => tied[0],
            }
        })
        .collect()
}

/// Per-worker counts of judgments scored against reference labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerHits {
    /// Judgments that match the reference label, per worker index.
    pub correct: Vec<u64>,
    /// Judgments on items with a reference label, per worker index.
    pub answered: Vec<u64>,
}

impl WorkerHits {
    /// `correct / answered` per worker; NaN for a worker with nothing scored.
    pub fn accuracy(&self) -> Vec<f64> {
        self.correct
            .iter()
            .zip(&self.answered)
            .map(|(&h, &t)| {
                if t == 0 {
                    f64::NAN
                } else {
                    h as f64 / t as f64
                }
            })
            .collect()
    }
}

/// Per worker, how many of its judgments on items with a reference label match it.
/// `labels[i]` is item `i`'s reference class or [`NO_LABEL`] (`labels.len()` must be
/// the number of items); `rule` says how duplicate judgments count.
///
/// # Panics
/// When `labels` is shorter than the number of items (a caller bug).
pub fn accuracy_against(m: &JudgmentMatrix, labels: &[u32], rule: DuplicateRule) -> WorkerHits {
    assert!(
        labels.len() >= m.n_items(),
        "accuracy_against: {} labels for {} items",
        labels.len(),
        m.n_items()
    );
    let mut correct = vec![0u64; m.n_workers()];
    let mut answered = vec![0u64; m.n_workers()];
    let (ws, cs) = (m.judgment_workers(), m.judgment_classes());
    let dedup = rule == DuplicateRule::DropIdenticalRows && m.report().duplicate_pairs > 0;
    let mut seen: Vec<(u32, u32)> = Vec::new();
    for i in 0..m.n_items() as u32 {
        let truth = labels[i as usize];
        if truth == NO_LABEL {
            continue;
        }
        let r = m.item_range(i);
        if dedup {
            seen.clear();
            seen.extend(r.map(|p| (ws[p], cs[p])));
            seen.sort_unstable();
            seen.dedup();
            for &(w, c) in &seen {
                answered[w as usize] += 1;
                correct[w as usize] += u64::from(c == truth);
            }
        } else {
            for p in r {
                answered[ws[p] as usize] += 1;
                correct[ws[p] as usize] += u64::from(cs[p] == truth);
            }
        }
    }
    WorkerHits { correct, answered }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DuplicatePolicy, IdRef, IngestOptions, JudgmentMatrixBuilder};

    fn matrix(rows: &[(&str, &str, &str)]) -> JudgmentMatrix {
        let opts = IngestOptions {
            duplicates: DuplicatePolicy::KeepAll,
            ..IngestOptions::default()
        };
        let mut b = JudgmentMatrixBuilder::new(opts).expect("opts");
        for (i, w, l) in rows {
            b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
                .expect("row");
        }
        b.finish().expect("matrix")
    }

    #[test]
    fn tie_rules() {
        // item t1: z, a tie; t2: a wins. Classes sorted: a=0, z=1. z is seen first.
        let m = matrix(&[("t1", "w1", "z"), ("t1", "w2", "a"), ("t2", "w1", "a")]);
        let s = vote_shares(&m, |_| 1.0);
        assert_eq!(labels_with_ties(&m, &s, TieRule::LowestIndex), [0, 0]);
        assert_eq!(labels_with_ties(&m, &s, TieRule::FirstSeen), [1, 0]);
        let picks: Vec<u32> = (0..32)
            .map(|seed| labels_with_ties(&m, &s, TieRule::Random { seed })[0])
            .collect();
        assert!(picks.contains(&0) && picks.contains(&1));
        assert_eq!(
            labels_with_ties(&m, &s, TieRule::Random { seed: 7 }),
            labels_with_ties(&m, &s, TieRule::Random { seed: 7 })
        );
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 0 (the published reference
        // sequence of the algorithm).
        let mut g = SplitMix64(0);
        assert_eq!(g.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn shares_count_duplicates_and_weights() {
        let m = matrix(&[
            ("t1", "w1", "a"),
            ("t1", "w1", "a"),
            ("t1", "w2", "b"),
            ("t2", "w3", "b"),
        ]);
        let s = vote_shares(&m, |_| 1.0);
        assert_eq!(s.row(0).to_vec(), [2.0 / 3.0, 1.0 / 3.0]);
        let w = vote_shares(&m, |w| if w == 1 { 4.0 } else { 0.0 });
        assert_eq!(w.row(0).to_vec(), [0.0, 1.0]);
        // t2's only voter weighs 0: uniform
        assert_eq!(w.row(1).to_vec(), [0.5, 0.5]);
        let mut row = [0.0; 3];
        item_vote_shares(&[2, 0, 2, 2], &mut row);
        assert_eq!(row, [0.25, 0.0, 0.75]);
        item_vote_shares(&[], &mut row);
        assert_eq!(row, [1.0 / 3.0; 3]);
    }

    #[test]
    fn each_duplicate_rule_with_duplicate_rows() {
        // w1 answers t1 "a" twice and "b" once, t2 "b" once; w2 answers t2 "a" twice.
        let m = matrix(&[
            ("t1", "w1", "a"),
            ("t1", "w1", "a"),
            ("t1", "w1", "b"),
            ("t2", "w1", "b"),
            ("t2", "w2", "a"),
            ("t2", "w2", "a"),
        ]);
        // truth: t1 = a, t2 = a
        let all = accuracy_against(&m, &[0, 0], DuplicateRule::CountAll);
        assert_eq!(all.correct, [2, 2]);
        assert_eq!(all.answered, [4, 2]);
        assert_eq!(all.accuracy(), [0.5, 1.0]);
        let distinct = accuracy_against(&m, &[0, 0], DuplicateRule::DropIdenticalRows);
        // distinct rows: w1 (t1,a) hit, (t1,b) miss, (t2,b) miss; w2 (t2,a) hit
        assert_eq!(distinct.correct, [1, 1]);
        assert_eq!(distinct.answered, [3, 1]);
        assert!((distinct.accuracy()[0] - 1.0 / 3.0).abs() < 1e-15);
        // items without a reference label are skipped; a worker with none is NaN
        let some = accuracy_against(&m, &[0, NO_LABEL], DuplicateRule::CountAll);
        assert_eq!(some.answered, [3, 0]);
        assert!(some.accuracy()[1].is_nan());
    }
}
