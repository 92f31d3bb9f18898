//! The EM engine shared by Dawid–Skene and one-coin Dawid–Skene, following crowd-kit
//! 1.4.2's update order exactly (see `ds` for the rules). It owns its configuration
//! ([`config`]: stop rule, initial confusion, priors) and the step from an EM result
//! to the fitted model ([`model`]); `ds` and `one_coin` only turn their params into
//! an [`EmConfig`] and call [`run`] and [`build_model`].
//!
//! Layout: the count table `S`, the confusion and its `log2` are `(worker slot,
//! k_observed, k_true)` row-major, so the E-step gathers one contiguous row of `k`
//! values per judgment. Worker slots order workers by activity (busiest first), so the
//! rows most judgments touch share a compact, cache-resident block; the result is put
//! back in worker order.
//!
//! One pass over the items (CSR) per iteration does everything that touches
//! judgments: per item, the E-step row (never stored: no `items x k` table exists
//! during the iterations), its sums (priors, crowd-kit's entropy under its stop rule,
//! the marginal log-likelihood) and the M-step's sums `S[w, l, :] += q[t, :]` into a
//! per-chunk table. Small tables interleave each group's `log2` row with its sums (one
//! or two cache lines per judgment); large ones (very many workers) hold the sums only,
//! the gathers reading the shared `log2` confusion, with at most a few tables alive.
//! crowd-kit's objective needs no pass of its own (see [`run`]). Items are cut into
//! fixed-size chunks (the size depends only on the data); chunk tables are added in
//! chunk order, so results are bit-identical for any thread count. Interleaved tables
//! larger than 512 KB take bigger chunks (up to 20 judgments per table cell, at least
//! 4 chunks: each chunk's table is written, re-read from beyond L2 and added), so
//! their sums are added in another, still fixed, order than before session 12 (last
//! bits of those fits; smaller tables keep their chunks and bits). Tables larger than
//! a core's L2 cache have the rows of the judgments 40 positions ahead prefetched (in
//! the gather loop itself: the group index is padded with 40 zeros). The group index
//! takes 2 bytes per judgment while every group fits in a `u16` (`groups`), else 4:
//! the same values. The
//! kernel for 2 to 8 classes keeps per-class values in registers and computes `2^x`
//! with a vectorised polynomial (`fixed`), with an AVX2 build of the same arithmetic
//! when the CPU has it; that build computes the rows of four items at once, one vector
//! per class (`lanes`), crowd-kit's entropy terms included, with each item's
//! operations unchanged (the same bits). Nothing is allocated or hashed inside the
//! loop. The returned posteriors are the E-step of the last pass's parameters:
//! written by that pass when it is known to be the last (the run reaches its iteration
//! limit), else computed at the end or on demand ([`posterior`]), the same bits
//! either way. The majority-vote start is its own pass (`start`).

mod config;
mod data;
mod exp2;
pub(crate) mod fixed;
mod groups;
pub(crate) mod kernels;
mod lanes;
mod model;
pub(crate) mod posterior;
mod start;
mod terms;

use crowdqc_core::estimator::{FitReport, StopReason};
use crowdqc_core::{Error, Result};

use crate::common::EPS;
pub(crate) use config::{EmConfig, EmResult, Priors};
pub use config::{InitialConfusion, StopRule};
pub(crate) use data::EmData;
pub(crate) use kernels::MStep;
use kernels::PassIn;
pub use model::DawidSkeneModel;
pub(crate) use model::build_model;

/// A zeroed `f64` buffer whose slice starts on a 64-byte boundary (rows of 2 or 4
/// classes then never straddle cache lines).
pub(crate) struct Aligned {
    v: Vec<f64>,
    off: usize,
    len: usize,
}

impl Aligned {
    /// `len` zeros.
    pub(crate) fn new(len: usize) -> Self {
        let v = vec![0.0; len + 8];
        let off = (v.as_ptr() as usize).wrapping_neg() % 64 / 8;
        Aligned { v, off, len }
    }

    /// The values.
    pub(crate) fn as_slice(&self) -> &[f64] {
        &self.v[self.off..self.off + self.len]
    }

    /// The values, mutably.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.v[self.off..self.off + self.len]
    }
}

/// Sums from one pass over the items.
pub(crate) struct PassSums {
    /// `Σ_t q[t, c]` of the posteriors the pass wrote.
    pub(crate) prior: Vec<f64>,
    /// `Σ_t n_t q[t, c]` (`n_t` judgments of item `t`): the prior term of crowd-kit's
    /// joint expectation, which counts the log-prior once per judgment.
    pub(crate) weighted: Vec<f64>,
    /// Entropy (crowd-kit's, floored) of the posteriors the pass wrote.
    pub(crate) entropy: f64,
    /// Marginal log-likelihood of the parameters the pass used.
    pub(crate) loglik: f64,
}

