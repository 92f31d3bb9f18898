//! The pass for class counts known at compile time (2 to 8 classes): per-class values
//! live in fixed arrays (registers, not memory), and `2^x` is a branch-free polynomial
//! that the compiler vectorises across classes (`f64::exp2` is a library call per
//! class and was a fifth of the run time).
//!
//! The next item's table rows are gathered before the current item's arithmetic, so
//! their loads (cache misses when the table is large) overlap it. Arithmetic order is
//! the one of the run-time-`k` kernel: per item, the judgments' rows are added in
//! position order and every sum over classes runs from class 0 up, so the two kernels
//! agree up to the last-bit differences of `2^x`.

use std::f64::consts::LN_2;

pub(crate) use super::exp2::{C, ROUND, exp2_lanes};
use super::groups::{Group, GroupIndex};
use super::kernels::{
    AHEAD, EPS_ENTROPY, PassIn, init_chunk_table_k, prefetch_ptr, prefetch_rows, prefetching, waves,
};
#[cfg(target_arch = "x86_64")]
use super::lanes::softmax2_ent_x4_avx2;
use super::lanes::{BlockRows, LANES};
use super::posterior::empty_row;
use super::terms::{Product, entropy_parts};
use super::{Buffers, EmData};

/// One pass (see `kernels::pass`) with `K` classes.
pub(super) fn pass_fixed<const K: usize>(
    d: &EmData<'_>,
    input: PassIn<'_>,
    s: Option<&mut [f64]>,
    rows: Option<&mut [f64]>,
    buf: &mut Buffers,
) {
    match d.group_of {
        Some(GroupIndex::Narrow(_)) => pass_g::<K, u16>(d, input, s, rows, buf),
        _ => pass_g::<K, u32>(d, input, s, rows, buf),
    }
}

/// [`pass_fixed`] with a group index of `G` (or none).
fn pass_g<const K: usize, G: Group>(
    d: &EmData<'_>,
    input: PassIn<'_>,
    s: Option<&mut [f64]>,
    rows: Option<&mut [f64]>,
    buf: &mut Buffers,
) {
    debug_assert_eq!(d.k, K);
    let PassIn {
        loge2,
        log2p,
        entropy,
    } = input;
    let mut l2p = [0.0; K];
    l2p.copy_from_slice(&log2p[..K]);
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    let wide = d.vector_bits >= 256 && wide_vectors();
    waves(d, s, rows, buf, |first, n, part, table, rows| {
        #[cfg(target_arch = "x86_64")]
        if wide {
            // SAFETY: `wide` is true only when the CPU reports AVX2 (checked at run
            // time by `wide_vectors`), the one requirement of `chunk_avx2`.
            #[allow(unsafe_code)]
            unsafe {
                match entropy {
                    true => chunk_avx2::<K, true, G>(d, loge2, &l2p, first, n, part, table, rows),
                    false => chunk_avx2::<K, false, G>(d, loge2, &l2p, first, n, part, table, rows),
                }
            };
            return;
        }
        match entropy {
            true => chunk::<K, true, false, G>(d, loge2, &l2p, first, n, part, table, rows),
            false => chunk::<K, false, false, G>(d, loge2, &l2p, first, n, part, table, rows),
        }
    });
}

/// Whether the passes use 256-bit vectors (AVX2, detected at run time). The
/// arithmetic is the same IEEE operations in the same order either way (no fused
/// multiply-add: Rust never contracts), so the results are the same bits.
pub(crate) fn wide_vectors() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// [`chunk`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
fn chunk_avx2<const K: usize, const ENTROPY: bool, G: Group>(
    d: &EmData<'_>,
    loge2: &[f64],
    l2p: &[f64; K],
    first: usize,
    n: usize,
    part: &mut [f64],
    table: Option<&mut [f64]>,
    rows: Option<&mut [f64]>,
) {
    chunk::<K, ENTROPY, true, G>(d, loge2, l2p, first, n, part, table, rows)
}

