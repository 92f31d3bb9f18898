//! The fit: block coordinate ascent (workers' M-step, then items' M-step fused with
//! the E-step), parallel over workers and over fixed chunks of items.

use crowdqc_core::estimator::{Estimator, FitReport, StopReason};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{ClassOrder, Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2, Array3};
use rayon::prelude::*;

use super::model::MinimaxModel;
use super::newton::{Acc, Scratch, accumulate, ordinal_features, solve_ordinal, solve_rows};
use super::params::{MinimaxParams, MinimaxVariant};
use crate::common::ActiveClasses;

/// Items per parallel chunk of the item pass (fixed: sums independent of thread count).
const CHUNK: usize = 512;
/// Workers per parallel job of the worker pass (a minimum; results do not depend on it).
const WORKERS_PER_JOB: usize = 8;

/// Constant inputs of every pass.
struct Ctx<'a> {
    m: &'a JudgmentMatrix,
    k: usize,
    /// Parameters per worker and per item: `K²` (categorical) or `4K` (ordinal).
    d: usize,
    ordinal: bool,
    feat: Vec<u16>,
    /// Active class of every judgment position.
    lab: Vec<u32>,
    lw: f64,
    li: f64,
    inner_max: usize,
    inner_tol: f64,
    prog_tol: f64,
}

/// Iterates; all arrays are flat, row-major.
struct State {
    /// Logits `[true, observed]` of every worker and every item (`K²` each).
    sigma: Vec<f64>,
    tau: Vec<f64>,
    /// Ordinal parameters (`4K` each; empty for categorical).
    xw: Vec<f64>,
    xi: Vec<f64>,
    /// Posteriors over the active classes (`n_items × K`).
    mu: Vec<f64>,
    log_prior: Vec<f64>,
}

/// What one chunk of the item pass returns: `Σ ln Z_t`, the largest posterior change.
#[derive(Clone, Copy)]
struct ChunkSums {
    ll: f64,
    diff: f64,
}

