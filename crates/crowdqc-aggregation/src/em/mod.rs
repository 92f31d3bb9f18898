//! The EM engine shared by Dawid–Skene and one-coin Dawid–Skene, following crowd-kit
//! 1.4.2's update order exactly (see `ds` for the rules).
//!
//! Layout: posteriors `q` are `(n_items, k)` row-major; the confusion and its `log2`
//! table are `(n_workers, k_observed, k_true)` row-major, so the E-step gathers one
//! contiguous row of `k` values per judgment. The E-step walks items (CSR), the
//! M-step walks `(worker, observed label)` groups of items built once, so each worker's
//! cells are written by one task: no atomics, no reduction, results independent of the
//! thread count. Sums over items are taken per fixed chunk of [`CHUNK`] items and added
//! in chunk order. Nothing is allocated or hashed inside the loop.

mod kernels;

use crowdqc_core::estimator::FitReport;
use crowdqc_core::{Error, JudgmentMatrix, Result};
use rayon::prelude::*;

use crate::common::{ActiveClasses, EPS, NONE};

pub(crate) use kernels::{MStep, m_step};

/// Items per chunk of the E-step (the unit of the ordered reduction).
pub(crate) const CHUNK: usize = 1024;

/// The judgments prepared for EM over the active classes.
pub(crate) struct EmData<'a> {
    pub(crate) k: usize,
    pub(crate) n_items: usize,
    pub(crate) n_workers: usize,
    pub(crate) n_judgments: usize,
    pub(crate) n_nonempty: usize,
    pub(crate) offsets: &'a [usize],
    pub(crate) workers: &'a [u32],
    pub(crate) classes: &'a [u32],
    /// Matrix class → active class, when not the identity.
    pub(crate) map: Option<Vec<u32>>,
    /// `(worker, observed active label)` groups: `wl_offsets[w * k + l]..[w * k + l + 1]`
    /// indexes `wl_items`, the items of those judgments (ascending positions).
    pub(crate) wl_offsets: Vec<usize>,
    pub(crate) wl_items: Vec<u32>,
    /// Gold active class per item (or [`NONE`]) when gold is clamped.
    pub(crate) gold: Option<Vec<u32>>,
}

impl<'a> EmData<'a> {
    /// Prepares the matrix (one counting sort by `(worker, label)`).
    pub(crate) fn new(m: &'a JudgmentMatrix, active: &ActiveClasses, clamp_gold: bool) -> Self {
        let k = active.len();
        let map = (!active.is_identity()).then(|| active.to_active.clone());
        let (ws, cs) = (m.judgment_workers(), m.judgment_classes());
        let act = |c: u32| map.as_ref().map_or(c, |mp| mp[c as usize]) as usize;
        let groups = m.n_workers() * k;
        let mut wl_offsets = vec![0usize; groups + 1];
        for (&w, &c) in ws.iter().zip(cs) {
            wl_offsets[w as usize * k + act(c) + 1] += 1;
        }
        for g in 0..groups {
            wl_offsets[g + 1] += wl_offsets[g];
        }
        let mut cursor = wl_offsets[..groups].to_vec();
        let mut wl_items = vec![0u32; cs.len()];
        for ((&w, &c), &i) in ws.iter().zip(cs).zip(m.judgment_items()) {
            let slot = &mut cursor[w as usize * k + act(c)];
            wl_items[*slot] = i;
            *slot += 1;
        }
        let offsets = m.item_offsets();
        let n_nonempty = offsets.windows(2).filter(|w| w[1] > w[0]).count();
        let gold = (clamp_gold && !m.gold().is_empty()).then(|| {
            m.gold()
                .as_slice()
                .iter()
                .map(|&c| {
                    if c == NONE {
                        NONE
                    } else {
                        active.to_active[c as usize]
                    }
                })
                .collect()
        });
        EmData {
            k,
            n_items: m.n_items(),
            n_workers: m.n_workers(),
            n_judgments: cs.len(),
            n_nonempty,
            offsets,
            workers: ws,
            classes: cs,
            map,
            wl_offsets,
            wl_items,
            gold,
        }
    }