/// One chunk of a pass: items `first..first + n`, sums into `part` and (scatter) the
/// chunk's count table; crowd-kit's entropy only when `ENTROPY` (its stop rule); AVX2
/// vectors written out when `WIDE` (only from [`chunk_avx2`]).
///
/// Items go in blocks of [`LANES`]: their rows are gathered, their posteriors computed
/// together (with AVX2, [`softmax2_ent_x4_avx2`], with the entropy parts: the bits of one item at a time), then each item's sums
/// and scatter run in item order, so every sum is added in the order of an
/// item-at-a-time pass (the same bits). With `rows`, each item's posterior row is
/// written there (row `t - first`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn chunk<const K: usize, const ENTROPY: bool, const WIDE: bool, G: Group>(
    d: &EmData<'_>,
    loge2: &[f64],
    l2p: &[f64; K],
    first: usize,
    n: usize,
    part: &mut [f64],
    mut table: Option<&mut [f64]>,
    mut rows: Option<&mut [f64]>,
) {
    let il = d.interleaved;
    let gs = G::slice(d);
    if let Some(table) = table.as_deref_mut() {
        if il {
            init_chunk_table_k::<K>(table, loge2);
        } else {
            table.fill(0.0);
        }
    }
    let mut sums = Sums::<K>::default();
    let prefetching = prefetching(d);
    // the next block's rows are gathered before this block's arithmetic, so their
    // loads overlap it
    let blocks = n / LANES;
    let mut next = if blocks > 0 {
        block::<K, G>(d, gs, table.as_deref(), loge2, prefetching, first)
    } else {
        [[0.0; K]; LANES]
    };
    for b in 0..blocks {
        let t0 = first + b * LANES;
        let mut acc = next;
        if b + 1 < blocks {
            next = block::<K, G>(d, gs, table.as_deref(), loge2, prefetching, t0 + LANES);
        }
        let (mut v, mx, sum, ent) = block_rows::<K, WIDE, ENTROPY>(&mut acc, l2p);
        for i in 0..LANES {
            sums.item::<ENTROPY, G>(
                d,
                t0 + i,
                &acc[i],
                &mut v[i],
                mx[i],
                sum[i],
                WIDE.then_some(&ent[i]),
                gs,
                table.as_deref_mut(),
            );
            if let Some(r) = rows.as_deref_mut() {
                write_row(d, l2p, t0 + i, &v[i], &mut r[(t0 + i - first) * K..][..K]);
            }
        }
    }
    let r = blocks * LANES;
    for t in first + r..first + n {
        let mut acc = item_rows_prefetched::<K, G>(d, gs, table.as_deref(), loge2, prefetching, t);
        let (mut v, mx, sum) = softmax2::<K>(&mut acc, l2p);
        sums.item::<ENTROPY, G>(d, t, &acc, &mut v, mx, sum, None, gs, table.as_deref_mut());
        if let Some(r) = rows.as_deref_mut() {
            write_row(d, l2p, t, &v, &mut r[(t - first) * K..][..K]);
        }
    }
    sums.finish::<ENTROPY>(part);
}

/// Writes item `t`'s posterior row: `v` (gold clamped by [`Sums::item`]), or for an
/// item without judgments the priors (as [`final_rows`](super::posterior::final_rows)).
#[inline(always)]
fn write_row<const K: usize>(
    d: &EmData<'_>,
    l2p: &[f64; K],
    t: usize,
    v: &[f64; K],
    dst: &mut [f64],
) {
    if d.offsets[t + 1] == d.offsets[t] {
        empty_row(l2p, dst);
    } else {
        dst.copy_from_slice(v);
    }
}

