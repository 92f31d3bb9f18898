//! EBCC / IBCC: mean-field variational Bayes over flat arrays, seeded restarts.

use crowdqc_core::estimator::{Estimator, FitReport, StopReason};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2, Array3, ArrayView3};
use rayon::prelude::*;

use super::ctx::{CHUNK, Ctx, State};
use super::model::EbccModel;
use super::params::EbccParams;
use crate::mace::special::{digamma, digamma_ln_gamma, exp_nonpositive_in_place, ln_gamma};
use crate::minimax::kernel::{prefetch, prefetch_u32};

/// Softmax in place, returning `ln Σ exp` of the input.
#[inline]
fn softmax_in_place(row: &mut [f64]) -> f64 {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    row.iter_mut().for_each(|v| *v -= m);
    exp_nonpositive_in_place(row);
    let s: f64 = row.iter().sum();
    let inv = 1.0 / s;
    row.iter_mut().for_each(|v| *v *= inv);
    m + s.ln()
}

/// `KL(Dir(b) || Dir(a))`; also writes `E[ln θ]` under `Dir(b)` into `elog`.
fn kl_dirichlet(b: &[f64], a: &[f64], elog: &mut [f64]) -> f64 {
    let (sb, sa) = (b.iter().sum::<f64>(), a.iter().sum::<f64>());
    let d = digamma(sb);
    let mut kl = ln_gamma(sb) - ln_gamma(sa);
    for ((&bi, &ai), e) in b.iter().zip(a).zip(elog.iter_mut()) {
        *e = digamma(bi) - d;
        kl += ln_gamma(ai) - ln_gamma(bi) + (bi - ai) * *e;
    }
    kl
}

