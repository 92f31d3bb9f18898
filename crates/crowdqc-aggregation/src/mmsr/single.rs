//! The rows of single-judgment workers, shared per item and class (issue 12, F9).
//!
//! A worker `j` with exactly one judgment `(t, c)` shares items only with the workers of
//! item `t`, and its graph entry with a co-worker `i` depends only on `i`'s judgments
//! of `t` and on `c`: `C_ij = K/(K−1) · a_c(i)/n_i − 1/(K−1)` (`n_i` judgments of `i` on
//! `t`, `a_c(i)` of them of class `c`; `n_i` judgment pairs). So every single-judgment
//! worker of class `c` on `t` sees the same list `{|C_ic| / x_i : i on t}` minus its own
//! entry: one *group* per (item, class of a single-judgment worker). A half-step sorts
//! each group's list once (instead of one sort per worker) and a worker's trimmed mean
//! is read off the sorted list with its own value left out (located by binary search;
//! equal values have equal bits, so any occurrence will do). The kept values are the
//! same values in the same ascending order as in the worker's own sorted graph row, so
//! the trimmed sums are the same bits, and no per-worker row is ever stored: at 10⁶
//! single-judgment workers of redundancy 10 the groups hold ~2·10⁶ entries where the
//! graph held 9·10⁶. The sign step visits a group's entries in worker order with the
//! worker's own entry skipped, i.e. its graph row in the graph's order: same bits.

use crowdqc_core::JudgmentMatrix;
use rayon::prelude::*;

use super::trim::{NET_MAX, sort_network, trimmed_mean_without};

/// Items per parallel job of the group build (fixed; the groups do not depend on it).
const ITEM_CHUNK: usize = 4096;
/// Groups per parallel job of a half-step (fixed).
const GROUP_CHUNK: usize = 1024;
/// No group (a worker with other than one judgment).
pub(crate) const NONE: u32 = u32::MAX;

/// The groups of the single-judgment workers.
pub(crate) struct Groups {
    /// Entries of group `g`: `offsets[g]..offsets[g + 1]`, in increasing worker order.
    pub(crate) offsets: Vec<usize>,
    /// The entry's worker (every distinct worker of the item).
    pub(crate) nbr: Vec<u32>,
    /// `|C|` between the entry's worker and a single judgment of the group's class.
    pub(crate) xabs: Vec<f64>,
    /// The sign step's weight `n · C` (0 when `C = 0`), as the graph's.
    pub(crate) signed: Vec<f64>,
    /// Per worker: its group, or [`NONE`].
    pub(crate) group: Vec<u32>,
    /// Per worker: its own entry's index within its group.
    pub(crate) own: Vec<u32>,
    /// Viewers (the single-judgment workers) of group `g`: `v_off[g]..v_off[g + 1]`.
    pub(crate) v_off: Vec<usize>,
    /// The viewer's worker.
    pub(crate) v_worker: Vec<u32>,
    /// The viewer's own entry's index within its group.
    pub(crate) v_own: Vec<u32>,
}

/// One chunk of items: group sizes, entries (worker, `|C|`, signed weight), and the
/// single-judgment workers (worker, group index within the chunk, own entry index).
type GroupChunk = (Vec<usize>, Vec<(u32, f64, f64)>, Vec<(u32, u32, u32)>);

impl Groups {
    /// Builds the groups of every item with a single-judgment worker (`O(Σ_t n_t log
    /// n_t + groups · n_t)` time).
    pub(crate) fn build(m: &JudgmentMatrix, k_obs: usize) -> Groups {
        let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
        let single = |w: u32| m.worker_count(w) == 1;
        let kf = k_obs as f64;
        let chunks: Vec<GroupChunk> = (0..m.n_items().div_ceil(ITEM_CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut js = Vec::<(u32, u32)>::new();
                let mut runs = Vec::<(usize, usize)>::new();
                let mut vclasses = Vec::<u32>::new();
                let (mut sizes, mut ents, mut viewers) = (Vec::new(), Vec::new(), Vec::new());
                for t in c * ITEM_CHUNK..((c + 1) * ITEM_CHUNK).min(m.n_items()) {
                    let range = m.item_range(t as u32);
                    if !workers[range.clone()].iter().any(|&w| single(w)) {
                        continue;
                    }
                    js.clear();
                    js.extend(range.map(|q| (workers[q], classes[q])));
                    js.sort_unstable();
                    runs.clear();
                    let mut s = 0;
                    while s < js.len() {
                        let e = s + js[s..].partition_point(|&(w, _)| w == js[s].0);
                        runs.push((s, e));
                        s = e;
                    }
                    vclasses.clear();
                    vclasses.extend(js.iter().filter(|&&(w, _)| single(w)).map(|&(_, l)| l));
                    vclasses.sort_unstable();
                    vclasses.dedup();
                    for &l in &vclasses {
                        let g = sizes.len() as u32;
                        for (r, &(s, e)) in runs.iter().enumerate() {
                            let n = (e - s) as f64;
                            let a = js[s..e].iter().filter(|&&(_, x)| x == l).count() as u32;
                            // the graph's entry, the same expression (see `fit::pairs`)
                            let cov = kf / (kf - 1.0) * (f64::from(a) / n) - 1.0 / (kf - 1.0);
                            let signed = if cov != 0.0 {
                                n * cov.abs() * cov.signum()
                            } else {
                                0.0
                            };
                            ents.push((js[s].0, cov.abs(), signed));
                            if e - s == 1 && js[s].1 == l && single(js[s].0) {
                                viewers.push((js[s].0, g, r as u32));
                            }
                        }
                        sizes.push(runs.len());
                    }
                }
                (sizes, ents, viewers)
            })
            .collect();
        let total: usize = chunks.iter().map(|c| c.1.len()).sum();
        let mut out = Groups {
            offsets: vec![0],
            nbr: Vec::with_capacity(total),
            xabs: Vec::with_capacity(total),
            signed: Vec::with_capacity(total),
            group: vec![NONE; m.n_workers()],
            own: vec![0; m.n_workers()],
            v_off: vec![0],
            v_worker: Vec::new(),
            v_own: Vec::new(),
        };
        for (sizes, ents, viewers) in chunks {
            let base = (out.offsets.len() - 1) as u32;
            let mut counts = vec![0usize; sizes.len()];
            for (w, g, r) in viewers {
                out.group[w as usize] = base + g;
                out.own[w as usize] = r;
                out.v_worker.push(w);
                out.v_own.push(r);
                counts[g as usize] += 1;
            }
            for c in counts {
                out.v_off.push(out.v_off.last().copied().unwrap_or(0) + c);
            }
            for len in sizes {
                out.offsets
                    .push(out.offsets.last().copied().unwrap_or(0) + len);
            }
            for (w, x, s) in ents {
                out.nbr.push(w);
                out.xabs.push(x);
                out.signed.push(s);
            }
        }
        out
    }

