//! MACE's M-step: expected counts per worker, new parameters (VB or EM), each
//! worker's objective penalty and the per-(worker, label) tables of the next E-step,
//! in one pass over the workers.

use rayon::prelude::*;

use super::super::params::MaceMethod;
use super::super::special::{digamma_ln_gamma, ln_gamma};
use super::one::{LA, LD, LKNOW, LSPAM, LXI_GIVEN, LXI_OTHER, NF, PEN, RK};
use super::{BLOCK, Ctx, State};

/// Special-function values the M-step would otherwise recompute for every worker.
pub(super) struct Consts {
    /// `ln Γ(g0)`, `ψ(g0)`, `ln Γ(k_obs g0)`.
    lg_g0: f64,
    dg_g0: f64,
    lg_kg0: f64,
    /// `ln B(a0, b0)` of the Beta prior (VB's KL).
    ln_b0: f64,
    /// `ln(smoothing)` (EM: the strategy of a label never given).
    ln_sm: f64,
    /// `(ψ, ln Γ)(n + a0 + b0)` for `n < AB_CACHE`: the Beta posterior of a worker with
    /// `n` judgments has `a + b = n + a0 + b0` (expected spamming and knowing counts
    /// sum to `n`), so these depend on the count only.
    ab: Vec<(f64, f64)>,
}

/// Judgment counts whose `(ψ, ln Γ)(n + a0 + b0)` are tabulated once per fit.
const AB_CACHE: usize = 256;

impl Consts {
    /// `(ψ, ln Γ)(n + a0 + b0)`.
    #[inline]
    fn ab(&self, n: usize, a0: f64, b0: f64) -> (f64, f64) {
        match self.ab.get(n) {
            Some(&v) => v,
            None => digamma_ln_gamma(n as f64 + a0 + b0),
        }
    }
}

impl Consts {
    pub(super) fn new(a0: f64, b0: f64, g0: f64, k_obs: usize, smoothing: f64) -> Consts {
        Consts {
            lg_g0: digamma_ln_gamma(g0).1,
            dg_g0: digamma_ln_gamma(g0).0,
            lg_kg0: ln_gamma(k_obs as f64 * g0),
            ln_b0: ln_gamma(a0) + ln_gamma(b0) - ln_gamma(a0 + b0),
            ln_sm: smoothing.ln(),
            ab: (0..AB_CACHE)
                .map(|n| digamma_ln_gamma(n as f64 + a0 + b0))
                .collect(),
        }
    }
}

/// `(ψ(x), ln Γ(x))` of the Beta posterior's arguments `a`, `b`, `a + b`.
#[derive(Clone, Copy)]
struct BetaSpecial {
    a: (f64, f64),
    b: (f64, f64),
    ab: (f64, f64),
}

impl BetaSpecial {
    /// From `a`, `b` and the values at `a + b`.
    #[inline]
    fn new(a: f64, b: f64, ab: (f64, f64)) -> Self {
        BetaSpecial {
            a: digamma_ln_gamma(a),
            b: digamma_ln_gamma(b),
            ab,
        }
    }
}

/// `KL(Beta(a, b) || Beta(a0, b0))` as `special::kl_beta` computes it, from the
/// special-function values the M-step already has and `ln B(a0, b0)`.
#[inline]
fn kl_beta_with(a: f64, b: f64, a0: f64, b0: f64, sp: &BetaSpecial, ln_b0: f64) -> f64 {
    let ln_b1 = sp.a.1 + sp.b.1 - sp.ab.1;
    ln_b0 - ln_b1 + (a - a0) * sp.a.0 + (b - b0) * sp.b.0 + (a0 - a + b0 - b) * sp.ab.0
}

/// `ln(1 + e^x)` as `max(x, 0) + ln(1 + e^−|x|)` (with `x = ln(know) − ln(spam·ξ)`
/// this is `ln(spam·ξ + know) − ln(spam·ξ)`).
#[inline]
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `1 / (1 + e^−x)` (`know / (spam·ξ + know)`) from the same `t = e^−|x|`: `1/(1 + t)`
/// or `t/(1 + t)`.
#[inline]
fn sigmoid_from(x: f64) -> f64 {
    let t = (-x.abs()).exp();
    let inv = 1.0 / (1.0 + t);
    if x >= 0.0 { inv } else { t * inv }
}

