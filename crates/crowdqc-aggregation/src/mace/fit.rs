//! MACE: variational Bayes (or EM) in log space over flat arrays, seeded restarts.

use crowdqc_core::estimator::{Estimator, FitReport, StopReason};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::model::MaceModel;
use super::params::{MaceMethod, MaceParams};
use super::special::{digamma, ln_gamma};

mod mstep;
mod one;
mod setup;

use mstep::Consts;
use one::OneTable;

/// Items per parallel chunk of the E-step (fixed: sums independent of thread count).
const CHUNK: usize = 1024;

/// Softmax in place, returning `ln Σ exp` of the input.
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

/// Constant inputs of every pass.
struct Ctx<'a> {
    m: &'a JudgmentMatrix,
    k: usize,
    observed: Vec<bool>,
    k_obs: usize,
    log_prior: Vec<f64>,
    estimate_priors: bool,
    method: MaceMethod,
    a0: f64,
    b0: f64,
    g0: f64,
    smoothing: f64,
    /// Per-worker constants of the M-step, computed once (a worker's strategy entry
    /// for a label it never gave is `g0` exactly, whose special-function values do not
    /// change; with 10^6 single-judgment workers most entries are such).
    consts: Consts,
    /// `given[w K + l]`: worker `w` gave label `l` at least once. Only those entries of
    /// the per-(worker, label) tables are ever read (by the E- and M-steps), so only
    /// those are computed (with 10^6 single-judgment workers, one label in `K`).
    given: Vec<bool>,
    /// Variational Bayes with workers of one judgment: their M-step tabulated over the
    /// expected spamming count (`None`: computed directly, as for every other worker).
    one: Option<OneTable>,
}

/// Per-restart state; allocated once and reused by every restart and iteration.
struct State {
    /// `ln P(spam)`, `ln P(knowing)` per worker (VB: `E[ln ·]`), `ln ξ[w, l]`. Not
    /// updated for workers whose M-step comes from [`OneTable`] (only their `la`, `ld`,
    /// `rk`, counts and penalty are read afterwards).
    lspam: Vec<f64>,
    lknow: Vec<f64>,
    lxi: Vec<f64>,
    /// Per `(w, l)`: `ln(spam·ξ)`, `ln(spam·ξ + know) − ln(spam·ξ)`, `know / (spam·ξ + know)`.
    la: Vec<f64>,
    ld: Vec<f64>,
    rk: Vec<f64>,
    /// Expected counts per worker: spamming, knowing, and spamming per label.
    ns: Vec<f64>,
    nk: Vec<f64>,
    strat: Vec<f64>,
    /// Per-worker penalty of the objective (VB: −KL; EM: log prior).
    penalty: Vec<f64>,
    q: Vec<f64>,
    partial: Vec<f64>,
    /// Class log-priors in use (uniform unless estimated), per-chunk column sums of
    /// the posteriors, and the objective term of the class-prior estimate.
    log_pi: Vec<f64>,
    col_partial: Vec<f64>,
    class_counts: Vec<f64>,
    pi_penalty: f64,
}

