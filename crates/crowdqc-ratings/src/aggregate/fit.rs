//! The aggregation methods. Every per-item or per-worker computation reads its own
//! ratings in a fixed order, so results do not depend on the rayon thread count.

use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, Result};
use rayon::prelude::*;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::model::{RatingAggregation, worker_stats};
use super::params::{Method, RatingParams};
use crate::data::RatingMatrix;

/// Items per parallel task.
const CHUNK: usize = 1 << 12;

/// Floor added to a worker's squared error before it is inverted (Zheng et al.'s
/// `1e-9`), so a worker who matches the truth exactly gets a large finite weight.
pub(crate) const ERROR_FLOOR: f64 = 1e-9;

impl RatingParams {
    /// Aggregates the ratings of `m`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a setting out of range; [`Error::Numerical`] for a
    /// non-finite score (which finite ratings cannot produce).
    pub fn fit(&self, m: &RatingMatrix) -> Result<RatingAggregation> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// [`fit`](Self::fit), reporting the iterations of CATD, CRH and LFC to `progress`
    /// (started with the iteration limit, one unit per iteration, finished also on
    /// error) and polling it before every iteration, as the aggregation crate's EM
    /// loops do.
    ///
    /// # Errors
    /// Those of [`fit`](Self::fit); [`Error::Interrupted`] once `progress` asks to stop.
    pub fn fit_with_progress(
        &self,
        m: &RatingMatrix,
        progress: &dyn Progress,
    ) -> Result<RatingAggregation> {
        self.validate()?;
        if self.method.is_iterative() {
            progress.start(self.method.name(), Some(self.max_iter as u64));
        }
        let r = self.fit_inner(m, progress);
        if self.method.is_iterative() {
            progress.finish();
        }
        r
    }

    fn fit_inner(&self, m: &RatingMatrix, progress: &dyn Progress) -> Result<RatingAggregation> {
        let item_of = item_of_positions(m);
        let (scores, weights, iterations, converged) = match self.method {
            Method::Mean => (per_item(m, mean), None, 0, true),
            Method::Median => (per_item(m, median), None, 0, true),
            Method::TrimmedMean => {
                let p = self.trim;
                (per_item(m, |v| trimmed_mean(v, p)), None, 0, true)
            }
            Method::Lfc => {
                let (s, w, it, c) = iterate(
                    self,
                    progress,
                    m,
                    &item_of,
                    per_item(m, mean),
                    |r| 1.0 / (r.sq / r.n as f64 + ERROR_FLOOR),
                    weighted_mean,
                )?;
                (s, Some(w), it, c)
            }
            Method::Catd => {
                let alpha = self.alpha;
                let (s, w, it, c) = iterate(
                    self,
                    progress,
                    m,
                    &item_of,
                    per_item(m, median),
                    |r| chi2_lower(alpha / 2.0, r.n as f64) / (r.sq + ERROR_FLOOR),
                    weighted_mean,
                )?;
                (s, Some(w), it, c)
            }
            Method::Crh => {
                let (s, w, it, c) = crh(self, progress, m, &item_of)?;
                (s, Some(w), it, c)
            }
        };
        if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
            return Err(Error::Numerical {
                context: self.method.name().into(),
                iteration: Some(iterations),
                message: format!("score of item `{}` is not finite", m.items().get(i as u32)),
            });
        }
        let workers = worker_stats(m, &item_of, &scores);
        Ok(RatingAggregation::new(
            m,
            self.method,
            scores,
            weights,
            workers,
            iterations,
            converged,
        ))
    }
}

/// The item of every position.
pub(crate) fn item_of_positions(m: &RatingMatrix) -> Vec<u32> {
    let mut out = vec![0u32; m.n_ratings()];
    for i in 0..m.n_items() {
        out[m.item_range(i)].fill(i as u32);
    }
    out
}

/// `f` over each item's ratings, in parallel over fixed chunks of items.
fn per_item(m: &RatingMatrix, f: impl Fn(&[f64]) -> f64 + Sync) -> Vec<f64> {
    let mut out = vec![0.0; m.n_items()];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            for (k, o) in chunk.iter_mut().enumerate() {
                *o = f(&m.values()[m.item_range(c * CHUNK + k)]);
            }
        });
    out
}

pub(crate) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    s
}

fn median(v: &[f64]) -> f64 {
    let s = sorted(v);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

fn trimmed_mean(v: &[f64], p: f64) -> f64 {
    let s = sorted(v);
    let cut = (p * s.len() as f64).floor() as usize;
    mean(&s[cut..s.len() - cut])
}

/// Lower `q` quantile of `χ²(df)`.
fn chi2_lower(q: f64, df: f64) -> f64 {
    // df >= 1 always (a worker has at least one rating), so the distribution exists
    ChiSquared::new(df).map_or(f64::NAN, |d| d.inverse_cdf(q))
}

/// A worker's residuals against the current scores.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Residuals {
    /// Ratings.
    pub n: usize,
    /// Sum of squared residuals.
    pub sq: f64,
}

