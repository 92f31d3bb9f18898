//! The hot loops: the fused objective + E-step (+ M-step sums) pass over items, the
//! M-step sums in group mode, and the normalisation of the count table,
//! monomorphised for small class counts.

use std::f64::consts::LN_2;

use rayon::prelude::*;

use super::{Buffers, EmData, PassSums};
use crate::common::EPS;
use crate::ds::InitialConfusion;

/// A class count known at compile time ([`Fixed`]) or at run time ([`Dynamic`]).
pub(crate) trait Dim: Copy + Send + Sync {
    fn get(self) -> usize;
}

/// A compile-time class count (loops over classes unroll).
#[derive(Clone, Copy)]
pub(crate) struct Fixed<const K: usize>;

impl<const K: usize> Dim for Fixed<K> {
    #[inline(always)]
    fn get(self) -> usize {
        K
    }
}

/// A run-time class count.
#[derive(Clone, Copy)]
pub(crate) struct Dynamic(pub(crate) usize);

impl Dim for Dynamic {
    #[inline(always)]
    fn get(self) -> usize {
        self.0
    }
}

const STACK_K: usize = 64;
/// `-EPS ln EPS`: the entropy term of a floored zero.
const EPS_ENTROPY: f64 = 2.302_585_092_994_046e-9;
/// Cells per task when adding chunk tables.
const REDUCE_BLOCK: usize = 4096;

/// Which M-step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum MStep {
    /// Full confusion; `smoothing` > 0 adds a Dirichlet pseudo-count to every cell
    /// (then normalises over all labels, no floor); 0 is crowd-kit's rule.
    Full { smoothing: f64 },
    /// One accuracy per worker.
    OneCoin,
}

/// Inputs of one pass.
#[derive(Clone, Copy)]
struct PassIn<'a> {
    loge2: &'a [f64],
    log2p: &'a [f64],
    lnp: &'a [f64],
    elbo: bool,
}

/// One pass over the items: with `elbo`, crowd-kit's joint expectation and entropy of
/// the current `q`; always the E-step writing the new `q` (gold clamped), prior sums and
/// the marginal log-likelihood; in scatter mode with `s`, the M-step sums of the new
/// `q` into `s`.
#[expect(clippy::too_many_arguments, reason = "internal kernel")]
pub(crate) fn pass(
    d: &EmData<'_>,
    q: &mut [f64],
    loge2: &[f64],
    log2p: &[f64],
    lnp: &[f64],
    elbo: bool,
    s: Option<&mut [f64]>,
    buf: &mut Buffers,
) -> PassSums {
    let input = PassIn {
        loge2,
        log2p,
        lnp,
        elbo,
    };
    let s = if d.scatter { s } else { None };
    macro_rules! dispatch {
        ($($n:literal),*) => {
            match d.k {
                $($n => pass_dim(Fixed::<$n>, d, q, input, s, buf),)*
                k => pass_dim(Dynamic(k), d, q, input, s, buf),
            }
        };
    }
    dispatch!(2, 3, 4, 5, 6, 7, 8);
    let k = d.k;
    let mut out = PassSums {
        prior: vec![0.0; k],
        joint: 0.0,
        entropy: 0.0,
        loglik: 0.0,
    };
    for part in buf.partials.chunks_exact(k + 3) {
        out.prior
            .iter_mut()
            .zip(&part[..k])
            .for_each(|(a, b)| *a += b);
        out.joint += part[k];
        out.entropy += part[k + 1];
        out.loglik += part[k + 2];
    }
    out
}

