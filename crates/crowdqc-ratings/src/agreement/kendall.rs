//! Kendall's coefficient of concordance W with its χ² test and the tie correction.

use crowdqc_core::Result;
use rayon::prelude::*;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::complete::Complete;
use crate::data::RatingMatrix;

/// Workers per parallel task.
const CHUNK: usize = 8;

/// Kendall's W of a rating matrix.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KendallW {
    /// Items ranked (rated by every worker).
    pub n_items: usize,
    /// Items dropped because some worker did not rate them.
    pub n_items_dropped: usize,
    /// Raters (`m`, every worker).
    pub n_raters: usize,
    /// W in `[0, 1]` with the tie correction; `None` when undefined.
    pub w: Option<f64>,
    /// W without the tie correction (`12 S / (m²(n³ − n))`).
    pub w_uncorrected: Option<f64>,
    /// Friedman's χ² = `m (n − 1) W` (tie-corrected W).
    pub chi2: Option<f64>,
    /// Degrees of freedom, `n − 1`.
    pub df: f64,
    /// Upper-tail p-value of `chi2`.
    pub p_value: Option<f64>,
    /// Why W is undefined, when it is.
    pub undefined: Option<String>,
}

/// Kendall's W over the items (objects ranked) and workers (raters).
///
/// Each worker's ratings of the items are converted to ranks, ties getting their
/// average rank; `S = Σ_i (R_i − m(n+1)/2)²` over the item rank sums `R_i`;
/// `W = 12 S / (m²(n³ − n) − m Σ_j T_j)` with `T_j = Σ (t³ − t)` over the tie groups of
/// worker `j` (Kendall & Gibbons 1990), and Friedman's `χ² = m(n − 1)W` on `n − 1` df —
/// the same statistic as `pingouin.friedman` and R's `friedman.test`.
///
/// **Missing ratings**: only items rated by every worker are used (listwise deletion);
/// the report says how many were dropped. W is undefined (with the reason, not an
/// error) with fewer than two items or two raters, or when every worker gives every
/// item the same rating.
///
/// Ranks are multiples of ½ and their sums are exact in `f64`, so the result is
/// bit-identical for any thread count. Time `O(N log n)`, memory linear.
///
/// # Errors
/// [`Error::Conflict`](crowdqc_core::Error::Conflict) when a worker rated an item twice (keep-all duplicates).
pub fn kendall_w(m: &RatingMatrix) -> Result<KendallW> {
    let c = Complete::new(m)?;
    Ok(kendall_of(&c, m.n_items()))
}

pub(crate) fn kendall_of(c: &Complete, total_items: usize) -> KendallW {
    let (n, k) = (c.n(), c.k);
    let mut out = KendallW {
        n_items: n,
        n_items_dropped: total_items - n,
        n_raters: k,
        w: None,
        w_uncorrected: None,
        chi2: None,
        df: n.saturating_sub(1) as f64,
        p_value: None,
        undefined: None,
    };
    if n < 2 || k < 2 {
        out.undefined = Some(format!(
            "needs at least two items ranked by every one of at least two workers; {n} of \
             {total_items} items are rated by all {k} workers"
        ));
        return out;
    }
    // per chunk of workers: item rank sums and the tie term
    let chunks: Vec<usize> = (0..k.div_ceil(CHUNK)).collect();
    let parts: Vec<(Vec<f64>, f64)> = chunks
        .par_iter()
        .map(|&ch| {
            let mut sums = vec![0.0; n];
            let mut ties = 0.0;
            let mut ranker = Ranker::default();
            let (j0, j1) = (ch * CHUNK, ((ch + 1) * CHUNK).min(k));
            // the chunk's columns, gathered in one pass over the rows
            let mut cols = vec![vec![0.0; n]; j1 - j0];
            for r in 0..n {
                for (col, &x) in cols.iter_mut().zip(&c.row(r)[j0..j1]) {
                    col[r] = x;
                }
            }
            for col in &cols {
                ties += ranker.add_ranks(col, &mut sums);
            }
            (sums, ties)
        })
        .collect();
    let mut sums = vec![0.0; n];
    let mut ties = 0.0;
    for (s, t) in parts {
        for (a, b) in sums.iter_mut().zip(s) {
            *a += b;
        }
        ties += t;
    }
    let (nf, kf) = (n as f64, k as f64);
    let mean = kf * (nf + 1.0) / 2.0;
    let s: f64 = sums.iter().map(|r| (r - mean) * (r - mean)).sum();
    let full = kf * kf * (nf * nf * nf - nf);
    let denom = full - kf * ties;
    out.w_uncorrected = Some(12.0 * s / full);
    if denom <= 0.0 {
        out.undefined = Some(
            "every worker gives every item the same rating: there is no ranking to agree on".into(),
        );
        return out;
    }
    let w = 12.0 * s / denom;
    let chi2 = kf * (nf - 1.0) * w;
    out.w = Some(w);
    out.chi2 = Some(chi2);
    out.p_value = ChiSquared::new(nf - 1.0).ok().map(|d| d.sf(chi2));
    out
}

