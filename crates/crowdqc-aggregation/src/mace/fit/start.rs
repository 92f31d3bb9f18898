//! A restart's initial parameters and the tables of its first E-step.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::mstep::label_tables;
use super::{BLOCK, Ctx, NO_SLOT, State};

impl Ctx<'_> {
    /// A worker's initial `ln P(spam)`, `ln P(know)` and strategy `ln ξ` (into `lxi`).
    fn draw_worker(&self, draw: &mut impl FnMut() -> f64, lxi: &mut [f64]) -> (f64, f64) {
        let (u0, u1) = (draw(), draw());
        let mut tot = 0.0;
        for (c, v) in lxi.iter_mut().enumerate() {
            *v = if self.observed[c] { draw() } else { 0.0 };
            tot += *v;
        }
        lxi.iter_mut().for_each(|v| {
            *v = if *v > 0.0 {
                (*v / tot).ln()
            } else {
                f64::NEG_INFINITY
            }
        });
        ((u0 / (u0 + u1)).ln(), (u1 / (u0 + u1)).ln())
    }

    /// Initial parameters from crowd-kit's / Hovy's `U(1, 1 + 1.5)` draws, normalised,
    /// worker after worker. A tabulated one-judgment worker keeps only the E-step
    /// tables of the label it gave (in its compact slot).
    pub(super) fn init(&self, s: &mut State, rng: &mut ChaCha8Rng) {
        let k = self.k;
        let mut draw = || 1.0 + 1.5 * rng.random::<f64>();
        let classes = self.m.judgment_classes();
        let mut buf = vec![0.0; k];
        for w in 0..self.m.n_workers() {
            let slot = self.ones.as_ref().map_or(NO_SLOT, |o| o.slot[w]);
            if slot == NO_SLOT {
                (s.lspam[w], s.lknow[w]) =
                    self.draw_worker(&mut draw, &mut s.lxi[w * k..(w + 1) * k]);
                continue;
            }
            let (lspam, lknow) = self.draw_worker(&mut draw, &mut buf);
            let l = classes[self.m.worker_judgments(w as u32)[0] as usize] as usize;
            let j = slot as usize;
            (s.one_la0[j], s.one_ld0[j], s.one_rk[j]) = label_tables(lspam, lknow, buf[l]);
        }
    }

    /// Per-(worker, label) tables from the current parameters, for the workers of the
    /// worker pass (the M-step computes them itself; this is for the initial
    /// parameters of a restart).
    pub(super) fn tables(&self, s: &mut State) {
        let k = self.k;
        let (lspam, lknow, lxi) = (&s.lspam, &s.lknow, &s.lxi);
        s.la.par_chunks_mut(BLOCK * k)
            .zip(s.ld.par_chunks_mut(BLOCK * k))
            .zip(s.rk.par_chunks_mut(BLOCK * k))
            .enumerate()
            .for_each(|(b, ((la, ld), rk))| {
                for &w in self.busy_in(b) {
                    let w = w as usize;
                    let r = (w - b * BLOCK) * k..(w - b * BLOCK + 1) * k;
                    self.worker_tables(
                        w,
                        lspam[w],
                        lknow[w],
                        &lxi[w * k..(w + 1) * k],
                        &mut la[r.clone()],
                        &mut ld[r.clone()],
                        &mut rk[r],
                    );
                }
            });
    }
}