impl Ctx<'_> {
    fn method(&self) -> &'static str {
        if self.ordinal {
            "minimax-ordinal"
        } else {
            "minimax"
        }
    }

    /// M-step of every worker (parallel over workers; each solve is sequential).
    fn worker_step(&self, st: &mut State) {
        let (k, kk, d) = (self.k, self.k * self.k, self.d);
        let (tau, mu) = (&st.tau, &st.mu);
        let items = self.m.judgment_items();
        let m = self.m;
        let lab = &self.lab;
        let pass_for = move |w: usize| {
            move |tr: &[f64], act: &[bool], acc: &mut Acc, z: &mut [f64]| {
                for &p in m.worker_judgments(w as u32) {
                    let p = p as usize;
                    let i = items[p] as usize;
                    accumulate(
                        k,
                        tr,
                        &tau[i * kk..(i + 1) * kk],
                        &mu[i * k..(i + 1) * k],
                        lab[p] as usize,
                        act,
                        acc,
                        z,
                    );
                }
            }
        };
        if self.ordinal {
            st.sigma
                .par_chunks_mut(kk)
                .zip(st.xw.par_chunks_mut(d))
                .enumerate()
                .with_min_len(WORKERS_PER_JOB)
                .for_each_init(
                    || Scratch::new(k, d),
                    |s, (w, (lg, x))| {
                        solve_ordinal(
                            x,
                            lg,
                            &self.feat,
                            self.lw,
                            self.inner_max,
                            self.inner_tol,
                            self.prog_tol,
                            s,
                            pass_for(w),
                        );
                    },
                );
        } else {
            st.sigma
                .par_chunks_mut(kk)
                .enumerate()
                .with_min_len(WORKERS_PER_JOB)
                .for_each_init(
                    || Scratch::new(k, d),
                    |s, (w, x)| {
                        solve_rows(
                            x,
                            self.lw,
                            self.inner_max,
                            self.inner_tol,
                            self.prog_tol,
                            s,
                            pass_for(w),
                        );
                    },
                );
        }
    }

    /// M-step of item `i` (its logits `tau_i`, ordinal parameters `xi_i`), then its
    /// E-step into `mu_i`. Returns `(ln Z_i, max |Δμ_i|)`.
    #[allow(clippy::too_many_arguments)]
    fn item_block(
        &self,
        i: usize,
        tau_i: &mut [f64],
        xi_i: Option<&mut [f64]>,
        mu_i: &mut [f64],
        sigma: &[f64],
        log_prior: &[f64],
        s: &mut Scratch,
        buf: &mut [f64],
    ) -> (f64, f64) {
        let (k, kk) = (self.k, self.k * self.k);
        let range = self.m.item_range(i as u32);
        let workers = &self.m.judgment_workers()[range.clone()];
        let lab = &self.lab[range];
        let (old, rest) = buf.split_at_mut(k);
        let (logp, z) = rest.split_at_mut(k);
        old.copy_from_slice(mu_i);
        if workers.is_empty() {
            // no judgment: the prior
            let mx = log_prior.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let tot: f64 = log_prior.iter().map(|v| (v - mx).exp()).sum();
            let mut diff: f64 = 0.0;
            for r in 0..k {
                mu_i[r] = (log_prior[r] - mx).exp() / tot;
                diff = diff.max((mu_i[r] - old[r]).abs());
            }
            return (0.0, diff);
        }
        let w_old: &[f64] = old;
        let pass = |tr: &[f64], act: &[bool], acc: &mut Acc, z: &mut [f64]| {
            for (&w, &l) in workers.iter().zip(lab) {
                let w = w as usize;
                accumulate(
                    k,
                    tr,
                    &sigma[w * kk..(w + 1) * kk],
                    w_old,
                    l as usize,
                    act,
                    acc,
                    z,
                );
            }
        };
        match xi_i {
            Some(x) => {
                solve_ordinal(
                    x,
                    tau_i,
                    &self.feat,
                    self.li,
                    self.inner_max,
                    self.inner_tol,
                    self.prog_tol,
                    s,
                    pass,
                );
            }
            None => {
                solve_rows(
                    tau_i,
                    self.li,
                    self.inner_max,
                    self.inner_tol,
                    self.prog_tol,
                    s,
                    pass,
                );
            }
        }
        // E-step: products of probabilities (rescaled into logs every 32 judgments,
        // far from underflow) instead of a logarithm per judgment and class
        logp.copy_from_slice(log_prior);
        let (prod, z) = z.split_at_mut(k);
        prod.fill(1.0);
        for (j, (&w, &l)) in workers.iter().zip(lab).enumerate() {
            let sw = &sigma[w as usize * kk..(w as usize + 1) * kk];
            for r in 0..k {
                let mut mx = f64::NEG_INFINITY;
                for c in 0..k {
                    z[c] = sw[r * k + c] + tau_i[r * k + c];
                    mx = mx.max(z[c]);
                }
                let zl = z[l as usize];
                let sum: f64 = z.iter().map(|v| (v - mx).exp()).sum();
                prod[r] *= (zl - mx).exp() / sum;
            }
            if j % 32 == 31 {
                for (lp, p) in logp.iter_mut().zip(prod.iter_mut()) {
                    *lp += p.ln();
                    *p = 1.0;
                }
            }
        }
        for (lp, p) in logp.iter_mut().zip(prod.iter()) {
            *lp += p.ln();
        }
        let mx = logp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut tot = 0.0;
        for (m, &lp) in mu_i.iter_mut().zip(logp.iter()) {
            *m = (lp - mx).exp();
            tot += *m;
        }
        let mut diff: f64 = 0.0;
        for r in 0..k {
            mu_i[r] /= tot;
            diff = diff.max((mu_i[r] - old[r]).abs());
        }
        (mx + tot.ln(), diff)
    }

    /// M-step of every item fused with the E-step, over fixed chunks of items.
    fn item_step(&self, st: &mut State) -> ChunkSums {
        let (k, kk, d) = (self.k, self.k * self.k, self.d);
        let (sigma, log_prior) = (&st.sigma, &st.log_prior);
        let init = || (Scratch::new(k, d), vec![0.0; 4 * k]);
        let sums: Vec<ChunkSums> = if self.ordinal {
            st.tau
                .par_chunks_mut(CHUNK * kk)
                .zip(st.mu.par_chunks_mut(CHUNK * k))
                .zip(st.xi.par_chunks_mut(CHUNK * d))
                .enumerate()
                .map_init(init, |(s, buf), (c, ((tc, mc), xc))| {
                    let mut out = ChunkSums { ll: 0.0, diff: 0.0 };
                    for (j, ((t, m), x)) in tc
                        .chunks_mut(kk)
                        .zip(mc.chunks_mut(k))
                        .zip(xc.chunks_mut(d))
                        .enumerate()
                    {
                        let (ll, diff) =
                            self.item_block(c * CHUNK + j, t, Some(x), m, sigma, log_prior, s, buf);
                        out.ll += ll;
                        out.diff = out.diff.max(diff);
                    }
                    out
                })
                .collect()
        } else {
            st.tau
                .par_chunks_mut(CHUNK * kk)
                .zip(st.mu.par_chunks_mut(CHUNK * k))
                .enumerate()
                .map_init(init, |(s, buf), (c, (tc, mc))| {
                    let mut out = ChunkSums { ll: 0.0, diff: 0.0 };
                    for (j, (t, m)) in tc.chunks_mut(kk).zip(mc.chunks_mut(k)).enumerate() {
                        let (ll, diff) =
                            self.item_block(c * CHUNK + j, t, None, m, sigma, log_prior, s, buf);
                        out.ll += ll;
                        out.diff = out.diff.max(diff);
                    }
                    out
                })
                .collect()
        };
        sums.iter()
            .fold(ChunkSums { ll: 0.0, diff: 0.0 }, |a, b| ChunkSums {
                ll: a.ll + b.ll,
                diff: a.diff.max(b.diff),
            })
    }

    /// `λ_w/2 Σ ‖x_w‖² + λ_i/2 Σ ‖x_i‖²` (sequential sums).
    fn penalty(&self, st: &State) -> f64 {
        let sq = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>();
        let (w, i) = if self.ordinal {
            (sq(&st.xw), sq(&st.xi))
        } else {
            (sq(&st.sigma), sq(&st.tau))
        };
        0.5 * (self.lw * w + self.li * i)
    }

    /// Majority-vote shares over the active classes (the authors' initialisation).
    fn init_mu(&self, mu: &mut [f64]) {
        let k = self.k;
        for (i, row) in mu.chunks_mut(k).enumerate() {
            let range = self.m.item_range(i as u32);
            let n = range.len();
            if n == 0 {
                row.fill(1.0 / k as f64);
                continue;
            }
            for &l in &self.lab[range] {
                row[l as usize] += 1.0;
            }
            row.iter_mut().for_each(|v| *v /= n as f64);
        }
    }

    /// The class prior as the mean posterior of the items with judgments (floored).
    fn learned_log_prior(&self, mu: &[f64], out: &mut [f64]) {
        let k = self.k;
        let mut col = vec![0.0; k];
        let mut n = 0usize;
        for (i, row) in mu.chunks(k).enumerate() {
            if self.m.item_count(i as u32) > 0 {
                n += 1;
                for (c, v) in col.iter_mut().zip(row) {
                    *c += v;
                }
            }
        }
        for (o, c) in out.iter_mut().zip(&col) {
            *o = (c / n.max(1) as f64).max(1e-10).ln();
        }
    }

    /// Expected confusion `[true, observed]` of each worker over their own items
    /// (weights: the posteriors), and the model accuracy; rows with no weight use the
    /// worker's item-free logits.
    fn worker_confusion(&self, st: &State) -> (Vec<f64>, Vec<f64>) {
        let (k, kk) = (self.k, self.k * self.k);
        let items = self.m.judgment_items();
        let mut conf = vec![0.0; self.m.n_workers() * kk];
        let mut acc = vec![0.0; self.m.n_workers()];
        conf.par_chunks_mut(kk)
            .zip(acc.par_iter_mut())
            .enumerate()
            .with_min_len(WORKERS_PER_JOB)
            .for_each(|(w, (c, a))| {
                let sw = &st.sigma[w * kk..(w + 1) * kk];
                let mut den = vec![0.0; k];
                let mut z = vec![0.0; k];
                for &p in self.m.worker_judgments(w as u32) {
                    let i = items[p as usize] as usize;
                    let (ti, mi) = (&st.tau[i * kk..(i + 1) * kk], &st.mu[i * k..(i + 1) * k]);
                    for r in 0..k {
                        softmax_sum(&sw[r * k..(r + 1) * k], &ti[r * k..(r + 1) * k], &mut z);
                        den[r] += mi[r];
                        for (cv, zv) in c[r * k..(r + 1) * k].iter_mut().zip(&z) {
                            *cv += mi[r] * zv;
                        }
                    }
                }
                let zeros = vec![0.0; k];
                let (mut hit, mut tot) = (0.0, 0.0);
                for r in 0..k {
                    let row = &mut c[r * k..(r + 1) * k];
                    if den[r] > 0.0 {
                        hit += row[r];
                        tot += den[r];
                        row.iter_mut().for_each(|v| *v /= den[r]);
                    } else {
                        softmax_sum(&sw[r * k..(r + 1) * k], &zeros, &mut z);
                        row.copy_from_slice(&z);
                    }
                }
                *a = if tot > 0.0 { hit / tot } else { f64::NAN };
            });
        (conf, acc)
    }
}

