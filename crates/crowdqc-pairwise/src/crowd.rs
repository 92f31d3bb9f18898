//! The worker-aware models: Crowd-BT (Chen et al., WSDM 2013) and noisy Bradley–Terry
//! (crowd-kit's `NoisyBradleyTerry` model), both fitted by EM.
//!
//! Both mix the BT probability `σ = p_w / (p_w + p_l)` of the observed order with a
//! worker-level alternative: Crowd-BT `P = η σ + (1 − η)(1 − σ)` (the worker reverses
//! the true order with probability `1 − η`); noisy BT `P = π σ + (1 − π) b` with `b` the
//! worker's probability of choosing the observed side when not answering by quality.
//! The E-step computes each comparison's responsibility `r_k` (probability the answer
//! followed the true order); the M-step updates the worker parameters in closed form
//! (MAP under their Beta priors) and takes one MM step on the strengths (a generalised
//! EM, so the log-posterior never decreases). Ties carry no order information and are
//! left out (counted in the fit report).

use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, Result};
use rayon::prelude::*;

use crate::bt::add_prior_info;
use crate::data::{Comparisons, Outcome};
use crate::fit::Raw;
use crate::mm::{LogSum, finish_step, info_term, parts_of};

/// Which worker model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Crowd,
    Noisy,
}

/// Starting reliability (η, skill) of every worker: below 1 so EM can move it, above ½
/// so it starts in the "workers are mostly right" mode of the likelihood (the model is
/// symmetric under reversing every order and every reliability).
const START_RELIABILITY: f64 = 0.8;

/// One E-step part's sums: per item (wins, MM denominator), per worker (agreeing
/// responsibility, off-model left choices), and the log-likelihood.
struct Partial {
    ll: f64,
    item: Vec<[f64; 2]>,
    worker: Vec<[f64; 2]>,
}

impl Partial {
    fn new(n_items: usize, n_workers: usize) -> Self {
        Partial {
            ll: 0.0,
            item: vec![[0.0; 2]; n_items],
            worker: vec![[0.0; 2]; n_workers],
        }
    }

    fn clear(&mut self) {
        self.ll = 0.0;
        self.item.iter_mut().for_each(|x| *x = [0.0; 2]);
        self.worker.iter_mut().for_each(|x| *x = [0.0; 2]);
    }
}

pub(crate) struct Config {
    pub kind: Kind,
    pub max_iter: usize,
    pub tol: f64,
    pub prior: f64,
    pub beta: (f64, f64),
}

/// Per-comparison view: winner, loser, worker, whether the left item won.
struct Flat {
    win: Vec<u32>,
    lose: Vec<u32>,
    worker: Vec<u32>,
    left_won: Vec<bool>,
}

/// Items per block of the tiled order: a tile's strengths and per-item sums (two
/// blocks of 8,192 items × 24 bytes, 384 KiB) stay in a core's L2 cache.
const BLOCK: usize = 1 << 13;
/// Most blocks per side (above 8.4M items blocks grow instead), so the tile table
/// stays small (at most 1024² entries).
const MAX_BLOCKS: usize = 1024;

/// The comparisons without ties, in tiled order: grouped by (winner's block, loser's
/// block), input order within a tile (a stable counting sort). The E-step's random
/// reads and writes of per-item values then stay within two blocks at a time instead
/// of ranging over every item (at 10⁵ items they missed L2 on most comparisons). The
/// order depends on the data alone, so results stay identical for any thread count.
fn flatten(c: &Comparisons) -> Flat {
    let size = BLOCK.max(c.n_items().div_ceil(MAX_BLOCKS));
    let blocks = c.n_items().div_ceil(size).max(1);
    let tile = |w: u32, l: u32| (w as usize / size) * blocks + l as usize / size;
    let side = |k: usize| {
        let (l, r) = (c.left[k], c.right[k]);
        match c.outcome[k] {
            Outcome::Left => Some((l, r, true)),
            Outcome::Right => Some((r, l, false)),
            Outcome::Tie => None,
        }
    };
    let mut start = vec![0usize; blocks * blocks + 1];
    for k in 0..c.len() {
        if let Some((w, l, _)) = side(k) {
            start[tile(w, l) + 1] += 1;
        }
    }
    for t in 0..blocks * blocks {
        start[t + 1] += start[t];
    }
    let m = start[blocks * blocks];
    let mut f = Flat {
        win: vec![0; m],
        lose: vec![0; m],
        worker: vec![0; m],
        left_won: vec![false; m],
    };
    for k in 0..c.len() {
        if let Some((w, l, lw)) = side(k) {
            let t = tile(w, l);
            let at = start[t];
            start[t] += 1;
            f.win[at] = w;
            f.lose[at] = l;
            f.worker[at] = c.worker[k];
            f.left_won[at] = lw;
        }
    }
    f
}

