//! Posteriors on demand: the E-step of the parameters a fit's last pass used, for any
//! range of items, with the pass's arithmetic (so the rows are bit-identical to those
//! the pass computed). The fit keeps no `items x K` table during its iterations; a
//! model either materialises the table once at the end or computes rows when asked
//! ([`DawidSkeneModel::posteriors_into`](crate::DawidSkeneModel::posteriors_into)).

use std::ops::Range;

use crowdqc_core::{ClassCodes, Error, JudgmentMatrix, Result};
use rayon::prelude::*;

use super::EmData;
use super::fixed::{gather, softmax2};
use super::groups::GroupIndex;
use super::kernels::{prefetch_rows, prefetching, softmax2_dynamic};
use crate::common::{ActiveClasses, NONE};

/// Items per parallel task when computing rows.
const ROWS_PER_TASK: usize = 4096;

/// What the E-step of a fitted model needs besides the matrix.
#[derive(Debug, Clone)]
pub(crate) struct EStep {
    /// Active classes.
    pub(crate) k: usize,
    /// `log2` confusion, `[worker][observed active][true active]`, worker order.
    pub(crate) loge2: Vec<f64>,
    /// `log2` of the floored priors (active classes).
    pub(crate) log2p: Vec<f64>,
    /// Matrix class of each active class.
    pub(crate) to_matrix: Vec<u32>,
    /// Active class of each matrix class (or `NONE`).
    pub(crate) to_active: Vec<u32>,
    /// Gold items are one-hot (gold clamping).
    pub(crate) clamp_gold: bool,
    /// Shape of the fitted matrix: items, workers, classes, judgments.
    pub(crate) shape: [usize; 4],
    /// Use the run-time-`k` arithmetic (tests).
    pub(crate) force_dynamic: bool,
}

/// Where an item's judgments are: the matrix's CSR by item.
struct Src<'a> {
    offsets: &'a [usize],
    workers: &'a [u32],
    classes: ClassCodes<'a>,
    gold: Option<&'a [u32]>,
}

impl EStep {
    /// The E-step state of parameters `loge2` (`[w][observed][true]`, worker order,
    /// active classes) and `log2p` for matrix `m`.
    pub(crate) fn new(
        m: &JudgmentMatrix,
        active: &ActiveClasses,
        clamp_gold: bool,
        loge2: Vec<f64>,
        log2p: Vec<f64>,
    ) -> EStep {
        EStep {
            k: active.len(),
            loge2,
            log2p,
            to_matrix: active.to_matrix.clone(),
            to_active: active.to_active.clone(),
            clamp_gold: clamp_gold && !m.gold().is_empty(),
            shape: shape_of(m),
            force_dynamic: false,
        }
    }

    /// Checks that `m` is the fitted matrix, `rows` is inside it and `out` holds
    /// `rows.len() * n_classes` values.
    pub(crate) fn check(&self, m: &JudgmentMatrix, rows: &Range<u32>, out: usize) -> Result<()> {
        check_shape(self.shape, m)?;
        check_rows(m, rows, out)
    }

    /// Rows `rows` (matrix item codes, checked) of the posteriors over the matrix's
    /// classes into `out` (`rows.len() * n_classes`), in parallel.
    pub(crate) fn rows_into(&self, m: &JudgmentMatrix, rows: Range<usize>, out: &mut [f64]) {
        let n = m.n_classes();
        let gold = self.clamp_gold.then(|| {
            m.gold()
                .as_slice()
                .iter()
                .map(|&c| {
                    if c == NONE {
                        NONE
                    } else {
                        self.to_active[c as usize]
                    }
                })
                .collect::<Vec<u32>>()
        });
        let src = Src {
            offsets: m.item_offsets(),
            workers: m.judgment_workers(),
            classes: m.class_codes(),
            gold: gold.as_deref(),
        };
        let first = rows.start;
        out.par_chunks_mut(ROWS_PER_TASK * n)
            .enumerate()
            .for_each(|(j, o)| {
                let t0 = first + j * ROWS_PER_TASK;
                match if self.force_dynamic { 0 } else { self.k } {
                    2 => self.rows_fixed::<2>(&src, t0, o, n),
                    3 => self.rows_fixed::<3>(&src, t0, o, n),
                    4 => self.rows_fixed::<4>(&src, t0, o, n),
                    5 => self.rows_fixed::<5>(&src, t0, o, n),
                    6 => self.rows_fixed::<6>(&src, t0, o, n),
                    7 => self.rows_fixed::<7>(&src, t0, o, n),
                    8 => self.rows_fixed::<8>(&src, t0, o, n),
                    _ => self.rows_dynamic(&src, t0, o, n),
                }
            });
    }

