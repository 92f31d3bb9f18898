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

use crowdqc_core::{Error, Result};
use rayon::prelude::*;

use crate::bt::add_prior_info;
use crate::data::{Comparisons, Outcome};
use crate::fit::Raw;
use crate::mm::{Adjacency, COMP_CHUNK, info_term, mm_step};

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

fn flatten(c: &Comparisons) -> Flat {
    let mut f = Flat {
        win: Vec::new(),
        lose: Vec::new(),
        worker: Vec::new(),
        left_won: Vec::new(),
    };
    for k in 0..c.len() {
        let (l, r) = (c.left[k], c.right[k]);
        let (w, lo, lw) = match c.outcome[k] {
            Outcome::Left => (l, r, true),
            Outcome::Right => (r, l, false),
            Outcome::Tie => continue,
        };
        f.win.push(w);
        f.lose.push(lo);
        f.worker.push(c.worker[k]);
        f.left_won.push(lw);
    }
    f
}

pub(crate) fn fit(c: &Comparisons, cfg: &Config) -> Result<Raw> {
    let n = c.n_items();
    let nw = c.n_workers();
    let f = flatten(c);
    let m = f.win.len();
    if m == 0 {
        return Err(Error::insufficient(
            "every comparison is a tie; crowd-bt and noisy-bt need comparisons with a winner",
        ));
    }
    let adj = Adjacency::build(n, &f.win, &f.lose, None);
    let (a, b) = cfg.beta;
    let mut p = vec![1.0; n];
    let mut next = vec![0.0; n];
    let mut rel = vec![START_RELIABILITY; nw];
    let mut bias = vec![0.5; nw];
    let mut r = vec![0.0; m];
    let mut ll = vec![0.0; m.div_ceil(COMP_CHUNK)];
    let mut wins = vec![0.0; n];
    let mut trace = Vec::new();
    let mut iterations = 0;
    let mut converged = false;
    let mut prev = f64::NEG_INFINITY;
    for it in 0..=cfg.max_iter {
        // E-step (and the log-likelihood at the current parameters)
        r.par_chunks_mut(COMP_CHUNK)
            .zip(ll.par_iter_mut())
            .enumerate()
            .for_each(|(ci, (rc, llc))| {
                let mut s = 0.0;
                for (o, rk) in rc.iter_mut().enumerate() {
                    let k = ci * COMP_CHUNK + o;
                    let (pw, pl) = (p[f.win[k] as usize], p[f.lose[k] as usize]);
                    let sigma = if pw + pl > 0.0 { pw / (pw + pl) } else { 0.5 };
                    let w = f.worker[k] as usize;
                    let (num, alt) = match cfg.kind {
                        Kind::Crowd => (rel[w] * sigma, (1.0 - rel[w]) * (1.0 - sigma)),
                        Kind::Noisy => {
                            let side = if f.left_won[k] { bias[w] } else { 1.0 - bias[w] };
                            (rel[w] * sigma, (1.0 - rel[w]) * side)
                        }
                    };
                    let prob = num + alt;
                    *rk = if prob > 0.0 { num / prob } else { 0.5 };
                    s += prob.ln();
                }
                *llc = s;
            });
        let mut objective: f64 = ll.iter().sum();
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
        // M-step: worker parameters
        let mut agree = vec![0.0; nw];
        let mut count = vec![0.0; nw];
        let mut off_left = vec![0.0; nw];
        let mut off = vec![0.0; nw];
        for k in 0..m {
            let w = f.worker[k] as usize;
            agree[w] += r[k];
            count[w] += 1.0;
            off[w] += 1.0 - r[k];
            if f.left_won[k] {
                off_left[w] += 1.0 - r[k];
            }
        }
        for w in 0..nw {
            rel[w] = (agree[w] + a - 1.0) / (count[w] + a + b - 2.0).max(f64::MIN_POSITIVE);
            if count[w] == 0.0 {
                rel[w] = START_RELIABILITY;
            }
            bias[w] = (off_left[w] + 1.0) / (off[w] + 2.0);
        }
        // M-step: strengths (one MM step on the expected complete-data likelihood)
        wins.iter_mut().for_each(|x| *x = 0.0);
        match cfg.kind {
            Kind::Crowd => {
                for k in 0..m {
                    wins[f.win[k] as usize] += r[k];
                    wins[f.lose[k] as usize] += 1.0 - r[k];
                }
                mm_step(&adj, &p, &wins, None, cfg.prior, &mut next);
            }
            Kind::Noisy => {
                for k in 0..m {
                    wins[f.win[k] as usize] += r[k];
                }
                mm_step(&adj, &p, &wins, Some(&r), cfg.prior, &mut next);
            }
        }
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
    // observed information of the log-strengths under the fitted model
    let mut info = vec![0.0; n];
    for k in 0..m {
        let (wi, li) = (f.win[k] as usize, f.lose[k] as usize);
        let t = p[wi] + p[li];
        if t <= 0.0 {
            continue;
        }
        let w = f.worker[k] as usize;
        let (ca, cb) = match cfg.kind {
            Kind::Crowd => (2.0 * rel[w] - 1.0, 1.0 - rel[w]),
            Kind::Noisy => {
                let side = if f.left_won[k] { bias[w] } else { 1.0 - bias[w] };
                (rel[w], (1.0 - rel[w]) * side)
            }
        };
        let i = info_term(p[wi] / t, ca, cb);
        info[wi] += i;
        info[li] += i;
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