fn floored_logs(p: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let l2 = p.iter().map(|&v| v.max(EPS).log2()).collect();
    let ln = p.iter().map(|&v| v.max(EPS).ln()).collect();
    (l2, ln)
}

/// Class sums over the items with judgments → mean posterior (the estimated priors).
fn mean_over_items(d: &EmData<'_>, sums: &[f64]) -> Vec<f64> {
    sums.iter()
        .map(|v| v / d.n_nonempty.max(1) as f64)
        .collect()
}

fn numerical(method: &str, iteration: usize, what: &str) -> Error {
    Error::Numerical {
        context: method.into(),
        iteration: Some(iteration),
        message: format!("{what} is not finite; check the initial confusion and priors"),
    }
}

/// Working buffers of a run (allocated once).
pub(crate) struct Buffers {
    pub(crate) partials: Vec<f64>,
    /// Per-chunk count tables of one wave.
    pub(crate) tables: Aligned,
}

/// Runs crowd-kit's EM loop (see the `ds` module docs for the exact order).
///
/// Iteration `it` takes `q_it` (written by the previous pass, with its M-step sums
/// `S_it`, prior sums and entropy), estimates the priors and `theta_it = M(S_it)`,
/// evaluates the stop rule, and (unless it stops) runs the pass `q_{it+1} =
/// E(theta_it)`. crowd-kit's objective of `q_it` under `theta_it` needs no pass over
/// the judgments: its joint expectation is `Σ_{w,l,c} S_it[w,l,c] ln e_it[w,l,c] +
/// Σ_c (Σ_t n_t q_it[t,c]) ln p_c`, so with that rule the returned `q_n` is the last
/// one written and every iteration costs one pass. The log-likelihood rule needs the
/// pass with `theta_it` first; it then returns `E(theta_n)`, the posteriors of the
/// returned parameters.
///
/// Reports to `cfg.progress` (start with the iteration limit, one unit per iteration,
/// finish also on error) and stops with [`Error::Interrupted`] before an iteration
/// once it asks to.
pub(crate) fn run(d: &EmData<'_>, cfg: &EmConfig<'_>) -> Result<EmResult> {
    cfg.progress.start(cfg.method, Some(cfg.max_iter as u64));
    let r = run_loop(d, cfg);
    cfg.progress.finish();
    r
}

