//! The EM engine shared by Dawid–Skene and one-coin Dawid–Skene, following crowd-kit
//! 1.4.2's update order exactly (see `ds` for the rules).
//!
//! Layout: posteriors `q` are `(n_items, k)` row-major; the count table `S`, the
//! confusion and its `log2` are `(n_workers, k_observed, k_true)` row-major, so the
//! E-step gathers one contiguous row of `k` values per judgment.
//!
//! One pass over the items (CSR) per iteration does everything that touches
//! judgments: the objective of the current posteriors, the E-step, and (in *scatter*
//! mode) the M-step's sums `S[w, l, :] += q[t, :]` into a per-chunk table. Items are
//! cut into fixed-size chunks (the size depends only on the data); chunk tables are
//! added in chunk order, in waves of a fixed number of chunks, so results are
//! bit-identical for any thread count. When the table is too large to stay in cache
//! (very many workers), *group* mode instead sums, per worker, the posteriors of the
//! items of each `(worker, label)` group (built once by a counting sort), one task per
//! worker. Nothing is allocated or hashed inside the loop.

mod kernels;

use crowdqc_core::estimator::FitReport;
use crowdqc_core::{Error, JudgmentMatrix, Result};
use rayon::prelude::*;

use crate::common::{ActiveClasses, EPS, NONE};
use crate::ds::{InitialConfusion, StopRule};

pub(crate) use kernels::MStep;

/// Largest per-chunk count table (bytes) for scatter mode.
const SCATTER_MAX_TABLE: usize = 8 << 20;
/// Chunk tables held at once in scatter mode (at most).
const WAVE: usize = 8;

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
    /// Judgments per `(worker, active label)`.
    pub(crate) wl_count: Vec<u32>,
    /// Group mode only: `wl_offsets[w * k + l]..[w * k + l + 1]` indexes `wl_items`, the
    /// items of those judgments (ascending positions).
    pub(crate) wl_offsets: Vec<usize>,
    pub(crate) wl_items: Vec<u32>,
    /// Gold active class per item (or [`NONE`]) when gold is clamped.
    pub(crate) gold: Option<Vec<u32>>,
    /// Items per chunk.
    pub(crate) chunk_items: usize,
    /// Chunks per wave (scatter mode), or all chunks (group mode).
    pub(crate) wave: usize,
    pub(crate) scatter: bool,
}

