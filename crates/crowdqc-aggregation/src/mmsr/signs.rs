//! The signs of the workers (M-MSR recovers `|s|`; see the module docs).

use rayon::prelude::*;

use super::balance::{Balanced, balanced};
use super::fit::Pairs;
use super::single::{Groups, NONE};

/// Iterations of the signed-graph power iteration that recovers the signs.
const SIGN_ITERS: usize = 1000;
/// Groups or workers per parallel job (fixed).
const CHUNK: usize = 1024;

/// A group's row in the power iteration, its entries merged per target: the summed
/// weights towards each group of its item, and the entries of workers without a group.
struct GroupRows {
    /// Group targets of group `g`: `g_off[g]..g_off[g + 1]`.
    g_off: Vec<usize>,
    g_tgt: Vec<u32>,
    g_w: Vec<f64>,
    /// Worker targets (workers without a group) of group `g`: `w_off[g]..w_off[g + 1]`.
    w_off: Vec<usize>,
    w_tgt: Vec<u32>,
    w_w: Vec<f64>,
    /// `D` of the group's viewers: the sum of `|W|` over the row without the own entry.
    dsum: Vec<f64>,
}

/// One chunk of groups' rows: per group the number of group and worker targets, the
/// targets and weights, and `D`.
type RowsChunk = (
    Vec<(usize, usize)>,
    Vec<(u32, f64)>,
    Vec<(u32, f64)>,
    Vec<f64>,
);

impl GroupRows {
    /// The viewers' shared row of every group: a viewer's row is its group's entries
    /// without its own, so the viewers of a group (all starting at 1) keep one value
    /// throughout, and the entries of the viewers of one group, which have the same
    /// weight, act as one term (their summed weight). Fixed chunks: the same for any
    /// thread count.
    fn build(groups: &Groups) -> GroupRows {
        let n = groups.len();
        let chunks: Vec<RowsChunk> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let (mut lens, mut gs, mut ws, mut ds) = (vec![], vec![], vec![], vec![]);
                for g in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    let ents = groups.offsets[g]..groups.offsets[g + 1];
                    let own = ents.start + groups.v_own[groups.v_off[g]] as usize;
                    let (g0, w0) = (gs.len(), ws.len());
                    let mut d = 0.0;
                    for e in ents {
                        let c = groups.signed[e];
                        if e == own || c == 0.0 {
                            continue;
                        }
                        d += c.abs();
                        let j = groups.nbr[e];
                        match groups.group[j as usize] {
                            NONE => ws.push((j, c)),
                            t => match gs[g0..].iter_mut().find(|(x, _)| *x == t) {
                                Some((_, s)) => *s += c,
                                None => gs.push((t, c)),
                            },
                        }
                    }
                    lens.push((gs.len() - g0, ws.len() - w0));
                    ds.push(d);
                }
                (lens, gs, ws, ds)
            })
            .collect();
        let mut r = GroupRows {
            g_off: vec![0],
            g_tgt: vec![],
            g_w: vec![],
            w_off: vec![0],
            w_tgt: vec![],
            w_w: vec![],
            dsum: Vec::with_capacity(n),
        };
        for (lens, gs, ws, ds) in chunks {
            for (a, b) in lens {
                r.g_off.push(r.g_off.last().copied().unwrap_or(0) + a);
                r.w_off.push(r.w_off.last().copied().unwrap_or(0) + b);
            }
            r.g_tgt.extend(gs.iter().map(|x| x.0));
            r.g_w.extend(gs.iter().map(|x| x.1));
            r.w_tgt.extend(ws.iter().map(|x| x.0));
            r.w_w.extend(ws.iter().map(|x| x.1));
            r.dsum.extend(ds);
        }
        r
    }
}

/// `0.5 (z + s / d)`, or `z` without weight.
#[inline]
fn lazy_step(z: f64, s: f64, d: f64) -> f64 {
    if d > 0.0 { 0.5 * (z + s / d) } else { z }
}

