//! Pieces shared by the methods: parameter checks, the active class set, vote shares,
//! tie rules and accuracy against reference labels.

use crowdqc_core::{Error, Gold, JudgmentMatrix, Result};
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// crowd-kit's probability floor (`_EPS`).
pub(crate) const EPS: f64 = 1e-10;

/// Marker for "no class" in per-item label vectors.
pub(crate) const NONE: u32 = u32::MAX;

/// How hard labels are chosen when several classes share the largest score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    /// A tied class drawn uniformly at random with a seeded `ChaCha8Rng` (items in index
    /// order), as Snow et al. (2008) break ties.
    Random {
        /// The seed.
        seed: u64,
    },
}

/// Checks `max_iter >= 1`.
pub(crate) fn check_max_iter(name: &str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(Error::param(name, "must be >= 1, got 0"));
    }
    Ok(())
}

/// Checks `tol` finite and > 0.
pub(crate) fn check_tol(name: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        return Err(Error::param(
            name,
            format!("must be finite and > 0, got {v}"),
        ));
    }
    Ok(())
}

/// Checks a finite value in `[lo, hi]`.
pub(crate) fn check_range(name: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
    if !(v.is_finite() && v >= lo && v <= hi) {
        return Err(Error::param(
            name,
            format!("must be finite and in [{lo}, {hi}], got {v}"),
        ));
    }
    Ok(())
}

/// The classes a fit works on (crowd-kit fits on the labels that occur): matrix class
/// index → active index and back.
#[derive(Debug, Clone)]
pub(crate) struct ActiveClasses {
    /// Matrix class index of each active class, ascending.
    pub(crate) to_matrix: Vec<u32>,
    /// Active index of each matrix class, or [`NONE`].
    pub(crate) to_active: Vec<u32>,
}

impl ActiveClasses {
    /// Classes used by some judgment, plus (when `gold` is given) classes used by gold.
    ///
    /// # Errors
    /// [`Error::InsufficientData`] with fewer than two active classes.
    pub(crate) fn new(m: &JudgmentMatrix, gold: Option<&Gold>, method: &str) -> Result<Self> {
        let mut used: Vec<bool> = m.classes().counts().iter().map(|&c| c > 0).collect();
        if let Some(g) = gold {
            for &i in g.items() {
                if let Some(c) = g.label(i) {
                    used[c as usize] = true;
                }
            }
        }
        let to_matrix: Vec<u32> = (0..used.len() as u32)
            .filter(|&c| used[c as usize])
            .collect();
        if to_matrix.len() < 2 {
            return Err(Error::insufficient(format!(
                "{method} needs at least two classes in the judgments, found {} \
                 (nothing to infer)",
                to_matrix.len()
            )));
        }
        let mut to_active = vec![NONE; used.len()];
        for (a, &c) in to_matrix.iter().enumerate() {
            to_active[c as usize] = a as u32;
        }
        Ok(ActiveClasses {
            to_matrix,
            to_active,
        })
    }

    /// Number of active classes.
    pub(crate) fn len(&self) -> usize {
        self.to_matrix.len()
    }

    /// True when every matrix class is active (no remapping needed).
    pub(crate) fn is_identity(&self) -> bool {
        self.to_matrix.len() == self.to_active.len()
    }

    /// Expands `(n_items, k_active)` to `(n_items, n_classes)` with zeros for inactive
    /// classes.
    pub(crate) fn expand_rows(&self, active: &[f64], n_rows: usize) -> Array2<f64> {
        let k = self.len();
        let n = self.to_active.len();
        let mut out = Array2::zeros((n_rows, n));
        if let Some(s) = out.as_slice_mut() {
            for (dst, src) in s.chunks_exact_mut(n).zip(active.chunks_exact(k)) {
                for (a, &c) in self.to_matrix.iter().enumerate() {
                    dst[c as usize] = src[a];
                }
            }
        }
        out
    }
}

