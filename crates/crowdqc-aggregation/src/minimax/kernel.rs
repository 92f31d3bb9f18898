//! The per-judgment kernel of every pass: the softmax of `own[r] + other[r]` from
//! row-normalised exponential tables, so that a pass evaluates no `exp` per judgment.
//!
//! `exp(o_c + q_c) = e^{max o} e^{max q} · exp(o_c − max o) · exp(q_c − max q)`: the
//! other party's table (`exp(x[r, c] − max_c x[r, c])` of every worker or item) is
//! built once per sweep, the block's own once per Newton pass, and a judgment costs
//! `K` products per row instead of `K` library `exp`. A row whose products underflow
//! (logits more than ~700 apart in opposite directions, which the L2 penalties keep
//! far away) falls back to the direct evaluation.

/// The number of classes: a compile-time constant ([`Fixed`]) for the common small
/// `K`, so that the per-judgment loops unroll, or a run-time value ([`Dynamic`]).
pub(super) trait Dim: Copy {
    /// `K`.
    fn n(self) -> usize;
}

/// `K` known at compile time.
#[derive(Clone, Copy)]
pub(super) struct Fixed<const K: usize>;

impl<const K: usize> Dim for Fixed<K> {
    #[inline(always)]
    fn n(self) -> usize {
        K
    }
}

/// `K` known at run time.
#[derive(Clone, Copy)]
pub(super) struct Dynamic(pub(super) usize);

impl Dim for Dynamic {
    #[inline(always)]
    fn n(self) -> usize {
        self.0
    }
}

/// Runs `$body` with `$d` bound to a [`Dim`] of value `$k`: [`Fixed`] for 2–6 and 8
/// (classes) and 12, 16, 20 (the ordinal blocks' `4K` parameters), [`Dynamic`] otherwise.
macro_rules! dispatch {
    ($k:expr, $d:ident => $body:expr) => {
        match $k {
            2 => {
                let $d = $crate::minimax::kernel::Fixed::<2>;
                $body
            }
            3 => {
                let $d = $crate::minimax::kernel::Fixed::<3>;
                $body
            }
            4 => {
                let $d = $crate::minimax::kernel::Fixed::<4>;
                $body
            }
            5 => {
                let $d = $crate::minimax::kernel::Fixed::<5>;
                $body
            }
            6 => {
                let $d = $crate::minimax::kernel::Fixed::<6>;
                $body
            }
            8 => {
                let $d = $crate::minimax::kernel::Fixed::<8>;
                $body
            }
            12 => {
                let $d = $crate::minimax::kernel::Fixed::<12>;
                $body
            }
            16 => {
                let $d = $crate::minimax::kernel::Fixed::<16>;
                $body
            }
            20 => {
                let $d = $crate::minimax::kernel::Fixed::<20>;
                $body
            }
            k => {
                let $d = $crate::minimax::kernel::Dynamic(k);
                $body
            }
        }
    };
}
pub(super) use dispatch;

/// Per-row sums of one pass over a block's judgments: the gradient `g[r, ·]` and the
/// lower triangle of the Hessian `h[r, ·, ·]` with respect to row `r` of the block's
/// logits of the block's negated weighted log-likelihood. (No objective value: the
/// line search tests the gradient's norm, so a pass needs no logarithm.)
///
/// [`Kernel::acc`] adds into the lane-major `gt[a K + r]` and `ht[(a K + b) K + r]`
/// (true class `r` in the fastest index, so that one operation covers all rows);
/// [`rows`](Acc::rows) copies them into the row-major `g` and `h` the solvers read.
pub(super) struct Acc {
    pub(super) g: Vec<f64>,
    pub(super) h: Vec<f64>,
    gt: Vec<f64>,
    ht: Vec<f64>,
}

impl Acc {
    pub(super) fn new(k: usize) -> Self {
        Acc {
            g: vec![0.0; k * k],
            h: vec![0.0; k * k * k],
            gt: vec![0.0; k * k],
            ht: vec![0.0; k * k * k],
        }
    }