/// The posterior rows of a block of items: [`softmax2_ent_x4_avx2`] when `WIDE` (with
/// the items' [`entropy_parts`] when `ENT`), else [`softmax2`] item by item (the same
/// bits; the entropy parts are then zeros, computed by [`Sums::item`]).
#[inline(always)]
fn block_rows<const K: usize, const WIDE: bool, const ENT: bool>(
    acc: &mut [[f64; K]; LANES],
    l2p: &[f64; K],
) -> BlockRows<K> {
    #[cfg(target_arch = "x86_64")]
    if WIDE {
        // SAFETY: `WIDE` is set only by `chunk_avx2`, which runs only when the CPU
        // reports AVX2.
        #[allow(unsafe_code)]
        return unsafe { softmax2_ent_x4_avx2::<K, ENT>(acc, l2p) };
    }
    // without AVX2 one item at a time (the portable four-item version is slower: LLVM
    // does not vectorise it across items)
    let (mut v, mut mx, mut sum) = ([[0.0; K]; LANES], [0.0; LANES], [0.0; LANES]);
    for i in 0..LANES {
        (v[i], mx[i], sum[i]) = softmax2::<K>(&mut acc[i], l2p);
    }
    (v, mx, sum, [[0.0; 4]; LANES])
}

/// [`item_rows`] of items `t0..t0 + LANES`, their later judgments' rows prefetched.
#[inline(always)]
fn block<const K: usize, G: Group>(
    d: &EmData<'_>,
    gs: Option<&[G]>,
    table: Option<&[f64]>,
    loge2: &[f64],
    prefetching: bool,
    t0: usize,
) -> [[f64; K]; LANES] {
    let mut acc = [[0.0; K]; LANES];
    for (i, a) in acc.iter_mut().enumerate() {
        *a = item_rows_prefetched::<K, G>(d, gs, table, loge2, prefetching, t0 + i);
    }
    acc
}

/// [`item_rows`] of item `t` and, when `prefetching`, [`prefetch_item`]; with an
/// interleaved table and the group index, in one loop over the judgments (the index
/// is padded with [`AHEAD`] zeros, so position `p + AHEAD` is always readable).
#[inline(always)]
fn item_rows_prefetched<const K: usize, G: Group>(
    d: &EmData<'_>,
    gs: Option<&[G]>,
    table: Option<&[f64]>,
    loge2: &[f64],
    prefetching: bool,
    t: usize,
) -> [f64; K] {
    match (table, gs) {
        (Some(tb), Some(gs)) if prefetching && d.interleaved => {
            let (s, e) = (d.offsets[t], d.offsets[t + 1]);
            let stride = 2 * K;
            let (first, last) = (tb.as_ptr(), tb.as_ptr().wrapping_add(stride - 1));
            let mut acc = [0.0; K];
            let rows = tb.as_chunks::<K>().0;
            for (&g, &ga) in gs[s..e].iter().zip(&gs[s + AHEAD..e + AHEAD]) {
                add_row(&mut acc, rows, g.ix() * 2);
                // the lines of the row `AHEAD` judgments on (see `prefetch_rows`)
                prefetch_ptr(first.wrapping_add(ga.ix() * stride));
                prefetch_ptr(last.wrapping_add(ga.ix() * stride));
            }
            acc
        }
        _ => {
            let acc = item_rows::<K, G>(d, gs, table, loge2, t);
            if prefetching {
                prefetch_item::<K>(d, table, loge2, t);
            }
            acc
        }
    }
}

/// The summed `log2` rows of item `t`'s judgments: from the chunk table's interleaved
/// rows or the shared `log2` confusion. (A function, not a closure: a closure is not
/// inlined into the AVX2 build.)
#[inline(always)]
fn item_rows<const K: usize, G: Group>(
    d: &EmData<'_>,
    gs: Option<&[G]>,
    table: Option<&[f64]>,
    loge2: &[f64],
    t: usize,
) -> [f64; K] {
    match table {
        Some(tb) if d.interleaved => gather::<K, G>(d, gs, tb, 2 * K, t),
        _ => gather::<K, G>(d, gs, loge2, K, t),
    }
}

/// Requests the rows of the judgments `AHEAD` positions after item `t`'s: with a table
/// larger than the core's cache, the gathers would otherwise wait on memory one by one.
#[inline(always)]
fn prefetch_item<const K: usize>(d: &EmData<'_>, table: Option<&[f64]>, loge2: &[f64], t: usize) {
    let (s, e) = (d.offsets[t], d.offsets[t + 1]);
    match table {
        Some(tb) if d.interleaved => prefetch_rows(d, tb, 2 * K, s, e),
        Some(tb) => {
            prefetch_rows(d, loge2, K, s, e);
            prefetch_rows(d, tb, K, s, e);
        }
        None => prefetch_rows(d, loge2, K, s, e),
    }
}

