//! MACE's E-step over the CSR by item, and the fused M-step of the tabulated
//! one-judgment workers.
//!
//! A worker with a single judgment (variational Bayes, [`OneTable`](super::one::OneTable)
//! in use) has an M-step that reads one posterior entry (its item's, at its label) and
//! its own `know / (spam·ξ + know)`. Both are at hand when the E-step reaches its item
//! (the item's previous posterior row, before it is replaced), so its M-step runs
//! there: its state is two numbers in an array in position order ([`State::one_know`],
//! [`State::one_rk`]), read and written in the order the E-step streams the judgments,
//! instead of rows of every per-worker array visited by the worker pass. The results
//! are those of the M-step in the worker pass (same operations on the same values);
//! only the objective sums the penalties in another order (by E-step chunk).

use rayon::prelude::*;

use super::one::{LA, LD, PEN, RK};
use super::{CHUNK, Ctx, Ones, State, softmax_in_place};

/// Per E-step chunk: the compact state of its one-judgment workers.
struct OneChunk<'a> {
    know: &'a mut [f64],
    rk: &'a mut [f64],
}

impl Ctx<'_> {
    /// E-step into `s.q`; returns `Σ_t ln Z_t`. With tabulated one-judgment workers:
    /// `fused` runs their M-step first (each reads its item's previous posteriors) and
    /// sums their penalties into `s.one_pen`; otherwise (a restart's first E-step) they
    /// read the tables of their initial parameters from the per-worker arrays, and
    /// their `rk` moves to its compact slot.
    pub(super) fn e_step(&self, s: &mut State, fused: bool) -> f64 {
        match &self.ones {
            None => self.e_step_plain(s),
            Some(ones) => self.e_step_ones(s, ones, fused),
        }
    }

    /// The E-step when every worker's tables are in the per-(worker, label) arrays.
    fn e_step_plain(&self, s: &mut State) -> f64 {
        let k = self.k;
        let offsets = self.m.item_offsets();
        let (workers, classes) = (self.m.judgment_workers(), self.m.judgment_classes());
        let (la, ld, log_pi) = (&s.la, &s.ld, &s.log_pi);
        s.q.par_chunks_mut(CHUNK * k)
            .zip(s.partial.par_iter_mut())
            .zip(s.col_partial.par_chunks_mut(k))
            .enumerate()
            .for_each(|(ci, ((qc, part), cols))| {
                let mut acc = 0.0;
                cols.iter_mut().for_each(|v| *v = 0.0);
                for (r, row) in qc.chunks_exact_mut(k).enumerate() {
                    let t = ci * CHUNK + r;
                    row.copy_from_slice(log_pi);
                    let mut base = 0.0;
                    for p in offsets[t]..offsets[t + 1] {
                        let l = classes[p] as usize;
                        let idx = workers[p] as usize * k + l;
                        base += la[idx];
                        row[l] += ld[idx];
                    }
                    row.iter_mut().for_each(|v| *v += base);
                    acc += softmax_in_place(row);
                    cols.iter_mut().zip(row.iter()).for_each(|(c, v)| *c += v);
                }
                *part = acc;
            });
        s.partial.iter().sum()
    }

    /// The E-step with tabulated one-judgment workers (see the module docs).
    fn e_step_ones(&self, s: &mut State, ones: &Ones, fused: bool) -> f64 {
        let k = self.k;
        let offsets = self.m.item_offsets();
        let (workers, classes) = (self.m.judgment_workers(), self.m.judgment_classes());
        let table = self
            .one
            .as_ref()
            .expect("ones are indexed only with the table");
        // the compact arrays cut at the chunks' first one-judgment positions
        let mut chunks = Vec::with_capacity(ones.chunk_start.len() - 1);
        let (mut know, mut rk) = (&mut s.one_know[..], &mut s.one_rk[..]);
        for w in ones.chunk_start.windows(2) {
            let len = w[1] - w[0];
            let (kh, kt) = std::mem::take(&mut know).split_at_mut(len);
            let (rh, rt) = std::mem::take(&mut rk).split_at_mut(len);
            (know, rk) = (kt, rt);
            chunks.push(OneChunk { know: kh, rk: rh });
        }
        let (la, ld, rk0, log_pi) = (&s.la, &s.ld, &s.rk, &s.log_pi);
        let single = &ones.single;
        s.q.par_chunks_mut(CHUNK * k)
            .zip(s.partial.par_iter_mut())
            .zip(s.col_partial.par_chunks_mut(k))
            .zip(chunks.into_par_iter().zip(s.one_pen.par_iter_mut()))
            .enumerate()
            .for_each(|(ci, (((qc, part), cols), (one, pen)))| {
                let (mut acc, mut pen_acc, mut j) = (0.0, 0.0, 0);
                let mut old = vec![0.0; k];
                cols.iter_mut().for_each(|v| *v = 0.0);
                for (r, row) in qc.chunks_exact_mut(k).enumerate() {
                    let t = ci * CHUNK + r;
                    old.copy_from_slice(row);
                    row.copy_from_slice(log_pi);
                    let mut base = 0.0;
                    for p in offsets[t]..offsets[t + 1] {
                        let l = classes[p] as usize;
                        let (a, d) = if single[p] && fused {
                            // the worker's M-step (`m_step` for any other worker)
                            let kn = old[l] * one.rk[j];
                            let v = table.eval_step(1.0 - kn);
                            (one.know[j], one.rk[j]) = (kn, v[RK - LA]);
                            pen_acc += v[PEN - LA];
                            j += 1;
                            (v[0], v[LD - LA])
                        } else {
                            let idx = workers[p] as usize * k + l;
                            if single[p] {
                                one.rk[j] = rk0[idx];
                                j += 1;
                            }
                            (la[idx], ld[idx])
                        };
                        base += a;
                        row[l] += d;
                    }
                    row.iter_mut().for_each(|v| *v += base);
                    acc += softmax_in_place(row);
                    cols.iter_mut().zip(row.iter()).for_each(|(c, v)| *c += v);
                }
                (*part, *pen) = (acc, pen_acc);
            });
        s.partial.iter().sum()
    }
}