fn residuals(m: &RatingMatrix, item_of: &[u32], scores: &[f64], w: usize) -> Residuals {
    let mut sq = 0.0;
    let pos = m.worker_positions(w);
    for &p in pos {
        let d = m.values()[p as usize] - scores[item_of[p as usize] as usize];
        sq += d * d;
    }
    Residuals { n: pos.len(), sq }
}

fn weighted_mean(values: &[f64], weights: &[f64]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (v, w) in values.iter().zip(weights) {
        num += w * v;
        den += w;
    }
    num / den
}

/// The lower weighted median: the smallest value whose cumulative weight (values
/// sorted ascending, ties in input order) reaches half the total (Zheng et al.'s rule).
fn weighted_median(values: &[f64], weights: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for &i in &idx {
        acc += weights[i];
        if acc >= 0.5 * total {
            return values[i];
        }
    }
    idx.last().map_or(f64::NAN, |&i| values[i])
}

/// Scores from worker weights: `combine(values, weights)` per item.
fn scores_from_weights(
    m: &RatingMatrix,
    w: &[f64],
    combine: fn(&[f64], &[f64]) -> f64,
) -> Vec<f64> {
    let mut out = vec![0.0; m.n_items()];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut ws = Vec::new();
            for (k, o) in chunk.iter_mut().enumerate() {
                let r = m.item_range(c * CHUNK + k);
                ws.clear();
                ws.extend(m.rating_workers()[r.clone()].iter().map(|&x| w[x as usize]));
                *o = combine(&m.values()[r], &ws);
            }
        });
    out
}

fn squared_change(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

type Fit = (Vec<f64>, Vec<f64>, usize, bool);

/// The alternation shared by LFC and CATD: weights from residuals, scores from weights,
/// until the squared change of the scores is at most `tol`.
fn iterate(
    p: &RatingParams,
    progress: &dyn Progress,
    m: &RatingMatrix,
    item_of: &[u32],
    init: Vec<f64>,
    weight: impl Fn(Residuals) -> f64 + Sync,
    combine: fn(&[f64], &[f64]) -> f64,
) -> Result<Fit> {
    let mut scores = init;
    let mut w = vec![0.0; m.n_workers()];
    for it in 1..=p.max_iter {
        progress.check()?;
        progress.advance(1);
        w.par_iter_mut()
            .enumerate()
            .for_each(|(k, x)| *x = weight(residuals(m, item_of, &scores, k)));
        let next = scores_from_weights(m, &w, combine);
        let change = squared_change(&next, &scores);
        scores = next;
        if change <= p.tol {
            return Ok((scores, w, it, true));
        }
    }
    Ok((scores, w, p.max_iter, false))
}

/// CRH with the normalized absolute loss: `sd_item` is the population standard
/// deviation of the item's ratings (fixed, as in the paper); an item whose ratings are
/// all equal contributes no loss.
fn crh(
    p: &RatingParams,
    progress: &dyn Progress,
    m: &RatingMatrix,
    item_of: &[u32],
) -> Result<Fit> {
    let sd = per_item(m, |v| {
        let mu = mean(v);
        (v.iter().map(|x| (x - mu) * (x - mu)).sum::<f64>() / v.len() as f64).sqrt()
    });
    let mut scores = per_item(m, median);
    let mut w = vec![0.0; m.n_workers()];
    let mut loss = vec![0.0; m.n_workers()];
    for it in 1..=p.max_iter {
        progress.check()?;
        progress.advance(1);
        loss.par_iter_mut().enumerate().for_each(|(k, l)| {
            let mut s = 0.0;
            for &q in m.worker_positions(k) {
                let i = item_of[q as usize] as usize;
                let d = (m.values()[q as usize] - scores[i]).abs();
                if d > 0.0 && sd[i] > 0.0 {
                    s += d / sd[i];
                }
            }
            *l = s + ERROR_FLOOR;
        });
        let total: f64 = loss.iter().sum();
        for (x, l) in w.iter_mut().zip(&loss) {
            *x = -(l / total).ln();
        }
        if w.iter().all(|&x| x <= 0.0) {
            // a single worker: log(1) = 0; any equal positive weights give the median
            w.fill(1.0);
        }
        let next = scores_from_weights(m, &w, weighted_median);
        let change = squared_change(&next, &scores);
        scores = next;
        if change <= p.tol {
            return Ok((scores, w, it, true));
        }
    }
    Ok((scores, w, p.max_iter, false))
}