    /// Active class of position `p`.
    #[inline(always)]
    pub(crate) fn class_at(&self, p: usize) -> usize {
        let c = self.classes[p];
        match &self.map {
            Some(m) => m[c as usize] as usize,
            None => c as usize,
        }
    }

    /// Majority-vote shares (crowd-kit's soft initialisation), gold clamped.
    pub(crate) fn mv_init(&self) -> Vec<f64> {
        let k = self.k;
        let mut q = vec![0.0; self.n_items * k];
        q.par_chunks_mut(k).enumerate().for_each(|(t, row)| {
            let (s, e) = (self.offsets[t], self.offsets[t + 1]);
            if s == e {
                row.fill(1.0 / k as f64);
            } else {
                for p in s..e {
                    row[self.class_at(p)] += 1.0;
                }
                let n = (e - s) as f64;
                row.iter_mut().for_each(|v| *v /= n);
            }
            self.clamp(t, row);
        });
        q
    }

    #[inline(always)]
    pub(crate) fn clamp(&self, t: usize, row: &mut [f64]) {
        if let Some(g) = &self.gold {
            let c = g[t];
            if c != NONE {
                row.fill(0.0);
                row[c as usize] = 1.0;
            }
        }
    }

    /// Column means of `q` over items with judgments.
    pub(crate) fn mean_rows(&self, q: &[f64]) -> Vec<f64> {
        let k = self.k;
        let mut p = vec![0.0; k];
        for (t, row) in q.chunks_exact(k).enumerate() {
            if self.offsets[t + 1] > self.offsets[t] {
                p.iter_mut().zip(row).for_each(|(a, b)| *a += b);
            }
        }
        let n = self.n_nonempty.max(1) as f64;
        p.iter_mut().for_each(|v| *v /= n);
        p
    }
}

/// How the priors are handled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Priors {
    Estimated,
    Fixed(Vec<f64>),
}

/// One EM run's settings.
pub(crate) struct EmConfig<'a> {
    pub(crate) method: &'static str,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) m_step: MStep,
    pub(crate) priors: Priors,
    /// `[w][observed][true]` initial confusion (active classes) for the first M-step.
    pub(crate) initial: Option<(&'a [f64], crate::ds::InitialConfusion)>,
    pub(crate) stop: crate::ds::StopRule,
}

/// What an EM run returns (active classes).
pub(crate) struct EmResult {
    pub(crate) q: Vec<f64>,
    pub(crate) priors: Vec<f64>,
    /// `[w][observed][true]`.
    pub(crate) conf: Vec<f64>,
    pub(crate) report: FitReport,
    pub(crate) log_likelihood: Vec<f64>,
}

/// Sums from one pass over the items.
struct PassSums {
    prior: Vec<f64>,
    joint: f64,
    entropy: f64,
    loglik: f64,
}

fn floored_logs(p: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let l2 = p.iter().map(|&v| v.max(EPS).log2()).collect();
    let ln = p.iter().map(|&v| v.max(EPS).ln()).collect();
    (l2, ln)
}

fn numerical(method: &str, iteration: usize, what: &str) -> Error {
    Error::Numerical {
        context: method.into(),
        iteration: Some(iteration),
        message: format!("{what} is not finite; check the initial confusion and priors"),
    }
}