impl Ctx<'_> {
    /// Expected subtype counts `Σ_i zg` (chunk sums added in chunk order).
    fn subtype_counts(&self, s: &State) -> Vec<f64> {
        let mut sums = vec![0.0; self.l];
        for c in s.colsum.chunks_exact(self.l) {
            sums.iter_mut().zip(c).for_each(|(a, b)| *a += b);
        }
        sums
    }

    /// Class distribution `q(τ) = Dir(ν)` and subtype weights `q(π_k) = Dir(η_k)`
    /// from the current responsibilities: `E[ln π] + E[ln τ]` into `prior_row`, and
    /// their KL divergences from the priors.
    fn global_step(&self, s: &mut State) {
        let (k, ms) = (self.k, self.ms);
        let sums = self.subtype_counts(s);
        let nu: Vec<f64> = (0..k)
            .map(|c| self.alpha[c] + sums[c * ms..(c + 1) * ms].iter().sum::<f64>())
            .collect();
        let mut elog_tau = vec![0.0; k];
        let mut kl = kl_dirichlet(&nu, &self.alpha, &mut elog_tau);
        let prior = vec![self.a_pi; ms];
        let mut eta = vec![0.0; ms];
        for c in 0..k {
            eta.iter_mut()
                .zip(&sums[c * ms..(c + 1) * ms])
                .for_each(|(e, n)| *e = self.a_pi + n);
            let row = &mut s.prior_row[c * ms..(c + 1) * ms];
            kl += kl_dirichlet(&eta, &prior, row);
            row.iter_mut().for_each(|v| *v += elog_tau[c]);
        }
        s.kl_global = kl;
    }

    /// One worker's expected counts `cnt[o · l + k · ms + m] = Σ_{i: y_iw = o} zg[i, k, m]`.
    fn worker_counts(&self, w: usize, zg: &[f64], cnt: &mut [f64]) {
        let (items, l) = (self.m.judgment_items(), self.l);
        cnt.iter_mut().for_each(|v| *v = 0.0);
        let js = self.m.worker_judgments(w as u32);
        for (j, &p) in js.iter().enumerate() {
            // the item rows 8 judgments on (the pass waits on memory otherwise), and
            // their positions 16 on
            if let Some(&p2) = js.get(j + 16) {
                prefetch_u32(items, p2 as usize);
                prefetch_u32(&self.jc, p2 as usize);
            }
            if let Some(&p1) = js.get(j + 8) {
                prefetch(zg, items[p1 as usize] as usize * l, l);
            }
            let p = p as usize;
            let o = self.jc[p] as usize;
            let i = items[p] as usize;
            cnt[o * l..(o + 1) * l]
                .iter_mut()
                .zip(&zg[i * l..(i + 1) * l])
                .for_each(|(d, v)| *d += v);
        }
    }

    /// Workers' confusion posteriors `q(v[w, k, m]) = Dir(β_k + counts)`: `E[ln v]`
    /// into `tab` and the KL divergences into `wkl`.
    fn worker_step(&self, s: &mut State) {
        let (k, ms, l) = (self.k, self.ms, self.l);
        let zg = &s.zg;
        // (ψ, ln Γ) of the prior alone, for the (common) cells with no count
        let at_prior: Vec<(f64, f64)> = self.beta.iter().map(|&b| digamma_ln_gamma(b)).collect();
        s.tab
            .par_chunks_mut(k * l)
            .zip(s.wkl.par_iter_mut())
            .enumerate()
            .with_min_len(8)
            .for_each_init(
                || vec![0.0; k * l],
                |cnt, (w, (tab, kl))| {
                    self.worker_counts(w, zg, cnt);
                    let mut acc = 0.0;
                    for km in 0..l {
                        let c = km / ms;
                        let beta = &self.beta[c * k..(c + 1) * k];
                        let tot: f64 = (0..k).map(|o| beta[o] + cnt[o * l + km]).sum();
                        let (dt, lgt) = digamma_ln_gamma(tot);
                        let mut part = lgt - self.beta_const[c];
                        for o in 0..k {
                            let n = cnt[o * l + km];
                            let b = beta[o] + n;
                            let (db, lgb) = if n == 0.0 {
                                at_prior[c * k + o]
                            } else {
                                digamma_ln_gamma(b)
                            };
                            let e = db - dt;
                            tab[o * l + km] = e;
                            part += n * e - lgb;
                        }
                        acc += part;
                    }
                    *kl = acc;
                },
            );
    }

    /// Responsibilities from the current expectations; returns `Σ_i ln Z_i`.
    fn e_step(&self, s: &mut State) -> f64 {
        let (k, ms, l, tol) = (self.k, self.ms, self.l, self.tol);
        let offsets = self.m.item_offsets();
        let workers = self.m.judgment_workers();
        let (tab, prior_row, jc) = (&s.tab, &s.prior_row, &self.jc);
        s.zg.par_chunks_mut(CHUNK * l)
            .zip(s.z.par_chunks_mut(CHUNK * k))
            .zip(s.colsum.par_chunks_mut(l))
            .zip(s.lse.par_iter_mut().zip(s.close.par_iter_mut()))
            .enumerate()
            .for_each(|(ci, (((zgc, zc), cols), (lse, close)))| {
                cols.iter_mut().for_each(|v| *v = 0.0);
                let (mut acc, mut all) = (0.0, true);
                for (r, (row, zrow)) in zgc
                    .chunks_exact_mut(l)
                    .zip(zc.chunks_exact_mut(k))
                    .enumerate()
                {
                    let t = ci * CHUNK + r;
                    row.copy_from_slice(prior_row);
                    for p in offsets[t]..offsets[t + 1] {
                        let at = (workers[p] as usize * k + jc[p] as usize) * l;
                        row.iter_mut()
                            .zip(&tab[at..at + l])
                            .for_each(|(d, v)| *d += v);
                    }
                    acc += softmax_in_place(row);
                    for (c, zv) in zrow.iter_mut().enumerate() {
                        let v: f64 = row[c * ms..(c + 1) * ms].iter().sum();
                        // the authors' np.allclose(last, new, atol=tol) (rtol 1e-5)
                        all &= (*zv - v).abs() <= tol + 1e-5 * v.abs();
                        *zv = v;
                    }
                    cols.iter_mut().zip(row.iter()).for_each(|(c, v)| *c += v);
                }
                (*lse, *close) = (acc, all);
            });
        s.lse.iter().sum()
    }

    /// Iterates one restart from the state's responsibilities.
    fn run(
        &self,
        s: &mut State,
        max_iter: usize,
        restart: usize,
        progress: &dyn Progress,
    ) -> Result<FitReport> {
        let mut report = FitReport::default();
        for it in 1..=max_iter {
            progress.check()?;
            self.global_step(s);
            self.worker_step(s);
            let lse = self.e_step(s);
            let elbo = lse - s.kl_global - s.wkl.iter().sum::<f64>();
            if !elbo.is_finite() {
                return Err(Error::Numerical {
                    context: format!("{} (restart {restart})", self.name),
                    iteration: Some(it),
                    message: format!("the ELBO is {elbo}"),
                });
            }
            report.objective.push(elbo);
            report.iterations = it;
            progress.advance(1);
            if s.close.iter().all(|&c| c) {
                report.stop(StopReason::Converged);
                break;
            }
        }
        Ok(report)
    }

    /// The model from the state at the end of a restart: posteriors, confusion
    /// (posterior means at the final responsibilities), subtype weights, class
    /// distribution, worker accuracy.
    fn model(
        &self,
        s: &State,
        restart_elbos: Vec<f64>,
        best_restart: usize,
        report: FitReport,
    ) -> EbccModel {
        let (k, ms, l) = (self.k, self.ms, self.l);
        let kk = self.active.to_active.len();
        let to_m = &self.active.to_matrix;
        let sums = self.subtype_counts(s);
        let mut weights = Array2::zeros((kk, ms));
        let mut prior = Array1::zeros(kk);
        let total: f64 = self.alpha.iter().sum::<f64>() + sums.iter().sum::<f64>();
        for c in 0..k {
            let g = &sums[c * ms..(c + 1) * ms];
            let tot: f64 = g.iter().map(|n| n + self.a_pi).sum();
            for (m, n) in g.iter().enumerate() {
                weights[[to_m[c] as usize, m]] = (n + self.a_pi) / tot;
            }
            prior[to_m[c] as usize] = (self.alpha[c] + g.iter().sum::<f64>()) / total;
        }
        let w = self.m.n_workers();
        let mut conf = vec![0.0; w * kk * kk];
        conf.par_chunks_mut(kk * kk)
            .enumerate()
            .with_min_len(8)
            .for_each_init(
                || vec![0.0; k * l],
                |cnt, (wk, out)| {
                    self.worker_counts(wk, &s.zg, cnt);
                    for km in 0..l {
                        let c = km / ms;
                        let beta = &self.beta[c * k..(c + 1) * k];
                        let tot: f64 = (0..k).map(|o| beta[o] + cnt[o * l + km]).sum();
                        let wt = weights[[to_m[c] as usize, km % ms]];
                        for o in 0..k {
                            out[to_m[c] as usize * kk + to_m[o] as usize] +=
                                wt * (beta[o] + cnt[o * l + km]) / tot;
                        }
                    }
                },
            );
        let confusion = Array3::from_shape_vec((w, kk, kk), conf).expect("w * k * k values");
        let accuracy = (0..w)
            .map(|wk| {
                if self.m.worker_count(wk as u32) == 0 {
                    f64::NAN
                } else {
                    (0..kk).map(|c| prior[c] * confusion[[wk, c, c]]).sum()
                }
            })
            .collect::<Array1<f64>>();
        EbccModel {
            name: self.name,
            class_names: self.m.classes().iter().map(|c| c.to_string()).collect(),
            posteriors: self.active.expand_rows(&s.z, self.m.n_items()),
            confusion,
            subtype_weights: weights,
            class_prior: prior,
            accuracy,
            restart_elbos,
            best_restart,
            report,
        }
    }
}