/// Runs `chunk(first_item, n_items, q_chunk, partial, table)` over every chunk, in
/// waves; in scatter mode (`s` given) adds the chunk tables into `s` in chunk order.
/// `chunk` must initialise its table (every group's sums start at zero).
/// `q_chunk` is `None` when `q` is `None` (read-only passes).
fn waves<F>(
    d: &EmData<'_>,
    mut q: Option<&mut [f64]>,
    mut s: Option<&mut [f64]>,
    buf: &mut Buffers,
    chunk: F,
) where
    F: Fn(usize, usize, Option<&mut [f64]>, &mut [f64], Option<&mut [f64]>) + Sync,
{
    let k = d.k;
    let cells = d.n_workers * k * k;
    let tcells = 2 * cells; // interleaved chunk tables: per group [log2 e | sums]
    let ci = d.chunk_items;
    let n_chunks = d.n_chunks();
    if let Some(s) = s.as_deref_mut() {
        s.fill(0.0);
    }
    let size = |j: usize| ((j + 1) * ci).min(d.n_items) - j * ci;
    let mut start = 0;
    while start < n_chunks {
        let end = (start + d.wave).min(n_chunks);
        let (lo, hi) = (start * ci, (end * ci).min(d.n_items));
        let pw = &mut buf.partials[start * (k + 3)..end * (k + 3)];
        let nw = end - start;
        let mut tables: Vec<Option<&mut [f64]>> = Vec::new();
        let tw = &mut buf.tables;
        let scatter = s.is_some();
        // one Option per chunk of the wave (a small Vec of references, per wave)
        if scatter {
            tables.extend(tw[..nw * tcells].chunks_mut(tcells.max(1)).map(Some));
        } else {
            tables.extend((0..nw).map(|_| None));
        }
        let mut qs: Vec<Option<&mut [f64]>> = match q.as_deref_mut() {
            Some(q) => q[lo * k..hi * k].chunks_mut(ci * k).map(Some).collect(),
            None => (0..nw).map(|_| None).collect(),
        };
        pw.par_chunks_mut(k + 3)
            .zip(qs.par_iter_mut())
            .zip(tables.par_iter_mut())
            .enumerate()
            .for_each(|(j, ((part, qc), table))| {
                let c = start + j;
                chunk(
                    c * ci,
                    size(c),
                    qc.as_deref_mut(),
                    part,
                    table.as_deref_mut(),
                );
            });
        drop(tables);
        if let Some(s) = s.as_deref_mut() {
            let tw = &buf.tables[..nw * tcells];
            // blocks of whole groups; group g's sums sit at table[g * 2k + k..][..k]
            let gb = (REDUCE_BLOCK / k).max(1);
            s.par_chunks_mut(gb * k).enumerate().for_each(|(b, sb)| {
                let g0 = b * gb;
                for j in 0..nw {
                    let t = &tw[j * tcells..(j + 1) * tcells];
                    for (r, dst) in sb.chunks_exact_mut(k).enumerate() {
                        let src = &t[(g0 + r) * 2 * k + k..(g0 + r) * 2 * k + 2 * k];
                        dst.iter_mut().zip(src).for_each(|(a, v)| *a += v);
                    }
                }
            });
        }
        start = end;
    }
}

/// `acc = Σ_{p in s..e} log2 e[w_p, l_p, :]`, from the interleaved chunk table
/// (`INTERLEAVED`, rows of `2k`) or the plain `log2 e` table (rows of `k`).
#[inline(always)]
fn gather<D: Dim, const INTERLEAVED: bool>(
    dim: D,
    d: &EmData<'_>,
    table: &[f64],
    s: usize,
    e: usize,
    acc: &mut [f64],
) {
    let k = dim.get();
    let stride = if INTERLEAVED { 2 * k } else { k };
    acc.fill(0.0);
    let (ws, cs) = (&d.workers[s..e], &d.classes[s..e]);
    match &d.map {
        None => {
            for (&w, &c) in ws.iter().zip(cs) {
                let base = (w as usize * k + c as usize) * stride;
                let er = &table[base..base + k];
                for c in 0..k {
                    acc[c] += er[c];
                }
            }
        }
        Some(map) => {
            for (&w, &c) in ws.iter().zip(cs) {
                let base = (w as usize * k + map[c as usize] as usize) * stride;
                let er = &table[base..base + k];
                for c in 0..k {
                    acc[c] += er[c];
                }
            }
        }
    }
}