impl Ctx<'_> {
    fn init(&self, s: &mut State, rng: &mut ChaCha8Rng) {
        let k = self.k;
        // crowd-kit / Hovy: U(1, 1 + 1.5) draws, normalised.
        let mut draw = || 1.0 + 1.5 * rng.random::<f64>();
        for w in 0..self.m.n_workers() {
            let (u0, u1) = (draw(), draw());
            s.lspam[w] = (u0 / (u0 + u1)).ln();
            s.lknow[w] = (u1 / (u0 + u1)).ln();
            let row = &mut s.lxi[w * k..(w + 1) * k];
            let mut tot = 0.0;
            for (c, v) in row.iter_mut().enumerate() {
                *v = if self.observed[c] { draw() } else { 0.0 };
                tot += *v;
            }
            row.iter_mut().for_each(|v| {
                *v = if *v > 0.0 {
                    (*v / tot).ln()
                } else {
                    f64::NEG_INFINITY
                }
            });
        }
    }

    /// Per-(worker, label) tables from the current parameters (the M-step computes
    /// them itself; this is for the initial parameters of a restart).
    fn tables(&self, s: &mut State) {
        let k = self.k;
        let (lspam, lknow, lxi) = (&s.lspam, &s.lknow, &s.lxi);
        s.la.par_chunks_mut(k)
            .zip(s.ld.par_chunks_mut(k))
            .zip(s.rk.par_chunks_mut(k))
            .enumerate()
            .with_min_len(256)
            .for_each(|(w, ((la, ld), rk))| {
                self.worker_tables(w, lspam[w], lknow[w], &lxi[w * k..(w + 1) * k], la, ld, rk);
            });
    }

    /// E-step into `s.q`; returns `Σ_t ln Z_t`.
    fn e_step(&self, s: &mut State) -> f64 {
        let k = self.k;
        let offsets = self.m.item_offsets();
        let (workers, classes) = (self.m.judgment_workers(), self.m.judgment_classes());
        let (la, ld, log_pi) = (&s.la, &s.ld, &s.log_pi);
        s.q.par_chunks_mut(CHUNK * k)
            .zip(s.partial.par_iter_mut())
            .zip(s.col_partial.par_chunks_mut(k))
            .enumerate()
            .for_each(|(ci, ((qc, part), cols))| {
                let mut acc = 0.0;
                cols.iter_mut().for_each(|v| *v = 0.0);
                for (r, row) in qc.chunks_exact_mut(k).enumerate() {
                    let t = ci * CHUNK + r;
                    row.copy_from_slice(log_pi);
                    let mut base = 0.0;
                    for p in offsets[t]..offsets[t + 1] {
                        let l = classes[p] as usize;
                        let idx = workers[p] as usize * k + l;
                        base += la[idx];
                        row[l] += ld[idx];
                    }
                    row.iter_mut().for_each(|v| *v += base);
                    acc += softmax_in_place(row);
                    cols.iter_mut().zip(row.iter()).for_each(|(c, v)| *c += v);
                }
                *part = acc;
            });
        s.partial.iter().sum()
    }

    /// Class priors from the expected class counts of the last E-step (only with
    /// `estimate_class_priors`): VB with a Dirichlet(1) prior, EM with the smoothing.
    fn class_prior_step(&self, s: &mut State) {
        if !self.estimate_priors {
            return;
        }
        let k = self.k;
        let counts = &mut s.class_counts;
        counts.iter_mut().for_each(|c| *c = 0.0);
        for chunk in s.col_partial.chunks_exact(k) {
            counts.iter_mut().zip(chunk).for_each(|(c, v)| *c += v);
        }
        let total: f64 = counts.iter().sum();
        let kf = self.k_obs as f64;
        match self.method {
            MaceMethod::VariationalBayes => {
                let dt = digamma(total + kf);
                // −KL(Dir(n + 1) || Dir(1))
                let mut kl = ln_gamma(total + kf) - ln_gamma(kf);
                for ((lp, &n), &obs) in s.log_pi.iter_mut().zip(counts.iter()).zip(&self.observed) {
                    if obs {
                        let dc = digamma(n + 1.0);
                        *lp = dc - dt;
                        kl += -ln_gamma(n + 1.0) + n * (dc - dt);
                    }
                }
                s.pi_penalty = -kl;
            }
            MaceMethod::Em => {
                let sm = self.smoothing;
                let norm = (total + kf * sm).ln();
                let mut lp = 0.0;
                for ((l, &n), &obs) in s.log_pi.iter_mut().zip(counts.iter()).zip(&self.observed) {
                    if obs {
                        *l = (n + sm).ln() - norm;
                        lp += sm * *l;
                    }
                }
                s.pi_penalty = lp;
            }
        }
    }
}

impl Estimator for MaceParams {
    type Model = MaceModel;

    /// Fits MACE (see the [module docs](super)).
    ///
    /// # Errors
    /// Invalid parameters; no judgment or fewer than two observed classes
    /// ([`Error::InsufficientData`]); a non-finite objective ([`Error::Numerical`]).
    fn fit(&self, m: &JudgmentMatrix) -> Result<MaceModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// One progress unit per iteration of every restart (`n_restarts × max_iter` announced; a restart that converges early advances by its remaining iterations); interruption is checked before each iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<MaceModel> {
        self.validate()?;
        progress.start("mace", Some((self.n_restarts * self.max_iter) as u64));
        let r = self.fit_run(m, progress);
        progress.finish();
        r
    }
}

