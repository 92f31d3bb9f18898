//! The ordinal M-step: Newton on a block's `4K` threshold parameters (Zhou et al., ICML
//! 2014), whose logit-space sums are projected onto the parameters.

use super::super::kernel::{Acc, Side};
use super::{ARMIJO, MIN_STEP, Scratch, direction_out, first_table, max_abs, sq_norm};

/// The ordinal feature table: `feat[(r K + l) K + s]` is the index, in `0..4K`, of the
/// parameter that threshold `s` contributes to logit `[r, l]` (Zhou et al. ICML 2014:
/// one parameter per threshold and per side of it the true and observed classes fall).
pub(in crate::minimax) fn ordinal_features(k: usize) -> Vec<u16> {
    let mut feat = vec![0u16; k * k * k];
    for r in 0..k {
        for l in 0..k {
            for s in 0..k {
                let family = match (s <= r, s <= l) {
                    (true, true) => 0,
                    (true, false) => 1,
                    (false, false) => 2,
                    (false, true) => 3,
                };
                feat[(r * k + l) * k + s] = (family * k + s) as u16;
            }
        }
    }
    feat
}

/// The `K × K` logits of ordinal parameters `x` (`4K`).
fn ordinal_logits(k: usize, feat: &[u16], x: &[f64], out: &mut [f64]) {
    for (cell, o) in out.iter_mut().enumerate().take(k * k) {
        *o = feat[cell * k..(cell + 1) * k]
            .iter()
            .map(|&b| x[b as usize])
            .sum();
    }
}

/// Adds the logit-space gradient `g` (`K × K`) and Hessian `h` (`K` row blocks of
/// `K × K`, both triangles) of an ordinal block to its parameter-space gradient `gx`
/// (`4K`) and Hessian `hx` (`4K × 4K`): `Jᵀ g` and `Jᵀ h J` for the 0/1 feature map `J`
/// of [`ordinal_features`]. For true class `r` and threshold `s` the observed classes
/// `l ≥ s` all use one parameter and `l < s` another, so every sum is a block sum of
/// `g[r, ·]` or `h[r, ·, ·]` over `l ≥ s` / `l < s`, read from suffix sums: `O(K³)`
/// per block instead of the `O(K⁵)` of adding every cell's `K × K` feature pairs.
/// `sfx`: `(K + 1)²` scratch values.
fn ordinal_project(
    k: usize,
    g: &[f64],
    h: &[f64],
    gx: &mut [f64],
    hx: &mut [f64],
    sfx: &mut [f64],
) {
    let d = 4 * k;
    let k1 = k + 1;
    // the parameter of true class r, threshold s, for observed l >= s (hi) / l < s (lo)
    let hi = |r: usize, s: usize| if s <= r { s } else { 3 * k + s };
    let lo = |r: usize, s: usize| if s <= r { k + s } else { 2 * k + s };
    for r in 0..k {
        // gradient: suffix sums of g[r, ·]
        let gr = &g[r * k..(r + 1) * k];
        let total: f64 = gr.iter().sum();
        let mut suf = 0.0;
        for s in (0..k).rev() {
            suf += gr[s];
            gx[hi(r, s)] += suf;
            if s > 0 {
                gx[lo(r, s)] += total - suf;
            }
        }
        // Hessian: 2-D suffix sums S[a][b] = Σ_{l ≥ a, l2 ≥ b} h[r, l, l2]
        let hr = &h[r * k * k..(r + 1) * k * k];
        sfx.fill(0.0);
        for a in (0..k).rev() {
            for b in (0..k).rev() {
                sfx[a * k1 + b] = hr[a * k + b] + sfx[(a + 1) * k1 + b] + sfx[a * k1 + b + 1]
                    - sfx[(a + 1) * k1 + b + 1];
            }
        }
        let all = sfx[0];
        for s in 0..k {
            let (shi, slo) = (hi(r, s), lo(r, s));
            let s_row = sfx[s * k1]; // l ≥ s, any l2
            for s2 in 0..k {
                let (thi, tlo) = (hi(r, s2), lo(r, s2));
                let both = sfx[s * k1 + s2];
                let col = sfx[s2]; // any l, l2 ≥ s2
                hx[shi * d + thi] += both;
                if s2 > 0 {
                    hx[shi * d + tlo] += s_row - both;
                }
                if s > 0 {
                    hx[slo * d + thi] += col - both;
                    if s2 > 0 {
                        hx[slo * d + tlo] += all - s_row - col + both;
                    }
                }
            }
        }
    }
}

