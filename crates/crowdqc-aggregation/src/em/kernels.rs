//! The hot loops: the fused ELBO + E-step pass over items and the M-steps over
//! `(worker, label)` groups, monomorphised for small class counts.

use std::f64::consts::LN_2;

use rayon::prelude::*;

use super::{CHUNK, EmData};
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

/// See `super::pass`. Writes `partials[chunk * (k + 3) ..]` = prior sums (k), joint,
/// entropy, log-likelihood of that chunk.
#[expect(clippy::too_many_arguments, reason = "internal kernel")]
pub(crate) fn pass_dim<D: Dim>(
    dim: D,
    d: &EmData<'_>,
    q: &mut [f64],
    loge2: &[f64],
    log2p: &[f64],
    lnp: &[f64],
    elbo: bool,
    partials: &mut [f64],
) {
    let k = dim.get();
    q.par_chunks_mut(CHUNK * k)
        .zip(partials.par_chunks_mut(k + 3))
        .enumerate()
        .for_each(|(ci, (qc, part))| {
            part.fill(0.0);
            let mut stack = [0.0f64; STACK_K];
            let mut heap = Vec::new();
            let acc: &mut [f64] = if k <= STACK_K {
                &mut stack[..k]
            } else {
                heap.resize(k, 0.0);
                &mut heap
            };
            let first = ci * CHUNK;
            let (mut joint, mut entropy, mut ll) = (0.0, 0.0, 0.0);
            for (r, row) in qc.chunks_exact_mut(k).enumerate() {
                let t = first + r;
                let (s, e) = (d.offsets[t], d.offsets[t + 1]);
                acc.fill(0.0);
                for p in s..e {
                    let base = (d.workers[p] as usize * k + d.class_at(p)) * k;
                    let er = &loge2[base..base + k];
                    for c in 0..k {
                        acc[c] += er[c];
                    }
                }
                let n_t = (e - s) as f64;
                if elbo && e > s {
                    for c in 0..k {
                        let qv = row[c];
                        joint += qv * (acc[c] * LN_2 + n_t * lnp[c]);
                        let qf = qv.max(EPS);
                        entropy -= qf * qf.ln();
                    }
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
                for v in row.iter_mut() {
                    *v /= sum;
                }
                d.clamp(t, row);
                if e > s {
                    ll += (mx + sum.log2()) * LN_2;
                    for c in 0..k {
                        part[c] += row[c];
                    }
                }
            }
            part[k] = joint;
            part[k + 1] = entropy;
            part[k + 2] = ll;
        });
}

/// Which M-step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum MStep {
    /// Full confusion; `smoothing` > 0 adds a Dirichlet pseudo-count to every cell
    /// (then normalises over all labels, no floor); 0 is crowd-kit's rule.
    Full { smoothing: f64 },
    /// One accuracy per worker.
    OneCoin,
}

/// M-step: fills `conf` (`[w][observed][true]`) and `loge2 = log2(conf)` (observed cells).
pub(crate) fn m_step(
    d: &EmData<'_>,
    q: &[f64],
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
        .with_min_len(16)
        .for_each(|(w, (cw, lw))| {
            let group = |l: usize| d.wl_offsets[w * k + l]..d.wl_offsets[w * k + l + 1];
            match *kind {
                MStep::OneCoin => {
                    let (mut hit, mut n) = (0.0, 0usize);
                    for l in 0..k {
                        let r = group(l);
                        n += r.len();
                        for &t in &d.wl_items[r] {
                            hit += q[t as usize * k + l];
                        }
                    }
                    let s = hit / n.max(1) as f64;
                    let off = (1.0 - s) / (k - 1) as f64;
                    for l in 0..k {
                        for c in 0..k {
                            let v = if l == c { s } else { off };
                            cw[l * k + c] = v.clamp(EPS, 1.0 - EPS);
                        }
                    }
                }
                MStep::Full { smoothing } => {
                    for l in 0..k {
                        let dst = &mut cw[l * k..(l + 1) * k];
                        dst.fill(0.0);
                        for &t in &d.wl_items[group(l)] {
                            let src = &q[t as usize * k..t as usize * k + k];
                            dst.iter_mut().zip(src).for_each(|(a, b)| *a += b);
                        }
                        if let Some((init, strategy)) = initial
                            && !group(l).is_empty()
                        {
                            let src = &init[w * kk + l * k..w * kk + (l + 1) * k];
                            match strategy {
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
                            for l in 0..k {
                                if !group(l).is_empty() {
                                    let v = cw[l * k + c].max(EPS);
                                    cw[l * k + c] = v;
                                    denom += v;
                                }
                            }
                            for l in 0..k {
                                cw[l * k + c] = if group(l).is_empty() {
                                    0.0
                                } else {
                                    cw[l * k + c] / denom
                                };
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
