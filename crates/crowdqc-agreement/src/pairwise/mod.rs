//! Two raters: the contingency table, Cohen's kappa and Scott's pi.

mod kappa;

pub use kappa::{
    PairwiseCoefficient, bootstrap_pairwise, bootstrap_pairwise_with_progress, cohen_kappa,
    scott_pi,
};

use crowdqc_core::{Error, JudgmentMatrix, Result};

use crate::counts::{ItemCounts, check_names};
use crate::weights::{CategoryScale, WeightMatrix, Weights, class_names};

/// The largest count (and total count) of a contingency table: 2⁵³, up to which
/// every whole number is exact in `f64` arithmetic.
pub const MAX_COUNT: u64 = 1 << 53;

/// Refuses a total above [`MAX_COUNT`].
fn check_total(counts: &[f64]) -> Result<()> {
    // whole counts up to 2^53 each (checked on input): an integer sum is exact
    let total: u128 = counts.iter().map(|&c| c.max(0.0) as u128).sum();
    if total > u128::from(MAX_COUNT) {
        return Err(Error::param(
            "table",
            format!(
                "the counts add up to {total}, above 2^53 = {MAX_COUNT}, the largest total the \
                 coefficients compute with exactly; scale the counts down"
            ),
        ));
    }
    Ok(())
}

/// Refuses a dense `q × q` table beyond the memory budget.
fn check_dense(q: usize) -> Result<()> {
    crowdqc_core::memory::check(
        crowdqc_core::memory::bytes_of::<f64>(&[q, q]),
        &format!("Cohen's kappa / Scott's pi: the {q} x {q} contingency table"),
        "with this many categories use Fleiss' kappa, Gwet's AC1 or nominal \
         Krippendorff's alpha, which work sparsely",
    )
}

/// A two-rater contingency table: `count(a, b)` items that rater A put in category
/// `a` and rater B in category `b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    names: Vec<String>,
    ordered: bool,
    counts: Vec<f64>,
    raters: Option<[String; 2]>,
}

impl Contingency {
    /// A table from category names (row = column order) and `q × q` counts, row-major
    /// (rows: rater A). The names' order is the category order (weighted kappas).
    ///
    /// # Errors
    /// `table`: no category, a repeated name, `counts.len() != q²`, or counts adding
    /// up to more than [`MAX_COUNT`].
    pub fn new<S: AsRef<str>>(names: &[S], counts: &[u64]) -> Result<Contingency> {
        let names = check_names(names, "table")?;
        let q = names.len();
        if counts.len() != q * q {
            return Err(Error::param(
                "table",
                format!("{q} categories need {} counts, got {}", q * q, counts.len()),
            ));
        }
        let counts: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        check_total(&counts)?;
        Ok(Contingency {
            names,
            ordered: true,
            counts,
            raters: None,
        })
    }

    /// A table from `(label_a, label_b, count)` rows (the `label_a,label_b,count`
    /// layout). Categories are ordered by first appearance, reading each row's
    /// `label_a` then `label_b`; repeated cells add up.
    ///
    /// # Errors
    /// `table`: no row, an empty label, or counts adding up to more than
    /// [`MAX_COUNT`]; [`Error::ResourceLimit`] when the `q × q` table exceeds the
    /// memory budget ([`crowdqc_core::memory`]).
    pub fn from_rows<S: AsRef<str>>(rows: &[(S, S, u64)]) -> Result<Contingency> {
        let mut names: Vec<String> = Vec::new();
        let mut idx = |s: &str| -> Result<usize> {
            if s.is_empty() {
                return Err(Error::param("table", "has an empty label"));
            }
            Ok(match names.iter().position(|n| n == s) {
                Some(i) => i,
                None => {
                    names.push(s.to_string());
                    names.len() - 1
                }
            })
        };
        let mut cells = Vec::with_capacity(rows.len());
        for (a, b, c) in rows {
            let ia = idx(a.as_ref())?;
            let ib = idx(b.as_ref())?;
            cells.push((ia, ib, *c));
        }
        if names.is_empty() {
            return Err(Error::param("table", "has no row"));
        }
        let q = names.len();
        check_dense(q)?;
        let mut counts = vec![0.0; q * q];
        for (a, b, c) in cells {
            counts[a * q + b] += c as f64;
        }
        check_total(&counts)?;
        Ok(Contingency {
            names,
            ordered: true,
            counts,
            raters: None,
        })
    }