pub(crate) fn fit(c: &Comparisons, cfg: &Config, progress: &dyn Progress) -> Result<Raw> {
    let n = c.n_items();
    let nw = c.n_workers();
    let f = flatten(c);
    let m = f.win.len();
    if m == 0 {
        return Err(Error::insufficient(
            "every comparison is a tie; crowd-bt and noisy-bt need comparisons with a winner",
        ));
    }
    let (a, b) = cfg.beta;
    let mut p = vec![1.0; n];
    let mut next = vec![0.0; n];
    let mut rel = vec![START_RELIABILITY; nw];
    let mut bias = vec![0.5; nw];
    // the E-step runs in a fixed number of parts (never depending on the thread
    // count), each accumulating its own sums, reduced in part order
    let (parts, part_len) = parts_of(m);
    let mut acc: Vec<Partial> = (0..parts).map(|_| Partial::new(n, nw)).collect();
    let mut count = vec![0.0; nw];
    for k in 0..m {
        count[f.worker[k] as usize] += 1.0;
    }
    let mut trace = Vec::new();
    let mut iterations = 0;
    let mut converged = false;
    let mut prev = f64::NEG_INFINITY;
    for it in 0..=cfg.max_iter {
        progress.check()?;
        progress.advance(1);
        // E-step: responsibilities, the log-likelihood at the current parameters, and
        // the sums the M-step needs (the MM denominators use the same strengths)
        acc.par_iter_mut().enumerate().for_each(|(pi, part)| {
            part.clear();
            let mut ll = LogSum::new();
            for k in pi * part_len..((pi + 1) * part_len).min(m) {
                let (wi, li) = (f.win[k] as usize, f.lose[k] as usize);
                let t = p[wi] + p[li];
                let inv = if t > 0.0 { 1.0 / t } else { 0.0 };
                let sigma = if t > 0.0 { p[wi] * inv } else { 0.5 };
                let w = f.worker[k] as usize;
                let e = rel[w];
                let alt = match cfg.kind {
                    Kind::Crowd => (1.0 - e) * (1.0 - sigma),
                    Kind::Noisy => {
                        (1.0 - e)
                            * if f.left_won[k] {
                                bias[w]
                            } else {
                                1.0 - bias[w]
                            }
                    }
                };
                let num = e * sigma;
                let prob = num + alt;
                let q = if prob > 0.0 { num / prob } else { 0.5 };
                ll.add(prob);
                part.worker[w][0] += q;
                if cfg.kind == Kind::Noisy && f.left_won[k] {
                    part.worker[w][1] += 1.0 - q;
                }
                // wins and the MM denominator: weight 1 (crowd) or q (noisy)
                let d = match cfg.kind {
                    Kind::Crowd => {
                        part.item[li][0] += 1.0 - q;
                        inv
                    }
                    Kind::Noisy => q * inv,
                };
                part.item[wi][0] += q;
                part.item[wi][1] += d;
                part.item[li][1] += d;
            }
            part.ll = ll.value();
        });
        let mut objective: f64 = acc.iter().map(|x| x.ll).sum();
        objective += log_prior(&p, &rel, &bias, cfg);
        if !objective.is_finite() {
            return Err(Error::Numerical {
                context: match cfg.kind {
                    Kind::Crowd => "crowd-bt".into(),
                    Kind::Noisy => "noisy-bt".into(),
                },
                iteration: Some(it + 1),
                message: format!(
                    "log-likelihood is {objective}; an item that never loses needs a prior > 0"
                ),
            });
        }
        trace.push(objective);
        if it > 0 && (objective - prev).abs() < cfg.tol * m as f64 {
            converged = true;
            break;
        }
        prev = objective;
        if it == cfg.max_iter {
            break;
        }
        // M-step: worker parameters (closed form, MAP)
        for w in 0..nw {
            let agree: f64 = acc.iter().map(|x| x.worker[w][0]).sum();
            let off_left: f64 = acc.iter().map(|x| x.worker[w][1]).sum();
            rel[w] = if count[w] == 0.0 {
                START_RELIABILITY
            } else {
                (agree + a - 1.0) / (count[w] + a + b - 2.0).max(f64::MIN_POSITIVE)
            };
            bias[w] = (off_left + 1.0) / (count[w] - agree + 2.0);
        }
        // M-step: strengths (one MM step on the expected complete-data likelihood)
        finish_step(
            |i| acc.iter().map(|x| x.item[i][1]).sum(),
            |i| acc.iter().map(|x| x.item[i][0]).sum(),
            &p,
            cfg.prior,
            &mut next,
        );
        if cfg.prior == 0.0 {
            // no anchor: fix the scale (geometric mean of positive strengths 1)
            let pos: Vec<f64> = next.iter().copied().filter(|&x| x > 0.0).collect();
            if !pos.is_empty() {
                let g = (pos.iter().map(|x| x.ln()).sum::<f64>() / pos.len() as f64).exp();
                next.iter_mut().for_each(|x| *x /= g);
            }
        }
        std::mem::swap(&mut p, &mut next);
        iterations += 1;
    }
    // observed information of the log-strengths under the fitted model, in the
    // E-step's parts (each its own per-item sums, reduced in part order)
    acc.par_iter_mut().enumerate().for_each(|(pi, part)| {
        part.clear();
        for k in pi * part_len..((pi + 1) * part_len).min(m) {
            let (wi, li) = (f.win[k] as usize, f.lose[k] as usize);
            let t = p[wi] + p[li];
            if t <= 0.0 {
                continue;
            }
            let w = f.worker[k] as usize;
            let (ca, cb) = match cfg.kind {
                Kind::Crowd => (2.0 * rel[w] - 1.0, 1.0 - rel[w]),
                Kind::Noisy => {
                    let side = if f.left_won[k] {
                        bias[w]
                    } else {
                        1.0 - bias[w]
                    };
                    (rel[w], (1.0 - rel[w]) * side)
                }
            };
            let i = info_term(p[wi] / t, ca, cb);
            part.item[wi][0] += i;
            part.item[li][0] += i;
        }
    });
    let mut info = vec![0.0; n];
    for part in &acc {
        for (x, v) in info.iter_mut().zip(&part.item) {
            *x += v[0];
        }
    }
    add_prior_info(&mut info, &p, cfg.prior);
    let mut raw = Raw::strengths(p, info, iterations, converged);
    raw.log_likelihood = trace.last().copied();
    raw.objective = trace;
    raw.reliability = Some(rel);
    if cfg.kind == Kind::Noisy {
        raw.bias = Some(bias);
    }
    Ok(raw)
}

/// Log prior: the virtual comparisons of every item and the Beta prior of every worker.
fn log_prior(p: &[f64], rel: &[f64], bias: &[f64], cfg: &Config) -> f64 {
    let mut s = 0.0;
    if cfg.prior > 0.0 {
        for &x in p {
            s += cfg.prior * ((x / (x + 1.0)).ln() + (1.0 / (x + 1.0)).ln());
        }
    }
    let (a, b) = cfg.beta;
    for &e in rel {
        if a > 1.0 {
            s += (a - 1.0) * e.ln();
        }
        if b > 1.0 {
            s += (b - 1.0) * (1.0 - e).ln();
        }
    }
    if cfg.kind == Kind::Noisy {
        // Beta(2, 2) on the bias: the +1/+2 smoothing of its update
        for &x in bias {
            s += x.ln() + (1.0 - x).ln();
        }
    }
    s
}
