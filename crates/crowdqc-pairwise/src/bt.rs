//! Bradley–Terry (crowd-kit's MM iteration) and Davidson's tie extension.

use crowdqc_core::Result;
use crowdqc_core::progress::Progress;
use rayon::prelude::*;

use crate::data::{Comparisons, Outcome};
use crate::fit::Raw;
use crate::mm::{Adjacency, PairSums, info_term, ordered_sum};

/// Fractional wins of each item: 1 per win, ½ per tie.
pub(crate) fn wins(c: &Comparisons) -> Vec<f64> {
    let mut w = vec![0.0; c.n_items()];
    for k in 0..c.len() {
        let s = c.outcome[k].left_score();
        w[c.left[k] as usize] += s;
        w[c.right[k] as usize] += 1.0 - s;
    }
    w
}

fn normalise(p: &mut [f64]) {
    let s: f64 = p.iter().sum();
    if s > 0.0 && s.is_finite() {
        p.iter_mut().for_each(|x| *x /= s);
    }
}

fn l1(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}

/// Hunter's MM for Bradley–Terry as crowd-kit iterates it: start from equal strengths,
/// `p_i ← W_i / Σ_k 1/(p_i + p_j)`, normalise to sum 1, stop after `max_iter` steps or
/// when the L1 change of `p` falls below `tol` (checked from the second step on).
pub(crate) fn bradley_terry(
    c: &Comparisons,
    max_iter: usize,
    tol: f64,
    prior: f64,
    progress: &dyn Progress,
) -> Result<Raw> {
    let n = c.n_items();
    let mut sums = PairSums::new(n, c.len());
    let w = wins(c);
    let mut p = vec![1.0 / n as f64; n];
    let mut next = vec![0.0; n];
    let mut iterations = 0;
    let mut converged = false;
    for it in 0..max_iter {
        progress.check()?;
        progress.advance(1);
        sums.step(&c.left, &c.right, &p, &w, prior, &mut next);
        normalise(&mut next);
        iterations += 1;
        let change = l1(&next, &p);
        std::mem::swap(&mut p, &mut next);
        if it > 0 && change < tol {
            converged = true;
            break;
        }
    }
    let info = bt_info(c, &p, prior);
    Ok(Raw::strengths(p, info, iterations, converged))
}

/// Diagonal of the observed information of the log-strengths under plain BT.
fn bt_info(c: &Comparisons, p: &[f64], prior: f64) -> Vec<f64> {
    let mut info = vec![0.0; c.n_items()];
    for k in 0..c.len() {
        let (l, r) = (c.left[k] as usize, c.right[k] as usize);
        let t = p[l] + p[r];
        if t > 0.0 {
            let i = info_term(p[l] / t, 1.0, 0.0);
            info[l] += i;
            info[r] += i;
        }
    }
    add_prior_info(&mut info, p, prior);
    info
}

/// Information of the virtual comparisons: `2λ · p/(p+1)²` per item.
pub(crate) fn add_prior_info(info: &mut [f64], p: &[f64], prior: f64) {
    if prior > 0.0 {
        for (x, &pi) in info.iter_mut().zip(p) {
            *x += 2.0 * prior * pi / ((pi + 1.0) * (pi + 1.0));
        }
    }
}

/// Davidson's (1970) model: `P(i ≻ j) = p_i / D`, `P(tie) = ν√(p_i p_j) / D` with
/// `D = p_i + p_j + ν√(p_i p_j)`, fitted by the fixed-point (MM) iteration of Hunter
/// (2004, §5): `p_i ← W_i / Σ_k (1 + ν/2·√(p_j/p_i)) / D_k` with `W_i` = wins + ½·ties,
/// then `ν ← T / Σ_k √(p_i p_j) / D_k` (`T` ties). Without ties `ν = 0` and this is BT.
pub(crate) fn davidson(
    c: &Comparisons,
    max_iter: usize,
    tol: f64,
    prior: f64,
    progress: &dyn Progress,
) -> Result<Raw> {
    let n = c.n_items();
    let adj = Adjacency::build(n, &c.left, &c.right);
    let w = wins(c);
    let ties = c.report.ties as f64;
    let m = c.len() as f64;
    let mut nu = if ties > 0.0 && ties < m {
        2.0 * ties / (m - ties)
    } else if ties > 0.0 {
        1.0
    } else {
        0.0
    };
    let mut p = vec![1.0 / n as f64; n];
    let mut next = vec![0.0; n];
    let mut iterations = 0;
    let mut converged = false;
    for it in 0..max_iter {
        progress.check()?;
        progress.advance(1);
        next.par_chunks_mut(4096)
            .enumerate()
            .for_each(|(ci, chunk)| {
                for (o, slot) in chunk.iter_mut().enumerate() {
                    let i = ci * 4096 + o;
                    let pi = p[i];
                    let mut denom = 0.0;
                    for &j in &adj.other[adj.offsets[i]..adj.offsets[i + 1]] {
                        let pj = p[j as usize];
                        let g = (pi * pj).sqrt();
                        let d = pi + pj + nu * g;
                        if d > 0.0 {
                            let ratio = if pi > 0.0 { (pj / pi).sqrt() } else { 0.0 };
                            denom += (1.0 + 0.5 * nu * ratio) / d;
                        }
                    }
                    if prior > 0.0 {
                        denom += 2.0 * prior / (pi + 1.0);
                    }
                    let num = w[i] + prior;
                    *slot = if num > 0.0 && denom > 0.0 {
                        num / denom
                    } else {
                        0.0
                    };
                }
            });
        normalise(&mut next);
        if ties > 0.0 {
            let s = ordered_sum(c.len(), |k| {
                let (pl, pr) = (next[c.left[k] as usize], next[c.right[k] as usize]);
                let g = (pl * pr).sqrt();
                let d = pl + pr + nu * g;
                if d > 0.0 { g / d } else { 0.0 }
            });
            if s > 0.0 {
                nu = ties / s;
            }
        }
        iterations += 1;
        let change = l1(&next, &p);
        std::mem::swap(&mut p, &mut next);
        if it > 0 && change < tol {
            converged = true;
            break;
        }
    }
    // observed information of the log-strengths
    let mut info = vec![0.0; n];
    for k in 0..c.len() {
        let (l, r) = (c.left[k] as usize, c.right[k] as usize);
        let (pl, pr) = (p[l], p[r]);
        let g = (pl * pr).sqrt();
        let d = pl + pr + nu * g;
        if d > 0.0 {
            for (a, pa) in [(l, pl), (r, pr)] {
                let d1 = (pa + 0.5 * nu * g) / d;
                info[a] += ((pa + 0.25 * nu * g) / d - d1 * d1).max(0.0);
            }
        }
    }
    add_prior_info(&mut info, &p, prior);
    let ll = ordered_sum(c.len(), |k| {
        let (pl, pr) = (p[c.left[k] as usize], p[c.right[k] as usize]);
        let g = (pl * pr).sqrt();
        let d = pl + pr + nu * g;
        match c.outcome[k] {
            Outcome::Left => (pl / d).ln(),
            Outcome::Right => (pr / d).ln(),
            Outcome::Tie => (nu * g / d).ln(),
        }
    });
    let mut raw = Raw::strengths(p, info, iterations, converged);
    raw.tie_param = Some(nu);
    raw.log_likelihood = ll.is_finite().then_some(ll);
    Ok(raw)
}
