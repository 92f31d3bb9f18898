//! [`RatingAggregation`]: item scores with standard errors, worker bias and variance.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt64Array};
use crowdqc_core::columns::id_array;
use crowdqc_core::{Id, Result};
use rayon::prelude::*;

use super::params::Method;
use crate::data::RatingMatrix;

/// One worker's residuals `x − score` against the aggregated scores.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct WorkerRatingStats {
    /// Ratings by the worker.
    pub n: u64,
    /// Bias: mean residual (positive = rates above the consensus).
    pub bias: f64,
    /// Variance of the residuals about the bias (`n − 1` denominator); `None` for
    /// one rating.
    pub variance: Option<f64>,
    /// Root mean squared residual (bias and variance together).
    pub rmse: f64,
    /// Mean absolute residual.
    pub mae: f64,
}

/// Per-worker statistics, in parallel over workers (each worker's positions in input
/// order, so bit-identical for any thread count).
pub(crate) fn worker_stats(
    m: &RatingMatrix,
    item_of: &[u32],
    scores: &[f64],
) -> Vec<WorkerRatingStats> {
    (0..m.n_workers())
        .into_par_iter()
        .map(|w| {
            let pos = m.worker_positions(w);
            let n = pos.len();
            let res = |p: u32| m.values()[p as usize] - scores[item_of[p as usize] as usize];
            let bias = pos.iter().map(|&p| res(p)).sum::<f64>() / n as f64;
            let (mut ss, mut sq, mut abs) = (0.0, 0.0, 0.0);
            for &p in pos {
                let r = res(p);
                ss += (r - bias) * (r - bias);
                sq += r * r;
                abs += r.abs();
            }
            WorkerRatingStats {
                n: n as u64,
                bias,
                variance: (n > 1).then(|| ss / (n - 1) as f64),
                rmse: (sq / n as f64).sqrt(),
                mae: abs / n as f64,
            }
        })
        .collect()
}

/// The result of [`RatingParams::fit`](crate::RatingParams::fit): a score per item,
/// its standard error, and per-worker bias, variance and (for CATD, CRH, LFC) the
/// method's weight.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RatingAggregation {
    method: Method,
    #[serde(skip)]
    items: Vec<Id>,
    #[serde(skip)]
    workers: Vec<Id>,
    #[serde(skip)]
    n_ratings: Vec<u64>,
    #[serde(skip)]
    scores: Vec<f64>,
    #[serde(skip)]
    std_errors: Vec<Option<f64>>,
    #[serde(skip)]
    weights: Option<Vec<f64>>,
    #[serde(skip)]
    worker_stats: Vec<WorkerRatingStats>,
    iterations: usize,
    converged: bool,
    #[serde(skip)]
    item_dict: crowdqc_core::IdDictionary,
    #[serde(skip)]
    worker_dict: crowdqc_core::IdDictionary,
}

impl RatingAggregation {
    pub(crate) fn new(
        m: &RatingMatrix,
        method: Method,
        scores: Vec<f64>,
        weights: Option<Vec<f64>>,
        worker_stats: Vec<WorkerRatingStats>,
        iterations: usize,
        converged: bool,
    ) -> Self {
        let std_errors = (0..m.n_items())
            .into_par_iter()
            .map(|i| std_error(m, i, weights.as_deref(), &worker_stats))
            .collect();
        RatingAggregation {
            method,
            items: m.items().iter().map(Id::from).collect(),
            workers: m.workers().iter().map(Id::from).collect(),
            n_ratings: (0..m.n_items())
                .map(|i| m.item_range(i).len() as u64)
                .collect(),
            scores,
            std_errors,
            weights,
            worker_stats,
            iterations,
            converged,
            item_dict: m.items().clone(),
            worker_dict: m.workers().clone(),
        }
    }

