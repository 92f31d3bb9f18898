//! Constant inputs and per-restart state of an EBCC fit, and the initialisations.

use std::fmt::Write as _;

use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::ArrayView3;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::params::EbccParams;
use crate::common::ActiveClasses;
use crate::mace::special::ln_gamma;

/// Items per parallel chunk of the item passes (fixed: sums independent of thread
/// count).
pub(super) const CHUNK: usize = 512;

/// FNV-1a over an id's text: each item's random draws are keyed by its id, so the
/// initialisation (and the fit) does not depend on the order of the rows.
struct Fnv(u64);

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for b in s.bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        Ok(())
    }
}

/// Constant inputs of every pass.
pub(super) struct Ctx<'a> {
    pub(super) m: &'a JudgmentMatrix,
    pub(super) active: ActiveClasses,
    /// Active classes, subtypes, and `k · ms` (the length of an item's row).
    pub(super) k: usize,
    pub(super) ms: usize,
    pub(super) l: usize,
    /// Active class of every judgment.
    pub(super) jc: Vec<u32>,
    /// Worker prior `β[true · k + observed]` and, per true class, `ln Γ(Σ β) − Σ ln Γ(β)`.
    pub(super) beta: Vec<f64>,
    pub(super) beta_const: Vec<f64>,
    /// Class-prior concentration per active class; subtype-weight prior per subtype.
    pub(super) alpha: Vec<f64>,
    pub(super) a_pi: f64,
    /// Vote shares per item (uniform for an item with no judgment): the initial
    /// class posteriors.
    pub(super) mv: Vec<f64>,
    /// Per-item id hashes (keys of the random initialisation).
    pub(super) hashes: Vec<u64>,
    pub(super) tol: f64,
    pub(super) name: &'static str,
}

