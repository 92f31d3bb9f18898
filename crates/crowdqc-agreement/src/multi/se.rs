//! Gwet's linearised variance of the multi-rater coefficients, as in irrCAC
//! (`CAC.fleiss`, `CAC.gwet`, `CAC.bp`), without finite-population correction
//! (`N = ∞`, `f = 0`).

use super::{Family, Pass1, item_pa};
use crate::counts::ItemCounts;
use crate::weights::WeightMatrix;

/// `sqrt( Σ_i (κ*_i − κ)² / (n (n − 1)) )` with Gwet's per-item terms `κ*_i`.
pub(crate) fn gwet_family_se(
    family: Family,
    data: &ItemCounts,
    w: &WeightMatrix,
    p: &Pass1,
    pe: f64,
    kappa: f64,
) -> Option<f64> {
    let n = p.n;
    if n < 2.0 {
        return None;
    }
    let q = data.n_categories();
    // Per-category weights of the chance term of each item.
    let per_cat: Vec<f64> = match family {
        // identity weights: Σ_l (w_kl + w_lk)/2 π_l = π_k (linear in q, not q²)
        Family::Fleiss if w.is_identity() => p.pi.clone(),
        Family::Fleiss => (0..q)
            .map(|k| {
                (0..q)
                    .map(|l| (w.get(k, l) + w.get(l, k)) / 2.0 * p.pi[l])
                    .sum()
            })
            .collect(),
        Family::Gwet => {
            let c = w.sum() / (q * (q - 1)) as f64;
            p.pi.iter().map(|pk| c * (1.0 - pk)).collect()
        }
        Family::Percent | Family::BrennanPrediger => Vec::new(),
    };
    let scale = n / p.n2;
    let mut ss = 0.0;
    for i in 0..data.n_items() {
        let r = data.total(i) as f64;
        let (class, count) = data.item_slices(i);
        let (pa_i, pe_r2) = if r >= 2.0 {
            (item_pa(w, class, count, r), pe)
        } else {
            (0.0, 0.0)
        };
        let mut x = scale * (pa_i - pe_r2) / (1.0 - pe);
        if !per_cat.is_empty() {
            let pe_i: f64 = class
                .iter()
                .zip(count)
                .map(|(&k, &c)| c as f64 * per_cat[k as usize])
                .sum::<f64>()
                / r;
            x -= 2.0 * (1.0 - kappa) * (pe_i - pe) / (1.0 - pe);
        }
        ss += data.weight(i) * (x - kappa) * (x - kappa);
    }
    let se = (ss / (n * (n - 1.0))).sqrt();
    se.is_finite().then_some(se)
}