impl MaceParams {
    /// The fit of [`Estimator::fit_with_progress`] (parameters already validated).
    fn fit_run(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<MaceModel> {
        self.fit_ctx(&self.ctx(m, true)?, progress)
    }

    /// The restarts of a fit with the constants `ctx`.
    fn fit_ctx(&self, ctx: &Ctx<'_>, progress: &dyn Progress) -> Result<MaceModel> {
        let (m, k_obs) = (ctx.m, ctx.k_obs);
        let (n, w, k) = (m.n_items(), m.n_workers(), m.n_classes());
        let mut s = State {
            lspam: vec![0.0; w],
            lknow: vec![0.0; w],
            lxi: vec![0.0; w * k],
            la: vec![0.0; w * k],
            ld: vec![0.0; w * k],
            rk: vec![0.0; w * k],
            ns: vec![0.0; w],
            nk: vec![0.0; w],
            strat: vec![0.0; w * k],
            penalty: vec![0.0; w],
            q: vec![0.0; n * k],
            partial: vec![0.0; n.div_ceil(CHUNK)],
            log_pi: vec![0.0; k],
            col_partial: vec![0.0; n.div_ceil(CHUNK) * k],
            class_counts: vec![0.0; k],
            pi_penalty: 0.0,
        };
        let per = 1.0 / m.n_judgments() as f64;
        let mut best: Option<(f64, usize, FitReport)> = None;
        let mut best_q = vec![0.0; n * k];
        let (mut best_spam, mut best_xi) = (vec![0.0; w], vec![0.0; w * k]);
        let mut restart_objectives = Vec::with_capacity(self.n_restarts);
        for r in 0..self.n_restarts {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            rng.set_stream(r as u64);
            ctx.init(&mut s, &mut rng);
            s.log_pi.copy_from_slice(&ctx.log_prior);
            s.pi_penalty = 0.0;
            ctx.tables(&mut s);
            ctx.e_step(&mut s);
            let mut report = FitReport::default();
            let mut prev = f64::NEG_INFINITY;
            for it in 1..=self.max_iter {
                progress.check()?;
                ctx.m_step(&mut s);
                ctx.class_prior_step(&mut s);
                let ll = ctx.e_step(&mut s);
                let obj = (ll + s.penalty.iter().sum::<f64>() + s.pi_penalty) * per;
                if !obj.is_finite() {
                    return Err(Error::Numerical {
                        context: format!("mace (restart {r})"),
                        iteration: Some(it),
                        message: format!("the objective is {obj}"),
                    });
                }
                report.objective.push(obj);
                report.iterations = it;
                progress.advance(1);
                if let Some(reason) = StopReason::from_change(prev, obj, self.tol) {
                    report.stop(reason);
                    break;
                }
                prev = obj;
            }
            // a restart that stopped early: the bar still reaches its end
            if report.iterations < self.max_iter {
                progress.advance((self.max_iter - report.iterations) as u64);
            }
            let obj = *report.objective.last().expect("max_iter >= 1");
            restart_objectives.push(obj);
            if best.as_ref().is_none_or(|(b, _, _)| obj > *b) {
                best_q.copy_from_slice(&s.q);
                for wk in 0..w {
                    best_spam[wk] = match self.method {
                        MaceMethod::VariationalBayes => {
                            let (a, b) = (s.ns[wk] + ctx.a0, s.nk[wk] + ctx.b0);
                            a / (a + b)
                        }
                        MaceMethod::Em => s.lspam[wk].exp(),
                    };
                    let tot: f64 = match self.method {
                        MaceMethod::VariationalBayes => {
                            s.strat[wk * k..(wk + 1) * k].iter().sum::<f64>()
                                + k_obs as f64 * ctx.g0
                        }
                        MaceMethod::Em => 1.0,
                    };
                    for c in 0..k {
                        best_xi[wk * k + c] = match (self.method, ctx.observed[c]) {
                            (_, false) => 0.0,
                            (MaceMethod::VariationalBayes, true) => {
                                (s.strat[wk * k + c] + ctx.g0) / tot
                            }
                            (MaceMethod::Em, true) => s.lxi[wk * k + c].exp(),
                        };
                    }
                }
                best = Some((obj, r, report));
            }
        }
        let (_, best_restart, report) = best.expect("n_restarts >= 1");
        let posteriors =
            Array2::from_shape_vec((n, k), best_q).expect("q has n_items * n_classes values");
        let pi = posteriors
            .mean_axis(ndarray::Axis(0))
            .expect("n_items >= 1");
        let accuracy = (0..w)
            .map(|wk| {
                if m.worker_count(wk as u32) == 0 {
                    return f64::NAN;
                }
                let agree: f64 = (0..k).map(|c| pi[c] * best_xi[wk * k + c]).sum();
                (1.0 - best_spam[wk]) + best_spam[wk] * agree
            })
            .collect::<Vec<_>>();
        Ok(MaceModel {
            posteriors,
            spamming: Array1::from(best_spam),
            strategies: Array2::from_shape_vec((w, k), best_xi)
                .expect("n_workers * n_classes values"),
            accuracy: Array1::from(accuracy),
            restart_objectives,
            best_restart,
            report,
        })
    }
}

#[cfg(test)]
mod tests;