impl Estimator for EbccParams {
    type Model = EbccModel;

    /// Fits EBCC (IBCC with one subtype; see the [module docs](super)).
    ///
    /// # Errors
    /// Invalid parameters; no judgment or fewer than two observed classes
    /// ([`Error::InsufficientData`]); a non-finite ELBO ([`Error::Numerical`] naming
    /// the method, restart and iteration).
    fn fit(&self, m: &JudgmentMatrix) -> Result<EbccModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// One progress unit per iteration of every restart (`n_restarts × max_iter`
    /// announced; a restart that converges early advances by its remaining
    /// iterations); interruption is checked before each iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<EbccModel> {
        self.validate()?;
        let ctx = Ctx::new(self, m)?;
        progress.start(ctx.name, Some((self.n_restarts * self.max_iter) as u64));
        let r = self.fit_run(&ctx, progress);
        progress.finish();
        r
    }
}

impl EbccParams {
    /// The restarts of [`Estimator::fit_with_progress`].
    fn fit_run(&self, ctx: &Ctx<'_>, progress: &dyn Progress) -> Result<EbccModel> {
        let mut s = ctx.state();
        let mut best: Option<(f64, usize, FitReport)> = None;
        let mut best_state: Option<State> = None;
        let mut elbos = Vec::with_capacity(self.n_restarts);
        for r in 0..self.n_restarts {
            ctx.init_random(&mut s, self.seed, r);
            let report = ctx.run(&mut s, self.max_iter, r, progress)?;
            if report.iterations < self.max_iter {
                progress.advance((self.max_iter - report.iterations) as u64);
            }
            let elbo = *report.objective.last().expect("max_iter >= 1");
            elbos.push(elbo);
            if best.as_ref().is_none_or(|(b, _, _)| elbo > *b) {
                best = Some((elbo, r, report));
                if r + 1 < self.n_restarts {
                    // keep this restart's state; the next restarts work in a fresh one
                    let fresh = best_state.take().unwrap_or_else(|| ctx.state());
                    best_state = Some(std::mem::replace(&mut s, fresh));
                } else {
                    best_state = Some(s);
                    break;
                }
            }
        }
        let (_, best_restart, report) = best.expect("n_restarts >= 1");
        let state = best_state.expect("a best restart");
        Ok(ctx.model(&state, elbos, best_restart, report))
    }

