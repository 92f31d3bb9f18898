//! Evaluation of scores against gold levels: Kendall's τ-b, Spearman's ρ and the
//! accuracy of the predicted order on pairs with different gold levels.

use crowdqc_core::{Error, IdRef, Result};

use crate::model::PairwiseFit;

/// Agreement of scores with gold levels over the items that have both.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RankingEval {
    /// Items with a score and a gold level.
    pub items: usize,
    /// Gold items without a score (never compared); left out.
    pub gold_unscored: usize,
    /// Kendall's τ-b (ties in either ranking corrected; as `scipy.stats.kendalltau`).
    pub kendall_tau_b: f64,
    /// Spearman's ρ: Pearson correlation of average ranks.
    pub spearman_rho: f64,
    /// Among item pairs with different gold levels, the share the scores order the same
    /// way (equal scores count as wrong), as in the BoRa-EM evaluation (`compute_acc`).
    pub pair_accuracy: f64,
    /// Item pairs with different gold levels.
    pub pairs: u64,
}

impl std::fmt::Display for RankingEval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} items: kendall tau-b {:.4}, spearman rho {:.4}, pair accuracy {:.4} over {} pairs",
            self.items, self.kendall_tau_b, self.spearman_rho, self.pair_accuracy, self.pairs
        )
    }
}

fn avg_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut s = 0;
    while s < order.len() {
        let mut e = s + 1;
        while e < order.len() && x[order[e]] == x[order[s]] {
            e += 1;
        }
        let avg = (s + e + 1) as f64 / 2.0; // ranks s+1..=e
        for &i in &order[s..e] {
            r[i] = avg;
        }
        s = e;
    }
    r
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

/// Evaluates `scores` against `gold` (aligned, same length). Quadratic in the number
/// of items (meant for evaluation sets, not for millions of items).
///
/// ```
/// use crowdqc_pairwise::eval::evaluate;
/// # fn main() -> crowdqc_core::Result<()> {
/// let e = evaluate(&[0.1, 0.5, 0.9, 0.7], &[1.0, 2.0, 3.0, 3.0])?;
/// assert_eq!(e.pairs, 5); // the pair with equal gold does not count
/// assert!((e.pair_accuracy - 1.0).abs() < 1e-12);
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for different lengths, fewer than two items, or a
/// non-finite value.
pub fn evaluate(scores: &[f64], gold: &[f64]) -> Result<RankingEval> {
    if scores.len() != gold.len() {
        return Err(Error::param(
            "gold",
            format!(
                "{} scores but {} gold levels; they must be aligned",
                scores.len(),
                gold.len()
            ),
        ));
    }
    if scores.len() < 2 {
        return Err(Error::insufficient(
            "ranking evaluation needs at least two items with a score and a gold level",
        ));
    }
    if let Some(x) = scores.iter().chain(gold).find(|x| !x.is_finite()) {
        return Err(Error::param(
            "scores",
            format!("value {x} is not finite; evaluation needs finite scores and levels"),
        ));
    }
    let n = scores.len();
    let (mut conc, mut disc, mut tx, mut ty) = (0i64, 0i64, 0i64, 0i64);
    let (mut pairs, mut right) = (0u64, 0u64);
    for i in 0..n {
        for j in i + 1..n {
            let ds = scores[i] - scores[j];
            let dg = gold[i] - gold[j];
            if ds == 0.0 {
                tx += 1;
            }
            if dg == 0.0 {
                ty += 1;
            } else {
                pairs += 1;
                if ds * dg > 0.0 {
                    right += 1;
                }
            }
            if ds * dg > 0.0 {
                conc += 1;
            } else if ds * dg < 0.0 {
                disc += 1;
            }
        }
    }
    let n0 = (n * (n - 1) / 2) as f64;
    let tau = (conc - disc) as f64 / ((n0 - tx as f64) * (n0 - ty as f64)).sqrt();
    Ok(RankingEval {
        items: n,
        gold_unscored: 0,
        kendall_tau_b: tau,
        spearman_rho: pearson(&avg_ranks(scores), &avg_ranks(gold)),
        pair_accuracy: if pairs > 0 {
            right as f64 / pairs as f64
        } else {
            f64::NAN
        },
        pairs,
    })
}

/// Evaluates a fit against gold levels given by item id (items without a score are
/// counted in [`RankingEval::gold_unscored`] and left out).
///
/// # Errors
/// As [`evaluate`].
pub fn evaluate_fit<'a>(
    fit: &PairwiseFit,
    gold: impl IntoIterator<Item = (IdRef<'a>, f64)>,
) -> Result<RankingEval> {
    let (mut s, mut g, mut missing) = (Vec::new(), Vec::new(), 0);
    for (id, level) in gold {
        match fit.score_of(id) {
            Some(x) => {
                s.push(x);
                g.push(level);
            }
            None => missing += 1,
        }
    }
    let mut e = evaluate(&s, &g)?;
    e.gold_unscored = missing;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tau_b_with_ties_matches_hand_count() {
        // x = [1, 2, 2, 3], y = [1, 3, 2, 2]: concordant (0,1) (0,2) (0,3), discordant
        // (1,3), tied in x (1,2), tied in y (2,3): tau_b = 2 / sqrt(5 * 5) = 0.4;
        // scipy 1.17.1 kendalltau gives 0.39999999999999997, spearmanr 0.5000000000000001
        let e = evaluate(&[1.0, 2.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 2.0]).expect("valid");
        assert!((e.kendall_tau_b - 0.4).abs() < 1e-12, "{}", e.kendall_tau_b);
        // Spearman: ranks x [1, 2.5, 2.5, 4], y [1, 4, 2.5, 2.5] -> rho = 2.25 / 4.5
        assert!((e.spearman_rho - 0.5).abs() < 1e-12, "{}", e.spearman_rho);
    }

    #[test]
    fn rejects_misaligned_and_tiny() {
        assert!(evaluate(&[1.0], &[1.0, 2.0]).is_err());
        assert!(evaluate(&[1.0], &[1.0]).is_err());
        assert!(evaluate(&[1.0, f64::NAN], &[1.0, 2.0]).is_err());
    }
}
