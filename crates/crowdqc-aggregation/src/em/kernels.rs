//! The hot loops: the fused objective + E-step (+ M-step sums) pass over items, the
//! M-step sums in group mode, and the normalisation of the count table,
//! monomorphised for small class counts.

use std::f64::consts::LN_2;

use rayon::prelude::*;

use super::InitialConfusion;
use super::fixed::pass_fixed;
use super::{Buffers, EmData, PassSums};
use crate::common::EPS;

const STACK_K: usize = 64;
/// `-EPS ln EPS`: the entropy term of a floored zero.
pub(crate) const EPS_ENTROPY: f64 = 2.302_585_092_994_046e-9;
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
pub(super) struct PassIn<'a> {
    /// `log2` confusion, a row of `k` per (worker slot, observed label).
    pub(super) loge2: &'a [f64],
    pub(super) log2p: &'a [f64],
}

/// Values per chunk partial: prior sums (`k`), judgment-weighted prior sums (`k`),
/// entropy, log-likelihood.
pub(super) fn partial_len(k: usize) -> usize {
    2 * k + 2
}

/// One pass over the items: the E-step writing the new `q` (gold clamped), with its
/// sums (priors, judgment-weighted priors, crowd-kit's floored entropy) and the
/// marginal log-likelihood of the parameters used; in scatter mode with `s`, the
/// M-step sums of the new `q` into `s`.
pub(crate) fn pass(
    d: &EmData<'_>,
    q: &mut [f64],
    loge2: &[f64],
    log2p: &[f64],
    s: Option<&mut [f64]>,
    buf: &mut Buffers,
) -> PassSums {
    let input = PassIn { loge2, log2p };
    let s = if d.scatter { s } else { None };
    match if d.force_dynamic { 0 } else { d.k } {
        2 => pass_fixed::<2>(d, q, input, s, buf),
        3 => pass_fixed::<3>(d, q, input, s, buf),
        4 => pass_fixed::<4>(d, q, input, s, buf),
        5 => pass_fixed::<5>(d, q, input, s, buf),
        6 => pass_fixed::<6>(d, q, input, s, buf),
        7 => pass_fixed::<7>(d, q, input, s, buf),
        8 => pass_fixed::<8>(d, q, input, s, buf),
        _ => pass_dynamic(d, q, input, s, buf),
    }
    let k = d.k;
    let mut out = PassSums {
        prior: vec![0.0; k],
        weighted: vec![0.0; k],
        entropy: 0.0,
        loglik: 0.0,
    };
    for part in buf.partials.chunks_exact(partial_len(k)) {
        out.prior
            .iter_mut()
            .zip(&part[..k])
            .for_each(|(a, b)| *a += b);
        out.weighted
            .iter_mut()
            .zip(&part[k..2 * k])
            .for_each(|(a, b)| *a += b);
        out.entropy += part[2 * k];
        out.loglik += part[2 * k + 1];
    }
    out
}

