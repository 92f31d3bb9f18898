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
pub(super) struct Acc {
    pub(super) g: Vec<f64>,
    pub(super) h: Vec<f64>,
}

impl Acc {
    pub(super) fn new(k: usize) -> Self {
        Acc {
            g: vec![0.0; k * k],
            h: vec![0.0; k * k * k],
        }
    }

    pub(super) fn clear(&mut self, k: usize, active: &[bool]) {
        for r in (0..k).filter(|&r| active[r]) {
            self.g[r * k..(r + 1) * k].fill(0.0);
            self.h[r * k * k..(r + 1) * k * k].fill(0.0);
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

/// Row-normalised exponentials of `K × K` logits: `e[r, c] = exp(x[r, c] − max_c
/// x[r, c])`, and the row maxima in `mx`.
#[inline]
pub(super) fn exp_rows(k: usize, x: &[f64], e: &mut [f64], mx: &mut [f64]) {
    for r in 0..k {
        mx[r] = exp_row(&x[r * k..(r + 1) * k], &mut e[r * k..(r + 1) * k]);
    }
}

/// `e[c] = exp(x[c] − max x)`; returns `max x`.
#[inline]
pub(super) fn exp_row(x: &[f64], e: &mut [f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for (ev, &xv) in e.iter_mut().zip(x) {
        *ev = (xv - m).exp();
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

/// Unnormalised softmax of `o + q` into `z`: returns `(s, shift)` with `z` summing to
/// `s` and `ln Σ_c exp(o_c + q_c) = max o + max q + shift + ln s`. `eo`, `eq` are the
/// rows' normalised exponentials ([`exp_rows`]); `o`, `q` the logits (used only when
/// the products underflow).
#[inline(always)]
pub(super) fn softmax_prod(
    eo: &[f64],
    eq: &[f64],
    o: &[f64],
    q: &[f64],
    z: &mut [f64],
) -> (f64, f64) {
    let mut s = 0.0;
    for ((zv, &a), &b) in z.iter_mut().zip(eo).zip(eq) {
        *zv = a * b;
        s += *zv;
    }
    if s >= 1e-250 {
        return (s, 0.0);
    }
    softmax_direct(o, q, z)
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

/// Multiplies `prod[r]` by the probability of label `l` under row `r` of the softmax of
/// `o + q` for every row (the E-step's products; `z`: `K` scratch values).
#[inline]
#[allow(clippy::too_many_arguments)]
pub(super) fn label_probs(
    k: usize,
    eo: &[f64],
    eq: &[f64],
    o: &[f64],
    q: &[f64],
    l: usize,
    prod: &mut [f64],
    z: &mut [f64],
) {
    dispatch!(k, d => label_probs_in(d, eo, eq, o, q, l, prod, z))
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn label_probs_in<D: Dim>(
    d: D,
    eo: &[f64],
    eq: &[f64],
    o: &[f64],
    q: &[f64],
    l: usize,
    prod: &mut [f64],
    z: &mut [f64],
) {
    let k = d.n();
    let z = &mut z[..k];
    for (r, pr) in prod[..k].iter_mut().enumerate() {
        let row = r * k..(r + 1) * k;
        let (sum, _) = softmax_prod(
            &eo[row.clone()],
            &eq[row.clone()],
            &o[row.clone()],
            &q[row],
            z,
        );
        *pr *= z[l] / sum;
    }
}

/// One side of a judgment in [`accumulate`]: logits (`K × K`) and their row-normalised
/// exponentials.
#[derive(Clone, Copy)]
pub(super) struct Side<'a> {
    pub(super) x: &'a [f64],
    pub(super) e: &'a [f64],
}

/// Adds one judgment: the block's own logits `own` plus the other party's `other`
/// (`[true, observed]`), posterior weights `w` of the true classes, observed class
/// `l`. Rows that are inactive or have zero weight are skipped. The Hessian gets its
/// lower triangle only.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(super) fn accumulate(
    k: usize,
    own: Side<'_>,
    other: Side<'_>,
    w: &[f64],
    l: usize,
    active: &[bool],
    acc: &mut Acc,
    z: &mut [f64],
) {
    dispatch!(k, d => accumulate_in(d, own, other, w, l, active, acc, z))
}

/// [`accumulate`] for `K = d.n()` (a constant for small `K`, so the row loops unroll;
/// the same operations in the same order, so the same bits).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn accumulate_in<D: Dim>(
    d: D,
    own: Side<'_>,
    other: Side<'_>,
    w: &[f64],
    l: usize,
    active: &[bool],
    acc: &mut Acc,
    z: &mut [f64],
) {
    let k = d.n();
    let z = &mut z[..k];
    for r in 0..k {
        let wr = w[r];
        if !active[r] || wr == 0.0 {
            continue;
        }
        let row = r * k..(r + 1) * k;
        let (s, _) = softmax_prod(
            &own.e[row.clone()],
            &other.e[row.clone()],
            &own.x[row.clone()],
            &other.x[row],
            z,
        );
        let inv = 1.0 / s;
        let g = &mut acc.g[r * k..(r + 1) * k];
        let h = &mut acc.h[r * k * k..(r + 1) * k * k];
        let wi = wr * inv;
        for a in 0..k {
            let wpa = wi * z[a];
            g[a] += wpa;
            let pa_inv = wpa * inv;
            let ha = &mut h[a * k..a * k + a + 1];
            for (hv, &zb) in ha.iter_mut().zip(z.iter()) {
                *hv -= pa_inv * zb;
            }
            ha[a] += wpa;
        }
        g[l] -= wr;
    }
}

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
