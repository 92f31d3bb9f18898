//! [`ItemCounts`]: per-item category counts, the sufficient statistics of every
//! multi-rater coefficient (percent agreement, Fleiss, Brennan–Prediger, Gwet,
//! Krippendorff) and of their bootstrap.

use crowdqc_core::{Error, JudgmentMatrix, Result};

use crate::weights::{CategoryScale, WeightMatrix, Weights, class_names};

/// Per-item category counts `r_ik` (how many ratings put item `i` in category `k`),
/// stored sparsely (only the categories an item received), items with no rating
/// dropped.
///
/// Built once in a single pass over a [`JudgmentMatrix`] (memory linear in the number
/// of judgments, no dense items × workers array), from a Fleiss counts table
/// ([`ItemCounts::from_table`]) or from a two-rater contingency table
/// ([`Contingency::to_item_counts`](crate::Contingency::to_item_counts)).
/// Rater identities are not kept: coefficients that need them (Cohen, Conger) take
/// the matrix.
///
/// **Multiplicities.** A stored item may stand for several identical subjects
/// ([`multiplicity`](Self::multiplicity)): a contingency table's cell `(a, b)` with
/// count `c` is one stored item with multiplicity `c`, so a count of 10¹⁰ costs no
/// more than a count of 1. Every coefficient, standard error and bootstrap weights
/// items by their multiplicity; [`n_items`](Self::n_items) counts stored items,
/// [`n_subjects`](Self::n_subjects) the subjects they stand for.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCounts {
    names: Vec<String>,
    ordered: bool,
    offsets: Vec<usize>,
    class: Vec<u32>,
    count: Vec<u32>,
    totals: Vec<u32>,
    /// Subjects per stored item (`None`: one each).
    mult: Option<Vec<u64>>,
}

impl ItemCounts {
    /// Counts from a judgment matrix. Categories are the matrix's classes in class
    /// order (declared order when declared, else sorted, numerically for numbers);
    /// items with no judgment are dropped. Repeated judgments of an item by the same
    /// worker (duplicate policy `keep-all`) are counted as separate ratings.
    pub fn from_matrix(m: &JudgmentMatrix) -> ItemCounts {
        let (names, ordered) = class_names(m.classes());
        let q = names.len();
        let classes = m.judgment_classes();
        let mut slot = vec![u32::MAX; q];
        let mut offsets = Vec::with_capacity(m.n_items() + 1);
        offsets.push(0);
        let mut class = Vec::with_capacity(m.n_judgments());
        let mut count: Vec<u32> = Vec::with_capacity(m.n_judgments());
        let mut totals = Vec::with_capacity(m.n_items());
        for w in m.item_offsets().windows(2) {
            if w[0] == w[1] {
                continue;
            }
            let start = class.len();
            for &c in &classes[w[0]..w[1]] {
                let s = slot[c as usize];
                if s == u32::MAX {
                    slot[c as usize] = (class.len() - start) as u32;
                    class.push(c);
                    count.push(1);
                } else {
                    count[start + s as usize] += 1;
                }
            }
            for &c in &class[start..] {
                slot[c as usize] = u32::MAX;
            }
            offsets.push(class.len());
            totals.push((w[1] - w[0]) as u32);
        }
        class.shrink_to_fit();
        count.shrink_to_fit();
        ItemCounts {
            names,
            ordered,
            offsets,
            class,
            count,
            totals,
            mult: None,
        }
    }

