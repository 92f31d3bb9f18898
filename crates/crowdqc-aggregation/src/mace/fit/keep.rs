//! What a restart leaves: its objective penalty and the parameters the model keeps.

use rayon::prelude::*;

use super::super::params::MaceMethod;
use super::{Ctx, NO_SLOT, State};

impl Ctx<'_> {
    /// The objective's penalty of the last M-step (VB: −KL; EM: log prior): the worker
    /// pass's workers in index order, then the tabulated one-judgment workers by
    /// E-step chunk.
    pub(super) fn penalty(&self, s: &State) -> f64 {
        let busy: f64 = self.busy.iter().map(|&w| s.penalty[w as usize]).sum();
        match self.ones {
            Some(_) => busy + s.one_pen.iter().sum::<f64>(),
            None => busy,
        }
    }

    /// Spamming probability and strategy of every worker from the last M-step (VB:
    /// posterior means; EM: point estimates).
    pub(super) fn parameters(&self, s: &State, spam: &mut [f64], xi: &mut [f64]) {
        let (k, k_obs) = (self.k, self.k_obs as f64);
        let classes = self.m.judgment_classes();
        spam.par_iter_mut()
            .zip(xi.par_chunks_mut(k))
            .enumerate()
            .with_min_len(256)
            .for_each(|(w, (spam, xi))| {
                let slot = self.ones.as_ref().map_or(NO_SLOT, |o| o.slot[w]);
                let mut one_strat = [0.0; 1];
                let (ns, nk, strat, given) = if slot == NO_SLOT {
                    (s.ns[w], s.nk[w], &s.strat[w * k..(w + 1) * k], None)
                } else {
                    // a tabulated one-judgment worker (variational Bayes): spamming
                    // count `1 − know`, all of it on the label given
                    let kn = s.one_know[slot as usize];
                    one_strat[0] = 1.0 - kn;
                    let l = classes[self.m.worker_judgments(w as u32)[0] as usize] as usize;
                    (1.0 - kn, kn, &one_strat[..], Some(l))
                };
                // the strategy count of label `c`
                let count = |c: usize| match given {
                    None => strat[c],
                    Some(l) if l == c => strat[0],
                    Some(_) => 0.0,
                };
                match self.method {
                    MaceMethod::VariationalBayes => {
                        let (a, b) = (ns + self.a0, nk + self.b0);
                        *spam = a / (a + b);
                        // the sum over the row (a one-judgment worker's zeros add
                        // nothing: the same bits)
                        let tot = strat.iter().sum::<f64>() + k_obs * self.g0;
                        for (c, x) in xi.iter_mut().enumerate() {
                            *x = if self.observed[c] {
                                (count(c) + self.g0) / tot
                            } else {
                                0.0
                            };
                        }
                    }
                    MaceMethod::Em => {
                        *spam = s.lspam[w].exp();
                        for (c, x) in xi.iter_mut().enumerate() {
                            *x = if self.observed[c] {
                                s.lxi[w * k + c].exp()
                            } else {
                                0.0
                            };
                        }
                    }
                }
            });
    }
}
