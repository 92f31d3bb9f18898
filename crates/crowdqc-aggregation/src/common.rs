//! Pieces shared by the methods: parameter checks, the active class set, vote shares,
//! tie rules and accuracy against reference labels.

use crowdqc_core::votes::DuplicateRule;
use crowdqc_core::{Error, Gold, JudgmentMatrix, Result};
use ndarray::Array2;

/// crowd-kit's probability floor (`_EPS`).
pub(crate) const EPS: f64 = 1e-10;

/// Marker for "no class" in per-item label vectors.
pub(crate) const NONE: u32 = crowdqc_core::votes::NO_LABEL;

pub use crowdqc_core::votes::TieRule;

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
    /// The matrix's gold labels as active class indices ([`NONE`] where an item has
    /// none), when `clamp` is set and the matrix has gold; `None` otherwise.
    pub(crate) fn clamped_gold(&self, m: &JudgmentMatrix, clamp: bool) -> Option<Vec<u32>> {
        (clamp && !m.gold().is_empty()).then(|| {
            m.gold()
                .as_slice()
                .iter()
                .map(|&c| {
                    if c == NONE {
                        NONE
                    } else {
                        self.to_active[c as usize]
                    }
                })
                .collect()
        })
    }

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

/// Fails when the matrix has fewer than two classes: observed, or declared by the
/// caller (`IngestOptions::classes`). Vote-based methods need nothing more: unanimous
/// data with declared classes (every judgment `yes` of `no, yes`) is a valid vote.
pub(crate) fn require_two_classes(m: &JudgmentMatrix, method: &str) -> Result<()> {
    if m.n_classes() < 2 {
        return Err(Error::insufficient(format!(
            "{method} needs at least two classes, found {} in the judgments and none \
             declared (declare the class set, e.g. `--classes no,yes`, when the data \
             are unanimous)",
            m.n_classes()
        )));
    }
    Ok(())
}

/// The memory a method's dense tables take on `m`, in bytes (`None` when the
/// estimate overflows), and what they are; `Ok(None)` for the vote-based methods,
/// which keep their shares sparsely when they would be large (see
/// [`MAX_DENSE_SHARE_CELLS`](crate::mv::MAX_DENSE_SHARE_CELLS)).
///
/// Every other method holds `(n_items, n_classes)` posteriors (counted twice: the
/// posteriors and the E-step's working copy); Dawid–Skene-type methods also hold
/// `(n_workers, n_classes, n_classes)` confusion matrices, MACE `(n_workers,
/// n_classes)` strategies (six of them).
pub(crate) fn dense_estimate(method: &str, m: &JudgmentMatrix) -> Option<(Option<u64>, String)> {
    use crowdqc_core::memory::bytes_of;
    let (n, w, k) = (m.n_items(), m.n_workers(), m.n_classes());
    let add = |a: Option<u64>, b: Option<u64>| a.zip(b).and_then(|(a, b)| a.checked_add(b));
    let post = bytes_of::<f64>(&[n, k, 2]);
    let posts = format!("posteriors ({n} items x {k} classes)");
    match method {
        "mv" | "wmv" | "wawa" | "zbs" | "gold-mv" => None,
        "ds" | "ebcc" | "ibcc" => Some((
            add(post, bytes_of::<f64>(&[w, k, k])),
            format!("{posts} and confusion matrices ({w} workers x {k} x {k} classes)"),
        )),
        "mace" => Some((
            add(post, bytes_of::<f64>(&[w, k, 6])),
            format!("{posts} and strategies ({w} workers x {k} classes)"),
        )),
        _ => Some((post, posts)),
    }
}

/// Refuses, with [`Error::ResourceLimit`] naming the estimate, a method whose dense
/// tables ([`dense_estimate`]) exceed the memory budget of
/// [`crowdqc_core::memory`] (the memory available, or the caller's limit).
///
/// # Errors
/// [`Error::ResourceLimit`] as described.
pub(crate) fn check_dense_memory(method: &str, m: &JudgmentMatrix) -> Result<()> {
    let Some((bytes, what)) = dense_estimate(method, m) else {
        return Ok(());
    };
    crowdqc_core::memory::check(
        bytes,
        &format!("{method}: {what}"),
        &format!(
            "with {} classes use majority vote (--method mv, or wawa, zbs, gold-mv), which \
             keeps vote shares sparsely in memory linear in the judgments; or merge rare \
             labels into fewer classes",
            m.n_classes()
        ),
    )
}

/// Per-worker accuracy against reference labels (`NONE` = no label) with crowd-kit's
/// `get_accuracy` duplicate rule (identical `(item, worker, label)` rows counted once):
/// the rule of crowd-kit's `skills_` for majority vote and Wawa, and of gold majority
/// vote's gold accuracy. NaN for a worker with nothing scored.
pub(crate) fn accuracy_against(m: &JudgmentMatrix, labels: &[u32]) -> Vec<f64> {
    crowdqc_core::votes::accuracy_against(m, labels, DuplicateRule::DropIdenticalRows).accuracy()
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
