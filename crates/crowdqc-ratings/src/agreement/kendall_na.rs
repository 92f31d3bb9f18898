//! Kendall's W for incomplete designs (workers rating different subsets of items):
//! Brueckl's (2011) generalisation through the mean pairwise Spearman correlation,
//! as R's `irrNA::kendallNA` and `DescTools::KendallW` (with missing values) compute it.

use crowdqc_core::{Error, Result};
use rayon::prelude::*;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::data::RatingMatrix;
use crate::gold::{pearson, ranks};

/// At most this many (rater pair, common item) entries are formed (32 bytes each):
/// `Σ_items r_i (r_i − 1) / 2` for `r_i` raters of item `i`.
pub const MAX_PAIR_ENTRIES: u64 = 20_000_000;

/// Kendall's W over every rating, without deleting incomplete items.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KendallWIncomplete {
    /// Items (`N`, all of them).
    pub n_items: usize,
    /// Raters used: workers with at least two ratings (the others carry no ranking).
    pub n_raters: usize,
    /// Rater pairs that share at least two items (the pairs with a weight).
    pub rater_pairs: u64,
    /// Weighted mean of the pairwise Spearman ρ (weights `n_jl − 1`, Taylor 1987;
    /// a pair whose ratings are constant on its common items counts as ρ = 0).
    pub mean_rho: Option<f64>,
    /// Mean number of ratings per item (`k̄`, over the raters used).
    pub mean_k: f64,
    /// `W = (1 + ρ̄ (k̄ − 1)) / k̄` (Kendall 1962, p. 95).
    pub w: Option<f64>,
    /// `χ² = k̄ (N − 1) W`.
    pub chi2: Option<f64>,
    /// Degrees of freedom, `N − 1`.
    pub df: f64,
    /// Upper-tail p-value of `chi2`.
    pub p_value: Option<f64>,
    /// Why W is undefined, when it is.
    pub undefined: Option<String>,
}

/// Kendall's W generalised to incomplete designs (Brueckl 2011, in `irrNA::kendallNA`):
/// for every pair of raters, Spearman's ρ over the items both rated (average ranks
/// for ties, computed on those items only; a constant side gives ρ = 0); the mean of
/// the ρ weighted by `n_jl − 1` (the pair's common items minus one, Taylor 1987);
/// `k̄` the mean number of ratings per item; then `W = (1 + ρ̄ (k̄ − 1)) / k̄` and
/// `χ² = k̄ (N − 1) W` on `N − 1` df. Workers with fewer than two ratings are left
/// out. On complete data without ties this is Kendall's W exactly (Kendall's identity
/// `ρ̄ = (mW − 1)/(m − 1)`); with ties it uses the pairwise ρ's tie handling instead
/// of W's tie correction, so the two differ slightly.
///
/// Work and memory grow with `Σ_items r_i²` (rater pairs per item), not with the
/// ratings: above [`MAX_PAIR_ENTRIES`] W is reported undefined with the reason.
/// Pairs are summed in a fixed order, so results do not depend on the thread count.
///
/// # Errors
/// [`Error::Conflict`] when a worker rated an item twice (keep-all duplicates).
pub fn kendall_w_incomplete(m: &RatingMatrix) -> Result<KendallWIncomplete> {
    if m.has_duplicates() {
        return Err(Error::Conflict(
            "some worker rated an item more than once; Kendall's W needs one rating per \
             (item, worker) pair: choose the duplicate policy first or last"
                .into(),
        ));
    }
    let n = m.n_items();
    let used: Vec<bool> = (0..m.n_workers())
        .map(|w| m.worker_positions(w).len() >= 2)
        .collect();
    let per_item: Vec<u64> = (0..n)
        .map(|i| {
            m.rating_workers()[m.item_range(i)]
                .iter()
                .filter(|&&w| used[w as usize])
                .count() as u64
        })
        .collect();
    let mut out = KendallWIncomplete {
        n_items: n,
        n_raters: used.iter().filter(|&&u| u).count(),
        rater_pairs: 0,
        mean_rho: None,
        mean_k: if n == 0 {
            0.0
        } else {
            per_item.iter().sum::<u64>() as f64 / n as f64
        },
        w: None,
        chi2: None,
        df: n.saturating_sub(1) as f64,
        p_value: None,
        undefined: None,
    };
    let entries: u64 = per_item.iter().map(|&r| r * r.saturating_sub(1) / 2).sum();
    if entries > MAX_PAIR_ENTRIES {
        out.undefined = Some(format!(
            "{entries} (rater pair, common item) entries exceed the bound of \
             {MAX_PAIR_ENTRIES}: too many raters per item for the pairwise form; use the \
             complete-block W or ICC1u"
        ));
        return Ok(out);
    }
    // (low worker, high worker, item, low's rating, high's rating), sorted by pair then
    // item: one group per rater pair
    let mut e: Vec<(u64, u32, f64, f64)> = Vec::with_capacity(entries as usize);
    for i in 0..n {
        let r = m.item_range(i);
        let (ws, xs) = (&m.rating_workers()[r.clone()], &m.values()[r]);
        for a in 0..ws.len() {
            for b in 0..ws.len() {
                let (wa, wb) = (ws[a], ws[b]);
                if wa < wb && used[wa as usize] && used[wb as usize] {
                    let key = (u64::from(wa) << 32) | u64::from(wb);
                    e.push((key, i as u32, xs[a], xs[b]));
                }
            }
        }
    }
    e.par_sort_unstable_by_key(|x| (x.0, x.1));
    let mut groups = Vec::new();
    let mut s = 0;
    while s < e.len() {
        let mut t = s + 1;
        while t < e.len() && e[t].0 == e[s].0 {
            t += 1;
        }
        if t - s >= 2 {
            groups.push(s..t);
        }
        s = t;
    }
    let terms: Vec<(f64, f64)> = groups
        .par_iter()
        .map(|g| {
            let x: Vec<f64> = e[g.clone()].iter().map(|v| v.2).collect();
            let y: Vec<f64> = e[g.clone()].iter().map(|v| v.3).collect();
            let rho = pearson(&ranks(&x), &ranks(&y)).unwrap_or(0.0);
            (rho, (g.len() - 1) as f64)
        })
        .collect();
    out.rater_pairs = terms.len() as u64;
    let wsum: f64 = terms.iter().map(|t| t.1).sum();
    if n < 2 || wsum <= 0.0 || out.mean_k <= 0.0 {
        out.undefined = Some(format!(
            "needs at least two items and two workers who rated at least two items in \
             common; {n} items, {} rater pairs share two or more items",
            out.rater_pairs
        ));
        return Ok(out);
    }
    let rho = terms.iter().map(|t| t.0 * t.1).sum::<f64>() / wsum;
    let k = out.mean_k;
    let w = (1.0 + rho * (k - 1.0)) / k;
    let chi2 = k * (n as f64 - 1.0) * w;
    out.mean_rho = Some(rho);
    out.w = Some(w);
    out.chi2 = Some(chi2);
    out.p_value = ChiSquared::new(out.df).ok().map(|d| d.sf(chi2));
    Ok(out)
}
