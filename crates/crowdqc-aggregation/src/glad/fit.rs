//! GLAD's EM: log-space E-step over items, damped-Newton M-step over flat arrays.

use crowdqc_core::estimator::{Estimator, FitReport};
use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2};
use rayon::prelude::*;

use super::model::GladModel;
use super::params::GladParams;

/// Items per parallel chunk of the E-step (fixed, so sums are thread-count independent).
const CHUNK: usize = 1024;
/// `ln(2π) / 2`, the constant of a standard normal log density.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
/// Largest step of one Newton update on `alpha` or `ln beta`.
const MAX_STEP: f64 = 4.0;
/// Step halvings tried before a block coordinate is left unchanged.
const MAX_HALVINGS: usize = 30;
/// Relative Newton step below which a coordinate counts as converged.
const MIN_STEP: f64 = 1e-10;

/// `ln(1 + e^x)`, stable for any `x`.
#[inline]
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// For one judgment with `x = alpha * beta` and `s` = posterior of the given label:
/// `f = s ln σ(x) + (1 − s) ln(1 − σ(x))` (the constant `−(1 − s) ln(K − 1)` left out).
#[inline(always)]
fn term_value(x: f64, s: f64) -> f64 {
    // ln σ(x) − (1 − s) x = s x − softplus(x)
    s * x - softplus(x)
}

/// `(f', −f'')` of [`term_value`] in `x`: `s − σ(x)` and `σ(x)(1 − σ(x))` (one `exp`).
#[inline(always)]
fn term_slope(x: f64, s: f64) -> (f64, f64) {
    let e = (-x.abs()).exp();
    let inv = 1.0 / (1.0 + e);
    let sig = if x >= 0.0 { inv } else { e * inv };
    (s - sig, e * inv * inv)
}

/// Maximises a smooth 1-D function from `x` with `steps` damped Newton steps.
/// `slope(x) = (f'(x), curvature > 0)` (one `exp` per judgment), `value(x) = f(x)`.
///
/// A step `d` is accepted when the slope at `x + d` still points the way of `d` (no
/// overshoot: for a concave function, as every ability's is, `f` then rose along the
/// whole step), or when it overshot but at least halved the slope (a Newton step
/// landing near the maximum); otherwise only if `f` did not decrease (`value` is
/// evaluated only then), else it is halved.
#[inline]
fn newton_1d(
    mut x: f64,
    steps: usize,
    slope: impl Fn(f64) -> (f64, f64),
    value: impl Fn(f64) -> f64,
) -> f64 {
    let (mut g, mut curv) = slope(x);
    for _ in 0..steps {
        if g.is_nan() || g.abs() <= 1e-12 {
            break;
        }
        let mut d = (g / curv).clamp(-MAX_STEP, MAX_STEP);
        if d.abs() <= MIN_STEP * (1.0 + x.abs()) {
            // At the optimum to working precision: further steps would only compare
            // function values that differ below rounding.
            break;
        }
        let mut f0 = None;
        let mut accepted = false;
        for _ in 0..MAX_HALVINGS {
            let (g2, c2) = slope(x + d);
            let ok = g2 * d >= 0.0 || g2.abs() <= 0.5 * g.abs() || {
                let f0 = *f0.get_or_insert_with(|| value(x));
                value(x + d) >= f0
            };
            if ok {
                x += d;
                (g, curv) = (g2, c2);
                accepted = true;
                break;
            }
            d *= 0.5;
            if d.abs() <= MIN_STEP * (1.0 + x.abs()) {
                break;
            }
        }
        if !accepted {
            break;
        }
    }
    x
}

/// Turns a row of log-weights into probabilities in place and returns `ln Σ exp`.
#[inline]
fn softmax_in_place(row: &mut [f64]) -> f64 {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for v in row.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    let inv = 1.0 / s;
    row.iter_mut().for_each(|v| *v *= inv);
    m + s.ln()
}

/// Everything the passes read that does not change during the fit.
struct Ctx<'a> {
    offsets: &'a [usize],
    items: &'a [u32],
    workers: &'a [u32],
    classes: &'a [u32],
    m: &'a JudgmentMatrix,
    k: usize,
    ln_km1: f64,
    log_prior: Vec<f64>,
    mu_a: f64,
    mu_b: f64,
}

