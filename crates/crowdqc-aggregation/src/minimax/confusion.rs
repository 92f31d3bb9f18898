//! The fitted workers' expected confusion matrices (computed once, after the fit).

use rayon::prelude::*;

use super::fit::{Ctx, State};
use super::kernel::{Kernel, Side, prefetch, with_kernel};

/// Workers per parallel job (a minimum; results do not depend on it).
const WORKERS_PER_JOB: usize = 8;
/// How many judgments ahead the item rows are prefetched.
const AHEAD: usize = 16;

impl Ctx<'_> {
    /// Expected confusion `[true, observed]` of each worker over their own items
    /// (weights: the posteriors), and the model accuracy; rows with no weight use the
    /// worker's item-free logits. Reads the exponential tables `st.esigma` and
    /// `st.etau` of the last item pass (current for the final `sigma` and `tau`).
    pub(super) fn worker_confusion(&self, st: &State) -> (Vec<f64>, Vec<f64>) {
        with_kernel!(self.k, kn => self.confusion_with(kn, st))
    }

    /// [`worker_confusion`](Self::worker_confusion) with the kernel `kn` of `K` classes.
    fn confusion_with<Kn: Kernel>(&self, kn: Kn, st: &State) -> (Vec<f64>, Vec<f64>) {
        let (k, kk) = (self.k, self.k * self.k);
        let mut conf = vec![0.0; self.m.n_workers() * kk];
        let mut acc = vec![0.0; self.m.n_workers()];
        conf.par_chunks_mut(kk)
            .zip(acc.par_iter_mut())
            .enumerate()
            .with_min_len(WORKERS_PER_JOB)
            .for_each(|(w, (c, a))| {
                let sw = &st.sigma[w * kk..(w + 1) * kk];
                let ew = &st.esigma[w * kk..(w + 1) * kk];
                let mut den = vec![0.0; k];
                let mut z = vec![0.0; k];
                let (wi, _) = self.by_worker(w);
                for (j, &i) in wi.iter().enumerate() {
                    if let Some(&i1) = wi.get(j + AHEAD) {
                        let i1 = i1 as usize;
                        prefetch(&st.etau, i1 * kk, kk);
                        prefetch(&st.mu, i1 * k, k);
                    }
                    let i = i as usize;
                    let (ti, ei) = (
                        &st.tau[i * kk..(i + 1) * kk],
                        &st.etau[i * kk..(i + 1) * kk],
                    );
                    let mi = &st.mu[i * k..(i + 1) * k];
                    // the softmax from the fit's exponential tables (no `exp`; the
                    // logits are read only where the products underflow)
                    let own = Side { x: sw, e: ew };
                    kn.conf(own, Side { x: ti, e: ei }, mi, c, &mut den);
                }
                let zeros = vec![0.0; k];
                let (mut hit, mut tot) = (0.0, 0.0);
                for r in 0..k {
                    let row = &mut c[r * k..(r + 1) * k];
                    if den[r] > 0.0 {
                        hit += row[r];
                        tot += den[r];
                        row.iter_mut().for_each(|v| *v /= den[r]);
                    } else {
                        softmax_sum(&sw[r * k..(r + 1) * k], &zeros, &mut z);
                        row.copy_from_slice(&z);
                    }
                }
                *a = if tot > 0.0 { hit / tot } else { f64::NAN };
            });
        (conf, acc)
    }
}

/// `out = softmax(a + b)`.
fn softmax_sum(a: &[f64], b: &[f64], out: &mut [f64]) {
    let mut mx = f64::NEG_INFINITY;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x + y;
        mx = mx.max(*o);
    }
    let mut s = 0.0;
    for o in out.iter_mut() {
        *o = (*o - mx).exp();
        s += *o;
    }
    out.iter_mut().for_each(|o| *o /= s);
}
