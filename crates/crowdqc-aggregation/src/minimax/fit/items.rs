//! The items' M-step fused with their E-step, over fixed chunks of items.

use rayon::prelude::*;

use super::super::kernel::{Acc, Kernel, Side, exp_blocks, lane_scratch, with_kernel};
use super::super::newton::{Scratch, Step, scaled_step_applies, solve_ordinal, solve_rows};
use super::{CHUNK, ChunkSums, Ctx, State};

/// What every chunk of the item pass reads: the workers' logits and tables, the class
/// prior (logarithms and values).
struct Shared<'a> {
    sigma: &'a [f64],
    esigma: &'a [f64],
    log_prior: &'a [f64],
    prior: &'a [f64],
}

/// One chunk of items: its index, its items' logits, tables, posteriors and (ordinal)
/// parameters.
struct ChunkIo<'a> {
    c: usize,
    tc: &'a mut [f64],
    ec: &'a mut [f64],
    mc: &'a mut [f64],
    xc: Option<&'a mut [f64]>,
}

impl Ctx<'_> {
    /// [`item_block`](Self::item_block) of every item of one chunk; returns the chunk's
    /// sums (in item order).
    #[inline(always)]
    fn chunk_items<Kn: Kernel>(
        &self,
        kn: Kn,
        sh: &Shared<'_>,
        io: ChunkIo<'_>,
        s: &mut Scratch,
        buf: &mut [f64],
    ) -> ChunkSums {
        let (k, kk, d) = (self.k, self.k * self.k, self.d);
        let ChunkIo {
            c,
            tc,
            ec,
            mc,
            mut xc,
        } = io;
        let mut out = ChunkSums { ll: 0.0, diff: 0.0 };
        for (j, ((t, e), m)) in tc
            .chunks_mut(kk)
            .zip(ec.chunks_mut(kk))
            .zip(mc.chunks_mut(k))
            .enumerate()
        {
            let x = xc.as_deref_mut().map(|x| &mut x[j * d..(j + 1) * d]);
            let (ll, diff) = self.item_block(
                kn,
                c * CHUNK + j,
                t,
                e,
                x,
                m,
                sh.sigma,
                sh.esigma,
                (sh.log_prior, sh.prior),
                s,
                buf,
            );
            out.ll += ll;
            out.diff = out.diff.max(diff);
        }
        out
    }

    /// [`chunk_items`](Self::chunk_items) compiled for AVX2: the per-judgment kernels'
    /// lane operations become 256-bit vectors (the same IEEE operations per lane, no
    /// fused multiply-add: the same bits as without).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[allow(unsafe_code)]
    unsafe fn chunk_avx2<Kn: Kernel>(
        &self,
        kn: Kn,
        sh: &Shared<'_>,
        io: ChunkIo<'_>,
        s: &mut Scratch,
        buf: &mut [f64],
    ) -> ChunkSums {
        self.chunk_items(kn, sh, io, s, buf)
    }

    /// M-step of item `i` (its logits `tau_i`, ordinal parameters `xi_i`), then its
    /// E-step into `mu_i`. `etau_i` holds the exponential table of `tau_i` on entry
    /// (the solve's first pass reads it) and on return (rebuilt if `tau_i` moved).
    /// Returns `(ln Z_i, max |Δμ_i|)`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn item_block<Kn: Kernel>(
        &self,
        kn: Kn,
        i: usize,
        tau_i: &mut [f64],
        etau_i: &mut [f64],
        xi_i: Option<&mut [f64]>,
        mu_i: &mut [f64],
        sigma: &[f64],
        esigma: &[f64],
        (log_prior, prior): (&[f64], &[f64]),
        s: &mut Scratch,
        buf: &mut [f64],
    ) -> (f64, f64) {
        let (k, kk) = (self.k, self.k * self.k);
        let range = self.m.item_range(i as u32);
        let workers = &self.m.judgment_workers()[range.clone()];
        let lab = &self.lab[range];
        let (old, rest) = buf.split_at_mut(k);
        let (logp, rest) = rest.split_at_mut(k);
        let (tau_old, rest) = rest.split_at_mut(kk);
        let (prod, z) = rest.split_at_mut(k);
        old.copy_from_slice(mu_i);
        tau_old.copy_from_slice(tau_i);
        if workers.is_empty() {
            // no judgment: the prior
            let mx = log_prior.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let tot: f64 = log_prior.iter().map(|v| (v - mx).exp()).sum();
            let mut diff: f64 = 0.0;
            for r in 0..k {
                mu_i[r] = (log_prior[r] - mx).exp() / tot;
                diff = diff.max((mu_i[r] - old[r]).abs());
            }
            return (0.0, diff);
        }
        let w_old: &[f64] = old;
        // every judgment of the item has the weights `w_old`: the rows' data curvature
        // is at most `n max w_old / 2`, far below the item penalty on large data
        let w_max = w_old.iter().copied().fold(0.0, f64::max);
        let step = if scaled_step_applies(workers.len(), w_max, self.li) {
            Step::Scaled
        } else {
            Step::Newton
        };
        let pass = |own: Side<'_>, _: &[bool], acc: &mut Acc, z: &mut [f64]| {
            for (&w, &l) in workers.iter().zip(lab) {
                let w = w as usize;
                let other = Side {
                    x: &sigma[w * kk..(w + 1) * kk],
                    e: &esigma[w * kk..(w + 1) * kk],
                };
                if step == Step::Newton {
                    kn.acc(own, other, w_old, l as usize, acc, z);
                } else {
                    kn.grad(own, other, w_old, l as usize, acc, z);
                }
            }
        };
        match xi_i {
            Some(x) => {
                solve_ordinal(
                    x,
                    tau_i,
                    Some(etau_i),
                    &self.feat,
                    self.li,
                    self.inner_max,
                    self.inner_tol,
                    self.prog_tol,
                    s,
                    pass,
                );
            }
            None => {
                solve_rows(
                    kn,
                    step,
                    tau_i,
                    Some(etau_i),
                    self.li,
                    self.inner_max,
                    self.inner_tol,
                    self.prog_tol,
                    s,
                    pass,
                );
            }
        }
        // E-step: products of probabilities (rescaled into logs every 32 judgments,
        // far from underflow) instead of a logarithm per judgment and class
        logp.copy_from_slice(log_prior);
        prod.fill(1.0);
        // the table, rebuilt if a logit moved
        if tau_i
            .iter()
            .zip(tau_old.iter())
            .any(|(a, b)| a.to_bits() != b.to_bits())
        {
            kn.table(tau_i, etau_i);
        }
        let etau_i: &[f64] = etau_i;
        for (j, (&w, &l)) in workers.iter().zip(lab).enumerate() {
            let w = w as usize;
            let (sw, ew) = (&sigma[w * kk..(w + 1) * kk], &esigma[w * kk..(w + 1) * kk]);
            let own = Side {
                x: tau_i,
                e: etau_i,
            };
            kn.probs(own, Side { x: sw, e: ew }, l as usize, prod, z);
            if j % 32 == 31 {
                for (lp, p) in logp.iter_mut().zip(prod.iter_mut()) {
                    *lp += p.ln();
                    *p = 1.0;
                }
            }
        }
        if workers.len() <= 32 {
            // no rescaling happened: the posterior is `prior · prod` normalised, with
            // no logarithm and no exponential per class while the products are far
            // from underflow (`tot ≤ 1`; the log form below otherwise)
            let q = &mut z[..k];
            let mut tot = 0.0;
            for ((qv, &pv), &pr) in q.iter_mut().zip(prod.iter()).zip(prior) {
                *qv = pr * pv;
                tot += *qv;
            }
            if tot >= 1e-200 {
                let mut diff: f64 = 0.0;
                for r in 0..k {
                    mu_i[r] = q[r] / tot;
                    diff = diff.max((mu_i[r] - old[r]).abs());
                }
                return (tot.ln(), diff);
            }
        }
        for (lp, p) in logp.iter_mut().zip(prod.iter()) {
            *lp += p.ln();
        }
        let mx = logp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut tot = 0.0;
        for (m, &lp) in mu_i.iter_mut().zip(logp.iter()) {
            *m = (lp - mx).exp();
            tot += *m;
        }
        let mut diff: f64 = 0.0;
        for r in 0..k {
            mu_i[r] /= tot;
            diff = diff.max((mu_i[r] - old[r]).abs());
        }
        (mx + tot.ln(), diff)
    }

    /// M-step of every item fused with the E-step, over fixed chunks of items.
    pub(in crate::minimax) fn item_step(&self, st: &mut State) -> ChunkSums {
        with_kernel!(self.k, kn => self.item_sweep(kn, st))
    }

    /// [`item_step`](Self::item_step) with the kernel `kn` of `K` classes.
    fn item_sweep<Kn: Kernel>(&self, kn: Kn, st: &mut State) -> ChunkSums {
        let (k, kk, d) = (self.k, self.k * self.k, self.d);
        exp_blocks(k, &st.sigma, &mut st.esigma);
        let (sigma, esigma, log_prior) = (&st.sigma, &st.esigma, &st.log_prior);
        let prior: Vec<f64> = log_prior.iter().map(|v| v.exp()).collect();
        let init = || {
            (
                Scratch::new(k, d),
                vec![0.0; 5 * k + 2 * kk + lane_scratch(k)],
            )
        };
        let sh = Shared {
            sigma,
            esigma,
            log_prior,
            prior: &prior,
        };
        // one chunk of items; `xc` holds the chunk's ordinal parameters (ordinal only)
        let chunk = |(s, buf): &mut (Scratch, Vec<f64>),
                     c: usize,
                     tc: &mut [f64],
                     ec: &mut [f64],
                     mc: &mut [f64],
                     xc: Option<&mut [f64]>| {
            let io = ChunkIo { c, tc, ec, mc, xc };
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, the only requirement of `chunk_avx2`.
                #[allow(unsafe_code)]
                return unsafe { self.chunk_avx2(kn, &sh, io, s, buf) };
            }
            self.chunk_items(kn, &sh, io, s, buf)
        };
        let items = st
            .tau
            .par_chunks_mut(CHUNK * kk)
            .zip(st.etau.par_chunks_mut(CHUNK * kk))
            .zip(st.mu.par_chunks_mut(CHUNK * k));
        let sums: Vec<ChunkSums> = if self.ordinal {
            items
                .zip(st.xi.par_chunks_mut(CHUNK * d))
                .enumerate()
                .map_init(init, |sb, (c, (((tc, ec), mc), xc))| {
                    chunk(sb, c, tc, ec, mc, Some(xc))
                })
                .collect()
        } else {
            items
                .enumerate()
                .map_init(init, |sb, (c, ((tc, ec), mc))| {
                    chunk(sb, c, tc, ec, mc, None)
                })
                .collect()
        };
        sums.iter()
            .fold(ChunkSums { ll: 0.0, diff: 0.0 }, |a, b| ChunkSums {
                ll: a.ll + b.ll,
                diff: a.diff.max(b.diff),
            })
    }
}