fn run_loop(d: &EmData<'_>, cfg: &EmConfig<'_>) -> Result<EmResult> {
    let k = d.k;
    let cells = d.n_workers * k * k;
    let mut buf = Buffers {
        partials: vec![0.0; d.n_chunks() * kernels::partial_len(k)],
        tables: Aligned::new(d.tables_len()),
    };
    let mut s = vec![0.0; cells];
    let mut conf = vec![0.0; cells];
    // two log2 confusions: the one the last pass used (its E-step gives the returned
    // posteriors) and the next M-step's
    let mut loge2 = [Aligned::new(cells), Aligned::new(cells)];
    let mut cur = 0;
    let mut p = match cfg.start {
        // warm start: theta_0 is given (worker order → slot order)
        Some((c0, p0)) => {
            let kk = k * k;
            for (sl, &w) in d.by_slot.iter().enumerate() {
                let src = &c0[w as usize * kk..(w as usize + 1) * kk];
                conf[sl * kk..(sl + 1) * kk].copy_from_slice(src);
            }
            for (lv, &cv) in loge2[cur].as_mut_slice().iter_mut().zip(&conf) {
                *lv = if cv > 0.0 { cv.log2() } else { EPS.log2() };
            }
            match &cfg.priors {
                Priors::Fixed(f) => f.clone(),
                Priors::Estimated => p0.to_vec(),
            }
        }
        None => {
            let vote_sums = start::init_pass(d, &mut s, &mut buf);
            let p = match &cfg.priors {
                Priors::Fixed(f) => f.clone(),
                Priors::Estimated => mean_over_items(d, &vote_sums),
            };
            kernels::normalize(
                d,
                &s,
                &mut conf,
                loge2[cur].as_mut_slice(),
                &cfg.m_step,
                cfg.initial,
            );
            p
        }
    };
    let mut log2p = floored_logs(&p).0;
    let entropy = cfg.stop == StopRule::CrowdKit;
    fn pass_in<'b>(loge2: &'b [f64], log2p: &'b [f64], entropy: bool) -> PassIn<'b> {
        PassIn {
            loge2,
            log2p,
            entropy,
        }
    }
    // A kept fit's posteriors are the rows of its last pass. A pass known to be the
    // last (it reaches the iteration limit) writes them; otherwise `final_rows`
    // recomputes them at the end (the same bits). Only while the chunk tables are no
    // larger than the rows table: it is allocated while they are alive.
    let write_rows = cfg.keep && d.tables_len() <= d.n_items * k;
    let mut rows: Option<Vec<f64>> = None;
    fn rows_for(rows: &mut Option<Vec<f64>>, on: bool, len: usize) -> Option<&mut [f64]> {
        on.then(|| rows.insert(vec![0.0; len]).as_mut_slice())
    }
    let nr = d.n_items * k;
    let ck = cfg.stop == StopRule::CrowdKit;
    // q_1 = E(theta_0), with its M-step sums.
    let mut sums = kernels::pass(
        d,
        pass_in(loge2[cur].as_slice(), &log2p, entropy),
        Some(&mut s),
        rows_for(
            &mut rows,
            write_rows && (cfg.max_iter == 0 || (ck && cfg.max_iter == 1)),
            nr,
        ),
        &mut buf,
    );
    if !sums.loglik.is_finite() {
        return Err(numerical(cfg.method, 1, "the log-likelihood"));
    }
    // the parameters of the last pass
    let (mut last, mut last_log2p) = (cur, log2p.clone());
    let n = d.n_judgments.max(1) as f64;
    let mut loglik = vec![sums.loglik];
    let mut objective = Vec::new();
    let mut loss_prev = f64::NEG_INFINITY;
    let mut stop = StopReason::MaxIterations;
    for it in 1..=cfg.max_iter {
        cfg.progress.check()?;
        // the last pass computed q_it, `sums` are its sums
        if let Priors::Estimated = cfg.priors {
            p = mean_over_items(d, &sums.prior);
        }
        cur = 1 - last;
        kernels::normalize(
            d,
            &s,
            &mut conf,
            loge2[cur].as_mut_slice(),
            &cfg.m_step,
            None,
        );
        let lnp;
        (log2p, lnp) = floored_logs(&p);
        let value = match cfg.stop {
            StopRule::CrowdKit => {
                let joint = kernels::joint(d, &s, loge2[cur].as_slice(), &sums.weighted, &lnp);
                let loss = (joint + sums.entropy) / n;
                if !loss.is_finite() {
                    return Err(numerical(
                        cfg.method,
                        it,
                        "the objective (per-judgment ELBO)",
                    ));
                }
                loss
            }
            StopRule::LogLikelihood => {
                sums = kernels::pass(
                    d,
                    pass_in(loge2[cur].as_slice(), &log2p, entropy),
                    Some(&mut s),
                    rows_for(&mut rows, write_rows && it == cfg.max_iter, nr),
                    &mut buf,
                );
                (last, last_log2p) = (cur, log2p.clone());
                if !sums.loglik.is_finite() {
                    return Err(numerical(cfg.method, it, "the log-likelihood"));
                }
                loglik.push(sums.loglik);
                sums.loglik / n
            }
        };
        objective.push(value);
        cfg.progress.advance(1);
        if let Some(reason) = StopReason::from_change(loss_prev, value, cfg.tol) {
            stop = reason;
            break;
        }
        loss_prev = value;
        if cfg.stop == StopRule::CrowdKit && it < cfg.max_iter {
            sums = kernels::pass(
                d,
                pass_in(loge2[cur].as_slice(), &log2p, entropy),
                Some(&mut s),
                rows_for(&mut rows, write_rows && it + 1 == cfg.max_iter, nr),
                &mut buf,
            );
            (last, last_log2p) = (cur, log2p.clone());
            if !sums.loglik.is_finite() {
                return Err(numerical(cfg.method, it + 1, "the log-likelihood"));
            }
            loglik.push(sums.loglik);
        }
    }
    drop(buf);
    drop(s);
    let conf_w = to_worker_order(d, &conf);
    let report = FitReport::new(objective.len(), objective, stop);
    // the posteriors: the E-step of the last pass's parameters, with the pass's data
    // (slot-order table, group indices, prefetching) when kept, else on demand
    let (q, last_pass) = if cfg.keep {
        let q = match rows {
            Some(q) => q,
            None => posterior::final_rows(d, loge2[last].as_slice(), &last_log2p),
        };
        (Some(q), None)
    } else {
        let l = to_worker_order(d, loge2[last].as_slice());
        (None, Some((l, last_log2p)))
    };
    Ok(EmResult {
        q,
        last_pass,
        priors: p,
        conf: conf_w,
        report,
        log_likelihood: loglik,
    })
}

/// A per-worker table (`k * k` values per worker) from slot order to worker order.
fn to_worker_order(d: &EmData<'_>, v: &[f64]) -> Vec<f64> {
    let kk = d.k * d.k;
    let mut out = vec![0.0; v.len()];
    for (sl, &w) in d.by_slot.iter().enumerate() {
        out[w as usize * kk..(w as usize + 1) * kk].copy_from_slice(&v[sl * kk..(sl + 1) * kk]);
    }
    out
}

#[cfg(test)]
mod tests;