impl Ctx<'_> {
    /// The variational M-step of a worker with one judgment whose expected spamming
    /// count is `u` (knowing count `1 − u`), computed directly as [`m_step`](
    /// Self::m_step) does for any worker: the outputs of [`OneTable`](super::one::OneTable)
    /// in the order of its indices.
    pub(super) fn one_judgment_direct(&self, u: f64) -> [f64; NF] {
        let cs = &self.consts;
        let (a, b) = (u + self.a0, (1.0 - u) + self.b0);
        let sp = BetaSpecial::new(a, b, cs.ab(1, self.a0, self.b0));
        let dab = sp.ab.0;
        let (lspam, lknow) = (sp.a.0 - dab, sp.b.0 - dab);
        let (dg, lg_gsum) = digamma_ln_gamma(u + self.k_obs as f64 * self.g0);
        let g = u + self.g0;
        let (lgg, dgc) = if g == self.g0 {
            (cs.lg_g0, cs.dg_g0)
        } else {
            let (d, l) = digamma_ln_gamma(g);
            (l, d)
        };
        let lxi = dgc - dg;
        // the other labels (g = g0, no count) add exactly 0 to the Dirichlet KL
        let kl = lg_gsum - cs.lg_kg0 + (-lgg + cs.lg_g0 + u * lxi);
        let la = lspam + lxi;
        let mut out = [0.0; NF];
        out[LSPAM] = lspam;
        out[LKNOW] = lknow;
        out[LXI_GIVEN] = lxi;
        out[LXI_OTHER] = cs.dg_g0 - dg;
        out[LA] = la;
        out[LD] = softplus(lknow - la);
        out[RK] = sigmoid_from(lknow - la);
        out[PEN] = -(kl + kl_beta_with(a, b, self.a0, self.b0, &sp, cs.ln_b0));
        out
    }

    /// Worker `w`'s tables `ln(spam·ξ)`, `ln(spam·ξ + know) − ln(spam·ξ)`,
    /// `know / (spam·ξ + know)` for the labels the worker gave (no other entry is read).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn worker_tables(
        &self,
        w: usize,
        lspam: f64,
        lknow: f64,
        lxi: &[f64],
        la: &mut [f64],
        ld: &mut [f64],
        rk: &mut [f64],
    ) {
        let k = self.k;
        for c in (0..k).filter(|&c| self.given[w * k + c]) {
            (la[c], ld[c], rk[c]) = label_tables(lspam, lknow, lxi[c]);
        }
    }

    /// Expected counts from the posteriors, then new parameters (VB or EM), each
    /// worker's objective penalty, and the per-(worker, label) tables of the next
    /// E-step (in the same pass: each worker's `rk` row is read before it is replaced),
    /// for the workers of the worker pass (the tabulated one-judgment workers' M-step
    /// runs in the E-step, `estep.rs`). Blocks of [`BLOCK`] workers visit only their
    /// workers of this pass.
    pub(super) fn m_step(&self, s: &mut State) {
        let k = self.k;
        let q = &s.q;
        s.lspam
            .par_chunks_mut(BLOCK)
            .zip(s.lknow.par_chunks_mut(BLOCK))
            .zip(s.lxi.par_chunks_mut(BLOCK * k))
            .zip(s.strat.par_chunks_mut(BLOCK * k))
            .zip(s.ns.par_chunks_mut(BLOCK).zip(s.nk.par_chunks_mut(BLOCK)))
            .zip(s.penalty.par_chunks_mut(BLOCK))
            .zip(
                s.la.par_chunks_mut(BLOCK * k)
                    .zip(s.ld.par_chunks_mut(BLOCK * k))
                    .zip(s.rk.par_chunks_mut(BLOCK * k)),
            )
            .enumerate()
            .for_each(
                |(b, ((((((lspam, lknow), lxi), strat), (ns, nk)), pen), ((la, ld), rk)))| {
                    for &w in self.busy_in(b) {
                        let w = w as usize;
                        let i = w - b * BLOCK;
                        let r = i * k..(i + 1) * k;
                        self.m_step_worker(
                            w,
                            q,
                            Row {
                                lspam: &mut lspam[i],
                                lknow: &mut lknow[i],
                                lxi: &mut lxi[r.clone()],
                                strat: &mut strat[r.clone()],
                                ns: &mut ns[i],
                                nk: &mut nk[i],
                                pen: &mut pen[i],
                                la: &mut la[r.clone()],
                                ld: &mut ld[r.clone()],
                                rk: &mut rk[r],
                            },
                        );
                    }
                },
            );
    }

    /// One worker's M-step into its row of the per-worker arrays.
    fn m_step_worker(&self, w: usize, q: &[f64], o: Row<'_>) {
        let k = self.k;
        let (items, classes) = (self.m.judgment_items(), self.m.judgment_classes());
        let Row {
            lspam,
            lknow,
            lxi,
            strat,
            ns,
            nk,
            pen,
            la,
            ld,
            rk,
        } = o;
        strat.iter_mut().for_each(|v| *v = 0.0);
        let judgments = self.m.worker_judgments(w as u32);
        let (mut spam, mut know) = (0.0, 0.0);
        for &p in judgments {
            let p = p as usize;
            let l = classes[p] as usize;
            let kn = q[items[p] as usize * k + l] * rk[l];
            know += kn;
            spam += 1.0 - kn;
            strat[l] += 1.0 - kn;
        }
        (*ns, *nk) = (spam, know);
        let st: f64 = strat.iter().sum();
        match self.method {
            MaceMethod::VariationalBayes => {
                let cs = &self.consts;
                let (a, b) = (spam + self.a0, know + self.b0);
                let n = judgments.len();
                let sp = BetaSpecial::new(a, b, cs.ab(n, self.a0, self.b0));
                let dab = sp.ab.0;
                (*lspam, *lknow) = (sp.a.0 - dab, sp.b.0 - dab);
                let gsum = st + self.k_obs as f64 * self.g0;
                let (dg, lg_gsum) = digamma_ln_gamma(gsum);
                // −KL(Dir(strat + g0) || Dir(g0)) − KL(Beta(a, b) || Beta(a0, b0))
                let mut kl = lg_gsum - cs.lg_kg0;
                for c in 0..k {
                    if !self.observed[c] {
                        lxi[c] = f64::NEG_INFINITY;
                        continue;
                    }
                    let g = strat[c] + self.g0;
                    // a label the worker never gave: g = g0, known values
                    let (lgg, dgc) = if g == self.g0 {
                        (cs.lg_g0, cs.dg_g0)
                    } else {
                        let (d, l) = digamma_ln_gamma(g);
                        (l, d)
                    };
                    lxi[c] = dgc - dg;
                    kl += -lgg + cs.lg_g0 + strat[c] * (dgc - dg);
                }
                *pen = -(kl + kl_beta_with(a, b, self.a0, self.b0, &sp, cs.ln_b0));
            }
            MaceMethod::Em => {
                let sm = self.smoothing;
                let norm = (spam + know + 2.0 * sm).ln();
                (*lspam, *lknow) = ((spam + sm).ln() - norm, (know + sm).ln() - norm);
                let gnorm = (st + self.k_obs as f64 * sm).ln();
                let mut lp = sm * (*lspam + *lknow);
                for c in 0..k {
                    if !self.observed[c] {
                        lxi[c] = f64::NEG_INFINITY;
                        continue;
                    }
                    let g = strat[c] + sm;
                    let lg = if g == sm { self.consts.ln_sm } else { g.ln() };
                    lxi[c] = lg - gnorm;
                    lp += sm * lxi[c];
                }
                *pen = lp;
            }
        }
        self.worker_tables(w, *lspam, *lknow, lxi, la, ld, rk);
    }
}