/// Ordinal M-step of one block: Newton on its `4K` parameters `x`, whose logits go to
/// `logits` (`K × K`) at the end. `ex` (the table of `logits` on entry, which are the
/// logits of `x`) and `pass` as in [`solve_rows`](super::solve_rows). Returns the passes.
#[allow(clippy::too_many_arguments)]
pub(in crate::minimax) fn solve_ordinal(
    x: &mut [f64],
    logits: &mut [f64],
    ex: Option<&[f64]>,
    feat: &[u16],
    lambda: f64,
    max_steps: usize,
    tol: f64,
    prog_tol: f64,
    s: &mut Scratch,
    mut pass: impl FnMut(Side<'_>, &[bool], &mut Acc, &mut [f64]),
) -> usize {
    let k = s.k;
    let d = 4 * k;
    s.xd.copy_from_slice(x);
    s.active.fill(true);
    let (mut psi_cur, mut t) = (0.0, 1.0);
    let mut steps = 0;
    let mut passes = 0;
    let mut first = true;
    loop {
        ordinal_logits(k, feat, &s.xd, &mut s.trial);
        s.acc.clear();
        first_table(k, first.then_some(ex).flatten(), s);
        let own = Side {
            x: &s.trial,
            e: &s.etrial,
        };
        pass(own, &s.active, &mut s.acc, &mut s.z);
        passes += 1;
        s.acc.rows(k, &s.active);
        s.acc.mirror(k);
        // gradient and Hessian in parameter space
        for (g, xv) in s.gx.iter_mut().zip(s.xd.iter()) {
            *g = lambda * xv;
        }
        s.hx.fill(0.0);
        for b in 0..d {
            s.hx[b * d + b] = lambda;
        }
        ordinal_project(k, &s.acc.g, &s.acc.h, &mut s.gx, &mut s.hx, &mut s.sfx);
        let psi = sq_norm(&s.gx);
        if !(first || psi <= (1.0 - 2.0 * ARMIJO * t) * psi_cur) {
            t *= 0.5;
            if t < MIN_STEP {
                break;
            }
            for ((xd, xv), dv) in s.xd.iter_mut().zip(x.iter()).zip(&s.dir) {
                *xd = xv + t * dv;
            }
            continue;
        }
        first = false;
        x.copy_from_slice(&s.xd);
        psi_cur = psi;
        if max_abs(&s.gx) <= tol || steps >= max_steps {
            break;
        }
        steps += 1;
        let gd = direction_out(&mut s.hx, &s.gx, d, &mut s.dir[..d]);
        t = 1.0;
        if -0.5 * gd <= prog_tol {
            for (xv, dv) in x.iter_mut().zip(&s.dir) {
                *xv += dv;
            }
            break;
        }
        for ((xd, xv), dv) in s.xd.iter_mut().zip(x.iter()).zip(&s.dir) {
            *xd = xv + dv;
        }
    }
    ordinal_logits(k, feat, x, logits);
    passes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cell_gets_one_feature_per_threshold() {
        let k = 3;
        let feat = ordinal_features(k);
        // logit [0, 2] with thresholds s = 0, 1, 2: (0<=0, 0<=2) -> family 0;
        // (1<=0 false, 1<=2) -> family 3; (2<=0 false, 2<=2) -> family 3.
        assert_eq!(&feat[(2) * k..3 * k], &[0, 3 * 3 + 1, 3 * 3 + 2]);
        let x: Vec<f64> = (0..4 * k).map(|v| v as f64).collect();
        let mut m = vec![0.0; k * k];
        ordinal_logits(k, &feat, &x, &mut m);
        assert_eq!(m[2], 0.0 + 10.0 + 11.0);
    }

    #[test]
    fn ordinal_projection_equals_the_feature_sums() {
        // the O(K³) suffix-sum projection against adding every cell's feature pairs
        for k in 2..=6 {
            let feat = ordinal_features(k);
            let d = 4 * k;
            let g: Vec<f64> = (0..k * k)
                .map(|i| ((i * 7 + 3) % 11) as f64 - 5.0)
                .collect();
            let mut h: Vec<f64> = (0..k * k * k)
                .map(|i| ((i * 13 + 5) % 17) as f64 / 3.0 - 2.0)
                .collect();
            for r in 0..k {
                for a in 0..k {
                    for b in 0..a {
                        h[r * k * k + b * k + a] = h[r * k * k + a * k + b];
                    }
                }
            }
            let (mut gx, mut hx) = (vec![0.0; d], vec![0.0; d * d]);
            for r in 0..k {
                for l in 0..k {
                    let fl = &feat[(r * k + l) * k..(r * k + l + 1) * k];
                    for &b in fl {
                        gx[b as usize] += g[r * k + l];
                    }
                    for l2 in 0..k {
                        let f2 = &feat[(r * k + l2) * k..(r * k + l2 + 1) * k];
                        for &b in fl {
                            for &b2 in f2 {
                                hx[b as usize * d + b2 as usize] += h[(r * k + l) * k + l2];
                            }
                        }
                    }
                }
            }
            let (mut gy, mut hy) = (vec![0.0; d], vec![0.0; d * d]);
            let mut sfx = vec![0.0; (k + 1) * (k + 1)];
            ordinal_project(k, &g, &h, &mut gy, &mut hy, &mut sfx);
            for (a, b) in gx.iter().zip(&gy).chain(hx.iter().zip(&hy)) {
                assert!((a - b).abs() < 1e-9, "K = {k}: {a} vs {b}");
            }
        }
    }
}