/// Signs of the workers from the signed agreement graph: the leading eigenvector of
/// the lazy random walk `(I + D⁻¹ W) / 2` with signed edge weights
/// `W_ij = n_ij · C_ij` (`n_ij` = judgment pairs behind the entry, so a pair of workers
/// sharing one item weighs little) and `D` the sums of `|W_ij|`, started from all ones.
///
/// The signed weights `|W_ij| · sign(C_ij)` and the sums `D_i` do not change between
/// iterations and are computed once (the same products and sums, in the same order, as
/// computing them in every iteration; an edge with `C_ij = 0` adds `±0` to nothing).
///
/// **Balanced components** (every component of F9's data) take their signs in closed
/// form ([`super::balance`]): the limit of this iteration, 0 where the start vector has
/// no component on the sign vector. The iteration runs only when some component is
/// not balanced, and its signs are used only there. **Single-judgment workers**
/// iterate per group ([`merged`]): the signs are those of the per-worker iteration
/// ([`per_worker`]) unless some value of an unbalanced component is so close to 0
/// that rounding decides its sign, in which case the per-worker iteration runs instead.
pub(super) fn signs(g: &Pairs, groups: &Groups, w: usize) -> Vec<f64> {
    let bal = balanced(g, groups, w);
    if !bal.any_unbalanced {
        return bal.sign;
    }
    let z = match (groups.len() > 0).then(|| merged(g, groups, w, &bal)) {
        Some(Some(z)) => z,
        _ => per_worker(g, groups, w),
    };
    let iterated = sign_of(&z);
    (0..w)
        .map(|i| if bal.has(i) { bal.sign[i] } else { iterated[i] })
        .collect()
}