/// `out = softmax(a + b)`.
fn softmax_sum(a: &[f64], b: &[f64], out: &mut [f64]) {
    let mut mx = f64::NEG_INFINITY;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x + y;
        mx = mx.max(*o);
    }
    let mut s = 0.0;
    for o in out.iter_mut() {
        *o = (*o - mx).exp();
        s += *o;
    }
    out.iter_mut().for_each(|o| *o /= s);
}

impl Estimator for MinimaxParams {
    type Model = MinimaxModel;

    /// Fits minimax conditional entropy (see the [module docs](super)).
    ///
    /// # Errors
    /// Invalid parameters ([`Error::InvalidParameter`]); fewer than two classes used
    /// by the judgments ([`Error::InsufficientData`]); the ordinal variant on labels
    /// with no order ([`Error::InvalidParameter`] `classes`); a non-finite objective
    /// ([`Error::Numerical`] naming the iteration).
    fn fit(&self, m: &JudgmentMatrix) -> Result<MinimaxModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// As [`fit`](Estimator::fit), one progress unit per outer iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(
        &self,
        m: &JudgmentMatrix,
        progress: &dyn Progress,
    ) -> Result<MinimaxModel> {
        self.validate()?;
        let ordinal = self.variant == MinimaxVariant::Ordinal;
        let name = if ordinal {
            "minimax-ordinal"
        } else {
            "minimax"
        };
        if ordinal && m.classes().order() == ClassOrder::Lexicographic {
            return Err(Error::param(
                "classes",
                format!(
                    "minimax-ordinal needs ordered classes, but the labels ({}) are not all \
                     numbers; declare the class order (CLI: `--classes` with the labels \
                     from lowest to highest, e.g. `--classes G,P,R,X`; library: \
                     `IngestOptions::classes`), or use `minimax` for unordered classes",
                    m.classes()
                        .iter()
                        .take(6)
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        progress.start(name, Some(self.max_iter as u64));
        let r = self.fit_run(m, ordinal, progress);
        progress.finish();
        r
    }
}

impl MinimaxParams {
    fn fit_run(
        &self,
        m: &JudgmentMatrix,
        ordinal: bool,
        progress: &dyn Progress,
    ) -> Result<MinimaxModel> {
        let name = if ordinal {
            "minimax-ordinal"
        } else {
            "minimax"
        };
        let active = ActiveClasses::new(m, None, name)?;
        let k = active.len();
        let (n, nw) = (m.n_items(), m.n_workers());
        let d = if ordinal { 4 * k } else { k * k };
        let lw = self.worker_penalty.unwrap_or(0.25 * (k * k) as f64);
        // mean judgments per worker / mean judgments per item = items / workers
        let items_with = (0..n as u32).filter(|&i| m.item_count(i) > 0).count();
        let workers_with = (0..nw as u32).filter(|&w| m.worker_count(w) > 0).count();
        let li = self
            .item_penalty
            .unwrap_or(lw * items_with as f64 / workers_with.max(1) as f64);
        let ctx = Ctx {
            m,
            k,
            d,
            ordinal,
            feat: if ordinal {
                ordinal_features(k)
            } else {
                Vec::new()
            },
            lab: m
                .judgment_classes()
                .iter()
                .map(|&c| active.to_active[c as usize])
                .collect(),
            lw,
            li,
            inner_max: self.inner_max_iter,
            inner_tol: self.inner_tol,
            prog_tol: self.inner_prog_tol,
        };
        let mut st = State {
            sigma: vec![0.0; nw * k * k],
            tau: vec![0.0; n * k * k],
            xw: vec![0.0; if ordinal { nw * d } else { 0 }],
            xi: vec![0.0; if ordinal { n * d } else { 0 }],
            mu: vec![0.0; n * k],
            log_prior: vec![-(k as f64).ln(); k],
        };
        ctx.init_mu(&mut st.mu);
        let nj = m.n_judgments().max(1) as f64;
        let mut report = FitReport::default();
        for it in 1..=self.max_iter {
            progress.check()?;
            if self.learn_prior {
                let mut lp = std::mem::take(&mut st.log_prior);
                ctx.learned_log_prior(&st.mu, &mut lp);
                st.log_prior = lp;
            }
            ctx.worker_step(&mut st);
            let sums = ctx.item_step(&mut st);
            let objective = (sums.ll - ctx.penalty(&st)) / nj;
            if !objective.is_finite() {
                return Err(Error::Numerical {
                    context: ctx.method().into(),
                    iteration: Some(it),
                    message: format!(
                        "the penalised log-likelihood is not finite ({objective}); \
                         check for extreme penalties"
                    ),
                });
            }
            report.objective.push(objective);
            report.iterations = it;
            progress.advance(1);
            if sums.diff < self.tol {
                report.stop(StopReason::Converged);
                break;
            }
        }
        let (conf, acc) = ctx.worker_confusion(&st);
        let kf = m.n_classes();
        let mut confusion = Array3::zeros((nw, kf, kf));
        for w in 0..nw {
            for r in 0..k {
                for c in 0..k {
                    confusion[[
                        w,
                        active.to_matrix[r] as usize,
                        active.to_matrix[c] as usize,
                    ]] = conf[w * k * k + r * k + c];
                }
            }
        }
        let mut prior = Array1::zeros(kf);
        for r in 0..k {
            prior[active.to_matrix[r] as usize] = st.log_prior[r].exp();
        }
        let s: f64 = prior.sum();
        prior.mapv_inplace(|v| v / s);
        let posteriors: Array2<f64> = active.expand_rows(&st.mu, n);
        Ok(MinimaxModel {
            ordinal,
            posteriors,
            confusion,
            accuracy: Array1::from(acc),
            class_prior: prior,
            worker_penalty: lw,
            item_penalty: li,
            class_names: m.classes().iter().map(|l| l.to_string()).collect(),
            report,
        })
    }
}