    /// Fits one restart from given initial responsibilities instead of a random
    /// draw, e.g. to reproduce another implementation's run: `initial` has shape
    /// `(n_items, n_classes, n_subtypes)` (`[item, class, subtype]`, the authors'
    /// `zg_ikm`); each item's values are renormalised to sum to 1 over the classes the
    /// judgments use. [`n_restarts`](Self::n_restarts) and [`seed`](Self::seed) are
    /// not used.
    ///
    /// # Errors
    /// As [`Estimator::fit`], plus [`Error::InvalidParameter`] `initial` for a wrong
    /// shape, a negative or non-finite value, or an item with no positive value.
    pub fn fit_from(&self, m: &JudgmentMatrix, initial: ArrayView3<'_, f64>) -> Result<EbccModel> {
        self.validate()?;
        let ctx = Ctx::new(self, m)?;
        let want = (m.n_items(), m.n_classes(), self.n_subtypes);
        if initial.dim() != want {
            return Err(Error::param(
                "initial",
                format!(
                    "shape must be (n_items, n_classes, n_subtypes) = {want:?}, got {:?}",
                    initial.dim()
                ),
            ));
        }
        let mut s = ctx.state();
        ctx.init_given(&mut s, &initial)?;
        let report = ctx.run(&mut s, self.max_iter, 0, &NoProgress)?;
        let elbo = *report.objective.last().expect("max_iter >= 1");
        Ok(ctx.model(&s, vec![elbo], 0, report))
    }
}
