//! The workers' Newton passes with four judgments in the vector lanes.
//!
//! A worker's judgments are gathered once per M-step into blocks of four, stored row by
//! row of the worker's logits: for true class `r`, block `b`, observed class `c`, the
//! four judgments' item-table values `exp(τ[r, c] − max τ[r, ·])` side by side, and the
//! four posteriors `μ(r)`. A pass then walks each active row `r` through the blocks with
//! every operation covering four judgments (one 256-bit vector under AVX2, chosen at run
//! time; two 128-bit halves otherwise: the same IEEE operations per lane, no fused
//! multiply-add, so the same bits either way), keeping the row's sums in registers:
//! `G[a] = Σ_j μ_j(r) p_j[a]` and the lower triangle of `M[a, b] = Σ_j μ_j(r) p_j[a]
//! p_j[b]`, where `p_j` is judgment `j`'s softmax of row `r`. Each lane sums every
//! fourth judgment; the four lanes are added in a fixed order at the end of the pass.
//! The label terms `n_r[a] = Σ_{j: l_j = a} μ_j(r)` do not change within an M-step and
//! are added up once by the gather. The row's gradient is `G − n_r` and its Hessian
//! `diag G − M` (plus the penalty, added by the solver): the same block problem as the
//! per-judgment kernel ([`Kernel::acc`](super::Kernel::acc)), summed in a different
//! order (the last bits differ).

use super::{Acc, Side, prefetch, softmax_direct};

/// Judgments per block (vector lanes).
pub(in crate::minimax) const LANES: usize = 4;
type V = [f64; LANES];

/// How many judgments ahead the gather prefetches item rows.
const AHEAD: usize = 16;

/// One worker's judgments in blocks of [`LANES`] (a per-thread buffer, reused).
#[derive(Default)]
pub(in crate::minimax) struct Blocks {
    /// Blocks per row (`⌈judgments / 4⌉`).
    nb: usize,
    /// `e[(r nb + b) K + c][t]`: the item table's `[r, c]` for judgment `4b + t`
    /// (1 in the padding lanes of the last block).
    e: Vec<V>,
    /// `w[r nb + b][t]`: the posterior of class `r` of judgment `4b + t`'s item (0 in
    /// the padding lanes, which therefore add exact zeros).
    w: Vec<V>,
    /// The judgments' items (for the direct evaluation of rows that underflow).
    items: Vec<u32>,
    /// `counts[r K + a] = Σ_{j: l_j = a} μ_j(r)` (summed in judgment order).
    counts: Vec<f64>,
}

/// Gathers one worker's judgments (items `items`, active labels `lab`, in its judgment
/// order) into `bl`, with the items' exponential tables `etau` and posteriors `mu`.
#[inline(always)]
pub(in crate::minimax) fn gather4<const K: usize>(
    items: &[u32],
    lab: &[u32],
    (etau, mu): (&[f64], &[f64]),
    bl: &mut Blocks,
) {
    let nb = items.len().div_ceil(LANES);
    bl.nb = nb;
    bl.e.clear();
    bl.e.resize(K * nb * K, [1.0; LANES]);
    bl.w.clear();
    bl.w.resize(K * nb, [0.0; LANES]);
    bl.items.clear();
    bl.counts.clear();
    bl.counts.resize(K * K, 0.0);
    for (j, (&i, &l)) in items.iter().zip(lab).enumerate() {
        if let Some(&i1) = items.get(j + AHEAD) {
            let i1 = i1 as usize;
            prefetch(etau, i1 * K * K, K * K);
            prefetch(mu, i1 * K, K);
        }
        let (i, l) = (i as usize, l as usize);
        bl.items.push(i as u32);
        let (b, t) = (j / LANES, j % LANES);
        let et = &etau[i * K * K..(i + 1) * K * K];
        let m = &mu[i * K..(i + 1) * K];
        for r in 0..K {
            let row = &mut bl.e[(r * nb + b) * K..(r * nb + b + 1) * K];
            for c in 0..K {
                row[c][t] = et[c * K + r];
            }
            bl.w[r * nb + b][t] = m[r];
            bl.counts[r * K + l] += m[r];
        }
    }
}