    /// Counts from a Fleiss counts table: `names` are the categories in column order
    /// (first appearance, which is the category order for weighted coefficients), and
    /// each row holds one item's counts per category. All-zero rows are dropped.
    ///
    /// # Errors
    /// `counts`: a row whose length differs from `names`, a repeated or empty
    /// category name, no category, or a count above `u32::MAX`.
    pub fn from_table<S: AsRef<str>>(names: &[S], rows: &[Vec<u64>]) -> Result<ItemCounts> {
        let names = check_names(names, "counts")?;
        let q = names.len();
        let mut offsets = vec![0];
        let (mut class, mut count, mut totals) = (Vec::new(), Vec::new(), Vec::new());
        for (i, row) in rows.iter().enumerate() {
            if row.len() != q {
                return Err(Error::param(
                    "counts",
                    format!("row {i} has {} counts for {q} categories", row.len()),
                ));
            }
            let mut total = 0u64;
            for (k, &c) in row.iter().enumerate() {
                if c > 0 {
                    let c32 = u32::try_from(c).map_err(|_| {
                        Error::param("counts", format!("row {i}: count {c} is too large"))
                    })?;
                    class.push(k as u32);
                    count.push(c32);
                    total += c;
                }
            }
            if total > 0 {
                offsets.push(class.len());
                totals.push(u32::try_from(total).map_err(|_| {
                    Error::param("counts", format!("row {i}: total {total} is too large"))
                })?);
            }
        }
        Ok(ItemCounts {
            names,
            ordered: true,
            offsets,
            class,
            count,
            totals,
            mult: None,
        })
    }

    pub(crate) fn from_parts(
        names: Vec<String>,
        ordered: bool,
        offsets: Vec<usize>,
        class: Vec<u32>,
        count: Vec<u32>,
        totals: Vec<u32>,
        mult: Option<Vec<u64>>,
    ) -> ItemCounts {
        ItemCounts {
            names,
            ordered,
            offsets,
            class,
            count,
            totals,
            mult,
        }
    }

    /// Number of stored items (with at least one rating); each stands for
    /// [`multiplicity`](Self::multiplicity) subjects.
    pub fn n_items(&self) -> usize {
        self.totals.len()
    }

    /// How many identical subjects stored item `i` stands for (1 unless built from a
    /// contingency table).
    pub fn multiplicity(&self, i: usize) -> u64 {
        self.mult.as_ref().map_or(1, |m| m[i])
    }

    /// The multiplicities when some item stands for more than one subject.
    pub(crate) fn multiplicities(&self) -> Option<&[u64]> {
        self.mult.as_deref()
    }

    /// Multiplicity of item `i` as a weight.
    #[inline]
    pub(crate) fn weight(&self, i: usize) -> f64 {
        self.mult.as_ref().map_or(1.0, |m| m[i] as f64)
    }

    /// Number of subjects: the sum of the multiplicities (= [`n_items`](Self::n_items)
    /// without multiplicities).
    pub fn n_subjects(&self) -> u64 {
        match &self.mult {
            None => self.totals.len() as u64,
            Some(m) => m.iter().fold(0u64, |a, &b| a.saturating_add(b)),
        }
    }

    /// Number of categories `q` (declared or observed classes, or table columns).
    pub fn n_categories(&self) -> usize {
        self.names.len()
    }

    /// Category names in category order.
    pub fn category_names(&self) -> &[String] {
        &self.names
    }

    /// Whether the category order is meaningful by itself (declared classes, or the
    /// order of first appearance in a table) rather than a sort of the labels.
    pub fn is_ordered(&self) -> bool {
        self.ordered
    }

    /// Number of ratings of item `i` (`r_i`).
    pub fn total(&self, i: usize) -> u32 {
        self.totals[i]
    }

    /// Total number of ratings (every subject's).
    pub fn n_ratings(&self) -> u64 {
        (0..self.n_items()).fold(0u64, |a, i| {
            a.saturating_add((self.totals[i] as u64).saturating_mul(self.multiplicity(i)))
        })
    }