    /// Group row of position `p` in `loge2`.
    #[inline(always)]
    fn row_of(&self, src: &Src<'_>, p: usize) -> usize {
        let a = self.to_active[src.classes.get(p) as usize] as usize;
        (src.workers[p] as usize * self.k + a) * self.k
    }

    /// Writes active row `v` into the matrix-class row `dst` (zeros elsewhere).
    #[inline(always)]
    fn expand(&self, v: &[f64], dst: &mut [f64]) {
        if dst.len() == v.len() {
            dst.copy_from_slice(v);
        } else {
            dst.fill(0.0);
            for (a, &c) in self.to_matrix.iter().enumerate() {
                dst[c as usize] = v[a];
            }
        }
    }

    /// Gold one-hot (the pass's clamp) when item `t` has gold.
    #[inline(always)]
    fn clamp(src: &Src<'_>, t: usize, v: &mut [f64]) {
        if let Some(g) = src.gold {
            let c = g[t];
            if c != NONE {
                v.fill(0.0);
                v[c as usize] = 1.0;
            }
        }
    }

    fn rows_fixed<const K: usize>(&self, src: &Src<'_>, t0: usize, out: &mut [f64], n: usize) {
        let mut l2p = [0.0; K];
        l2p.copy_from_slice(&self.log2p[..K]);
        for (r, dst) in out.chunks_exact_mut(n).enumerate() {
            let t = t0 + r;
            let (s, e) = (src.offsets[t], src.offsets[t + 1]);
            let mut v = [0.0; K];
            if s == e {
                empty_row(&self.log2p, &mut v);
            } else {
                let mut acc = [0.0; K];
                for p in s..e {
                    let b = self.row_of(src, p);
                    let row: &[f64; K] = self.loge2[b..b + K].try_into().expect("K values");
                    for c in 0..K {
                        acc[c] += row[c];
                    }
                }
                v = softmax2::<K>(&mut acc, &l2p).0;
                Self::clamp(src, t, &mut v);
            }
            self.expand(&v, dst);
        }
    }

    fn rows_dynamic(&self, src: &Src<'_>, t0: usize, out: &mut [f64], n: usize) {
        let k = self.k;
        let (mut acc, mut v) = (vec![0.0; k], vec![0.0; k]);
        for (r, dst) in out.chunks_exact_mut(n).enumerate() {
            let t = t0 + r;
            let (s, e) = (src.offsets[t], src.offsets[t + 1]);
            if s == e {
                empty_row(&self.log2p, &mut v);
            } else {
                acc.fill(0.0);
                for p in s..e {
                    let b = self.row_of(src, p);
                    acc.iter_mut()
                        .zip(&self.loge2[b..b + k])
                        .for_each(|(a, x)| *a += x);
                }
                softmax2_dynamic(&mut acc, &self.log2p, &mut v);
                Self::clamp(src, t, &mut v);
            }
            self.expand(&v, dst);
        }
    }
}

/// The posteriors `(n_items, k)` of a fit's last pass parameters (`loge2` in slot
/// order, `log2p`) with the pass's prepared data: group indices, the slot-order table
/// and prefetching. The same additions in the same order as [`EStep::rows_into`]
/// (position order, then the shared softmax), so the same bits.
pub(crate) fn final_rows(d: &EmData<'_>, loge2: &[f64], log2p: &[f64]) -> Vec<f64> {
    let k = d.k;
    let mut q = vec![0.0; d.n_items * k];
    q.par_chunks_mut(ROWS_PER_TASK * k)
        .enumerate()
        .for_each(|(j, o)| {
            let t0 = j * ROWS_PER_TASK;
            match if d.force_dynamic { 0 } else { k } {
                2 => final_fixed::<2>(d, loge2, log2p, t0, o),
                3 => final_fixed::<3>(d, loge2, log2p, t0, o),
                4 => final_fixed::<4>(d, loge2, log2p, t0, o),
                5 => final_fixed::<5>(d, loge2, log2p, t0, o),
                6 => final_fixed::<6>(d, loge2, log2p, t0, o),
                7 => final_fixed::<7>(d, loge2, log2p, t0, o),
                8 => final_fixed::<8>(d, loge2, log2p, t0, o),
                _ => final_dynamic(d, loge2, log2p, t0, o),
            }
        });
    q
}