/// One Newton pass over the gathered judgments `bl` of a worker whose own logits and
/// table are `own`: adds every active row's gradient and Hessian (lower triangle) to
/// `acc` (lane-major, as [`Kernel::acc`](super::Kernel::acc) does). `tau`: the items'
/// logits, read only for a row whose products underflow. Uses AVX2 when the CPU has it
/// (same bits).
pub(in crate::minimax) fn pass4<const K: usize>(
    own: Side<'_>,
    tau: &[f64],
    bl: &Blocks,
    active: &[bool],
    acc: &mut Acc,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, the only requirement of `pass4_avx2`.
        #[allow(unsafe_code)]
        unsafe {
            pass4_avx2::<K>(own, tau, bl, active, acc)
        };
        return;
    }
    pass4_in::<K>(own, tau, bl, active, acc);
}

/// [`pass4_in`] compiled for AVX2 (the lane operations become 256-bit vectors).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unsafe_code)]
unsafe fn pass4_avx2<const K: usize>(
    own: Side<'_>,
    tau: &[f64],
    bl: &Blocks,
    active: &[bool],
    acc: &mut Acc,
) {
    pass4_in::<K>(own, tau, bl, active, acc);
}

/// [`pass4`] for any instruction set.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane loops index several arrays alike
fn pass4_in<const K: usize>(
    own: Side<'_>,
    tau: &[f64],
    bl: &Blocks,
    active: &[bool],
    acc: &mut Acc,
) {
    let nb = bl.nb;
    for r in (0..K).filter(|&r| active[r]) {
        let mut eo = [0.0; K];
        for (c, v) in eo.iter_mut().enumerate() {
            *v = own.e[c * K + r];
        }
        let e = &bl.e[r * nb * K..(r + 1) * nb * K];
        let w = &bl.w[r * nb..(r + 1) * nb];
        let mut g = [[0.0; LANES]; K];
        let mut h = [[[0.0; LANES]; K]; K];
        for (b, (eb, wb)) in e.chunks_exact(K).zip(w).enumerate() {
            let mut z = [[0.0; LANES]; K];
            let mut s = [0.0; LANES];
            for c in 0..K {
                for t in 0..LANES {
                    z[c][t] = eo[c] * eb[c][t];
                    s[t] += z[c][t];
                }
            }
            if !s.iter().all(|&v| v >= 1e-250) {
                underflow_lanes::<K>(own, tau, &bl.items, r, b, &mut z, &mut s);
            }
            let mut inv = [0.0; LANES];
            for t in 0..LANES {
                inv[t] = 1.0 / s[t];
            }
            let (mut p, mut wp) = ([[0.0; LANES]; K], [[0.0; LANES]; K]);
            for c in 0..K {
                for t in 0..LANES {
                    p[c][t] = z[c][t] * inv[t];
                    wp[c][t] = wb[t] * p[c][t];
                    g[c][t] += wp[c][t];
                }
            }
            for a in 0..K {
                for c in 0..=a {
                    for t in 0..LANES {
                        h[a][c][t] += wp[a][t] * p[c][t];
                    }
                }
            }
        }
        let sum = |v: &V| (v[0] + v[1]) + (v[2] + v[3]);
        for a in 0..K {
            let ga = sum(&g[a]);
            acc.gt[a * K + r] += ga - bl.counts[r * K + a];
            for c in 0..a {
                acc.ht[(a * K + c) * K + r] -= sum(&h[a][c]);
            }
            acc.ht[(a * K + a) * K + r] += ga - sum(&h[a][a]);
        }
    }
}