/// −1, 0 or 1 per value.
fn sign_of(z: &[f64]) -> Vec<f64> {
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

/// Below this size (of the largest value, or of its update's terms) a value's sign is
/// left to rounding: [`merged`] declines.
const FRAGILE: f64 = 1e-6;

/// The power iteration with the viewers of a group iterated as one value.
///
/// A viewer's row is its group's entries without its own, the same for every viewer of
/// the group, so the viewers of a group share one value (they start equal and get the
/// same update), and the entries of one group's viewers, which all have the same
/// weight, are merged into one term towards that group ([`GroupRows`]): O(groups of
/// the item) per group and iteration instead of O(item's workers) per worker. Merging
/// the weights changes the last bits of the iterates against [`per_worker`]; the signs
/// are the same unless a value cancels to rounding level (a component whose start
/// vector is orthogonal to its leading eigenvector, so that its values decay towards 0
/// while the others keep their size): then the sign is rounding noise in either
/// iteration, and this returns `None` when any final value is below [`FRAGILE`] (the
/// values are scaled to a largest magnitude of 1) or below [`FRAGILE`] times the
/// magnitude of its own update's terms. Only the values of workers in unbalanced
/// components are checked (`bal`; the others' signs come from [`super::balance`]).
/// Workers without a group read the viewers' values, copied to them after every
/// iteration when there are such workers.
pub(super) fn merged(g: &Pairs, groups: &Groups, w: usize, bal: &Balanced) -> Option<Vec<f64>> {
    let mut z = vec![1.0; w];
    let rows: Vec<u32> = (0..w as u32)
        .filter(|&i| groups.group[i as usize] == NONE)
        .collect();
    let mut next = vec![0.0; rows.len()];
    let signed = signed_weights(g);
    let dsum: Vec<f64> = rows
        .par_iter()
        .with_min_len(CHUNK)
        .map(|&i| {
            let mut d = 0.0;
            for e in g.offsets[i as usize]..g.offsets[i as usize + 1] {
                let c = g.cov[e];
                if c != 0.0 {
                    d += g.common[e] * c.abs();
                }
            }
            d
        })
        .collect();
    let gr = GroupRows::build(groups);
    let mut zg = vec![1.0; groups.len()];
    let mut next_g = vec![0.0; groups.len()];
    let copy_viewers = !g.nbr.is_empty() && groups.len() > 0;
    for _ in 0..SIGN_ITERS {
        next.par_iter_mut()
            .zip(rows.par_iter().zip(dsum.par_iter()))
            .with_min_len(CHUNK)
            .for_each(|(out, (&i, &d))| {
                let i = i as usize;
                let mut s = 0.0;
                if d > 0.0 {
                    for e in g.offsets[i]..g.offsets[i + 1] {
                        s += signed[e] * z[g.nbr[e] as usize];
                    }
                }
                *out = lazy_step(z[i], s, d);
            });
        next_g
            .par_iter_mut()
            .enumerate()
            .with_min_len(CHUNK)
            .for_each(|(k, out)| {
                let mut s = 0.0;
                for e in gr.g_off[k]..gr.g_off[k + 1] {
                    s += gr.g_w[e] * zg[gr.g_tgt[e] as usize];
                }
                for e in gr.w_off[k]..gr.w_off[k + 1] {
                    s += gr.w_w[e] * z[gr.w_tgt[e] as usize];
                }
                *out = lazy_step(zg[k], s, gr.dsum[k]);
            });
        let mx = next
            .iter()
            .chain(&next_g)
            .fold(0.0f64, |a, v| a.max(v.abs()));
        if mx == 0.0 {
            break;
        }
        let mut change = 0.0f64;
        for (&i, ni) in rows.iter().zip(&next) {
            let v = ni / mx;
            change = change.max((v - z[i as usize]).abs());
            z[i as usize] = v;
        }
        for (zi, ni) in zg.iter_mut().zip(&next_g) {
            let v = ni / mx;
            change = change.max((v - *zi).abs());
            *zi = v;
        }
        if copy_viewers {
            for &j in &groups.v_worker {
                z[j as usize] = zg[groups.group[j as usize] as usize];
            }
        }
        if change < 1e-12 {
            break;
        }
    }
    for &j in &groups.v_worker {
        z[j as usize] = zg[groups.group[j as usize] as usize];
    }
    // the final values against the magnitude of their update's terms
    // (the values are scaled to a largest magnitude of 1: a value that decayed below
    // FRAGILE is that of a component whose start vector is nearly orthogonal to its
    // leading eigenvector, where rounding has the last word)
    let fragile = |v: f64, s: f64, d: f64| {
        v.abs() < FRAGILE || d > 0.0 && v.abs() <= FRAGILE * (v.abs() + s / d)
    };
    let rows_fragile = rows.par_iter().zip(dsum.par_iter()).any(|(&i, &d)| {
        let i = i as usize;
        if bal.has(i) {
            return false;
        }
        let s: f64 = (g.offsets[i]..g.offsets[i + 1])
            .map(|e| (signed[e] * z[g.nbr[e] as usize]).abs())
            .sum();
        fragile(z[i], s, d)
    });
    let groups_fragile = (0..groups.len()).into_par_iter().any(|k| {
        if bal.has(groups.v_worker[groups.v_off[k]] as usize) {
            return false;
        }
        let s: f64 = (gr.g_off[k]..gr.g_off[k + 1])
            .map(|e| (gr.g_w[e] * zg[gr.g_tgt[e] as usize]).abs())
            .chain(
                (gr.w_off[k]..gr.w_off[k + 1]).map(|e| (gr.w_w[e] * z[gr.w_tgt[e] as usize]).abs()),
            )
            .sum();
        fragile(zg[k], s, gr.dsum[k])
    });
    (!rows_fragile && !groups_fragile).then_some(z)
}

/// Per worker, the sign step's `D_i`: the sum of `|W_ij|` over its row (for a
/// single-judgment worker, its group's entries in worker order without its own: its
/// graph row in the graph's order, the same bits as with `graph_only`), and per
/// worker the index of its own group entry (`usize::MAX` without a group).
fn degree_sums_own(g: &Pairs, groups: &Groups, w: usize) -> (Vec<f64>, Vec<usize>) {
    let mut own = vec![usize::MAX; w];
    for g in 0..groups.len() {
        for v in groups.v_off[g]..groups.v_off[g + 1] {
            own[groups.v_worker[v] as usize] = groups.offsets[g] + groups.v_own[v] as usize;
        }
    }
    let dsum: Vec<f64> = (0..w)
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| {
            let mut d = 0.0;
            if own[i] != usize::MAX {
                for e in groups.entries(i) {
                    let c = groups.signed[e];
                    if e != own[i] && c != 0.0 {
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
    (dsum, own)
}

/// Per worker, the sign step's `D_i` (see [`degree_sums_own`]): the same bits for the
/// groups and the plain graph.
pub(super) fn degree_sums(g: &Pairs, groups: &Groups, w: usize) -> Vec<f64> {
    degree_sums_own(g, groups, w).0
}

/// The power iteration per worker (the plain graph's): a single-judgment worker's row
/// is its group's entries in worker order without its own (its graph row, in the
/// graph's order: the same sums, the same bits as with `graph_only`).
pub(super) fn per_worker(g: &Pairs, groups: &Groups, w: usize) -> Vec<f64> {
    let (dsum, own) = degree_sums_own(g, groups, w);
    let own_entry = |i: usize| (own[i] != usize::MAX).then_some(own[i]);
    let mut z = vec![1.0; w];
    let mut next = vec![0.0; w];
    let signed = signed_weights(g);
    for _ in 0..SIGN_ITERS {
        next.par_iter_mut()
            .enumerate()
            .with_min_len(1024)
            .for_each(|(i, out)| {
                let d = dsum[i];
                if d > 0.0 {
                    let mut s = 0.0;
                    if let Some(own) = own_entry(i) {
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
    z
}

/// The graph's signed edge weights `n_ij · |C_ij| · sign(C_ij)` (0 where `C_ij = 0`),
/// in the graph's entry order: the weights of both the merged and the per-worker
/// iteration.
fn signed_weights(g: &Pairs) -> Vec<f64> {
    g.cov
        .par_iter()
        .zip(g.common.par_iter())
        .map(|(&c, &n)| {
            if c != 0.0 {
                n * c.abs() * c.signum()
            } else {
                0.0
            }
        })
        .collect()
}