impl Ctx<'_> {
    /// E-step: writes posteriors into `q` and returns `Σ_t ln p(labels of t)`.
    fn e_step(&self, alpha: &[f64], eb: &[f64], q: &mut [f64], partial: &mut [f64]) -> f64 {
        let k = self.k;
        q.par_chunks_mut(CHUNK * k)
            .zip(partial.par_iter_mut())
            .enumerate()
            .for_each(|(ci, (qc, part))| {
                let mut acc = 0.0;
                for (r, row) in qc.chunks_exact_mut(k).enumerate() {
                    let t = ci * CHUNK + r;
                    row.copy_from_slice(&self.log_prior);
                    let mut base = 0.0;
                    for p in self.offsets[t]..self.offsets[t + 1] {
                        let x = alpha[self.workers[p] as usize] * eb[t];
                        base += -softplus(x) - self.ln_km1;
                        row[self.classes[p] as usize] += x + self.ln_km1;
                    }
                    row.iter_mut().for_each(|v| *v += base);
                    acc += softmax_in_place(row);
                }
                *part = acc;
            });
        partial.iter().sum()
    }

    /// Gathers `s = q[t, l]` of every judgment in worker order into `ws` (one random
    /// pass, so that the ability passes read items and posteriors sequentially).
    fn gather(&self, wt: &[u32], q: &[f64], ws: &mut [f64]) {
        let (k, pos) = (self.k, self.m.worker_positions());
        ws.par_iter_mut()
            .enumerate()
            .with_min_len(4096)
            .for_each(|(i, s)| {
                *s = q[wt[i] as usize * k + self.classes[pos[i] as usize] as usize];
            });
    }

    /// Newton steps on every worker's ability, the difficulties held fixed. `wt`, `ws`:
    /// item and posterior of the given label of every judgment, in worker order.
    fn alpha_block(&self, alpha: &mut [f64], eb: &[f64], wt: &[u32], ws: &[f64], steps: usize) {
        let offs = self.m.worker_offsets();
        alpha
            .par_iter_mut()
            .enumerate()
            .with_min_len(64)
            .for_each(|(w, a)| {
                let range = offs[w]..offs[w + 1];
                if range.is_empty() {
                    return;
                }
                let (wt, ws) = (&wt[range.clone()], &ws[range]);
                let mu = self.mu_a;
                *a = newton_1d(
                    *a,
                    steps,
                    |a| {
                        let (mut g, mut c) = (mu - a, 1.0);
                        for (&t, &s) in wt.iter().zip(ws) {
                            let b = eb[t as usize];
                            let (gj, cj) = term_slope(a * b, s);
                            g += gj * b;
                            c += cj * b * b;
                        }
                        (g, c)
                    },
                    |a| {
                        let mut f = -0.5 * (a - mu).powi(2);
                        for (&t, &s) in wt.iter().zip(ws) {
                            f += term_value(a * eb[t as usize], s);
                        }
                        f
                    },
                );
            });
    }

    /// Newton steps on every item's `ln beta`, the abilities held fixed.
    fn beta_block(&self, lb: &mut [f64], eb: &mut [f64], alpha: &[f64], q: &[f64], steps: usize) {
        let k = self.k;
        lb.par_iter_mut()
            .zip(eb.par_iter_mut())
            .enumerate()
            .with_min_len(256)
            .for_each(|(t, (b, e))| {
                let range = self.offsets[t]..self.offsets[t + 1];
                if range.is_empty() {
                    return;
                }
                let qrow = &q[t * k..(t + 1) * k];
                let mu = self.mu_b;
                *b = newton_1d(
                    *b,
                    steps,
                    |b| {
                        let eb = b.exp();
                        let (mut g, mut h) = (mu - b, -1.0);
                        for p in range.clone() {
                            let x = alpha[self.workers[p] as usize] * eb;
                            let (gj, cj) = term_slope(x, qrow[self.classes[p] as usize]);
                            g += gj * x;
                            h += gj * x - cj * x * x;
                        }
                        // d²f/d(ln beta)² can be positive away from the optimum: never
                        // divide by less than the prior's curvature (a damped gradient
                        // step, still checked).
                        (g, f64::max(-h, 1.0))
                    },
                    |b| {
                        let eb = b.exp();
                        let mut f = -0.5 * (b - mu).powi(2);
                        for p in range.clone() {
                            let x = alpha[self.workers[p] as usize] * eb;
                            f += term_value(x, qrow[self.classes[p] as usize]);
                        }
                        f
                    },
                );
                *e = b.exp();
            });
    }

    /// Log density of the Gaussian priors on all abilities and difficulties.
    fn log_prior_density(&self, alpha: &[f64], lb: &[f64]) -> f64 {
        let a: f64 = alpha
            .iter()
            .map(|&a| -0.5 * (a - self.mu_a).powi(2) - HALF_LN_2PI)
            .sum();
        let b: f64 = lb
            .iter()
            .map(|&b| -0.5 * (b - self.mu_b).powi(2) - HALF_LN_2PI)
            .sum();
        a + b
    }
}

