//! A restart's initial parameters and the tables of its first E-step.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::mstep::label_tables;
use super::{BLOCK, Ctx, NO_SLOT, State};

impl Ctx<'_> {
    /// A worker's initial `ln P(spam)`, `ln P(know)` and strategy `ln ξ` (into `lxi`)
    /// from `2 + k_obs` draws.
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

    /// [`draw_worker`](Self::draw_worker) for a worker who gave only label `l`: the
    /// same draws, and `ln ξ` of `l` alone (the only one its tables need; `l` is
    /// observed, so its draw is positive).
    fn draw_one(&self, draw: &mut impl FnMut() -> f64, l: usize) -> (f64, f64, f64) {
        let (u0, u1) = (draw(), draw());
        let (mut tot, mut vl) = (0.0, 0.0);
        for c in 0..self.k {
            let v = if self.observed[c] { draw() } else { 0.0 };
            tot += v;
            if c == l {
                vl = v;
            }
        }
        let (ls, lk) = ((u0 / (u0 + u1)).ln(), (u1 / (u0 + u1)).ln());
        (ls, lk, (vl / tot).ln())
    }

    /// Initial parameters from crowd-kit's / Hovy's `U(1, 1 + 1.5)` draws, normalised,
    /// worker after worker along `rng`'s stream, and their E-step tables (`la`, `ld`,
    /// `rk`) for the labels each worker gave. Blocks of workers run in parallel, each
    /// from its own position in the stream (every worker takes `2 + k_obs` draws of
    /// two words), so the values are those of one sequential pass. A tabulated
    /// one-judgment worker gets its tables only (the first E-step moves its `rk` to
    /// its compact slot).
    pub(super) fn init(&self, s: &mut State, rng: &ChaCha8Rng) {
        let k = self.k;
        let start = rng.get_word_pos();
        let words = 2 * (2 + self.k_obs) as u128;
        let classes = self.m.judgment_classes();
        s.lspam
            .par_chunks_mut(BLOCK)
            .zip(s.lknow.par_chunks_mut(BLOCK))
            .zip(s.lxi.par_chunks_mut(BLOCK * k))
            .zip(
                s.la.par_chunks_mut(BLOCK * k)
                    .zip(s.ld.par_chunks_mut(BLOCK * k))
                    .zip(s.rk.par_chunks_mut(BLOCK * k)),
            )
            .enumerate()
            .for_each(|(b, (((lspam, lknow), lxi), ((la, ld), rk)))| {
                let mut rng = rng.clone();
                rng.set_word_pos(start + words * (b * BLOCK) as u128);
                let mut draw = || 1.0 + 1.5 * rng.random::<f64>();
                for i in 0..lspam.len() {
                    let w = b * BLOCK + i;
                    let r = i * k..(i + 1) * k;
                    if self.ones.as_ref().is_none_or(|o| o.slot[w] == NO_SLOT) {
                        (lspam[i], lknow[i]) = self.draw_worker(&mut draw, &mut lxi[r.clone()]);
                        self.worker_tables(
                            w,
                            lspam[i],
                            lknow[i],
                            &lxi[r.clone()],
                            &mut la[r.clone()],
                            &mut ld[r.clone()],
                            &mut rk[r],
                        );
                    } else {
                        let l = classes[self.m.worker_judgments(w as u32)[0] as usize] as usize;
                        let (ls, lk, lx) = self.draw_one(&mut draw, l);
                        let j = i * k + l;
                        (la[j], ld[j], rk[j]) = label_tables(ls, lk, lx);
                    }
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// What the parallel initialisation relies on: the `n`-th `f64` draw of a stream
    /// is the one after seeking to word `2 n` (one `u64`, two words, per draw; also
    /// across the generator's buffer refills).
    #[test]
    fn seeking_reproduces_the_sequential_draws() {
        for stream in [0u64, 3] {
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            rng.set_stream(stream);
            let start = rng.get_word_pos();
            let seq: Vec<f64> = (0..300).map(|_| rng.random::<f64>()).collect();
            for n in [0usize, 1, 7, 31, 32, 33, 63, 64, 65, 127, 128, 200, 299] {
                let mut r = ChaCha8Rng::seed_from_u64(7);
                r.set_stream(stream);
                r.set_word_pos(start + 2 * n as u128);
                let v: Vec<f64> = (n..300).map(|_| r.random::<f64>()).collect();
                assert_eq!(v, seq[n..], "stream {stream}, draw {n}");
            }
        }
    }
}