/// A worker's row of every per-worker array the M-step writes.
struct Row<'a> {
    lspam: &'a mut f64,
    lknow: &'a mut f64,
    lxi: &'a mut [f64],
    strat: &'a mut [f64],
    ns: &'a mut f64,
    nk: &'a mut f64,
    pen: &'a mut f64,
    la: &'a mut [f64],
    ld: &'a mut [f64],
    rk: &'a mut [f64],
}

/// The E-step tables of one label from `ln P(spam)`, `ln P(know)` and the label's
/// `ln ξ`: `ln(spam·ξ)`, `ln(spam·ξ + know) − ln(spam·ξ)`, `know / (spam·ξ + know)`.
#[inline]
pub(super) fn label_tables(lspam: f64, lknow: f64, lxi: f64) -> (f64, f64, f64) {
    let a = lspam + lxi;
    if a == f64::NEG_INFINITY {
        return (f64::NEG_INFINITY, 0.0, 1.0);
    }
    (a, softplus(lknow - a), sigmoid_from(lknow - a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mace::special::kl_beta;

    /// The M-step's shortcuts give the bits of the full computation: the inline KL of
    /// the Beta posterior, and the constants of a label never given (`g = g0`).
    #[test]
    fn shortcuts_are_bit_identical() {
        let (a0, b0, g0) = (0.5, 0.5, 10.0);
        let c = Consts::new(a0, b0, g0, 3, 0.01 / 3.0);
        for (a, b) in [(0.5, 0.5), (0.7311, 1.2689), (12.25, 3.5), (1000.5, 0.5)] {
            let sp = BetaSpecial::new(a, b, digamma_ln_gamma(a + b));
            let (fused, separate) = (
                kl_beta_with(a, b, a0, b0, &sp, c.ln_b0),
                kl_beta(a, b, a0, b0),
            );
            assert!(
                (fused - separate).abs() <= 1e-12 * separate.abs().max(1.0),
                "{a} {b}"
            );
        }
        let g = 0.0 + g0;
        assert_eq!(c.lg_g0.to_bits(), digamma_ln_gamma(g).1.to_bits());
        assert_eq!(c.dg_g0.to_bits(), digamma_ln_gamma(g).0.to_bits());
        assert_eq!(c.ln_sm.to_bits(), (0.0 + 0.01 / 3.0f64).ln().to_bits());
    }
}