/// A chunk's running sums, added item by item in item order.
struct Sums<const K: usize> {
    prior: [f64; K],
    weighted: [f64; K],
    entropy: f64,
    ll: f64,
    /// No logarithm per item: `Σ_t log2 sum_t` is the `log2` of the product of the
    /// sums (each in [1, K]), kept as mantissa x 2^exponent.
    prod: Product,
    /// crowd-kit's entropy by parts (see [`Sums::item`]): `Σ_t A_t`, the floored
    /// terms, and the part of `Σ_t log2 sum_t` that is not in the entropy.
    ent_a: f64,
    ent_floors: f64,
    ent_off: f64,
}

impl<const K: usize> Default for Sums<K> {
    fn default() -> Self {
        Sums {
            prior: [0.0; K],
            weighted: [0.0; K],
            entropy: 0.0,
            ll: 0.0,
            prod: Product::default(),
            ent_a: 0.0,
            ent_floors: 0.0,
            ent_off: 0.0,
        }
    }
}

impl<const K: usize> Sums<K> {
    /// Adds item `t` (its posterior row `v` from the summed rows `acc`, their maximum
    /// `mx` and `sum`): gold clamping, the sums, and the scatter into `table`. An item
    /// without judgments adds nothing (the prior, outside every sum).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn item<const ENTROPY: bool, G: Group>(
        &mut self,
        d: &EmData<'_>,
        t: usize,
        acc: &[f64; K],
        v: &mut [f64; K],
        mx: f64,
        sum: f64,
        ent: Option<&[f64; 4]>,
        gs: Option<&[G]>,
        table: Option<&mut [f64]>,
    ) {
        let (s, e) = (d.offsets[t], d.offsets[t + 1]);
        if e == s {
            return;
        }
        let n_t = (e - s) as f64;
        self.prod.push(sum);
        self.ll += mx;
        // Entropy of the new row as crowd-kit takes it (q floored at EPS), by parts:
        // with `ln q_c = (acc_c - mx - log2 sum) ln 2`, the item's entropy is
        // `ln 2 (A_t + Q_t log2 sum_t)` plus `-EPS ln EPS` per floored class, where
        // `A_t = Σ q_c (mx - acc_c)` and `Q_t = Σ q_c` over the classes with `q_c >=
        // EPS`. `Σ_t log2 sum_t` is the product's; `(1 - Q_t) log2 sum_t` (at most
        // `K EPS log2 K`, or rounding) is taken off with a rough `log2` (1.2e-4): no
        // logarithm per item.
        if d.clamp(t, v) {
            self.entropy += (K - 1) as f64 * EPS_ENTROPY;
            if ENTROPY {
                self.ent_off += sum.log2();
            }
        } else if ENTROPY {
            // precomputed for four items at once (AVX2), or here
            let [a, q, k, lr] = match ent {
                Some(p) => *p,
                None => entropy_parts::<K>(v, acc, mx, sum),
            };
            self.ent_a += a;
            self.ent_floors += K as f64 - k;
            self.ent_off += (1.0 - q) * lr;
        }
        for (c, &vc) in v.iter().enumerate() {
            self.prior[c] += vc;
            self.weighted[c] += n_t * vc;
        }
        if let Some(tb) = table {
            // gathers read `[log2 e | sums]` rows of the chunk table (interleaved) or
            // the shared `log2 e`; scatters add into the sums part of the chunk table
            let (stride, off) = if d.interleaved { (2 * K, K) } else { (K, 0) };
            match gs {
                Some(gs) => scatter::<K>(tb, stride, off, gs[s..e].iter().map(|&g| g.ix()), v),
                None => scatter::<K>(tb, stride, off, (s..e).map(|p| d.group_at(p)), v),
            }
        }
    }

    /// Writes the chunk's partial (see `kernels::partial_len`).
    fn finish<const ENTROPY: bool>(&self, part: &mut [f64]) {
        part[..K].copy_from_slice(&self.prior);
        part[K..2 * K].copy_from_slice(&self.weighted);
        let lprod = self.prod.log2();
        part[2 * K] = if ENTROPY {
            self.entropy
                + self.ent_floors * EPS_ENTROPY
                + (self.ent_a + (lprod - self.ent_off)) * LN_2
        } else {
            self.entropy
        };
        part[2 * K + 1] = (self.ll + lprod) * LN_2;
    }
}