/// Which classes some judgment uses, and how many: `(observed, k_obs)`.
///
/// # Errors
/// [`Error::InsufficientData`] when there is no judgment or fewer than two observed
/// classes.
pub(crate) fn observed_classes(m: &JudgmentMatrix, method: &str) -> Result<(Vec<bool>, usize)> {
    let observed: Vec<bool> = m.classes().counts().iter().map(|&c| c > 0).collect();
    let k_obs = observed.iter().filter(|&&o| o).count();
    if m.n_judgments() == 0 || k_obs < 2 {
        return Err(Error::insufficient(format!(
            "{method} needs judgments with at least two different labels; the data have {} \
             judgments and {k_obs} observed class(es)",
            m.n_judgments()
        )));
    }
    Ok((observed, k_obs))
}

/// Fails when the matrix has fewer than two classes with judgments.
pub(crate) fn require_two_classes(m: &JudgmentMatrix, method: &str) -> Result<()> {
    ActiveClasses::new(m, None, method).map(|_| ())
}

/// Per-item weighted vote shares over all matrix classes, `(n_items, n_classes)`.
/// `weight(w)` is the weight of worker `w`'s judgment. A row whose weights sum to 0 (or
/// an item without judgment) is uniform.
pub(crate) fn vote_shares(m: &JudgmentMatrix, weight: impl Fn(u32) -> f64) -> Array2<f64> {
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

/// Hard labels from scores (rows = items) with a tie rule. Exact float ties only.
pub(crate) fn labels_with_ties(
    m: &JudgmentMatrix,
    scores: &Array2<f64>,
    rule: TieRule,
) -> Vec<u32> {
    let rank = matches!(rule, TieRule::FirstSeen).then(|| first_seen_rank(m));
    let mut rng = match rule {
        TieRule::Random { seed } => Some(ChaCha8Rng::seed_from_u64(seed)),
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
                (n, _, Some(rng)) => tied[rng.random_range(0..n)],
                _ => tied[0],
            }
        })
        .collect()
}

/// crowd-kit's `get_accuracy(data, labels, by="worker")`: per worker, the share of its
/// judgments (exact duplicate `(item, worker, label)` rows counted once) on items with a
/// reference label that match it; NaN for a worker with no such judgment.
pub(crate) fn accuracy_against(m: &JudgmentMatrix, labels: &[u32]) -> Vec<f64> {
    let mut hits = vec![0u64; m.n_workers()];
    let mut total = vec![0u64; m.n_workers()];
    let (ws, cs) = (m.judgment_workers(), m.judgment_classes());
    let may_repeat = m.report().duplicate_pairs > 0;
    let mut seen: Vec<(u32, u32)> = Vec::new();
    for i in 0..m.n_items() as u32 {
        let truth = labels[i as usize];
        if truth == NONE {
            continue;
        }
        let r = m.item_range(i);
        if may_repeat {
            seen.clear();
            seen.extend(r.map(|p| (ws[p], cs[p])));
            seen.sort_unstable();
            seen.dedup();
            for &(w, c) in &seen {
                total[w as usize] += 1;
                hits[w as usize] += u64::from(c == truth);
            }
        } else {
            for p in r {
                total[ws[p] as usize] += 1;
                hits[ws[p] as usize] += u64::from(cs[p] == truth);
            }
        }
    }
    hits.iter()
        .zip(&total)
        .map(|(&h, &t)| {
            if t == 0 {
                f64::NAN
            } else {
                h as f64 / t as f64
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};

    fn matrix(rows: &[(&str, &str, &str)]) -> JudgmentMatrix {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
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
    fn accuracy_counts_exact_duplicates_once() {
        let m = matrix(&[
            ("t1", "w1", "a"),
            ("t1", "w1", "a"),
            ("t1", "w1", "b"),
            ("t2", "w1", "b"),
        ]);
        // truth t1 = a, t2 = a: distinct (t1,a) hit, (t1,b) miss, (t2,b) miss.
        let acc = accuracy_against(&m, &[0, 0]);
        assert!((acc[0] - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn single_class_is_insufficient() {
        let m = matrix(&[("t1", "w1", "a"), ("t2", "w2", "a")]);
        assert!(matches!(
            require_two_classes(&m, "mv"),
            Err(Error::InsufficientData(_))
        ));
    }
}
