//! The hot loops: the fused objective + E-step (+ M-step sums) pass over items, the
//! majority-vote start, and the normalisation of the count table,
//! monomorphised for small class counts.

use std::f64::consts::LN_2;

use rayon::prelude::*;

use super::InitialConfusion;
use super::fixed::pass_fixed;
use super::groups::GroupIndex;
use super::posterior::empty_row;
use super::{Buffers, EmData, PassSums};
use crate::common::EPS;

pub(super) const STACK_K: usize = 64;
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
pub(crate) struct PassIn<'a> {
    /// `log2` confusion, a row of `k` per (worker slot, observed label).
    pub(super) loge2: &'a [f64],
    pub(super) log2p: &'a [f64],
    /// Compute crowd-kit's entropy (its stop rule needs it; the others do not).
    pub(super) entropy: bool,
}

/// Values per chunk partial: prior sums (`k`), judgment-weighted prior sums (`k`),
/// entropy, log-likelihood.
pub(super) fn partial_len(k: usize) -> usize {
    2 * k + 2
}

/// One pass over the items: the E-step (gold clamped) with its sums (priors,
/// judgment-weighted priors, crowd-kit's floored entropy) and the marginal
/// log-likelihood of the parameters used; with `s`, the M-step sums of the new
/// posteriors into `s`. With `rows` (`n_items * k`), the new posteriors are written
/// there (the rows [`final_rows`](super::posterior::final_rows) gives for the same
/// parameters: a run's last pass, when it is known to be the last); otherwise they are
/// not kept (see `posterior`).
pub(crate) fn pass(
    d: &EmData<'_>,
    input: PassIn<'_>,
    s: Option<&mut [f64]>,
    rows: Option<&mut [f64]>,
    buf: &mut Buffers,
) -> PassSums {
    match if d.force_dynamic { 0 } else { d.k } {
        2 => pass_fixed::<2>(d, input, s, rows, buf),
        3 => pass_fixed::<3>(d, input, s, rows, buf),
        4 => pass_fixed::<4>(d, input, s, rows, buf),
        5 => pass_fixed::<5>(d, input, s, rows, buf),
        6 => pass_fixed::<6>(d, input, s, rows, buf),
        7 => pass_fixed::<7>(d, input, s, rows, buf),
        8 => pass_fixed::<8>(d, input, s, rows, buf),
        _ => pass_dynamic(d, input, s, rows, buf),
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

/// Runs `chunk(first_item, n_items, partial, table, rows)` over every chunk, in
/// waves; with `s` adds the chunk tables' sums into `s` in chunk order (`s = ((0 +
/// t_0) + t_1) + ...`, the same bits for any wave size or thread count). `chunk` must
/// initialise its table (every group's sums start at zero). Without interleaving and
/// with a single chunk, the chunk's table is `s` itself (the same sums: `0 + t_0 =
/// t_0`). With `rows` (`n_items * k` values), each chunk gets its items' rows.
pub(super) fn waves<F>(
    d: &EmData<'_>,
    mut s: Option<&mut [f64]>,
    mut rows: Option<&mut [f64]>,
    buf: &mut Buffers,
    chunk: F,
) where
    F: Fn(usize, usize, &mut [f64], Option<&mut [f64]>, Option<&mut [f64]>) + Sync,
{
    let k = d.k;
    let ci = d.chunk_items;
    let n_chunks = d.n_chunks();
    let size = |j: usize| ((j + 1) * ci).min(d.n_items) - j * ci;
    let pl = partial_len(k);
    if !d.interleaved && n_chunks == 1 {
        chunk(0, d.n_items, &mut buf.partials[..pl], s, rows);
        return;
    }
    let tcells = d.table_cells();
    let stride = if d.interleaved { 2 * k } else { k };
    let off = if d.interleaved { k } else { 0 };
    if let Some(s) = s.as_deref_mut() {
        s.fill(0.0);
    }
    let mut start = 0;
    while start < n_chunks {
        let end = (start + d.wave).min(n_chunks);
        let pw = &mut buf.partials[start * pl..end * pl];
        let nw = end - start;
        let tw = buf.tables.as_mut_slice();
        // one Option per chunk of the wave (a small Vec of references, per wave)
        let mut tables: Vec<Option<&mut [f64]>> = if s.is_some() {
            tw[..nw * tcells]
                .chunks_mut(tcells.max(1))
                .map(Some)
                .collect()
        } else {
            (0..nw).map(|_| None).collect()
        };
        let mut rws: Vec<Option<&mut [f64]>> = match rows.as_deref_mut() {
            Some(r) => r[start * ci * k..(end * ci).min(d.n_items) * k]
                .chunks_mut((ci * k).max(1))
                .map(Some)
                .collect(),
            None => (0..nw).map(|_| None).collect(),
        };
        pw.par_chunks_mut(pl)
            .zip(tables.par_iter_mut())
            .zip(rws.par_iter_mut())
            .enumerate()
            .for_each(|(j, ((part, table), rw))| {
                let c = start + j;
                chunk(
                    c * ci,
                    size(c),
                    part,
                    table.as_deref_mut(),
                    rw.as_deref_mut(),
                );
            });
        drop((tables, rws));
        if let Some(s) = s.as_deref_mut() {
            let tw = &buf.tables.as_slice()[..nw * tcells];
            // blocks of whole groups; group g's sums sit at table[g * stride + off..][..k]
            let gb = (REDUCE_BLOCK / k).max(1);
            s.par_chunks_mut(gb * k).enumerate().for_each(|(b, sb)| {
                let g0 = b * gb;
                for j in 0..nw {
                    let t = &tw[j * tcells..(j + 1) * tcells];
                    for (r, dst) in sb.chunks_exact_mut(k).enumerate() {
                        let base = (g0 + r) * stride + off;
                        let src = &t[base..base + k];
                        dst.iter_mut().zip(src).for_each(|(a, v)| *a += v);
                    }
                }
            });
        }
        start = end;
    }
}

/// `acc = Σ_{p in s..e} log2 e[w_p, l_p, :]` from rows of `k` every `stride` values.
#[inline(always)]
fn gather(d: &EmData<'_>, table: &[f64], stride: usize, s: usize, e: usize, acc: &mut [f64]) {
    let k = d.k;
    acc.fill(0.0);
    for p in s..e {
        let base = d.group_at(p) * stride;
        acc.iter_mut()
            .zip(&table[base..base + k])
            .for_each(|(a, v)| *a += v);
    }
}

/// The posterior row (run-time `k`) from the summed `log2` rows `acc`: adds the
/// `log2` priors into `acc`, writes `2^(acc - max) / sum` into `row` and returns
/// `(max, sum)`. Shared by the pass and the on-demand E-step (the same bits).
#[inline(always)]
pub(crate) fn softmax2_dynamic(acc: &mut [f64], log2p: &[f64], row: &mut [f64]) -> (f64, f64) {
    let k = acc.len();
    let (log2p, row) = (&log2p[..k], &mut row[..k]);
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
    (mx, sum)
}

/// The pass for class counts without a fixed-lane kernel (1, or more than 8).
fn pass_dynamic(
    d: &EmData<'_>,
    input: PassIn<'_>,
    s: Option<&mut [f64]>,
    rows: Option<&mut [f64]>,
    buf: &mut Buffers,
) {
    let k = d.k;
    let PassIn { loge2, log2p, .. } = input;
    // Slices of length exactly `k`: no bounds checks inside the class loops.
    let log2p = &log2p[..k];
    let prefetching = prefetching(d);
    let il = d.interleaved;
    let (sstride, soff) = if il { (2 * k, k) } else { (k, 0) };
    waves(d, s, rows, buf, |first, n, part, mut table, mut rows| {
        part.fill(0.0);
        let mut stack = [[0.0f64; STACK_K]; 2];
        let mut heap = (Vec::new(), Vec::new());
        let (acc, row): (&mut [f64], &mut [f64]) = if k <= STACK_K {
            let [a, b] = &mut stack;
            (&mut a[..k], &mut b[..k])
        } else {
            heap.0.resize(k, 0.0);
            heap.1.resize(k, 0.0);
            (&mut heap.0[..k], &mut heap.1[..k])
        };
        let part = &mut part[..partial_len(k)];
        let (mut entropy, mut ll) = (0.0, 0.0);
        if let Some(table) = table.as_deref_mut() {
            if il {
                init_chunk_table(table, loge2, k);
            } else {
                table.fill(0.0);
            }
        }
        for t in first..first + n {
            let (s, e) = (d.offsets[t], d.offsets[t + 1]);
            if prefetching {
                match table.as_deref() {
                    Some(tb) if il => prefetch_rows(d, tb, 2 * k, s, e),
                    Some(tb) => {
                        prefetch_rows(d, loge2, k, s, e);
                        prefetch_rows(d, tb, k, s, e);
                    }
                    None => prefetch_rows(d, loge2, k, s, e),
                }
            }
            if e == s {
                // no judgment: the prior, outside every sum
                if let Some(r) = rows.as_deref_mut() {
                    empty_row(log2p, &mut r[(t - first) * k..(t - first + 1) * k]);
                }
                continue;
            }
            match table.as_deref() {
                Some(tb) if il => gather(d, tb, 2 * k, s, e, acc),
                _ => gather(d, loge2, k, s, e, acc),
            }
            let n_t = (e - s) as f64;
            let (mx, sum) = softmax2_dynamic(acc, log2p, row);
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
            if let Some(r) = rows.as_deref_mut() {
                r[(t - first) * k..(t - first + 1) * k].copy_from_slice(row);
            }
            if let Some(table) = table.as_deref_mut() {
                for p in s..e {
                    let base = d.group_at(p) * sstride + soff;
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

/// Prefetch distance in judgments.
pub(crate) const AHEAD: usize = 40;
/// Tables (bytes) above which rows are prefetched: about a core's L2 cache.
pub(super) const PREFETCH_ABOVE: usize = 512 << 10;

/// Asks the CPU to bring the cache line holding `v[i]` closer (a hint: no effect on
/// results, and a no-op off x86-64).
#[inline(always)]
pub(crate) fn prefetch<T>(v: &[T], i: usize) {
    prefetch_ptr(v.as_ptr().wrapping_add(i.min(v.len().saturating_sub(1))));
}

/// Asks the CPU to bring the cache line holding `*p` closer (a hint: no effect on
/// results, never dereferenced, and a no-op off x86-64).
#[inline(always)]
#[allow(unsafe_code)]
pub(super) fn prefetch_ptr<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing the program can observe and cannot fault,
        // whatever the address; its only requirement, SSE, is part of the x86-64
        // baseline. There is no safe prefetch in stable Rust.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
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
    let end = (e + AHEAD).min(d.n_judgments);
    let lo = (s + AHEAD).min(end);
    // the lines of each row's first and last values (every line of rows up to 128
    // bytes, 16-byte aligned, but a rare third); groups index the table's rows, so
    // both addresses are inside `src`: no clamp per judgment
    let (first, last) = (src.as_ptr(), src.as_ptr().wrapping_add(stride - 1));
    let fetch = |g: usize| {
        prefetch_ptr(first.wrapping_add(g * stride));
        prefetch_ptr(last.wrapping_add(g * stride));
    };
    match &d.group_of {
        Some(GroupIndex::Narrow(gs)) => gs[lo..end].iter().for_each(|&g| fetch(usize::from(g))),
        Some(GroupIndex::Wide(gs)) => gs[lo..end].iter().for_each(|&g| fetch(g as usize)),
        None => (lo..end).for_each(|p| fetch(d.group_at(p))),
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

/// [`init_chunk_table`] with `K` classes: fixed-size rows, copied and zeroed by vector
/// moves (with a run-time `k`, every row was a `memcpy` and a `memset` call).
pub(super) fn init_chunk_table_k<const K: usize>(table: &mut [f64], loge2: &[f64]) {
    let (dst, src) = (table.chunks_exact_mut(2 * K), loge2.chunks_exact(K));
    for (dst, src) in dst.zip(src) {
        let (row, sums) = dst.split_at_mut(K);
        let row: &mut [f64; K] = row.try_into().expect("K values");
        let sums: &mut [f64; K] = sums.try_into().expect("K values");
        *row = *<&[f64; K]>::try_from(src).expect("K values");
        *sums = [0.0; K];
    }
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