impl<'a> EmData<'a> {
    /// Prepares the matrix.
    pub(crate) fn new(m: &'a JudgmentMatrix, active: &ActiveClasses, clamp_gold: bool) -> Self {
        let k = active.len();
        let map = (!active.is_identity()).then(|| active.to_active.clone());
        let (ws, cs) = (m.judgment_workers(), m.judgment_classes());
        let act = |c: u32| map.as_ref().map_or(c, |mp| mp[c as usize]) as usize;
        let groups = m.n_workers() * k;
        let mut wl_count = vec![0u32; groups];
        for (&w, &c) in ws.iter().zip(cs) {
            wl_count[w as usize * k + act(c)] += 1;
        }
        let n = cs.len();
        let table = groups * k * 8 * 2;
        // Chunk size depends on the data only: enough judgments per chunk that adding
        // the chunk's table costs little next to filling it.
        let scatter = table <= SCATTER_MAX_TABLE && n >= 4 * groups;
        let target = if scatter {
            // small (cache-resident) tables: more chunks balance the threads better;
            // large ones: fewer chunks keep zeroing and adding tables cheap
            let per_cell = if table <= 1 << 19 { 4 } else { 8 };
            (1usize << 13).max(per_cell * groups * k)
        } else {
            1 << 14
        };
        let per_item = (n as f64 / m.n_items().max(1) as f64).max(1.0);
        let chunk_items = ((target as f64 / per_item) as usize).max(64);
        let (mut wl_offsets, mut wl_items) = (Vec::new(), Vec::new());
        if !scatter {
            wl_offsets = vec![0usize; groups + 1];
            for g in 0..groups {
                wl_offsets[g + 1] = wl_offsets[g] + wl_count[g] as usize;
            }
            let mut cursor = wl_offsets[..groups].to_vec();
            wl_items = vec![0u32; n];
            for ((&w, &c), &i) in ws.iter().zip(cs).zip(m.judgment_items()) {
                let slot = &mut cursor[w as usize * k + act(c)];
                wl_items[*slot] = i;
                *slot += 1;
            }
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
        let n_chunks = m.n_items().div_ceil(chunk_items).max(1);
        EmData {
            k,
            n_items: m.n_items(),
            n_workers: m.n_workers(),
            n_judgments: n,
            n_nonempty,
            offsets,
            workers: ws,
            classes: cs,
            map,
            wl_count,
            wl_offsets,
            wl_items,
            gold,
            chunk_items,
            wave: if scatter { WAVE } else { n_chunks },
            scatter,
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

    /// Number of item chunks.
    pub(crate) fn n_chunks(&self) -> usize {
        self.n_items.div_ceil(self.chunk_items).max(1)
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

    /// Sets a gold item's row one-hot; true when it did.
    #[inline(always)]
    pub(crate) fn clamp(&self, t: usize, row: &mut [f64]) -> bool {
        if let Some(g) = &self.gold {
            let c = g[t];
            if c != NONE {
                row.fill(0.0);
                row[c as usize] = 1.0;
                return true;
            }
        }
        false
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
    pub(crate) initial: Option<(&'a [f64], InitialConfusion)>,
    pub(crate) stop: StopRule,
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
pub(crate) struct PassSums {
    pub(crate) prior: Vec<f64>,
    /// Joint expectation of the posteriors the pass started from.
    pub(crate) joint: f64,
    /// Entropy (crowd-kit's, floored) of the posteriors the pass wrote.
    pub(crate) entropy: f64,
    pub(crate) loglik: f64,
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

/// Working buffers of a run (allocated once).
pub(crate) struct Buffers {
    pub(crate) partials: Vec<f64>,
    /// Per-chunk count tables of one wave (scatter mode).
    pub(crate) tables: Vec<f64>,
}

/// Runs crowd-kit's EM loop (see the `ds` module docs for the exact order).
pub(crate) fn run(d: &EmData<'_>, cfg: &EmConfig<'_>) -> Result<EmResult> {
    let k = d.k;
    let cells = d.n_workers * k * k;
    let mut buf = Buffers {
        partials: vec![0.0; d.n_chunks() * (k + 3)],
        tables: if d.scatter {
            vec![0.0; d.wave * 2 * cells]
        } else {
            Vec::new()
        },
    };
    let mut q = d.mv_init();
    let mut p = match &cfg.priors {
        Priors::Fixed(f) => f.clone(),
        Priors::Estimated => d.mean_rows(&q),
    };
    let mut s = vec![0.0; cells];
    let mut conf = vec![0.0; cells];
    let mut loge2 = vec![0.0; cells];
    let mut prev_loge2 = vec![0.0; cells];
    kernels::accumulate(d, &q, &mut s, &mut buf);
    kernels::normalize(d, &s, &mut conf, &mut loge2, &cfg.m_step, cfg.initial);
    let (mut log2p, mut lnp) = floored_logs(&p);
    // E-step of iteration 1 (and, in scatter mode, its M-step sums).
    let mut sums = kernels::pass(
        d,
        &mut q,
        &loge2,
        &log2p,
        &lnp,
        false,
        Some(&mut s),
        &mut buf,
    );
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
        if !d.scatter {
            kernels::accumulate(d, &q, &mut s, &mut buf);
        }
        kernels::normalize(d, &s, &mut conf, &mut loge2, &cfg.m_step, None);
        (log2p, lnp) = floored_logs(&p);
        let entropy = sums.entropy; // of q_it, computed when it was written
        sums = kernels::pass(
            d,
            &mut q,
            &loge2,
            &log2p,
            &lnp,
            true,
            Some(&mut s),
            &mut buf,
        );
        let loss = (sums.joint + entropy) / d.n_judgments.max(1) as f64;
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
            StopRule::CrowdKit => loss,
            StopRule::LogLikelihood => sums.loglik / d.n_judgments.max(1) as f64,
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
    let unused = vec![0.0; k];
    kernels::pass(
        d,
        &mut q,
        &prev_loge2,
        &prev_log2p,
        &unused,
        false,
        None,
        &mut buf,
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
