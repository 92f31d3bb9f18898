//! The fit: block coordinate ascent (workers' M-step, then items' M-step fused with
//! the E-step), parallel over workers and over fixed chunks of items.

use crowdqc_core::JudgmentMatrix;
use rayon::prelude::*;

use super::kernel::{Acc, Blocks, Kernel, Side, prefetch, prefetch_u32, with_kernel};
use super::newton::{Scratch, Step, solve_ordinal, solve_rows};

mod items;

/// Items per parallel chunk of the item pass (fixed: sums independent of thread count).
const CHUNK: usize = 512;
/// How many judgments ahead the worker pass prefetches item rows.
const AHEAD: usize = 8;

/// Prefetches for judgment `j` of a worker's judgments `js`: the positions' items and
/// labels `2 * AHEAD` judgments on, and the item rows (exponential table `etau`,
/// posteriors `mu`) `AHEAD` judgments on. Hints only: no value changes.
#[inline(always)]
fn prefetch_ahead(
    js: &[u32],
    j: usize,
    items: &[u32],
    lab: &[u32],
    (etau, mu): (&[f64], &[f64]),
    k: usize,
) {
    if let Some(&p2) = js.get(j + 2 * AHEAD) {
        prefetch_u32(items, p2 as usize);
        prefetch_u32(lab, p2 as usize);
    }
    if let Some(&p1) = js.get(j + AHEAD) {
        let i1 = items[p1 as usize] as usize;
        prefetch(etau, i1 * k * k, k * k);
        prefetch(mu, i1 * k, k);
    }
}
/// Workers per parallel job of the worker pass (a minimum; results do not depend on it).
const WORKERS_PER_JOB: usize = 8;
/// Largest `judgments × (K² + K)` values of a worker gathered for its solve (8 MB);
/// larger workers read the item arrays directly in every pass.
const GATHER_MAX: usize = 1 << 20;

/// One worker's item rows in judgment order (a per-thread buffer, reused).
#[derive(Default)]
struct Gather {
    /// Before the first item pass: the weight totals and weighted label counts
    /// ([`Acc::add_counts`]).
    stats: Vec<f64>,
    /// Later M-steps, fixed-size kernels: the judgments in blocks of four.
    x4: Blocks,
    e: Vec<f64>,
    mu: Vec<f64>,
    items: Vec<u32>,
    lab: Vec<u32>,
}

/// Constant inputs of every pass.
pub(super) struct Ctx<'a> {
    pub(super) m: &'a JudgmentMatrix,
    pub(super) k: usize,
    /// Parameters per worker and per item: `K²` (categorical) or `4K` (ordinal).
    pub(super) d: usize,
    pub(super) ordinal: bool,
    pub(super) feat: Vec<u16>,
    /// Active class of every judgment position.
    pub(super) lab: Vec<u32>,
    /// Every worker's judgments' items and active classes in worker order (worker `w`'s
    /// at `by_worker_off[w]..by_worker_off[w + 1]`): the worker passes read them in
    /// sequence instead of at random positions of the matrix's arrays.
    pub(super) by_worker_item: Vec<u32>,
    pub(super) by_worker_lab: Vec<u32>,
    pub(super) by_worker_off: Vec<usize>,
    pub(super) lw: f64,
    pub(super) li: f64,
    pub(super) inner_max: usize,
    pub(super) inner_tol: f64,
    pub(super) prog_tol: f64,
}

/// Iterates; all arrays are flat, row-major.
pub(super) struct State {
    /// Logits `[true, observed]` of every worker and every item (`K²` each).
    pub(super) sigma: Vec<f64>,
    pub(super) tau: Vec<f64>,
    /// Their row-normalised exponentials (rebuilt before each sweep that reads them).
    pub(super) esigma: Vec<f64>,
    pub(super) etau: Vec<f64>,
    /// Ordinal parameters (`4K` each; empty for categorical).
    pub(super) xw: Vec<f64>,
    pub(super) xi: Vec<f64>,
    /// Posteriors over the active classes (`n_items × K`).
    pub(super) mu: Vec<f64>,
    pub(super) log_prior: Vec<f64>,
    /// Every item's logits are still 0 (before the first item pass).
    pub(super) tau_zero: bool,
}

