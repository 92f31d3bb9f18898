//! The signs of the workers (M-MSR recovers `|s|`; see the module docs).

use rayon::prelude::*;

use super::fit::Pairs;
use super::single::Groups;

/// Iterations of the signed-graph power iteration that recovers the signs.
const SIGN_ITERS: usize = 1000;

/// Signs of the workers from the signed agreement graph: the leading eigenvector of
/// the lazy random walk `(I + D⁻¹ W) / 2` with signed edge weights
/// `W_ij = n_ij · C_ij` (`n_ij` = judgment pairs behind the entry, so a pair of workers
/// sharing one item weighs little) and `D` the sums of `|W_ij|`, started from all ones.
///
/// The signed weights `|W_ij| · sign(C_ij)` and the sums `D_i` do not change between
/// iterations and are computed once (the same products and sums, in the same order, as
/// computing them in every iteration; an edge with `C_ij = 0` adds `±0` to nothing).
/// A single-judgment worker's row is its group's entries in worker order without its
/// own (its graph row, in the graph's order: the same sums).
pub(super) fn signs(g: &Pairs, groups: &Groups, w: usize) -> Vec<f64> {
    let mut z = vec![1.0; w];
    let mut next = vec![0.0; w];
    let signed: Vec<f64> = g
        .cov
        .par_iter()
        .zip(g.common.par_iter())
        .map(|(&c, &n)| {
            if c != 0.0 {
                n * c.abs() * c.signum()
            } else {
                0.0
            }
        })
        .collect();
    let dsum: Vec<f64> = (0..w)
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| {
            let mut d = 0.0;
            if let Some(own) = groups.own_entry(i) {
                for e in groups.entries(i) {
                    let c = groups.signed[e];
                    if e != own && c != 0.0 {
                        d += c.abs();
                    }
                }
                return d;
            }
            for e in g.offsets[i]..g.offsets[i + 1] {
                let c = g.cov[e];
                if c != 0.0 {
                    d += g.common[e] * c.abs();
                }
            }
            d
        })
        .collect();
    for _ in 0..SIGN_ITERS {
        next.par_iter_mut()
            .enumerate()
            .with_min_len(1024)
            .for_each(|(i, out)| {
                let d = dsum[i];
                if d > 0.0 {
                    let mut s = 0.0;
                    if let Some(own) = groups.own_entry(i) {
                        let ents = groups.entries(i);
                        for e in (ents.start..own).chain(own + 1..ents.end) {
                            s += groups.signed[e] * z[groups.nbr[e] as usize];
                        }
                    }
                    for e in g.offsets[i]..g.offsets[i + 1] {
                        s += signed[e] * z[g.nbr[e] as usize];
                    }
                    *out = 0.5 * (z[i] + s / d);
                } else {
                    *out = z[i];
                }
            });
        let mx = next.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if mx == 0.0 {
            break;
        }
        let mut change = 0.0f64;
        for (zi, ni) in z.iter_mut().zip(&next) {
            let v = ni / mx;
            change = change.max((v - *zi).abs());
            *zi = v;
        }
        if change < 1e-12 {
            break;
        }
    }
    z.iter()
        .map(|&v| {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            }
        })
        .collect()
}
