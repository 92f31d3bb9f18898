//! MACE: variational Bayes (or EM) in log space over flat arrays, seeded restarts.

use crowdqc_core::estimator::{Estimator, FitReport, StopReason};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::model::MaceModel;
use super::params::{MaceMethod, MaceParams};
use super::special::{digamma, ln_gamma};

mod estep;
mod keep;
mod mstep;
mod one;
mod setup;
mod start;

use mstep::Consts;
use one::OneTable;

/// Items per parallel chunk of the E-step (fixed: sums independent of thread count).
const CHUNK: usize = 1024;
/// Workers per parallel block of the worker pass (any size gives the same bits: each
/// worker's M-step is computed on its own).
const BLOCK: usize = 256;
/// [`Ones::slot`] of a worker that is not a tabulated one-judgment worker.
const NO_SLOT: u32 = u32::MAX;

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
    /// With the table: where the one-judgment workers are (their M-step runs in the
    /// E-step, `estep.rs`).
    ones: Option<Ones>,
    /// The workers of the worker pass (every worker but the tabulated one-judgment
    /// ones), ascending; `busy_block[b]..busy_block[b + 1]` are those of block `b`
    /// (workers `b·BLOCK..(b + 1)·BLOCK`).
    busy: Vec<u32>,
    busy_block: Vec<usize>,
}

/// The tabulated one-judgment workers: their state lives in arrays in position order
/// (the order the E-step streams the judgments), one entry per such worker.
struct Ones {
    /// Per position: its worker is a tabulated one-judgment worker.
    single: Vec<bool>,
    /// Per worker: its index in those arrays, or [`NO_SLOT`].
    slot: Vec<u32>,
    /// Per E-step chunk of [`CHUNK`] items, the index of its first one-judgment
    /// worker; one more entry, their number.
    chunk_start: Vec<usize>,
}

impl Ctx<'_> {
    /// The workers of the worker pass in block `b`.
    #[inline]
    fn busy_in(&self, b: usize) -> &[u32] {
        &self.busy[self.busy_block[b]..self.busy_block[b + 1]]
    }
}

/// Per-restart state; allocated once and reused by every restart and iteration.
struct State {
    /// `ln P(spam)`, `ln P(knowing)` per worker (VB: `E[ln ·]`), `ln ξ[w, l]`. For
    /// the tabulated one-judgment workers only the initial `la`, `ld` and `rk` of the
    /// label given are written (each restart's first E-step reads them); their state
    /// is in the `one_*` arrays.
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
    /// Tabulated one-judgment workers, by [`Ones::slot`]: the expected knowing count
    /// (spamming: `1 − know`) and `know / (spam·ξ + know)` of the last M-step; per
    /// E-step chunk, their penalties' sum.
    one_know: Vec<f64>,
    one_rk: Vec<f64>,
    one_pen: Vec<f64>,
}

impl Ctx<'_> {
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
        let m = ctx.m;
        let (n, w, k) = (m.n_items(), m.n_workers(), m.n_classes());
        let n_chunks = n.div_ceil(CHUNK);
        let n_ones = ctx.ones.as_ref().map_or(0, |o| o.chunk_start[n_chunks]);
        // per-worker arrays: after a restart's initial tables, the tabulated
        // one-judgment workers' rows are not touched
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
            partial: vec![0.0; n_chunks],
            log_pi: vec![0.0; k],
            col_partial: vec![0.0; n_chunks * k],
            class_counts: vec![0.0; k],
            pi_penalty: 0.0,
            one_know: vec![0.0; n_ones],
            one_rk: vec![0.0; n_ones],
            one_pen: vec![0.0; if ctx.ones.is_some() { n_chunks } else { 0 }],
        };
        let per = 1.0 / m.n_judgments() as f64;
        let mut best: Option<(f64, usize, FitReport)> = None;
        let mut best_q = vec![0.0; n * k];
        let (mut best_spam, mut best_xi) = (vec![0.0; w], vec![0.0; w * k]);
        let mut restart_objectives = Vec::with_capacity(self.n_restarts);
        for r in 0..self.n_restarts {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            rng.set_stream(r as u64);
            ctx.init(&mut s, &rng);
            s.log_pi.copy_from_slice(&ctx.log_prior);
            s.pi_penalty = 0.0;
            ctx.e_step(&mut s, false);
            let mut report = FitReport::default();
            let mut prev = f64::NEG_INFINITY;
            for it in 1..=self.max_iter {
                progress.check()?;
                ctx.m_step(&mut s);
                ctx.class_prior_step(&mut s);
                let ll = ctx.e_step(&mut s, true);
                let obj = (ll + ctx.penalty(&s) + s.pi_penalty) * per;
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
                ctx.parameters(&s, &mut best_spam, &mut best_xi);
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
