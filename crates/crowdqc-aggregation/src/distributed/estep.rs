//! The shard pass: E-step (or majority-vote start) over a shard's items with the
//! M-step sums in fixed point.
//!
//! Items are split into one contiguous range per rayon thread; each range sums into
//! its own integer table and the tables are added. Integer sums are exact, so the
//! result does not depend on the number of ranges (threads) or shards. Per item, the
//! arithmetic is that of the single-machine kernel: the judgments' `log2` confusion
//! rows added in the shard's canonical judgment order, classes from 0 up.

use std::f64::consts::LN_2;

use rayon::prelude::*;

use super::fixed::{to_fixed, to_fixed_wide};
use super::params::{DsParams, DsStats};
use super::shard::Shard;
use crate::common::{EPS, NONE};
use crate::em::fixed::exp2_lanes;
use crate::em::kernels::{AHEAD, EPS_ENTROPY, prefetch};
use crowdqc_core::{Error, Result};

/// Items per range below which a pass does not split further.
const MIN_ITEMS_PER_RANGE: usize = 1024;

/// Parameters prepared for the pass.
pub(crate) struct Prepared {
    /// `log2` confusion, `[w][observed][true]`, zeros floored at 1e-10.
    pub(crate) loge2: Vec<f64>,
    /// `log2` priors floored at 1e-10.
    pub(crate) log2p: Vec<f64>,
    /// The posterior of an item without judgments (normalised priors).
    pub(crate) empty_row: Vec<f64>,
}

impl Prepared {
    pub(crate) fn new(p: &DsParams) -> Prepared {
        let k = p.k;
        let mut loge2 = vec![0.0; p.confusion.len()];
        for w in 0..p.n_workers {
            for c in 0..k {
                for l in 0..k {
                    let v = p.confusion[(w * k + c) * k + l];
                    loge2[(w * k + l) * k + c] = if v > 0.0 { v.log2() } else { EPS.log2() };
                }
            }
        }
        let log2p: Vec<f64> = p.priors.iter().map(|&v| v.max(EPS).log2()).collect();
        let mut empty_row: Vec<f64> = log2p.iter().map(|v| v.exp2()).collect();
        let sum: f64 = empty_row.iter().sum();
        empty_row.iter_mut().for_each(|v| *v /= sum);
        Prepared {
            loge2,
            log2p,
            empty_row,
        }
    }
}

/// What a range accumulates.
pub(crate) struct Acc {
    pub(crate) s: Vec<i128>,
    pub(crate) prior: Vec<i128>,
    pub(crate) weighted: Vec<i128>,
    pub(crate) entropy: i128,
    pub(crate) loglik: i128,
    pub(crate) bad: bool,
}

impl Acc {
    pub(crate) fn new(cells: usize, k: usize) -> Acc {
        Acc {
            s: vec![0; cells],
            prior: vec![0; k],
            weighted: vec![0; k],
            entropy: 0,
            loglik: 0,
            bad: false,
        }
    }

    pub(crate) fn add(&mut self, o: &Acc) {
        self.s.iter_mut().zip(&o.s).for_each(|(a, b)| *a += b);
        self.prior
            .iter_mut()
            .zip(&o.prior)
            .for_each(|(a, b)| *a += b);
        self.weighted
            .iter_mut()
            .zip(&o.weighted)
            .for_each(|(a, b)| *a += b);
        self.entropy += o.entropy;
        self.loglik += o.loglik;
        self.bad |= o.bad;
    }

    /// Adds item `t`'s posterior row `v` (`k` values) to the sums.
    #[inline(always)]
    fn add_row<const K: usize>(&mut self, sh: &Shard, t: usize, v: &[f64]) {
        let k = if K > 0 { K } else { sh.k };
        let v = &v[..k];
        let (s, e) = (sh.offsets[t], sh.offsets[t + 1]);
        let n_t = (e - s) as i128;
        let mut qi = [0i64; 64];
        let mut heap = Vec::new();
        let qi: &mut [i64] = if k <= 64 {
            &mut qi[..k]
        } else {
            heap.resize(k, 0);
            &mut heap[..k]
        };
        for c in 0..k {
            qi[c] = to_fixed(v[c]);
            self.prior[c] += qi[c] as i128;
            self.weighted[c] += n_t * qi[c] as i128;
        }
        for p in s..e {
            let base = (sh.workers[p] as usize * k + sh.labels[p] as usize) * k;
            let dst = &mut self.s[base..base + k];
            for c in 0..k {
                dst[c] += qi[c] as i128;
            }
        }
    }
}