/// The posterior row of an item from its summed `log2` confusion rows `acc`: adds the
/// `log2` priors into `acc` and returns `(2^(acc - max) / sum, max, sum)`. Shared by
/// the pass and [`EStep`](super::posterior::EStep), so on-demand rows are bit-identical
/// to the pass's.
#[inline(always)]
pub(crate) fn softmax2<const K: usize>(acc: &mut [f64; K], l2p: &[f64; K]) -> ([f64; K], f64, f64) {
    for c in 0..K {
        acc[c] += l2p[c];
    }
    let mx = max_lane(acc);
    let mut v = [0.0; K];
    for c in 0..K {
        v[c] = acc[c] - mx;
    }
    let mut v = exp2_lanes(&v);
    let mut sum = 0.0;
    for x in v {
        sum += x;
    }
    let inv = 1.0 / sum;
    for x in v.iter_mut() {
        *x *= inv;
    }
    (v, mx, sum)
}

/// `Σ rows[g(p)]` over item `t`'s judgments, rows of `K` every `stride` values.
#[inline(always)]
pub(super) fn gather<const K: usize, G: Group>(
    d: &EmData<'_>,
    gs: Option<&[G]>,
    src: &[f64],
    stride: usize,
    t: usize,
) -> [f64; K] {
    let (s, e) = (d.offsets[t], d.offsets[t + 1]);
    let mut acc = [0.0; K];
    // rows of `K` values: one bound per judgment (`stride` is `K` or `2 K`)
    let (rows, m) = (src.as_chunks::<K>().0, stride / K);
    match gs {
        Some(gs) => gs[s..e]
            .iter()
            .for_each(|&g| add_row(&mut acc, rows, g.ix() * m)),
        None => (s..e).for_each(|p| add_row(&mut acc, rows, d.group_at(p) * m)),
    }
    acc
}

/// `acc += rows[r]`.
#[inline(always)]
fn add_row<const K: usize>(acc: &mut [f64; K], rows: &[[f64; K]], r: usize) {
    let r = &rows[r];
    for c in 0..K {
        acc[c] += r[c];
    }
}

/// Adds the item's new row into the sums (at `off` in rows of `stride`) of its
/// judgments' groups `gs`.
#[inline(always)]
fn scatter<const K: usize>(
    table: &mut [f64],
    stride: usize,
    off: usize,
    gs: impl Iterator<Item = usize>,
    v: &[f64; K],
) {
    // rows of `K` values: one bound per judgment (`stride` and `off` are multiples of `K`)
    let (rows, m, o) = (table.as_chunks_mut::<K>().0, stride / K, off / K);
    for g in gs {
        let dst = &mut rows[g * m + o];
        for c in 0..K {
            dst[c] += v[c];
        }
    }
}

/// The largest lane (pairwise: the maximum does not depend on the order).
#[inline(always)]
fn max_lane<const K: usize>(a: &[f64; K]) -> f64 {
    let mut m = *a;
    let mut n = K;
    while n > 1 {
        let h = n / 2;
        for c in 0..h {
            m[c] = m[c].max(m[n - 1 - c]);
        }
        n -= h;
    }
    m[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_lane_finds_the_maximum_anywhere() {
        fn check<const K: usize>() {
            for i in 0..K {
                let mut a = [-9.0f64; K];
                a[i] = -3.0;
                a[(i + 1) % K] = a[(i + 1) % K].max(-7.0);
                assert_eq!(max_lane(&a), -3.0, "K = {K}, i = {i}");
            }
        }
        check::<1>();
        check::<2>();
        check::<3>();
        check::<5>();
        check::<7>();
        check::<8>();
    }
}