    /// No groups: every worker's row is in the graph (the reference path of the tests).
    pub(crate) fn none(n_workers: usize) -> Groups {
        Groups {
            offsets: vec![0],
            nbr: Vec::new(),
            xabs: Vec::new(),
            signed: Vec::new(),
            group: vec![NONE; n_workers],
            own: vec![0; n_workers],
            v_off: vec![0],
            v_worker: Vec::new(),
            v_own: Vec::new(),
        }
    }

    /// Number of groups.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Worker `j`'s group's entries, or an empty range.
    pub(crate) fn entries(&self, j: usize) -> std::ops::Range<usize> {
        match self.group[j] {
            NONE => 0..0,
            g => self.offsets[g as usize]..self.offsets[g as usize + 1],
        }
    }

    /// Worker `j`'s number of co-workers in its group (0 without a group).
    pub(crate) fn degree(&self, j: usize) -> usize {
        self.entries(j).len().saturating_sub(1)
    }

    /// Worker `j`'s own entry (absolute index), when it has a group.
    pub(crate) fn own_entry(&self, j: usize) -> Option<usize> {
        (self.group[j] != NONE).then(|| self.entries(j).start + self.own[j] as usize)
    }

    /// The groups' half-step: `res[v]` = the update of the group's `v`-th viewer
    /// (`viewers`), NaN for none (nothing left after trimming). Per group, the values
    /// `|C| / from[i]` over the entries with `from[i] > 0` finite (the graph's filter)
    /// are sorted once (rows of up to [`NET_MAX`] by the sorting network on the stack);
    /// each viewer's trimmed mean leaves its own value out of them. Fixed chunks of
    /// groups: the same result for any thread count.
    pub(crate) fn half_step(
        &self,
        from: &[f64],
        to: &[f64],
        res: &mut [f64],
        f: usize,
        n_items: usize,
    ) {
        let n = self.len();
        let mut parts = Vec::with_capacity(n.div_ceil(GROUP_CHUNK));
        let mut rest = res;
        for c in 0..n.div_ceil(GROUP_CHUNK) {
            let (g0, g1) = (c * GROUP_CHUNK, ((c + 1) * GROUP_CHUNK).min(n));
            let len = self.v_off[g1] - self.v_off[g0];
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
            parts.push((g0..g1, head));
            rest = tail;
        }
        parts.into_par_iter().for_each(|(gs, out)| {
            let base = self.v_off[gs.start];
            let mut long = Vec::new();
            for g in gs {
                let ents = self.offsets[g]..self.offsets[g + 1];
                let mut buf = [0.0; NET_MAX];
                let y: &mut [f64] = if ents.len() <= NET_MAX {
                    &mut buf
                } else {
                    long.resize(ents.len(), 0.0);
                    &mut long
                };
                let mut len = 0;
                for e in ents.clone() {
                    let d = from[self.nbr[e] as usize];
                    if d > 0.0 && d.is_finite() {
                        y[len] = self.xabs[e] / d;
                        len += 1;
                    }
                }
                if ents.len() <= NET_MAX {
                    sort_network(&mut buf, len);
                } else {
                    long[..len].sort_unstable_by(f64::total_cmp);
                }
                let y: &[f64] = if ents.len() <= NET_MAX {
                    &buf[..len]
                } else {
                    &long[..len]
                };
                for v in self.v_off[g]..self.v_off[g + 1] {
                    let j = self.v_worker[v] as usize;
                    let d = from[j];
                    let own = (d > 0.0 && d.is_finite()).then(|| {
                        let o = self.xabs[ents.start + self.v_own[v] as usize] / d;
                        // branch-free rank (the rows are short): the first position of o
                        y.iter().map(|&x| usize::from(x < o)).sum::<usize>()
                    });
                    out[v - base] =
                        trimmed_mean_without(y, own, to[j], f, n_items).unwrap_or(f64::NAN);
                }
            }
        });
    }
}