/// Runs crowd-kit's EM loop (see the `ds` module docs for the exact order).
pub(crate) fn run(d: &EmData<'_>, cfg: &EmConfig<'_>) -> Result<EmResult> {
    let k = d.k;
    let cells = d.n_workers * k * k;
    let n_chunks = d.n_items.div_ceil(CHUNK).max(1);
    let mut partials = vec![0.0; n_chunks * (k + 3)];
    let mut q = d.mv_init();
    let mut p = match &cfg.priors {
        Priors::Fixed(f) => f.clone(),
        Priors::Estimated => d.mean_rows(&q),
    };
    let mut conf = vec![0.0; cells];
    let mut loge2 = vec![0.0; cells];
    let mut prev_loge2 = vec![0.0; cells];
    m_step(d, &q, &mut conf, &mut loge2, &cfg.m_step, cfg.initial);
    let (mut log2p, mut lnp) = floored_logs(&p);
    let mut sums = pass(d, &mut q, &loge2, &log2p, &lnp, false, &mut partials);
    if !sums.loglik.is_finite() {
        return Err(numerical(cfg.method, 1, "the log-likelihood"));
    }
    let mut loglik = vec![sums.loglik];
    let mut objective = Vec::new();
    let mut prev_log2p = log2p.clone();
    let mut loss_prev = f64::NEG_INFINITY;
    let mut converged = false;
    for it in 1..=cfg.max_iter {
        // q holds q_it = E(theta_{it-1}); keep theta_{it-1} to restore q_it at the end.
        std::mem::swap(&mut prev_loge2, &mut loge2);
        prev_log2p.copy_from_slice(&log2p);
        if let Priors::Estimated = cfg.priors {
            p = sums
                .prior
                .iter()
                .map(|v| v / d.n_nonempty.max(1) as f64)
                .collect();
        }
        m_step(d, &q, &mut conf, &mut loge2, &cfg.m_step, None);
        (log2p, lnp) = floored_logs(&p);
        sums = pass(d, &mut q, &loge2, &log2p, &lnp, true, &mut partials);
        let loss = (sums.joint + sums.entropy) / d.n_judgments.max(1) as f64;
        if !loss.is_finite() {
            return Err(numerical(
                cfg.method,
                it,
                "the objective (per-judgment ELBO)",
            ));
        }
        if !sums.loglik.is_finite() {
            return Err(numerical(cfg.method, it, "the log-likelihood"));
        }
        let value = match cfg.stop {
            crate::ds::StopRule::CrowdKit => loss,
            crate::ds::StopRule::LogLikelihood => sums.loglik / d.n_judgments.max(1) as f64,
        };
        objective.push(value);
        loglik.push(sums.loglik);
        if value - loss_prev < cfg.tol {
            converged = true;
            break;
        }
        loss_prev = value;
    }
    // q holds E(theta_n); crowd-kit returns q_n = E(theta_{n-1}): recompute it.
    let lnp_unused = vec![0.0; k];
    pass(
        d,
        &mut q,
        &prev_loge2,
        &prev_log2p,
        &lnp_unused,
        false,
        &mut partials,
    );
    let report = FitReport {
        iterations: objective.len(),
        converged,
        objective,
    };
    Ok(EmResult {
        q,
        priors: p,
        conf,
        report,
        log_likelihood: loglik,
    })
}

/// One pass over the items: with `elbo`, crowd-kit's joint expectation and entropy of
/// the current `q` under `loge2`/`lnp`; always the E-step writing the new `q` (gold
/// clamped), the new prior sums and the marginal log-likelihood under the parameters.
fn pass(
    d: &EmData<'_>,
    q: &mut [f64],
    loge2: &[f64],
    log2p: &[f64],
    lnp: &[f64],
    elbo: bool,
    partials: &mut [f64],
) -> PassSums {
    macro_rules! dispatch {
        ($($n:literal),*) => {
            match d.k {
                $($n => kernels::pass_dim(kernels::Fixed::<$n>, d, q, loge2, log2p, lnp, elbo, partials),)*
                k => kernels::pass_dim(kernels::Dynamic(k), d, q, loge2, log2p, lnp, elbo, partials),
            }
        };
    }
    dispatch!(2, 3, 4, 5, 6, 7, 8);
    let k = d.k;
    let mut s = PassSums {
        prior: vec![0.0; k],
        joint: 0.0,
        entropy: 0.0,
        loglik: 0.0,
    };
    for part in partials.chunks_exact(k + 3) {
        s.prior
            .iter_mut()
            .zip(&part[..k])
            .for_each(|(a, b)| *a += b);
        s.joint += part[k];
        s.entropy += part[k + 1];
        s.loglik += part[k + 2];
    }
    s
}
