//! The shared engine of the Bradley–Terry family: comparisons indexed by item (CSR),
//! Hunter's MM step for (weighted, fractional) wins, and the observed information.
//!
//! Every per-item sum runs over that item's comparisons in input order, and items are
//! processed in parallel with one writer per item, so results are bit-identical for any
//! rayon thread count.

use rayon::prelude::*;

/// Items per parallel task (fixed, so the work split never depends on thread count).
const ITEM_CHUNK: usize = 4096;
/// Comparisons per parallel task of per-comparison passes.
pub(crate) const COMP_CHUNK: usize = 1 << 16;

/// Comparisons indexed by item: for item `i`, entries `offsets[i]..offsets[i + 1]` give
/// the other item and `2·k + side` (`side` 1 when `i` is the left item of comparison `k`).
#[derive(Debug)]
pub(crate) struct Adjacency {
    pub offsets: Vec<usize>,
    pub other: Vec<u32>,
    pub kside: Vec<u32>,
}

impl Adjacency {
    /// The index over comparisons `keep` (all when `None`) of `left`/`right`.
    pub fn build(n_items: usize, left: &[u32], right: &[u32], keep: Option<&[bool]>) -> Self {
        let mut offsets = vec![0usize; n_items + 1];
        let kept = |k: usize| keep.is_none_or(|m| m[k]);
        for k in 0..left.len() {
            if kept(k) {
                offsets[left[k] as usize + 1] += 1;
                offsets[right[k] as usize + 1] += 1;
            }
        }
        for i in 0..n_items {
            offsets[i + 1] += offsets[i];
        }
        let total = offsets[n_items];
        let mut other = vec![0u32; total];
        let mut kside = vec![0u32; total];
        let mut next = offsets[..n_items].to_vec();
        for k in 0..left.len() {
            if !kept(k) {
                continue;
            }
            let (l, r) = (left[k] as usize, right[k] as usize);
            other[next[l]] = r as u32;
            kside[next[l]] = (k as u32) << 1 | 1;
            next[l] += 1;
            other[next[r]] = l as u32;
            kside[next[r]] = (k as u32) << 1;
            next[r] += 1;
        }
        Adjacency {
            offsets,
            other,
            kside,
        }
    }
}

/// One MM step of (weighted) Bradley–Terry with a virtual-item prior:
/// `p_i ← (W_i + λ) / (Σ_k c_k / (p_i + p_j) + 2λ / (p_i + 1))`, where `W_i` are the
/// item's (fractional) wins and `c_k` the comparison weights (1 when `weights` is
/// `None`). An item with no wins and no prior gets 0.
pub(crate) fn mm_step(
    adj: &Adjacency,
    p: &[f64],
    wins: &[f64],
    weights: Option<&[f64]>,
    prior: f64,
    out: &mut [f64],
) {
    out.par_chunks_mut(ITEM_CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let base = c * ITEM_CHUNK;
            for (o, slot) in chunk.iter_mut().enumerate() {
                let i = base + o;
                let pi = p[i];
                let mut denom = 0.0;
                let (s, e) = (adj.offsets[i], adj.offsets[i + 1]);
                match weights {
                    None => {
                        for &j in &adj.other[s..e] {
                            let t = pi + p[j as usize];
                            if t > 0.0 {
                                denom += 1.0 / t;
                            }
                        }
                    }
                    Some(w) => {
                        for (&j, &ks) in adj.other[s..e].iter().zip(&adj.kside[s..e]) {
                            let t = pi + p[j as usize];
                            if t > 0.0 {
                                denom += w[(ks >> 1) as usize] / t;
                            }
                        }
                    }
                }
                if prior > 0.0 {
                    denom += 2.0 * prior / (pi + 1.0);
                }
                let num = wins[i] + prior;
                *slot = if num > 0.0 && denom > 0.0 {
                    num / denom
                } else {
                    0.0
                };
            }
        });
}

/// Sum of `f(k)` over `0..n` in fixed chunks reduced in index order.
pub(crate) fn ordered_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    let parts: Vec<f64> = (0..n.div_ceil(COMP_CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut s = 0.0;
            for k in c * COMP_CHUNK..((c + 1) * COMP_CHUNK).min(n) {
                s += f(k);
            }
            s
        })
        .collect();
    parts.iter().sum()
}

/// Observed information of one comparison about the log-strength of either of its
/// items, when the probability of the observed answer is `P = a·σ + b` with `σ` the
/// BT probability of the observed order: `(P'² − P·P'') / P²` with `P' = a σ(1−σ)`
/// and `P'' = a σ(1−σ)(1−2σ)`.
pub(crate) fn info_term(sigma: f64, a: f64, b: f64) -> f64 {
    let p = a * sigma + b;
    if p <= 0.0 {
        return 0.0;
    }
    let d1 = a * sigma * (1.0 - sigma);
    let d2 = d1 * (1.0 - 2.0 * sigma);
    ((d1 * d1 - p * d2) / (p * p)).max(0.0)
}