/// Sets a gold item's row one-hot; true when it did.
#[inline(always)]
fn clamp(sh: &Shard, t: usize, row: &mut [f64]) -> bool {
    if let Some(g) = &sh.gold {
        let c = g[t];
        if c != NONE {
            row.fill(0.0);
            row[c as usize] = 1.0;
            return true;
        }
    }
    false
}

/// `2^x` for every value (`x ≤ 0`): the single-machine kernel's polynomial for 2 to 8
/// classes, the library function otherwise.
#[inline(always)]
fn exp2_row<const K: usize>(x: &mut [f64]) {
    if K > 0 {
        let a: [f64; K] = x[..K].try_into().expect("K values");
        x[..K].copy_from_slice(&exp2_lanes(&a));
    } else {
        x.iter_mut().for_each(|v| *v = v.exp2());
    }
}

/// The E-step of one range of items: `q` rows (when given) and the sums, added into
/// `acc` (a table of `n_workers · k²` cells; with `sums` false the group sums are not
/// added and `acc.s` may be empty).
pub(crate) fn range_estep<const K: usize>(
    sh: &Shard,
    p: &Prepared,
    items: std::ops::Range<usize>,
    mut q: Option<&mut [f64]>,
    acc: &mut Acc,
    sums: bool,
) {
    let k = if K > 0 { K } else { sh.k };
    let mut a = vec![0.0; k];
    let mut v = vec![0.0; k];
    let (a, v) = (&mut a[..k], &mut v[..k]);
    let log2p = &p.log2p[..k];
    let end = sh.offsets[items.end];
    for (r, t) in items.enumerate() {
        let (s, e) = (sh.offsets[t], sh.offsets[t + 1]);
        // the rows of the judgments AHEAD positions on are requested now (tables
        // larger than a core's cache would otherwise stall on every judgment)
        for j in (s + AHEAD)..(e + AHEAD).min(end) {
            let g = sh.workers[j] as usize * k + sh.labels[j] as usize;
            prefetch(&p.loge2, g * k);
            if sums {
                prefetch(&acc.s, g * k);
                prefetch(&acc.s, g * k + k - 1);
            }
        }
        if s == e {
            if let Some(q) = q.as_deref_mut() {
                q[r * k..(r + 1) * k].copy_from_slice(&p.empty_row);
            }
            continue;
        }
        a.fill(0.0);
        for j in s..e {
            let base = (sh.workers[j] as usize * k + sh.labels[j] as usize) * k;
            let row = &p.loge2[base..base + k];
            for c in 0..k {
                a[c] += row[c];
            }
        }
        let mut mx = f64::NEG_INFINITY;
        for c in 0..k {
            a[c] += log2p[c];
            mx = mx.max(a[c]);
        }
        for c in 0..k {
            v[c] = a[c] - mx;
        }
        exp2_row::<K>(v);
        let mut sum = 0.0;
        for x in v.iter() {
            sum += *x;
        }
        let inv = 1.0 / sum;
        for x in v.iter_mut() {
            *x *= inv;
        }
        let lsum = sum.log2();
        let ll = (mx + lsum) * LN_2;
        if !ll.is_finite() {
            acc.bad = true;
        }
        acc.loglik += to_fixed_wide(ll);
        let et = if clamp(sh, t, v) {
            (k - 1) as f64 * EPS_ENTROPY
        } else {
            let mut et = 0.0;
            for c in 0..k {
                let qv = v[c];
                et += if qv >= EPS {
                    -qv * ((a[c] - mx - lsum) * LN_2)
                } else {
                    EPS_ENTROPY
                };
            }
            et
        };
        acc.entropy += to_fixed_wide(et);
        if sums {
            acc.add_row::<K>(sh, t, v);
        }
        if let Some(q) = q.as_deref_mut() {
            q[r * k..(r + 1) * k].copy_from_slice(v);
        }
    }
}