    /// The `(category, count)` pairs of item `i` (categories it received).
    pub fn item(&self, i: usize) -> impl Iterator<Item = (u32, u32)> + '_ {
        let r = self.offsets[i]..self.offsets[i + 1];
        self.class[r.clone()]
            .iter()
            .copied()
            .zip(self.count[r].iter().copied())
    }

    #[inline]
    pub(crate) fn item_slices(&self, i: usize) -> (&[u32], &[u32]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.class[r.clone()], &self.count[r])
    }

    /// Ratings per category over all items (every subject's).
    pub fn category_totals(&self) -> Vec<u64> {
        let mut t = vec![0u64; self.n_categories()];
        for i in 0..self.n_items() {
            let m = self.multiplicity(i);
            let (cs, ns) = self.item_slices(i);
            for (&c, &n) in cs.iter().zip(ns) {
                t[c as usize] = t[c as usize].saturating_add((n as u64).saturating_mul(m));
            }
        }
        t
    }

    /// Merges categories whose labels are the same number (`0`, `-0`, `00`), keeping
    /// the first name of each group and the category order of first members. Returns
    /// `None` when some label is not a number or no two labels share a value.
    ///
    /// The interval, ratio and numeric-ordinal levels of alpha do this automatically
    /// (equal values cannot disagree); nominal alpha keeps labels as written unless
    /// the caller merges them (the Python `krippendorff` package compares floats).
    pub fn merge_equal_numbers(&self) -> Option<ItemCounts> {
        let values = crate::weights::numeric_names(&self.names).ok()?;
        let mut group = vec![0u32; values.len()];
        let mut names: Vec<String> = Vec::new();
        let mut reps: Vec<f64> = Vec::new();
        for (k, &v) in values.iter().enumerate() {
            match reps.iter().position(|&r| r == v) {
                Some(g) => group[k] = g as u32,
                None => {
                    group[k] = reps.len() as u32;
                    reps.push(v);
                    names.push(self.names[k].clone());
                }
            }
        }
        if names.len() == self.names.len() {
            return None;
        }
        let mut offsets = vec![0usize];
        let (mut class, mut count) = (
            Vec::with_capacity(self.class.len()),
            Vec::with_capacity(self.class.len()),
        );
        for i in 0..self.n_items() {
            let start = class.len();
            let (cs, ns) = self.item_slices(i);
            for (&c, &n) in cs.iter().zip(ns) {
                let g = group[c as usize];
                match class[start..].iter().position(|&x| x == g) {
                    Some(j) => count[start + j] += n,
                    None => {
                        class.push(g);
                        count.push(n);
                    }
                }
            }
            offsets.push(class.len());
        }
        Some(ItemCounts {
            names,
            ordered: self.ordered,
            offsets,
            class,
            count,
            totals: self.totals.clone(),
            mult: self.mult.clone(),
        })
    }

    /// The weight matrix for these categories. `scale` defaults to the numeric values
    /// of the category names when they are all numbers, else equal spacing.
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
}

/// Validates category names: non-empty list, no empty or repeated name.
pub(crate) fn check_names<S: AsRef<str>>(names: &[S], what: &str) -> Result<Vec<String>> {
    if names.is_empty() {
        return Err(Error::param(what, "has no category"));
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        let n = n.as_ref();
        if n.is_empty() {
            return Err(Error::param(what, "has an empty category name"));
        }
        if out.iter().any(|o| o == n) {
            return Err(Error::param(what, format!("category `{n}` appears twice")));
        }
        out.push(n.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_are_checked() {
        let e = ItemCounts::from_table(&["a", "b"], &[vec![1, 2, 3]]).expect_err("len");
        assert!(e.to_string().contains("row 0 has 3 counts"), "{e}");
        let e = ItemCounts::from_table(&["a", "a"], &[vec![1, 2]]).expect_err("dup");
        assert!(e.to_string().contains("appears twice"), "{e}");
        let c = ItemCounts::from_table(&["a", "b"], &[vec![1, 2], vec![0, 0]]).expect("ok");
        assert_eq!(c.n_items(), 1);
        assert_eq!(c.item(0).collect::<Vec<_>>(), [(0, 1), (1, 2)]);
        assert_eq!(c.category_totals(), [1, 2]);
    }
}