    /// The table of a two-rater judgment matrix over the items **both** raters rated
    /// (complete cases, as R's `irr::kappa2`); items rated by one rater only are left
    /// out (Conger's kappa and alpha use them). Categories are the matrix's classes.
    ///
    /// # Errors
    /// `raters`: the matrix does not have exactly two workers with judgments (the
    /// message says to use Fleiss' / Conger's kappa or alpha); `duplicates`: a worker
    /// rated an item twice; [`Error::ResourceLimit`] when the `q × q` table exceeds
    /// the memory budget ([`crowdqc_core::memory`]).
    pub fn from_matrix(m: &JudgmentMatrix) -> Result<Contingency> {
        let active: Vec<u32> = (0..m.n_workers() as u32)
            .filter(|&w| m.worker_count(w) > 0)
            .collect();
        if active.len() != 2 {
            return Err(Error::param(
                "raters",
                format!(
                    "Cohen's kappa and Scott's pi need exactly two raters, the data have {}; \
                     use Fleiss' kappa, Conger's kappa or Krippendorff's alpha instead",
                    active.len()
                ),
            ));
        }
        let (names, ordered) = class_names(m.classes());
        let q = names.len();
        check_dense(q)?;
        let mut counts = vec![0.0; q * q];
        let (wa, wb) = (active[0], active[1]);
        let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
        for i in 0..m.n_items() as u32 {
            let (mut a, mut b) = (None, None);
            for p in m.item_range(i) {
                let slot = if workers[p] == wa { &mut a } else { &mut b };
                if slot.replace(classes[p]).is_some() {
                    return Err(Error::param(
                        "duplicates",
                        format!(
                            "worker `{}` rated item `{}` more than once; Cohen's kappa needs one \
                             rating per rater and item (use --duplicates first or last)",
                            m.workers().get(workers[p]),
                            m.items().get(i)
                        ),
                    ));
                }
            }
            if let (Some(a), Some(b)) = (a, b) {
                counts[a as usize * q + b as usize] += 1.0;
            }
        }
        Ok(Contingency {
            names,
            ordered,
            counts,
            raters: Some([
                m.workers().get(wa).to_string(),
                m.workers().get(wb).to_string(),
            ]),
        })
    }

    /// Number of categories.
    pub fn n_categories(&self) -> usize {
        self.names.len()
    }

    /// Category names in category order.
    pub fn category_names(&self) -> &[String] {
        &self.names
    }

    /// Whether the category order is meaningful by itself (table order, declared).
    pub fn is_ordered(&self) -> bool {
        self.ordered
    }

    /// The two raters' ids when built from a matrix.
    pub fn raters(&self) -> Option<&[String; 2]> {
        self.raters.as_ref()
    }

    /// `count(a, b)`.
    pub fn count(&self, a: usize, b: usize) -> f64 {
        self.counts[a * self.n_categories() + b]
    }

    /// Total number of items.
    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }

    /// The weight matrix for these categories (see [`ItemCounts::weight_matrix`]).
    ///
    /// # Errors
    /// As [`WeightMatrix::new`].
    pub fn weight_matrix(
        &self,
        weights: &Weights,
        scale: Option<CategoryScale>,
    ) -> Result<WeightMatrix> {
        let scale = scale.unwrap_or_else(|| CategoryScale::for_names(&self.names));
        WeightMatrix::new(weights, &scale, self.n_categories())
    }

    /// The table as per-item counts for the multi-rater coefficients: one stored item
    /// per non-zero cell, standing for its count of subjects (its
    /// [multiplicity](ItemCounts::multiplicity)), each with its two ratings. Memory
    /// and time depend on the number of non-zero cells, never on the counts.
    ///
    /// # Errors
    /// `table`: a non-integer or negative count.
    pub fn to_item_counts(&self) -> Result<ItemCounts> {
        let q = self.n_categories();
        let (mut offsets, mut class, mut count, mut totals, mut mult) =
            (vec![0usize], Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for a in 0..q {
            for b in 0..q {
                let c = self.count(a, b);
                if c < 0.0 || c.fract() != 0.0 || c > MAX_COUNT as f64 {
                    return Err(Error::param(
                        "table",
                        format!(
                            "count {c} of ({}, {}) is not a whole number in [0, 2^53]",
                            self.names[a], self.names[b]
                        ),
                    ));
                }
                if c == 0.0 {
                    continue;
                }
                if a == b {
                    class.push(a as u32);
                    count.push(2);
                } else {
                    class.extend([a as u32, b as u32]);
                    count.extend([1, 1]);
                }
                offsets.push(class.len());
                totals.push(2);
                mult.push(c as u64);
            }
        }
        Ok(ItemCounts::from_parts(
            self.names.clone(),
            self.ordered,
            offsets,
            class,
            count,
            totals,
            Some(mult),
        ))
    }
}