/// What one chunk of the item pass returns: `Σ ln Z_t`, the largest posterior change.
#[derive(Clone, Copy)]
pub(super) struct ChunkSums {
    pub(super) ll: f64,
    pub(super) diff: f64,
}

impl Ctx<'_> {
    /// Worker `w`'s judgments' items and active classes, in its judgment order.
    pub(super) fn by_worker(&self, w: usize) -> (&[u32], &[u32]) {
        let r = self.by_worker_off[w]..self.by_worker_off[w + 1];
        (&self.by_worker_item[r.clone()], &self.by_worker_lab[r])
    }

    pub(super) fn method(&self) -> &'static str {
        if self.ordinal {
            "minimax-ordinal"
        } else {
            "minimax"
        }
    }

    /// M-step of every worker (parallel over workers; each solve is sequential).
    /// `st.etau` must hold the exponential tables of `st.tau` ([`exp_blocks`]; the item
    /// pass leaves them so).
    pub(super) fn worker_step(&self, st: &mut State) {
        with_kernel!(self.k, kn => self.worker_sweep(kn, st));
    }

    /// [`worker_step`](Self::worker_step) with the kernel `kn` of `K` classes.
    fn worker_sweep<Kn: Kernel>(&self, kn: Kn, st: &mut State) {
        let (k, kk, d) = (self.k, self.k * self.k, self.d);
        let (tau, etau, mu) = (&st.tau, &st.etau, &st.mu);
        let items = self.m.judgment_items();
        let m = self.m;
        let lab = &self.lab;
        // Gathers worker `w`'s item rows (exponential table, posteriors), items and
        // labels into `g`, in judgment order, when they fit: the solve's 2–5 passes
        // then read them from cache instead of at random from the item arrays (the
        // same values in the same order, so the same sums).
        let tau_zero = st.tau_zero;
        let gather = move |w: usize, g: &mut Gather| -> bool {
            let js = m.worker_judgments(w as u32);
            let (wi, wl) = self.by_worker(w);
            if tau_zero {
                // every item table is all ones: the worker's problem depends on its
                // judgments only through these sums (`Acc::add_counts`)
                g.stats.clear();
                g.stats.resize(k + kk, 0.0);
                let (wsum, counts) = g.stats.split_at_mut(k);
                for (j, (&i, &l)) in wi.iter().zip(wl).enumerate() {
                    if let Some(&i1) = wi.get(j + 4 * AHEAD) {
                        prefetch(mu, i1 as usize * k, k);
                    }
                    let (i, l) = (i as usize, l as usize);
                    for (r, &wr) in mu[i * k..(i + 1) * k].iter().enumerate() {
                        wsum[r] += wr;
                        counts[r * k + l] += wr;
                    }
                }
                return true;
            }
            if js.len() * (kk + k) > GATHER_MAX {
                return false;
            }
            if Kn::X4 {
                kn.gather4(wi, wl, (etau, mu), &mut g.x4);
                return true;
            }
            g.e.clear();
            g.mu.clear();
            g.items.clear();
            g.lab.clear();
            for (j, &p) in js.iter().enumerate() {
                prefetch_ahead(js, j, items, lab, (etau, mu), k);
                let p = p as usize;
                let i = items[p] as usize;
                g.items.push(i as u32);
                g.lab.push(lab[p]);
                g.e.extend_from_slice(&etau[i * kk..(i + 1) * kk]);
                g.mu.extend_from_slice(&mu[i * k..(i + 1) * k]);
            }
            true
        };
        let pass = move |w: usize,
                         g: Option<&Gather>,
                         own: Side<'_>,
                         active: &[bool],
                         acc: &mut Acc,
                         z: &mut [f64]| {
            if let Some(g) = g {
                if tau_zero {
                    acc.add_counts(k, own.e, &g.stats);
                    return;
                }
                if Kn::X4 {
                    kn.pass4(own, tau, &g.x4, active, acc);
                    return;
                }
                for (j, (&i, &l)) in g.items.iter().zip(&g.lab).enumerate() {
                    let i = i as usize;
                    let other = Side {
                        x: &tau[i * kk..(i + 1) * kk],
                        e: &g.e[j * kk..(j + 1) * kk],
                    };
                    kn.acc(own, other, &g.mu[j * k..(j + 1) * k], l as usize, acc, z);
                }
                return;
            }
            let js = m.worker_judgments(w as u32);
            for (j, &p) in js.iter().enumerate() {
                prefetch_ahead(js, j, items, lab, (etau, mu), k);
                let p = p as usize;
                let i = items[p] as usize;
                let other = Side {
                    x: &tau[i * kk..(i + 1) * kk],
                    e: &etau[i * kk..(i + 1) * kk],
                };
                kn.acc(own, other, &mu[i * k..(i + 1) * k], lab[p] as usize, acc, z);
            }
        };
        if self.ordinal {
            st.sigma
                .par_chunks_mut(kk)
                .zip(st.xw.par_chunks_mut(d))
                .enumerate()
                .with_min_len(WORKERS_PER_JOB)
                .for_each_init(
                    || (Scratch::new(k, d), Gather::default()),
                    |(s, g), (w, (lg, x))| {
                        let g = gather(w, g).then_some(&*g);
                        solve_ordinal(
                            x,
                            lg,
                            None,
                            &self.feat,
                            self.lw,
                            self.inner_max,
                            self.inner_tol,
                            self.prog_tol,
                            s,
                            |own: Side<'_>, active: &[bool], acc: &mut Acc, z: &mut [f64]| {
                                pass(w, g, own, active, acc, z)
                            },
                        );
                    },
                );
        } else {
            st.sigma
                .par_chunks_mut(kk)
                .enumerate()
                .with_min_len(WORKERS_PER_JOB)
                .for_each_init(
                    || (Scratch::new(k, d), Gather::default()),
                    |(s, g), (w, x)| {
                        let g = gather(w, g).then_some(&*g);
                        solve_rows(
                            kn,
                            Step::Newton,
                            x,
                            None,
                            self.lw,
                            self.inner_max,
                            self.inner_tol,
                            self.prog_tol,
                            s,
                            |own: Side<'_>, active: &[bool], acc: &mut Acc, z: &mut [f64]| {
                                pass(w, g, own, active, acc, z)
                            },
                        );
                    },
                );
        }
    }

    /// `λ_w/2 Σ ‖x_w‖² + λ_i/2 Σ ‖x_i‖²` (sequential sums).
    pub(super) fn penalty(&self, st: &State) -> f64 {
        let sq = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>();
        let (w, i) = if self.ordinal {
            (sq(&st.xw), sq(&st.xi))
        } else {
            (sq(&st.sigma), sq(&st.tau))
        };
        0.5 * (self.lw * w + self.li * i)
    }

    /// Majority-vote shares over the active classes (the authors' initialisation).
    pub(super) fn init_mu(&self, mu: &mut [f64]) {
        let k = self.k;
        for (i, row) in mu.chunks_mut(k).enumerate() {
            let range = self.m.item_range(i as u32);
            let n = range.len();
            if n == 0 {
                row.fill(1.0 / k as f64);
                continue;
            }
            for &l in &self.lab[range] {
                row[l as usize] += 1.0;
            }
            row.iter_mut().for_each(|v| *v /= n as f64);
        }
    }

    /// The class prior as the mean posterior of the items with judgments (floored).
    pub(super) fn learned_log_prior(&self, mu: &[f64], out: &mut [f64]) {
        let k = self.k;
        let mut col = vec![0.0; k];
        let mut n = 0usize;
        for (i, row) in mu.chunks(k).enumerate() {
            if self.m.item_count(i as u32) > 0 {
                n += 1;
                for (c, v) in col.iter_mut().zip(row) {
                    *c += v;
                }
            }
        }
        for (o, c) in out.iter_mut().zip(&col) {
            *o = (c / n.max(1) as f64).max(1e-10).ln();
        }
    }
}