impl Estimator for GladParams {
    type Model = GladModel;

    /// Fits GLAD by EM (see the [module docs](super)).
    ///
    /// # Errors
    /// Invalid parameters; no judgment or fewer than two observed classes
    /// ([`Error::InsufficientData`]); a non-finite objective ([`Error::Numerical`]).
    fn fit(&self, m: &JudgmentMatrix) -> Result<GladModel> {
        self.validate()?;
        let (observed, k_obs) = crate::common::observed_classes(m, "glad")?;
        let (n, w, k) = (m.n_items(), m.n_workers(), m.n_classes());
        let log_prior: Vec<f64> = observed
            .iter()
            .map(|&o| {
                if o {
                    -(k_obs as f64).ln()
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        let ctx = Ctx {
            offsets: m.item_offsets(),
            items: m.judgment_items(),
            workers: m.judgment_workers(),
            classes: m.judgment_classes(),
            m,
            k,
            ln_km1: ((k_obs - 1) as f64).ln(),
            log_prior,
            mu_a: self.alpha_prior_mean,
            mu_b: self.log_beta_prior_mean,
        };
        let mut alpha = vec![self.alpha_prior_mean; w];
        let mut lb = vec![self.log_beta_prior_mean; n];
        let mut eb = vec![self.log_beta_prior_mean.exp(); n];
        let mut q = vec![0.0; n * k];
        let mut partial = vec![0.0; n.div_ceil(CHUNK)];
        // Item of every judgment in worker order, and (per iteration) the posterior of
        // the label given: 12 bytes per judgment, for sequential ability passes.
        let wt: Vec<u32> = m
            .worker_positions()
            .iter()
            .map(|&p| ctx.items[p as usize])
            .collect();
        let mut ws = vec![0.0; m.n_judgments()];
        let per = 1.0 / m.n_judgments() as f64;

        let ll = ctx.e_step(&alpha, &eb, &mut q, &mut partial);
        let mut prev = (ll + ctx.log_prior_density(&alpha, &lb)) * per;
        let mut report = FitReport::default();
        for it in 1..=self.max_iter {
            ctx.gather(&wt, &q, &mut ws);
            ctx.alpha_block(&mut alpha, &eb, &wt, &ws, self.newton_steps);
            ctx.beta_block(&mut lb, &mut eb, &alpha, &q, self.newton_steps);
            let ll = ctx.e_step(&alpha, &eb, &mut q, &mut partial);
            let obj = (ll + ctx.log_prior_density(&alpha, &lb)) * per;
            if !obj.is_finite() {
                return Err(Error::Numerical {
                    context: "glad".into(),
                    iteration: Some(it),
                    message: format!("the objective is {obj}"),
                });
            }
            report.objective.push(obj);
            report.iterations = it;
            if obj - prev < self.tol {
                report.converged = true;
                break;
            }
            prev = obj;
        }

        let accuracy: Vec<f64> = (0..w as u32)
            .into_par_iter()
            .map(|wk| {
                let pos = m.worker_judgments(wk);
                if pos.is_empty() {
                    return f64::NAN;
                }
                let a = alpha[wk as usize];
                let s: f64 = pos
                    .iter()
                    .map(|&p| {
                        let x = a * eb[ctx.items[p as usize] as usize];
                        1.0 / (1.0 + (-x).exp())
                    })
                    .sum();
                s / pos.len() as f64
            })
            .collect();
        let priors = ctx
            .log_prior
            .iter()
            .map(|&l| if l.is_finite() { l.exp() } else { 0.0 })
            .collect::<Vec<_>>();
        Ok(GladModel {
            posteriors: Array2::from_shape_vec((n, k), q)
                .expect("q has n_items * n_classes values"),
            alpha: Array1::from(alpha),
            log_beta: Array1::from(lb),
            class_priors: Array1::from(priors),
            accuracy: Array1::from(accuracy),
            report,
        })
    }
}