    /// The method used.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Score of every item (item index order), on the rating scale (ordinal: ranks).
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// Standard error of every item's score, `None` for an item with one rating.
    /// Mean, median and trimmed mean: `sd / √n` of the item's ratings (exact for the
    /// mean, a guide for the others). CATD, CRH, LFC: `√(Σ w² σ²) / Σ w` over the
    /// item's workers with `w` the method's weight and `σ²` the worker's mean squared
    /// residual (for LFC's precision weights this is `1/√Σλ`, the posterior sd).
    pub fn std_errors(&self) -> &[Option<f64>] {
        &self.std_errors
    }

    /// The method's worker weights (CATD, CRH, LFC precision), `None` for the
    /// non-iterative methods.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// Per-worker residual statistics (worker index order).
    pub fn worker_stats(&self) -> &[WorkerRatingStats] {
        &self.worker_stats
    }

    /// Item ids (item index order).
    pub fn items(&self) -> &[Id] {
        &self.items
    }

    /// Worker ids (worker index order).
    pub fn workers(&self) -> &[Id] {
        &self.workers
    }

    /// Iterations run (0 for the non-iterative methods).
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Whether the iteration met the tolerance (always true for non-iterative methods).
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// One row per item: `item` (input type), `score`, `std_error` (null for one
    /// rating), `n_ratings`.
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn items_record_batch(&self) -> Result<RecordBatch> {
        let n = self.scores.len() as u32;
        Ok(RecordBatch::try_from_iter([
            ("item", id_array(&self.item_dict, 0..n)),
            ("score", f64s(self.scores.iter().copied())),
            (
                "std_error",
                Arc::new(Float64Array::from(self.std_errors.clone())) as ArrayRef,
            ),
            (
                "n_ratings",
                Arc::new(UInt64Array::from(self.n_ratings.clone())) as ArrayRef,
            ),
        ])?)
    }

    /// One row per worker: `worker` (input type), `n_ratings`, `bias`, `variance`
    /// (null for one rating), `rmse`, `mae`, `weight` (null for the non-iterative
    /// methods).
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn workers_record_batch(&self) -> Result<RecordBatch> {
        let s = &self.worker_stats;
        let n = s.len() as u32;
        let weight: Vec<Option<f64>> = match &self.weights {
            Some(w) => w.iter().map(|&x| Some(x)).collect(),
            None => vec![None; s.len()],
        };
        Ok(RecordBatch::try_from_iter([
            ("worker", id_array(&self.worker_dict, 0..n)),
            (
                "n_ratings",
                Arc::new(UInt64Array::from_iter_values(s.iter().map(|x| x.n))) as ArrayRef,
            ),
            ("bias", f64s(s.iter().map(|x| x.bias))),
            (
                "variance",
                Arc::new(Float64Array::from(
                    s.iter().map(|x| x.variance).collect::<Vec<_>>(),
                )) as ArrayRef,
            ),
            ("rmse", f64s(s.iter().map(|x| x.rmse))),
            ("mae", f64s(s.iter().map(|x| x.mae))),
            ("weight", Arc::new(Float64Array::from(weight)) as ArrayRef),
        ])?)
    }
}

fn f64s(v: impl Iterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(v))
}

fn std_error(
    m: &RatingMatrix,
    i: usize,
    weights: Option<&[f64]>,
    stats: &[WorkerRatingStats],
) -> Option<f64> {
    let r = m.item_range(i);
    let n = r.len();
    if n < 2 {
        return None;
    }
    match weights {
        None => {
            let v = &m.values()[r];
            let mu = v.iter().sum::<f64>() / n as f64;
            let var = v.iter().map(|x| (x - mu) * (x - mu)).sum::<f64>() / (n - 1) as f64;
            Some((var / n as f64).sqrt())
        }
        Some(w) => {
            let (mut num, mut den) = (0.0, 0.0);
            for &k in &m.rating_workers()[r] {
                let wk = w[k as usize];
                let s = stats[k as usize].rmse;
                num += wk * wk * s * s;
                den += wk;
            }
            Some(num.sqrt() / den)
        }
    }
}