/// Per-restart state; allocated once and reused by every restart and iteration.
pub(super) struct State {
    /// Responsibilities `q(z_i = k, g_i = m)` at `[i · l + k · ms + m]`.
    pub(super) zg: Vec<f64>,
    /// Class posteriors `Σ_m zg` at `[i · k + c]`.
    pub(super) z: Vec<f64>,
    /// `E[ln v[w, k, m, o]]` at `[(w · k + o) · l + k · ms + m]`.
    pub(super) tab: Vec<f64>,
    /// KL divergence of each worker's Dirichlet blocks from their priors.
    pub(super) wkl: Vec<f64>,
    /// `E[ln π[k, m]] + E[ln τ[k]]` per `(k, m)`, and the KL of those blocks.
    pub(super) prior_row: Vec<f64>,
    pub(super) kl_global: f64,
    /// Per E-step chunk: column sums of `zg`, `Σ ln Z`, and whether nothing moved.
    pub(super) colsum: Vec<f64>,
    pub(super) lse: Vec<f64>,
    pub(super) close: Vec<bool>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(p: &EbccParams, m: &'a JudgmentMatrix) -> Result<Self> {
        let name = if p.n_subtypes == 1 { "ibcc" } else { "ebcc" };
        if m.n_judgments() == 0 {
            return Err(Error::insufficient(format!(
                "{name} needs judgments; there are none"
            )));
        }
        let active = ActiveClasses::new(m, None, name)?;
        let (n, k, ms) = (m.n_items(), active.len(), p.n_subtypes);
        let l = k * ms;
        let too_big = || {
            Error::param(
                "n_subtypes",
                format!("{n} items × {k} classes × {ms} subtypes do not fit in memory"),
            )
        };
        n.checked_mul(l).ok_or_else(too_big)?;
        m.n_workers().checked_mul(k * l).ok_or_else(too_big)?;
        let jc: Vec<u32> = m
            .judgment_classes()
            .iter()
            .map(|&c| active.to_active[c as usize])
            .collect();
        let mut beta = vec![p.off_diagonal_prior; k * k];
        (0..k).for_each(|c| beta[c * k + c] = p.diagonal_prior);
        let beta_const = beta
            .chunks_exact(k)
            .map(|r| ln_gamma(r.iter().sum()) - r.iter().map(|&b| ln_gamma(b)).sum::<f64>())
            .collect();
        let offsets = m.item_offsets();
        let mut mv = vec![1.0 / k as f64; n * k];
        let mut alpha = vec![0.0; k];
        for (t, row) in mv.chunks_exact_mut(k).enumerate() {
            let (a, b) = (offsets[t], offsets[t + 1]);
            if a == b {
                continue;
            }
            row.iter_mut().for_each(|v| *v = 0.0);
            let share = 1.0 / (b - a) as f64;
            jc[a..b].iter().for_each(|&c| row[c as usize] += share);
            alpha.iter_mut().zip(row.iter()).for_each(|(s, v)| *s += v);
        }
        if !p.empirical_class_prior {
            alpha.iter_mut().for_each(|a| *a = p.class_prior);
        }
        let hashes = if ms > 1 {
            (0..n as u32)
                .map(|t| {
                    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
                    let _ = write!(h, "{}", m.items().get(t));
                    h.0
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Ctx {
            m,
            active,
            k,
            ms,
            l,
            jc,
            beta,
            beta_const,
            alpha,
            a_pi: p.subtype_prior / ms as f64,
            mv,
            hashes,
            tol: p.tol,
            name,
        })
    }

    pub(super) fn state(&self) -> State {
        let (n, w, k, l) = (self.m.n_items(), self.m.n_workers(), self.k, self.l);
        let chunks = n.div_ceil(CHUNK);
        State {
            zg: vec![0.0; n * l],
            z: vec![0.0; n * k],
            tab: vec![0.0; w * k * l],
            wkl: vec![0.0; w],
            prior_row: vec![0.0; l],
            kl_global: 0.0,
            colsum: vec![0.0; chunks * l],
            lse: vec![0.0; chunks],
            close: vec![false; chunks],
        }
    }

    /// Random initialisation (the authors'): each item's vote shares split over the
    /// subtypes of each class by a Dirichlet(1, …, 1) draw from ChaCha8 keyed by
    /// `seed`, the item's id and the restart (stream). With one subtype: the shares.
    pub(super) fn init_random(&self, s: &mut State, seed: u64, restart: usize) {
        let (k, ms, l) = (self.k, self.ms, self.l);
        s.zg.par_chunks_mut(CHUNK * l)
            .zip(s.z.par_chunks_mut(CHUNK * k))
            .zip(s.colsum.par_chunks_mut(l))
            .enumerate()
            .for_each(|(ci, ((zgc, zc), cols))| {
                cols.iter_mut().for_each(|v| *v = 0.0);
                for (r, (row, zrow)) in zgc
                    .chunks_exact_mut(l)
                    .zip(zc.chunks_exact_mut(k))
                    .enumerate()
                {
                    let t = ci * CHUNK + r;
                    zrow.copy_from_slice(&self.mv[t * k..(t + 1) * k]);
                    if ms == 1 {
                        row.copy_from_slice(zrow);
                    } else {
                        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ self.hashes[t]);
                        rng.set_stream(restart as u64);
                        for (g, &zc) in row.chunks_exact_mut(ms).zip(zrow.iter()) {
                            let mut tot = 0.0;
                            for v in g.iter_mut() {
                                // Exp(1) draws, normalised: Dirichlet(1, ..., 1)
                                *v = -(1.0 - rng.random::<f64>()).ln();
                                tot += *v;
                            }
                            if tot > 0.0 {
                                g.iter_mut().for_each(|v| *v *= zc / tot);
                            } else {
                                g.iter_mut().for_each(|v| *v = zc / ms as f64);
                            }
                        }
                    }
                    cols.iter_mut().zip(row.iter()).for_each(|(c, v)| *c += v);
                }
            });
    }

    /// Initialisation from given responsibilities `(n_items, n_classes, n_subtypes)`,
    /// renormalised per item over the active classes.
    pub(super) fn init_given(&self, s: &mut State, init: &ArrayView3<'_, f64>) -> Result<()> {
        let (k, ms, l) = (self.k, self.ms, self.l);
        for t in 0..self.m.n_items() {
            let row = &mut s.zg[t * l..(t + 1) * l];
            for (a, &c) in self.active.to_matrix.iter().enumerate() {
                for g in 0..ms {
                    let v = init[[t, c as usize, g]];
                    if !(v.is_finite() && v >= 0.0) {
                        return Err(Error::param(
                            "initial",
                            format!("responsibilities must be finite and >= 0; item {t} has {v}"),
                        ));
                    }
                    row[a * ms + g] = v;
                }
            }
            let tot: f64 = row.iter().sum();
            if tot <= 0.0 {
                return Err(Error::param(
                    "initial",
                    format!("item {t} has no positive responsibility on a used class"),
                ));
            }
            row.iter_mut().for_each(|v| *v /= tot);
            for c in 0..k {
                s.z[t * k + c] = row[c * ms..(c + 1) * ms].iter().sum();
            }
        }
        s.colsum.iter_mut().for_each(|v| *v = 0.0);
        for (ci, chunk) in s.zg.chunks(CHUNK * l).enumerate() {
            let cols = &mut s.colsum[ci * l..(ci + 1) * l];
            for row in chunk.chunks_exact(l) {
                cols.iter_mut().zip(row).for_each(|(c, v)| *c += v);
            }
        }
        Ok(())
    }
}