/// Runs `chunk(first_item, n_items, q_chunk, partial, table)` over every chunk, in
/// waves; in scatter mode (`s` given) adds the chunk tables into `s` in chunk order.
/// `chunk` must initialise its table (every group's sums start at zero).
/// `q_chunk` is `None` when `q` is `None` (read-only passes).
pub(super) fn waves<F>(
    d: &EmData<'_>,
    mut q: Option<&mut [f64]>,
    mut s: Option<&mut [f64]>,
    buf: &mut Buffers,
    chunk: F,
) where
    F: Fn(usize, usize, Option<&mut [f64]>, &mut [f64], Option<&mut [f64]>) + Sync,
{
    let k = d.k;
    // interleaved chunk tables: per group [log2 e | sums]
    let tcells = 2 * d.n_workers * k * k;
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
        let pl = partial_len(k);
        let pw = &mut buf.partials[start * pl..end * pl];
        let nw = end - start;
        let mut tables: Vec<Option<&mut [f64]>> = Vec::new();
        let tw = buf.tables.as_mut_slice();
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
        pw.par_chunks_mut(pl)
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
            let tw = &buf.tables.as_slice()[..nw * tcells];
            // blocks of whole groups; group g's sums sit at table[g * 2k + k..][..k]
            let gb = (REDUCE_BLOCK / k).max(1);
            s.par_chunks_mut(gb * k).enumerate().for_each(|(b, sb)| {
                let g0 = b * gb;
                for j in 0..nw {
                    let t = &tw[j * tcells..(j + 1) * tcells];
                    for (r, dst) in sb.chunks_exact_mut(k).enumerate() {
                        let base = (g0 + r) * 2 * k + k;
                        let src = &t[base..base + k];
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
fn gather<const INTERLEAVED: bool>(
    d: &EmData<'_>,
    table: &[f64],
    s: usize,
    e: usize,
    acc: &mut [f64],
) {
    let k = d.k;
    let stride = if INTERLEAVED { 2 * k } else { k };
    acc.fill(0.0);
    for p in s..e {
        let base = d.group_at(p) * stride;
        acc.iter_mut()
            .zip(&table[base..base + k])
            .for_each(|(a, v)| *a += v);
    }
}

/// The pass for class counts without a fixed-lane kernel (1, or more than 8).
fn pass_dynamic(
    d: &EmData<'_>,
    q: &mut [f64],
    input: PassIn<'_>,
    s: Option<&mut [f64]>,
    buf: &mut Buffers,
) {
    let k = d.k;
    let PassIn { loge2, log2p } = input;
    // Slices of length exactly `k`: no bounds checks inside the class loops.
    let log2p = &log2p[..k];
    let prefetching = prefetching(d);
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
        let part = &mut part[..partial_len(k)];
        let (mut entropy, mut ll) = (0.0, 0.0);
        if let Some(table) = table.as_deref_mut() {
            init_chunk_table(table, loge2, k);
        }
        for (r, row) in qc.chunks_exact_mut(k).enumerate() {
            let row = &mut row[..k];
            let t = first + r;
            let (s, e) = (d.offsets[t], d.offsets[t + 1]);
            if prefetching {
                match table.as_deref() {
                    Some(tb) => prefetch_rows(d, tb, 2 * k, s, e),
                    None => prefetch_rows(d, loge2, k, s, e),
                }
            }
            match table.as_deref() {
                Some(tb) => gather::<true>(d, tb, s, e, acc),
                None => gather::<false>(d, loge2, s, e, acc),
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
                part[k + c] += n_t * row[c];
            }
            if let Some(table) = table.as_deref_mut() {
                for p in s..e {
                    let base = d.group_at(p) * 2 * k + k;
                    let dst = &mut table[base..base + k];
                    for c in 0..k {
                        dst[c] += row[c];
                    }
                }
            }
        }
        part[2 * k] = entropy;
        part[2 * k + 1] = ll;
    });
}

/// The majority-vote start (crowd-kit's soft initialisation) in one pass: writes `q`
/// (vote shares, ties split; gold one-hot when clamped; uniform for items without
/// judgments) and returns `Σ_t q[t, :]` over items with judgments; in scatter mode also
/// the M-step sums of `q` into `s`.
pub(crate) fn init_pass(
    d: &EmData<'_>,
    q: &mut [f64],
    s: Option<&mut [f64]>,
    buf: &mut Buffers,
) -> Vec<f64> {
    let k = d.k;
    let s = if d.scatter { s } else { None };
    let prefetching = prefetching(d);
    waves(d, Some(q), s, buf, |first, _n, qc, part, mut table| {
        let qc = qc.expect("the pass writes q");
        part.fill(0.0);
        if let Some(table) = table.as_deref_mut() {
            table.fill(0.0);
        }
        for (r, row) in qc.chunks_exact_mut(k).enumerate() {
            let t = first + r;
            let (s, e) = (d.offsets[t], d.offsets[t + 1]);
            if s == e {
                row.fill(1.0 / k as f64);
                d.clamp(t, row);
                continue;
            }
            row.fill(0.0);
            for p in s..e {
                row[d.class_at(p)] += 1.0;
            }
            let n = (e - s) as f64;
            row.iter_mut().for_each(|v| *v /= n);
            d.clamp(t, row);
            part[..k].iter_mut().zip(&*row).for_each(|(a, v)| *a += v);
            if let Some(table) = table.as_deref_mut() {
                if prefetching {
                    prefetch_rows(d, table, 2 * k, s, e);
                }
                for p in s..e {
                    let base = d.group_at(p) * 2 * k + k;
                    table[base..base + k]
                        .iter_mut()
                        .zip(&*row)
                        .for_each(|(a, v)| *a += v);
                }
            }
        }
    });
    let mut prior = vec![0.0; k];
    for part in buf.partials.chunks_exact(partial_len(k)) {
        prior.iter_mut().zip(&part[..k]).for_each(|(a, b)| *a += b);
    }
    prior
}

/// Prefetch distance in judgments.
pub(crate) const AHEAD: usize = 40;
/// Tables (bytes) above which rows are prefetched: about a core's L2 cache.
const PREFETCH_ABOVE: usize = 512 << 10;

/// Asks the CPU to bring the cache line holding `v[i]` closer (a hint: no effect on
/// results, and a no-op off x86-64).
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = v
            .as_ptr()
            .wrapping_add(i.min(v.len().saturating_sub(1)))
            .cast::<i8>();
        // SAFETY: a prefetch reads nothing the program can observe and cannot fault,
        // whatever the address (here always inside `v`); its only requirement, SSE,
        // is part of the x86-64 baseline. There is no safe prefetch in stable Rust.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}

/// Whether a pass prefetches table rows: the per-worker table exceeds a core's L2.
pub(super) fn prefetching(d: &EmData<'_>) -> bool {
    d.n_workers * d.k * d.k * 16 > PREFETCH_ABOVE
}

/// Prefetches the rows (`stride` values per group, from `src`) of the judgments
/// [`AHEAD`] positions after those of `s..e`: called once per item, it requests every
/// judgment's row once, ahead of its gather or scatter.
#[inline(always)]
pub(super) fn prefetch_rows(d: &EmData<'_>, src: &[f64], stride: usize, s: usize, e: usize) {
    for p in (s + AHEAD)..(e + AHEAD).min(d.n_judgments) {
        let g = d.group_at(p);
        prefetch(src, g * stride);
        prefetch(src, g * stride + stride - 1);
    }
}

/// Initialises a chunk's interleaved table: per group, the `log2` confusion row (`k`
/// values) next to the group's sums (zeros), one or two cache lines per judgment.
pub(super) fn init_chunk_table(table: &mut [f64], loge2: &[f64], k: usize) {
    for (dst, src) in table.chunks_exact_mut(2 * k).zip(loge2.chunks_exact(k)) {
        let (row, sums) = dst.split_at_mut(k);
        row.copy_from_slice(src);
        sums.fill(0.0);
    }
}

/// Group mode: the M-step sums `s[w, l, :] = Σ q[t, :]` over judgments `(t, w, l)` of
/// `q`, one task per worker over the items of its `(worker, label)` groups.
pub(crate) fn accumulate(d: &EmData<'_>, q: &[f64], s: &mut [f64]) {
    let k = d.k;
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

/// crowd-kit's joint expectation `Σ_j Σ_c q[t_j,c] (ln e[w_j,l_j,c] + ln p_c)` of the
/// posteriors whose M-step sums are `s` and judgment-weighted prior sums `weighted`,
/// under the confusion `loge2` (log2) and floored log-priors `lnp`:
/// `Σ_{w,l,c} S[w,l,c] ln e[w,l,c] + Σ_c weighted[c] ln p_c` over the groups with
/// judgments. Blocks of workers are summed in order (deterministic).
pub(crate) fn joint(
    d: &EmData<'_>,
    s: &[f64],
    loge2: &[f64],
    weighted: &[f64],
    lnp: &[f64],
) -> f64 {
    const WORKERS_PER_BLOCK: usize = 512;
    let k = d.k;
    let block = WORKERS_PER_BLOCK * k * k;
    let parts: Vec<f64> = s
        .par_chunks(block)
        .zip(loge2.par_chunks(block))
        .enumerate()
        .map(|(b, (sb, lb))| {
            let g0 = b * WORKERS_PER_BLOCK * k;
            let mut acc = 0.0;
            for (i, (sg, lg)) in sb.chunks_exact(k).zip(lb.chunks_exact(k)).enumerate() {
                if d.wl_count[g0 + i] > 0 {
                    for c in 0..k {
                        acc += sg[c] * lg[c];
                    }
                }
            }
            acc
        })
        .collect();
    let mut joint = parts.iter().sum::<f64>() * LN_2;
    for c in 0..k {
        joint += weighted[c] * lnp[c];
    }
    joint
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
                        // the initial confusion is in worker order
                        let wo = d.by_slot[w] as usize;
                        for l in (0..k).filter(|&l| seen(l)) {
                            let src = &init[wo * kk + l * k..wo * kk + (l + 1) * k];
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
