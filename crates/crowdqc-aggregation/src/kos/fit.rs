//! KOS message passing over the CSR (items) and the worker index.

use crowdqc_core::estimator::{Estimator, FitReport, StopReason};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::model::KosModel;
use super::params::KosParams;

/// Positions per parallel task of the per-position passes.
const MIN_LEN: usize = 4096;

/// Largest `|v|` of a slice (exact, so the parallel reduction is order-independent).
fn max_abs(v: &[f64]) -> f64 {
    v.par_iter()
        .with_min_len(MIN_LEN)
        .map(|x| x.abs())
        .reduce(|| 0.0, f64::max)
}

impl Estimator for KosParams {
    type Model = KosModel;

    /// Runs KOS (see the [module docs](super)).
    ///
    /// # Errors
    /// Invalid parameters; more than two observed classes ([`Error::InvalidParameter`]
    /// naming `method`: KOS is binary-only); no judgment or one observed class
    /// ([`Error::InsufficientData`]).
    fn fit(&self, m: &JudgmentMatrix) -> Result<KosModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// One progress unit per message-passing iteration (`n_iter` announced); interruption is checked before each iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<KosModel> {
        self.validate()?;
        progress.start("kos", Some(self.n_iter as u64));
        let r = self.fit_run(m, progress);
        progress.finish();
        r
    }
}

impl KosParams {
    /// The fit of [`Estimator::fit_with_progress`] (parameters already validated).
    fn fit_run(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<KosModel> {
        let observed: Vec<u32> = (0..m.n_classes() as u32)
            .filter(|&c| m.classes().counts()[c as usize] > 0)
            .collect();
        if observed.len() > 2 {
            let labels: Vec<String> = observed
                .iter()
                .take(6)
                .map(|&c| m.classes().label(c).to_string())
                .collect();
            return Err(Error::param(
                "method",
                format!(
                    "kos is binary-only, but the judgments use {} classes ({}{}); use \
                     dawid-skene, glad, mace or mmsr for multi-class data",
                    observed.len(),
                    labels.join(", "),
                    if observed.len() > 6 { ", ..." } else { "" }
                ),
            ));
        }
        if m.n_judgments() == 0 || observed.len() < 2 {
            return Err(Error::insufficient(format!(
                "kos needs judgments with two different labels; the data have {} judgments \
                 and {} observed class(es)",
                m.n_judgments(),
                observed.len()
            )));
        }
        let (c0, c1) = (observed[0], observed[1]);
        let (n, w, k, mj) = (m.n_items(), m.n_workers(), m.n_classes(), m.n_judgments());
        let offsets = m.item_offsets();
        let (items, workers, classes) = (
            m.judgment_items(),
            m.judgment_workers(),
            m.judgment_classes(),
        );
        let sign = |p: usize| if classes[p] == c0 { 1.0 } else { -1.0 };

        // Worker-to-item messages y (one per judgment), N(1, 1) in position order.
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut y: Vec<f64> = (0..mj)
            .map(|_| {
                let u1 = 1.0 - rng.random::<f64>();
                let u2 = rng.random::<f64>();
                1.0 + (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect();
        let s0 = max_abs(&y);
        y.par_iter_mut()
            .with_min_len(MIN_LEN)
            .for_each(|v| *v /= s0);
        let mut x = vec![0.0; mj];
        let mut item_sum = vec![0.0; n];
        let mut worker_sum = vec![0.0; w];
        let mut report = FitReport::default();
        let mut last_change = f64::INFINITY;
        for _ in 0..self.n_iter {
            progress.check()?;
            // Item step: x_{t→j} = Σ_{j' ≠ j} A_tj' y_{j'→t}.
            item_sum
                .par_iter_mut()
                .enumerate()
                .with_min_len(1024)
                .for_each(|(t, s)| {
                    *s = (offsets[t]..offsets[t + 1]).map(|p| sign(p) * y[p]).sum();
                });
            x.par_iter_mut()
                .enumerate()
                .with_min_len(MIN_LEN)
                .for_each(|(p, v)| *v = item_sum[items[p] as usize] - sign(p) * y[p]);
            // Worker step: y_{j→t} = Σ_{t' ≠ t} A_t'j x_{t'→j}, rescaled to max |y| = 1.
            worker_sum
                .par_iter_mut()
                .enumerate()
                .with_min_len(64)
                .for_each(|(wk, s)| {
                    *s = m
                        .worker_judgments(wk as u32)
                        .iter()
                        .map(|&p| sign(p as usize) * x[p as usize])
                        .sum();
                });
            let scale = (0..mj)
                .into_par_iter()
                .with_min_len(MIN_LEN)
                .map(|p| (worker_sum[workers[p] as usize] - sign(p) * x[p]).abs())
                .reduce(|| 0.0, f64::max);
            let inv = if scale > 0.0 { 1.0 / scale } else { 1.0 };
            last_change = y
                .par_iter_mut()
                .enumerate()
                .with_min_len(MIN_LEN)
                .map(|(p, v)| {
                    let new = (worker_sum[workers[p] as usize] - sign(p) * x[p]) * inv;
                    let d = (new - *v).abs();
                    *v = new;
                    d
                })
                .reduce(|| 0.0, f64::max);
            report.iterations += 1;
            progress.advance(1);
            report.objective.push(if scale > 0.0 {
                scale.ln()
            } else {
                f64::NEG_INFINITY
            });
        }
        // KOS runs its `n_iter` iterations (no early stop); the messages converged
        // when the last one moved them by less than 1e-9
        report.stop(if last_change < 1e-9 {
            StopReason::Converged
        } else {
            StopReason::MaxIterations
        });

        // Final item scores from all incoming messages, and worker reliabilities.
        let scores: Vec<f64> = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .map(|t| (offsets[t]..offsets[t + 1]).map(|p| sign(p) * y[p]).sum())
            .collect();
        let mut posteriors = Array2::<f64>::zeros((n, k));
        for (t, &s) in scores.iter().enumerate() {
            let p0 = 1.0 / (1.0 + (-s).exp());
            posteriors[[t, c0 as usize]] = p0;
            posteriors[[t, c1 as usize]] = 1.0 - p0;
        }
        let label = |t: usize| if scores[t] >= 0.0 { c0 } else { c1 };
        let rmax = worker_sum.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let reliability: Vec<f64> = worker_sum
            .iter()
            .map(|v| if rmax > 0.0 { v / rmax } else { 0.0 })
            .collect();
        let accuracy: Vec<f64> = (0..w as u32)
            .map(|wk| {
                let pos = m.worker_judgments(wk);
                if pos.is_empty() {
                    return f64::NAN;
                }
                let hits = pos
                    .iter()
                    .filter(|&&p| classes[p as usize] == label(items[p as usize] as usize))
                    .count();
                hits as f64 / pos.len() as f64
            })
            .collect();
        Ok(KosModel {
            posteriors,
            scores: Array1::from(scores),
            reliability: Array1::from(reliability),
            accuracy: Array1::from(accuracy),
            report,
        })
    }
}