fn final_fixed<const K: usize>(
    d: &EmData<'_>,
    loge2: &[f64],
    log2p: &[f64],
    t0: usize,
    out: &mut [f64],
) {
    let mut l2p = [0.0; K];
    l2p.copy_from_slice(&log2p[..K]);
    let prefetching = prefetching(d);
    for (r, dst) in out.chunks_exact_mut(K).enumerate() {
        let t = t0 + r;
        let (s, e) = (d.offsets[t], d.offsets[t + 1]);
        if prefetching {
            prefetch_rows(d, loge2, K, s, e);
        }
        if s == e {
            empty_row(log2p, dst);
        } else {
            let mut acc = match &d.group_of {
                Some(GroupIndex::Narrow(g)) => gather::<K, u16>(d, Some(g), loge2, K, t),
                Some(GroupIndex::Wide(g)) => gather::<K, u32>(d, Some(g), loge2, K, t),
                None => gather::<K, u32>(d, None, loge2, K, t),
            };
            let mut v = softmax2::<K>(&mut acc, &l2p).0;
            d.clamp(t, &mut v);
            dst.copy_from_slice(&v);
        }
    }
}

fn final_dynamic(d: &EmData<'_>, loge2: &[f64], log2p: &[f64], t0: usize, out: &mut [f64]) {
    let k = d.k;
    let mut acc = vec![0.0; k];
    for (r, dst) in out.chunks_exact_mut(k).enumerate() {
        let t = t0 + r;
        let (s, e) = (d.offsets[t], d.offsets[t + 1]);
        if s == e {
            empty_row(log2p, dst);
        } else {
            acc.fill(0.0);
            for p in s..e {
                let b = d.group_at(p) * k;
                acc.iter_mut()
                    .zip(&loge2[b..b + k])
                    .for_each(|(a, x)| *a += x);
            }
            softmax2_dynamic(&mut acc, log2p, dst);
            d.clamp(t, dst);
        }
    }
}

/// The posterior of an item without judgment: the priors (outside every sum of the
/// pass, not clamped).
#[inline(always)]
pub(crate) fn empty_row(log2p: &[f64], row: &mut [f64]) {
    let mut sum = 0.0;
    for (r, l) in row.iter_mut().zip(log2p) {
        *r = l.exp2();
        sum += *r;
    }
    row.iter_mut().for_each(|v| *v /= sum);
}

/// The shape a fit records of its matrix: items, workers, classes, judgments.
pub(crate) fn shape_of(m: &JudgmentMatrix) -> [usize; 4] {
    [m.n_items(), m.n_workers(), m.n_classes(), m.n_judgments()]
}

/// Checks that `m` has the fitted matrix's shape.
pub(crate) fn check_shape(shape: [usize; 4], m: &JudgmentMatrix) -> Result<()> {
    let got = shape_of(m);
    if got != shape {
        return Err(Error::param(
            "matrix",
            format!(
                "is not the matrix the model was fitted on: {} items, {} workers, {} \
                 classes, {} judgments, the fit had {}, {}, {}, {}; pass the same matrix",
                got[0], got[1], got[2], got[3], shape[0], shape[1], shape[2], shape[3]
            ),
        ));
    }
    Ok(())
}

/// Checks `rows` against the matrix and the output length.
pub(crate) fn check_rows(m: &JudgmentMatrix, rows: &Range<u32>, out: usize) -> Result<()> {
    if rows.start > rows.end || rows.end as usize > m.n_items() {
        return Err(Error::param(
            "rows",
            format!(
                "{}..{} is not a range of the matrix's {} items; ask for rows inside 0..{}",
                rows.start,
                rows.end,
                m.n_items(),
                m.n_items()
            ),
        ));
    }
    let want = rows.len() * m.n_classes();
    if out != want {
        return Err(Error::param(
            "out",
            format!(
                "holds {out} values; {} rows of {} classes need {want}",
                rows.len(),
                m.n_classes()
            ),
        ));
    }
    Ok(())
}