fn pass_dim<D: Dim>(
    dim: D,
    d: &EmData<'_>,
    q: &mut [f64],
    input: PassIn<'_>,
    s: Option<&mut [f64]>,
    buf: &mut Buffers,
) {
    let k = dim.get();
    let PassIn {
        loge2,
        log2p,
        lnp,
        elbo,
    } = input;
    // Slices of length exactly `k`: no bounds checks inside the class loops, which
    // then unroll for a compile-time `k`.
    let (log2p, lnp) = (&log2p[..k], &lnp[..k]);
    waves(d, Some(q), s, buf, |first, _n, qc, part, mut table| {
        let qc = qc.expect("the pass writes q");
        part.fill(0.0);
        let mut stack = [0.0f64; STACK_K];
        let mut heap = Vec::new();
        let acc: &mut [f64] = if k <= STACK_K {
            &mut stack[..k]
        } else {
            heap.resize(k, 0.0);
            &mut heap[..k]
        };
        let part = &mut part[..k + 3];
        let (mut joint, mut entropy, mut ll) = (0.0, 0.0, 0.0);
        // In scatter mode the chunk's table holds, per (worker, label) group, the log2
        // confusion row next to the group's sums: one cache line pair per judgment.
        // One write pass initialises it: the row, then zero sums.
        if let Some(table) = table.as_deref_mut() {
            for (dst, src) in table.chunks_exact_mut(2 * k).zip(loge2.chunks_exact(k)) {
                let (row, sums) = dst.split_at_mut(k);
                row.copy_from_slice(src);
                sums.fill(0.0);
            }
        }
        for (r, row) in qc.chunks_exact_mut(k).enumerate() {
            let row = &mut row[..k];
            let t = first + r;
            let (s, e) = (d.offsets[t], d.offsets[t + 1]);
            match table.as_deref() {
                Some(tb) => gather::<D, true>(dim, d, tb, s, e, acc),
                None => gather::<D, false>(dim, d, loge2, s, e, acc),
            }
            if e == s {
                // no judgment: the prior, outside every sum
                let mut sum = 0.0;
                for c in 0..k {
                    row[c] = log2p[c].exp2();
                    sum += row[c];
                }
                row.iter_mut().for_each(|v| *v /= sum);
                continue;
            }
            let n_t = (e - s) as f64;
            // Per-item sums, then one add into the chunk's running sums: the long
            // add chains stay within an item, so items overlap in the pipeline.
            if elbo {
                let mut jt = 0.0;
                for c in 0..k {
                    jt += row[c] * (acc[c] * LN_2 + n_t * lnp[c]);
                }
                joint += jt;
            }
            let mut mx = f64::NEG_INFINITY;
            for c in 0..k {
                acc[c] += log2p[c];
                mx = mx.max(acc[c]);
            }
            let mut sum = 0.0;
            for c in 0..k {
                let v = (acc[c] - mx).exp2();
                row[c] = v;
                sum += v;
            }
            let inv = 1.0 / sum;
            for v in row.iter_mut() {
                *v *= inv;
            }
            let lsum = sum.log2();
            ll += (mx + lsum) * LN_2;
            // Entropy of the new row as crowd-kit takes it (q floored at EPS), with
            // ln q from the log-domain values: no logarithm per class.
            if d.clamp(t, row) {
                entropy += (k - 1) as f64 * EPS_ENTROPY;
            } else {
                let mut et = 0.0;
                for c in 0..k {
                    let qv = row[c];
                    et += if qv >= EPS {
                        -qv * ((acc[c] - mx - lsum) * LN_2)
                    } else {
                        EPS_ENTROPY
                    };
                }
                entropy += et;
            }
            for c in 0..k {
                part[c] += row[c];
            }
            if let Some(table) = table.as_deref_mut() {
                let (ws, cs) = (&d.workers[s..e], &d.classes[s..e]);
                for (&w, &c) in ws.iter().zip(cs) {
                    let l = match &d.map {
                        None => c as usize,
                        Some(map) => map[c as usize] as usize,
                    };
                    let base = (w as usize * k + l) * 2 * k + k;
                    let dst = &mut table[base..base + k];
                    for c in 0..k {
                        dst[c] += row[c];
                    }
                }
            }
        }
        part[k] = joint;
        part[k + 1] = entropy;
        part[k + 2] = ll;
    });
}