/// The lanes of block `b`, row `r`, whose products underflowed (logits far apart in
/// opposite directions): evaluated directly from the logits. Padding lanes never get
/// here (their sums are at least 1).
#[cold]
#[inline(never)]
fn underflow_lanes<const K: usize>(
    own: Side<'_>,
    tau: &[f64],
    items: &[u32],
    r: usize,
    b: usize,
    z: &mut [V; K],
    s: &mut V,
) {
    let mut row = [0.0; K];
    for t in 0..LANES {
        if s[t] >= 1e-250 {
            continue;
        }
        let i = items[b * LANES + t] as usize;
        let cells = r * K..(r + 1) * K;
        let q = &tau[i * K * K..(i + 1) * K * K];
        s[t] = softmax_direct(&own.x[cells.clone()], &q[cells], &mut row).0;
        for c in 0..K {
            z[c][t] = row[c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Fixed, Kernel, exp_rows, lane_scratch};
    use super::*;

    /// The four-judgment pass against the per-judgment kernel on the same judgments:
    /// the same gradient and Hessian up to rounding, for every row, with a padded last
    /// block, inactive rows left alone, and one judgment whose row 0 underflows (logits
    /// 700 apart in opposite directions: evaluated directly, probabilities ½, ½, 0).
    fn check<const K: usize>() {
        let mut next = crate::test_rng::xorshift(7 + K as u64);
        let mut unif = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
        let n_items = 9;
        let kk = K * K;
        let mut tau: Vec<f64> = (0..n_items * kk).map(|_| 4.0 * unif() - 2.0).collect();
        let mut own_x: Vec<f64> = (0..kk).map(|_| 3.0 * unif() - 1.5).collect();
        // item 4, row 0 against the worker's row 0: underflow
        for c in 0..K {
            own_x[c] = if c == 0 { 0.0 } else { -700.0 };
            tau[4 * kk + c] = if c == 1 { 0.0 } else { -700.0 };
        }
        let mut mu: Vec<f64> = (0..n_items * K).map(|_| unif()).collect();
        for row in mu.chunks_mut(K) {
            let s: f64 = row.iter().sum();
            row.iter_mut().for_each(|v| *v /= s);
        }
        let mut etau = vec![0.0; n_items * kk];
        let mut mx = vec![0.0; K];
        for (e, x) in etau.chunks_mut(kk).zip(tau.chunks(kk)) {
            exp_rows(K, x, e, &mut mx);
        }
        let mut own_e = vec![0.0; kk];
        exp_rows(K, &own_x, &mut own_e, &mut mx);
        let own = Side {
            x: &own_x,
            e: &own_e,
        };
        // seven judgments (two blocks, one padded) at positions 0..7
        let items: Vec<u32> = vec![3, 0, 4, 8, 1, 4, 6];
        let lab: Vec<u32> = (0..7).map(|j| (j * 3 % K) as u32).collect();
        let mut bl = Blocks::default();
        gather4::<K>(&items, &lab, (&etau, &mu), &mut bl);
        let mut active = [true; K];
        active[K - 1] = false;
        let mut x4 = Acc::new(K);
        pass4::<K>(own, &tau, &bl, &active, &mut x4);
        let mut by_one = Acc::new(K);
        let mut z = vec![0.0; lane_scratch(K)];
        for (&i, &l) in items.iter().zip(&lab) {
            let i = i as usize;
            let other = Side {
                x: &tau[i * kk..(i + 1) * kk],
                e: &etau[i * kk..(i + 1) * kk],
            };
            Fixed::<K>.acc(
                own,
                other,
                &mu[i * K..(i + 1) * K],
                l as usize,
                &mut by_one,
                &mut z,
            );
        }
        x4.rows(K, &active);
        by_one.rows(K, &active);
        for r in 0..K - 1 {
            for a in 0..K {
                let (u, v) = (x4.g[r * K + a], by_one.g[r * K + a]);
                assert!((u - v).abs() < 1e-13, "K {K} g[{r}, {a}]: {u} vs {v}");
                for b in 0..=a {
                    let c = (r * K + a) * K + b;
                    let (u, v) = (x4.h[c], by_one.h[c]);
                    assert!((u - v).abs() < 1e-13, "K {K} h[{r}, {a}, {b}]: {u} vs {v}");
                }
            }
        }
        // the inactive row got nothing
        assert!((0..K).all(|a| x4.gt[a * K + K - 1] == 0.0));
        // the underflowing judgment's row 0 is (½, ½, 0, …): its Hessian term in
        // [1, 1] is w (½ − ¼), which a wrong fallback would miss
        assert!(by_one.h[K + 1] > 0.0);
    }

    #[test]
    fn four_judgment_pass_gives_the_per_judgment_sums() {
        check::<2>();
        check::<3>();
        check::<5>();
        check::<8>();
    }
}
