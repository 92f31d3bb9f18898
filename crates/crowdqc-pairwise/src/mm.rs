//! The shared engine of the Bradley–Terry family: Hunter's MM step for (weighted,
//! fractional) wins, comparisons indexed by item (CSR, for Davidson's model), and the
//! observed information.
//!
//! Per-comparison passes run in a fixed number of parts (set by the number of
//! comparisons alone), each summing into its own per-item vectors, reduced in part
//! order; per-item passes have one writer per item. Results are bit-identical for any
//! rayon thread count.

use rayon::prelude::*;

/// Items per parallel task (fixed, so the work split never depends on thread count).
const ITEM_CHUNK: usize = 4096;
/// Comparisons per parallel task of per-comparison passes.
pub(crate) const COMP_CHUNK: usize = 1 << 16;

/// Comparisons indexed by item: for item `i`, entries `offsets[i]..offsets[i + 1]` give
/// the other item of each of its comparisons, in input order.
#[derive(Debug)]
pub(crate) struct Adjacency {
    pub offsets: Vec<usize>,
    pub other: Vec<u32>,
}

impl Adjacency {
    /// The index of the comparisons `left`/`right`.
    pub fn build(n_items: usize, left: &[u32], right: &[u32]) -> Self {
        let mut offsets = vec![0usize; n_items + 1];
        for (&l, &r) in left.iter().zip(right) {
            offsets[l as usize + 1] += 1;
            offsets[r as usize + 1] += 1;
        }
        for i in 0..n_items {
            offsets[i + 1] += offsets[i];
        }
        let total = offsets[n_items];
        let mut other = vec![0u32; total];
        let mut next = offsets[..n_items].to_vec();
        for (&l, &r) in left.iter().zip(right) {
            let (l, r) = (l as usize, r as usize);
            other[next[l]] = r as u32;
            next[l] += 1;
            other[next[r]] = l as u32;
            next[r] += 1;
        }
        Adjacency { offsets, other }
    }
}

/// Most parts of a per-comparison pass (each holds its own per-item sums).
pub(crate) const MAX_PARTS: usize = 8;

/// The number of parts and their length for `m` comparisons: fixed by `m` alone, so
/// the split never depends on the thread count.
pub(crate) fn parts_of(m: usize) -> (usize, usize) {
    let parts = m.div_ceil(COMP_CHUNK).clamp(1, MAX_PARTS);
    (parts, m.div_ceil(parts).max(1))
}

/// Per-item MM denominators `Σ_k c_k / (p_i + p_j)` accumulated per comparison (each
/// term computed once for both items) in fixed parts, reduced in part order.
#[derive(Debug)]
pub(crate) struct PairSums {
    parts: Vec<Vec<f64>>,
    part_len: usize,
}

impl PairSums {
    pub fn new(n_items: usize, m: usize) -> Self {
        let (parts, part_len) = parts_of(m);
        PairSums {
            parts: vec![vec![0.0; n_items]; parts],
            part_len,
        }
    }

    /// One MM step over comparisons `(a[k], b[k])` with unit weights:
    /// `p_i ← (W_i + λ) / (Σ_k 1/(p_i + p_j) + 2λ/(p_i + 1))`.
    pub fn step(
        &mut self,
        a: &[u32],
        b: &[u32],
        p: &[f64],
        wins: &[f64],
        prior: f64,
        out: &mut [f64],
    ) {
        let len = self.part_len;
        self.parts.par_iter_mut().enumerate().for_each(|(pi, den)| {
            den.iter_mut().for_each(|x| *x = 0.0);
            let end = ((pi + 1) * len).min(a.len());
            for k in pi * len..end {
                let (i, j) = (a[k] as usize, b[k] as usize);
                let t = p[i] + p[j];
                if t > 0.0 {
                    let d = 1.0 / t;
                    den[i] += d;
                    den[j] += d;
                }
            }
        });
        let parts = &self.parts;
        finish_step(
            |i| parts.iter().map(|d| d[i]).sum(),
            |i| wins[i],
            p,
            prior,
            out,
        );
    }
}

/// `p_i ← (W_i + λ) / (D_i + 2λ/(p_i + 1))` with `D_i = den(i)` and `W_i = wins(i)`;
/// 0 for an item with no wins and no prior.
pub(crate) fn finish_step(
    den: impl Fn(usize) -> f64 + Sync,
    wins: impl Fn(usize) -> f64 + Sync,
    p: &[f64],
    prior: f64,
    out: &mut [f64],
) {
    out.par_chunks_mut(ITEM_CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            for (o, slot) in chunk.iter_mut().enumerate() {
                let i = c * ITEM_CHUNK + o;
                let mut denom = den(i);
                if prior > 0.0 {
                    denom += 2.0 * prior / (p[i] + 1.0);
                }
                let num = wins(i) + prior;
                *slot = if num > 0.0 && denom > 0.0 {
                    num / denom
                } else {
                    0.0
                };
            }
        });
}

/// `Σ ln x` over a part, multiplying in blocks and taking one logarithm per block (a
/// logarithm per comparison dominated the E-step). Exact up to rounding; values below
/// 1e-100 are logged one by one so the running product never underflows.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LogSum {
    sum: f64,
    prod: f64,
}

impl LogSum {
    pub fn new() -> Self {
        LogSum {
            sum: 0.0,
            prod: 1.0,
        }
    }

    #[inline]
    pub fn add(&mut self, x: f64) {
        if x < 1e-100 {
            self.sum += x.ln();
        } else {
            self.prod *= x;
            if self.prod < 1e-200 {
                self.sum += self.prod.ln();
                self.prod = 1.0;
            }
        }
    }

    pub fn value(self) -> f64 {
        self.sum + self.prod.ln()
    }
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