    /// Zeroes the sums before a pass (every row: rows that are no longer active are
    /// not read again).
    pub(super) fn clear(&mut self) {
        self.gt.fill(0.0);
        self.ht.fill(0.0);
    }

    /// Zeroes the gradient sums only, before a gradient-only pass
    /// ([`Kernel::grad`]: the Hessian sums are neither written nor read).
    pub(super) fn clear_g(&mut self) {
        self.gt.fill(0.0);
    }

    /// Copies the lane-major sums of the active rows into `g` and the lower triangle
    /// of `h` (row-major).
    #[inline(always)]
    pub(super) fn rows(&mut self, k: usize, active: &[bool]) {
        for r in (0..k).filter(|&r| active[r]) {
            for a in 0..k {
                self.g[r * k + a] = self.gt[a * k + r];
                for b in 0..=a {
                    self.h[(r * k + a) * k + b] = self.ht[(a * k + b) * k + r];
                }
            }
        }
    }

    /// [`rows`](Self::rows) for the gradient only.
    #[inline(always)]
    pub(super) fn rows_g(&mut self, k: usize, active: &[bool]) {
        for r in (0..k).filter(|&r| active[r]) {
            for a in 0..k {
                self.g[r * k + a] = self.gt[a * k + r];
            }
        }
    }

    /// Adds the sums of a block whose judgments all meet an all-zero other party
    /// (every item's logits are 0 before the first item pass): each judgment's softmax
    /// of row `r` is then the softmax `p_r` of the block's own row, so the sums of all
    /// its judgments are `g[r, a] = W_r p_r[a] − n_r[a]` and `h[r] = W_r (diag p_r − p_r
    /// p_rᵀ)`, from the weight totals `W_r = Σ_j w_j[r]` and weighted label counts
    /// `n_r[c] = Σ_{j: l_j = c} w_j[r]` (`stats`: `W` then `n`, `K + K²` values): the
    /// same problem as the per-judgment pass, in `O(K³)` per pass instead of `O(K³)` per
    /// judgment (the sums are associated differently, so the last bits differ).
    pub(super) fn add_counts(&mut self, k: usize, own: &[f64], stats: &[f64]) {
        let (wsum, counts) = stats.split_at(k);
        let mut p = vec![0.0; k];
        for r in 0..k {
            let mut s = 0.0;
            for (c, pc) in p.iter_mut().enumerate() {
                *pc = own[c * k + r];
                s += *pc;
            }
            for pc in p.iter_mut() {
                *pc /= s;
            }
            let wr = wsum[r];
            for a in 0..k {
                let wpa = wr * p[a];
                self.gt[a * k + r] += wpa - counts[r * k + a];
                for (b, &pb) in p.iter().enumerate().take(a + 1) {
                    self.ht[(a * k + b) * k + r] -= wpa * pb;
                }
                self.ht[(a * k + a) * k + r] += wpa;
            }
        }
    }

    /// Copies the lower triangle of every row's Hessian into its upper triangle.
    pub(super) fn mirror(&mut self, k: usize) {
        for r in 0..k {
            let h = &mut self.h[r * k * k..(r + 1) * k * k];
            for a in 0..k {
                for b in a + 1..k {
                    h[a * k + b] = h[b * k + a];
                }
            }
        }
    }
}

/// Scratch values [`Kernel::acc`] and [`Kernel::probs`] need for `K` classes.
pub(super) fn lane_scratch(k: usize) -> usize {
    k * k + 5 * k
}

/// Row-normalised exponentials of `K × K` logits in the lane-major (column-major)
/// table layout every pass reads: `e[c K + r] = exp(x[r, c] − max_c x[r, c])`; the row
/// maxima go to `mx`.
#[inline]
pub(super) fn exp_rows(k: usize, x: &[f64], e: &mut [f64], mx: &mut [f64]) {
    for (r, m) in mx[..k].iter_mut().enumerate() {
        *m = exp_row(k, x, e, r);
    }
}

