//! The majority-vote start (crowd-kit's soft initialisation): one pass that adds every
//! item's vote shares into the M-step sums, with a kernel for 2 to 8 classes (per-item
//! counts in registers, the class read from the group index) and one for any `k`. Both
//! give the same counts (exact) and do the same divisions and additions in the same
//! order, so the same bits.

use super::groups::{Group, GroupIndex};
use super::kernels::{STACK_K, partial_len, prefetch_rows, prefetching, waves};
use super::{Buffers, EmData};

/// The majority-vote start in one pass: the vote shares of every item (ties split;
/// gold one-hot when clamped) are added into the M-step sums `s`; returns `Σ_t q[t, :]`
/// over items with judgments.
pub(crate) fn init_pass(d: &EmData<'_>, s: &mut [f64], buf: &mut Buffers) -> Vec<f64> {
    match if d.force_dynamic { 0 } else { d.k } {
        2 => init_fixed::<2>(d, s, buf),
        3 => init_fixed::<3>(d, s, buf),
        4 => init_fixed::<4>(d, s, buf),
        5 => init_fixed::<5>(d, s, buf),
        6 => init_fixed::<6>(d, s, buf),
        7 => init_fixed::<7>(d, s, buf),
        8 => init_fixed::<8>(d, s, buf),
        _ => init_dynamic(d, s, buf),
    }
    let k = d.k;
    let mut prior = vec![0.0; k];
    for part in buf.partials.chunks_exact(partial_len(k)) {
        prior.iter_mut().zip(&part[..k]).for_each(|(a, b)| *a += b);
    }
    prior
}

/// [`init_pass`] with `K` classes: counts by class (exact), divided by the item's
/// judgment count class by class, then added into the chunk's sums and table.
fn init_fixed<const K: usize>(d: &EmData<'_>, s: &mut [f64], buf: &mut Buffers) {
    match d.group_of {
        Some(GroupIndex::Narrow(_)) => init_g::<K, u16>(d, s, buf),
        _ => init_g::<K, u32>(d, s, buf),
    }
}

/// [`init_fixed`] with a group index of `G` (or none).
fn init_g<const K: usize, G: Group>(d: &EmData<'_>, s: &mut [f64], buf: &mut Buffers) {
    let gs = G::slice(d);
    let prefetching = prefetching(d);
    let il = d.interleaved;
    let (stride, off) = if il { (2 * K, K) } else { (K, 0) };
    waves(d, Some(s), None, buf, |first, n, part, mut table, _| {
        if let Some(table) = table.as_deref_mut() {
            table.fill(0.0);
        }
        let mut prior = [0.0; K];
        for t in first..first + n {
            let (s, e) = (d.offsets[t], d.offsets[t + 1]);
            if s == e {
                continue;
            }
            // integer counts in registers (an indexed `row[l] += 1.0` chains every
            // judgment through a store and a load); exact, so the same values
            let mut cnt = [0u32; K];
            let mut count = |l: usize| {
                for (c, n) in cnt.iter_mut().enumerate() {
                    *n += u32::from(l == c);
                }
            };
            match gs {
                // the group is `slot * K + active label`
                Some(gs) => gs[s..e].iter().for_each(|&g| count(g.ix() % K)),
                None => (s..e).for_each(|p| count(d.class_at(p))),
            }
            let nt = (e - s) as f64;
            let mut row = [0.0; K];
            for c in 0..K {
                row[c] = f64::from(cnt[c]) / nt;
            }
            d.clamp(t, &mut row);
            for c in 0..K {
                prior[c] += row[c];
            }
            if let Some(table) = table.as_deref_mut() {
                if prefetching {
                    prefetch_rows(d, table, stride, s, e);
                }
                // rows of `K` values (one bound per judgment), the group index read
                // directly when there is one
                let (rows, m, o) = (table.as_chunks_mut::<K>().0, stride / K, off / K);
                let mut add = |g: usize| {
                    let dst = &mut rows[g * m + o];
                    for c in 0..K {
                        dst[c] += row[c];
                    }
                };
                match gs {
                    Some(gs) => gs[s..e].iter().for_each(|&g| add(g.ix())),
                    None => (s..e).for_each(|p| add(d.group_at(p))),
                }
            }
        }
        part.fill(0.0);
        part[..K].copy_from_slice(&prior);
    });
}

/// [`init_pass`] for any `k`.
fn init_dynamic(d: &EmData<'_>, s: &mut [f64], buf: &mut Buffers) {
    let k = d.k;
    let prefetching = prefetching(d);
    let il = d.interleaved;
    let (stride, off) = if il { (2 * k, k) } else { (k, 0) };
    waves(d, Some(s), None, buf, |first, n, part, mut table, _| {
        part.fill(0.0);
        if let Some(table) = table.as_deref_mut() {
            table.fill(0.0);
        }
        let mut stack = [0.0f64; STACK_K];
        let mut heap = Vec::new();
        let row: &mut [f64] = if k <= STACK_K {
            &mut stack[..k]
        } else {
            heap.resize(k, 0.0);
            &mut heap[..k]
        };
        for t in first..first + n {
            let (s, e) = (d.offsets[t], d.offsets[t + 1]);
            if s == e {
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
                    prefetch_rows(d, table, stride, s, e);
                }
                for p in s..e {
                    let base = d.group_at(p) * stride + off;
                    table[base..base + k]
                        .iter_mut()
                        .zip(&*row)
                        .for_each(|(a, v)| *a += v);
                }
            }
        }
    });
}