/// The E-step of one range of items into `acc`, dispatched on the number of classes.
pub(crate) fn range_estep_any(
    sh: &Shard,
    p: &Prepared,
    r: std::ops::Range<usize>,
    q: Option<&mut [f64]>,
    acc: &mut Acc,
    sums: bool,
) {
    match sh.k {
        2 => range_estep::<2>(sh, p, r, q, acc, sums),
        3 => range_estep::<3>(sh, p, r, q, acc, sums),
        4 => range_estep::<4>(sh, p, r, q, acc, sums),
        5 => range_estep::<5>(sh, p, r, q, acc, sums),
        6 => range_estep::<6>(sh, p, r, q, acc, sums),
        7 => range_estep::<7>(sh, p, r, q, acc, sums),
        8 => range_estep::<8>(sh, p, r, q, acc, sums),
        _ => range_estep::<0>(sh, p, r, q, acc, sums),
    }
}

/// The majority-vote start of one range: vote shares (gold one-hot when clamped),
/// added into `acc`.
pub(crate) fn range_init(sh: &Shard, items: std::ops::Range<usize>, acc: &mut Acc) {
    let k = sh.k;
    let mut row = vec![0.0; k];
    for t in items {
        let (s, e) = (sh.offsets[t], sh.offsets[t + 1]);
        if s == e {
            continue;
        }
        row.fill(0.0);
        for p in s..e {
            row[sh.labels[p] as usize] += 1.0;
        }
        let n = (e - s) as f64;
        row.iter_mut().for_each(|v| *v /= n);
        clamp(sh, t, &mut row);
        acc.add_row::<0>(sh, t, &row);
    }
}

/// The item ranges of a pass: one per thread of the current pool (fewer for small
/// shards). The split has no effect on the results (integer sums).
fn ranges(n_items: usize) -> Vec<std::ops::Range<usize>> {
    ranges_upto(n_items, rayon::current_num_threads())
}

/// At most `parts` item ranges (fewer for small shards), contiguous and in order.
pub(crate) fn ranges_upto(n_items: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.min(n_items.div_ceil(MIN_ITEMS_PER_RANGE)).max(1);
    (0..parts)
        .map(|j| j * n_items / parts..(j + 1) * n_items / parts)
        .collect()
}

fn finish(sh: &Shard, parts: Vec<Acc>) -> Result<DsStats> {
    let mut it = parts.into_iter();
    let mut acc = it.next().expect("at least one range");
    for o in it {
        acc.add(&o);
    }
    if acc.bad {
        return Err(Error::Numerical {
            context: "dawid-skene e-step".into(),
            iteration: None,
            message: "the log-likelihood is not finite; check the parameters".into(),
        });
    }
    Ok(DsStats {
        n_workers: sh.n_workers,
        k: sh.k,
        s: acc.s,
        counts: sh.counts.clone(),
        prior: acc.prior,
        weighted: acc.weighted,
        entropy: acc.entropy,
        loglik: acc.loglik,
        n_items: sh.n_nonempty,
        n_judgments: sh.n_judgments() as u64,
    })
}

/// The majority-vote start's statistics of a shard.
pub(crate) fn init_pass(sh: &Shard) -> Result<DsStats> {
    let cells = sh.n_workers * sh.k * sh.k;
    let parts: Vec<Acc> = ranges(sh.n_items())
        .into_par_iter()
        .map(|r| {
            let mut acc = Acc::new(cells, sh.k);
            range_init(sh, r, &mut acc);
            acc
        })
        .collect();
    finish(sh, parts)
}

/// The E-step with `p`: the statistics, and the posteriors into `q` when given
/// (`n_items · k`, row-major).
pub(crate) fn pass(sh: &Shard, p: &Prepared, q: Option<&mut [f64]>) -> Result<DsStats> {
    let k = sh.k;
    let rs = ranges(sh.n_items());
    let mut qs: Vec<Option<&mut [f64]>> = Vec::with_capacity(rs.len());
    match q {
        Some(mut rest) => {
            for r in &rs {
                let (h, t) = rest.split_at_mut(r.len() * k);
                qs.push(Some(h));
                rest = t;
            }
        }
        None => qs.extend(rs.iter().map(|_| None)),
    }
    let parts: Vec<Acc> = rs
        .into_par_iter()
        .zip(qs)
        .map(|(r, q)| {
            let mut acc = Acc::new(sh.n_workers * k * k, k);
            range_estep_any(sh, p, r, q, &mut acc, true);
            acc
        })
        .collect();
    finish(sh, parts)
}
