//! The complete item × worker block that ICC and Kendall's W are defined on.

use crowdqc_core::{Error, Result};

use crate::data::RatingMatrix;

/// The items rated by every worker (listwise deletion, as `psych::ICC` and
/// `pingouin.intraclass_corr` do with missing ratings), as a dense row-major
/// `n_items × n_workers` block.
#[derive(Debug, Clone)]
pub(crate) struct Complete {
    /// Kept items (item indices, ascending).
    pub items: Vec<u32>,
    /// Workers (all of them; column `j` is worker `j`).
    pub k: usize,
    /// `values[r * k + j]`: item `items[r]` rated by worker `j`.
    pub values: Vec<f64>,
}

impl Complete {
    /// Builds the block.
    ///
    /// # Errors
    /// [`Error::Conflict`] when an `(item, worker)` pair has several ratings (keep-all
    /// duplicates): these statistics need one rating per pair.
    pub fn new(m: &RatingMatrix) -> Result<Self> {
        if m.has_duplicates() {
            return Err(Error::Conflict(
                "some worker rated an item more than once; ICC and Kendall's W need one \
                 rating per (item, worker) pair: choose the duplicate policy first or last"
                    .into(),
            ));
        }
        let k = m.n_workers();
        let mut items = Vec::new();
        for i in 0..m.n_items() {
            if m.item_range(i).len() == k {
                items.push(i as u32);
            }
        }
        let mut values = vec![0.0; items.len() * k];
        for (r, &i) in items.iter().enumerate() {
            let range = m.item_range(i as usize);
            for (&w, &v) in m.rating_workers()[range.clone()]
                .iter()
                .zip(&m.values()[range])
            {
                values[r * k + w as usize] = v;
            }
        }
        Ok(Complete { items, k, values })
    }

    /// Number of kept items.
    pub fn n(&self) -> usize {
        self.items.len()
    }

    /// Row `r`.
    pub fn row(&self, r: usize) -> &[f64] {
        &self.values[r * self.k..(r + 1) * self.k]
    }
}