/// Row `r` of [`exp_rows`]: `e[c K + r] = exp(x[r, c] − max x[r, ·])`; returns the
/// maximum.
#[inline]
pub(super) fn exp_row(k: usize, x: &[f64], e: &mut [f64], r: usize) -> f64 {
    let row = &x[r * k..(r + 1) * k];
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for (c, &xv) in row.iter().enumerate() {
        e[c * k + r] = (xv - m).exp();
    }
    m
}

/// The same for every `K × K` block of `x` (tables of all workers or all items).
pub(super) fn exp_blocks(k: usize, x: &[f64], e: &mut [f64]) {
    use rayon::prelude::*;
    let kk = k * k;
    e.par_chunks_mut(kk * 256)
        .zip(x.par_chunks(kk * 256))
        .for_each(|(ec, xc)| {
            let mut mx = vec![0.0; k];
            for (eb, xb) in ec.chunks_mut(kk).zip(xc.chunks(kk)) {
                exp_rows(k, xb, eb, &mut mx);
            }
        });
}

/// Unnormalised softmax of row `r` of `o + q` into `z` (`K` values), from the
/// lane-major tables `eo`, `eq` ([`exp_rows`]); returns their sum. `o`, `q`: the
/// row-major logits (read only when the products underflow).
#[inline]
pub(super) fn softmax_row(
    k: usize,
    eo: &[f64],
    eq: &[f64],
    o: &[f64],
    q: &[f64],
    r: usize,
    z: &mut [f64],
) -> f64 {
    let mut s = 0.0;
    for (c, zv) in z[..k].iter_mut().enumerate() {
        *zv = eo[c * k + r] * eq[c * k + r];
        s += *zv;
    }
    if s >= 1e-250 {
        return s;
    }
    let row = r * k..(r + 1) * k;
    softmax_direct(&o[row.clone()], &q[row], &mut z[..k]).0
}

#[cold]
#[inline(never)]
fn softmax_direct(o: &[f64], q: &[f64], z: &mut [f64]) -> (f64, f64) {
    let mo = o.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mq = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut m = f64::NEG_INFINITY;
    for ((zv, &a), &b) in z.iter_mut().zip(o).zip(q) {
        *zv = a + b;
        m = m.max(*zv);
    }
    let mut s = 0.0;
    for zv in z.iter_mut() {
        *zv = (*zv - m).exp();
        s += *zv;
    }
    (s, m - mo - mq)
}

/// One side of a judgment in [`Kernel::acc`]: logits (`K × K`, row-major) and their
/// row-normalised exponentials (lane-major, [`exp_rows`]).
#[derive(Clone, Copy)]
pub(super) struct Side<'a> {
    pub(super) x: &'a [f64],
    pub(super) e: &'a [f64],
}

mod fexp;
mod lanes;
mod x4;
pub(super) use lanes::{Kernel, with_kernel};
pub(super) use x4::Blocks;

/// Asks the CPU to bring the cache lines of `v[start..start + len]` closer (a hint: no
/// effect on results, and a no-op off x86-64). The worker sweep reads every judgment's
/// item row (posteriors and exponential table) at random; without the hint each
/// judgment waits for several cache misses.
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch(v: &[f64], start: usize, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let end = (start + len).min(v.len());
        let mut i = start;
        while i < end {
            let p = v.as_ptr().wrapping_add(i).cast::<i8>();
            // SAFETY: a prefetch reads nothing the program can observe and cannot
            // fault, whatever the address (here always inside `v`); its only
            // requirement, SSE, is part of the x86-64 baseline. There is no safe
            // prefetch in stable Rust.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p) }
            i += 8;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, start, len);
}

/// The same for one `u32` (the judgment arrays).
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch_u32(v: &[u32], i: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        if i < v.len() {
            let p = v.as_ptr().wrapping_add(i).cast::<i8>();
            // SAFETY: as in `prefetch`: a hint that cannot fault or be observed.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}