/// Average ranks of one rater's column, added to the item rank sums.
#[derive(Debug, Default)]
struct Ranker {
    counts: Vec<u32>,
    rank: Vec<f64>,
    sorted: Vec<f64>,
    distinct: Vec<(f64, f64)>,
}

/// Integer ratings spanning at most this many values (or `2n`) are ranked by counting.
const COUNTING_SPAN: f64 = 65_536.0;

impl Ranker {
    /// Adds the average rank (1-based, ties sharing their mean rank) of every value of
    /// `col` to `sums`, and returns the tie term `Σ (t³ − t)` over tie groups. Small
    /// integer scales (the usual 1–5, 0–100) are ranked by counting in `O(n + span)`,
    /// anything else by sorting a copy and a binary search per value.
    fn add_ranks(&mut self, col: &[f64], sums: &mut [f64]) -> f64 {
        let (mut lo, mut hi, mut integral) = (f64::INFINITY, f64::NEG_INFINITY, true);
        for &x in col {
            lo = lo.min(x);
            hi = hi.max(x);
            integral &= x.fract() == 0.0;
        }
        let span = hi - lo + 1.0;
        let mut ties = 0.0;
        if integral && span <= COUNTING_SPAN.max(2.0 * col.len() as f64) {
            let span = span as usize;
            self.counts.clear();
            self.counts.resize(span, 0);
            for &x in col {
                self.counts[(x - lo) as usize] += 1;
            }
            self.rank.clear();
            self.rank.resize(span, 0.0);
            let mut below = 0u64;
            for (c, r) in self.counts.iter().zip(self.rank.iter_mut()) {
                let t = u64::from(*c);
                *r = below as f64 + (t as f64 + 1.0) / 2.0;
                below += t;
                let t = t as f64;
                ties += t * t * t - t;
            }
            for (s, &x) in sums.iter_mut().zip(col) {
                *s += self.rank[(x - lo) as usize];
            }
            return ties;
        }
        self.sorted.clear();
        self.sorted.extend_from_slice(col);
        self.sorted.sort_unstable_by(f64::total_cmp);
        self.distinct.clear();
        let mut s = 0;
        while s < self.sorted.len() {
            let mut e = s + 1;
            while e < self.sorted.len() && self.sorted[e] == self.sorted[s] {
                e += 1;
            }
            self.distinct
                .push((self.sorted[s], (s + 1 + e) as f64 / 2.0));
            let t = (e - s) as f64;
            ties += t * t * t - t;
            s = e;
        }
        for (s, &x) in sums.iter_mut().zip(col) {
            let i = self
                .distinct
                .partition_point(|&(v, _)| v.total_cmp(&x).is_lt());
            *s += self.distinct[i].1;
        }
        ties
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(cols: &[&[f64]]) -> Complete {
        // cols[j] = worker j's ratings of the n items
        let k = cols.len();
        let n = cols[0].len();
        let mut values = vec![0.0; n * k];
        for (j, col) in cols.iter().enumerate() {
            for (r, &x) in col.iter().enumerate() {
                values[r * k + j] = x;
            }
        }
        Complete {
            items: (0..n as u32).collect(),
            k,
            values,
        }
    }

    #[test]
    fn perfect_agreement_is_one_and_reversal_is_zero() {
        let r = kendall_of(&block(&[&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]]), 3);
        assert!((r.w.expect("defined") - 1.0).abs() < 1e-15);
        // chi2 = m (n - 1) W = 2 * 2 * 1
        assert!((r.chi2.expect("defined") - 4.0).abs() < 1e-12);
        let r = kendall_of(&block(&[&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]]), 3);
        assert!(r.w.expect("defined").abs() < 1e-15);
    }

    /// Counting and sorting give the same ranks: 3 tied at the bottom share rank 2, …
    #[test]
    fn both_rankers_agree() {
        let col = [5.0, 1.0, 1.0, 3.0, 1.0, 5.0];
        let want = [5.5, 2.0, 2.0, 4.0, 2.0, 5.5];
        let mut r = Ranker::default();
        let mut sums = vec![0.0; 6];
        let ties = r.add_ranks(&col, &mut sums);
        assert_eq!(sums, want);
        assert_eq!(ties, 24.0 + 6.0);
        let frac: Vec<f64> = col.iter().map(|x| x + 0.5).collect();
        let mut sums = vec![0.0; 6];
        assert_eq!(r.add_ranks(&frac, &mut sums), 30.0);
        assert_eq!(sums, want);
    }

    #[test]
    fn constant_raters_are_undefined() {
        let r = kendall_of(&block(&[&[1.0, 1.0, 1.0], &[2.0, 2.0, 2.0]]), 3);
        assert!(r.w.is_none() && r.undefined.is_some());
    }
}