/// The M-step sums `s[w, l, :] = Σ q[t, :]` over judgments `(t, w, l)` of the current
/// `q` (for the initial M-step, and every M-step in group mode).
pub(crate) fn accumulate(d: &EmData<'_>, q: &[f64], s: &mut [f64], buf: &mut Buffers) {
    let k = d.k;
    if d.scatter {
        waves(d, None, Some(s), buf, |first, n, _qc, _part, table| {
            let table = table.expect("scatter mode has tables");
            table.fill(0.0);
            for r in 0..n {
                let t = first + r;
                let row = &q[t * k..t * k + k];
                for p in d.offsets[t]..d.offsets[t + 1] {
                    let base = (d.workers[p] as usize * k + d.class_at(p)) * 2 * k + k;
                    table[base..base + k]
                        .iter_mut()
                        .zip(row)
                        .for_each(|(a, b)| *a += b);
                }
            }
        });
        return;
    }
    s.par_chunks_mut(k * k)
        .enumerate()
        .with_min_len(16)
        .for_each(|(w, sw)| {
            for l in 0..k {
                let g = w * k + l;
                let dst = &mut sw[l * k..(l + 1) * k];
                dst.fill(0.0);
                for &t in &d.wl_items[d.wl_offsets[g]..d.wl_offsets[g + 1]] {
                    let src = &q[t as usize * k..t as usize * k + k];
                    dst.iter_mut().zip(src).for_each(|(a, b)| *a += b);
                }
            }
        });
}

/// M-step from the sums: `conf` (`[w][observed][true]`) and `loge2 = log2(conf)`.
pub(crate) fn normalize(
    d: &EmData<'_>,
    s: &[f64],
    conf: &mut [f64],
    loge2: &mut [f64],
    kind: &MStep,
    initial: Option<(&[f64], InitialConfusion)>,
) {
    let k = d.k;
    let kk = k * k;
    conf.par_chunks_mut(kk)
        .zip(loge2.par_chunks_mut(kk))
        .enumerate()
        .with_min_len(64)
        .for_each(|(w, (cw, lw))| {
            let seen = |l: usize| d.wl_count[w * k + l] > 0;
            cw.copy_from_slice(&s[w * kk..(w + 1) * kk]);
            match *kind {
                MStep::OneCoin => {
                    let n: u32 = (0..k).map(|l| d.wl_count[w * k + l]).sum();
                    let hit: f64 = (0..k).map(|l| cw[l * k + l]).sum();
                    let sk = hit / n.max(1) as f64;
                    let off = (1.0 - sk) / (k - 1) as f64;
                    for l in 0..k {
                        for c in 0..k {
                            let v = if l == c { sk } else { off };
                            cw[l * k + c] = v.clamp(EPS, 1.0 - EPS);
                        }
                    }
                }
                MStep::Full { smoothing } => {
                    if let Some((init, how)) = initial {
                        for l in (0..k).filter(|&l| seen(l)) {
                            let src = &init[w * kk + l * k..w * kk + (l + 1) * k];
                            let dst = &mut cw[l * k..(l + 1) * k];
                            match how {
                                InitialConfusion::Assign => dst.copy_from_slice(src),
                                InitialConfusion::Addition => {
                                    dst.iter_mut().zip(src).for_each(|(a, b)| *a += b)
                                }
                            }
                        }
                    }
                    for c in 0..k {
                        if smoothing > 0.0 {
                            let denom: f64 = (0..k).map(|l| cw[l * k + c] + smoothing).sum();
                            for l in 0..k {
                                cw[l * k + c] = (cw[l * k + c] + smoothing) / denom;
                            }
                        } else {
                            let mut denom = 0.0;
                            for l in (0..k).filter(|&l| seen(l)) {
                                let v = cw[l * k + c].max(EPS);
                                cw[l * k + c] = v;
                                denom += v;
                            }
                            for l in 0..k {
                                cw[l * k + c] = if seen(l) { cw[l * k + c] / denom } else { 0.0 };
                            }
                        }
                    }
                }
            }
            for (lv, &cv) in lw.iter_mut().zip(cw.iter()) {
                *lv = cv.log2();
            }
        });
}
