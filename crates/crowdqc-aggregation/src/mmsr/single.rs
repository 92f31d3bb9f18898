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

use super::loo::{LANES, counts_sorted, loo_exact, loo_lanes};
use super::trim::{NET_MAX, sort_network};

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
    /// Viewers (the single-judgment workers) of group `g`: `v_off[g]..v_off[g + 1]`.
    pub(crate) v_off: Vec<usize>,
    /// The viewer's worker.
    pub(crate) v_worker: Vec<u32>,
    /// The viewer's own entry's index within its group.
    pub(crate) v_own: Vec<u32>,
    /// Per worker: its index among the viewers (`v_worker`), or [`NONE`].
    pub(crate) v_of: Vec<u32>,
    /// Per group: the previous group is of the same item and has the same `|C|` in
    /// every entry (the same bits), so the half-step can reuse its sorted list (with
    /// two classes, every item's two groups: `|C|` of the two classes are equal).
    pub(crate) same: Vec<bool>,
}

/// One chunk of items: group sizes and `same` flags, entries (worker, `|C|`, signed
/// weight), and the single-judgment workers (worker, group index within the chunk, own
/// entry index).
type GroupChunk = (
    Vec<(usize, bool)>,
    Vec<(u32, f64, f64)>,
    Vec<(u32, u32, u32)>,
);

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
                    let mut prev = None;
                    for &l in &vclasses {
                        let g = sizes.len() as u32;
                        let start = ents.len();
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
                        let same = prev.is_some_and(|p: usize| {
                            let bits = |x: &(u32, f64, f64)| x.1.to_bits();
                            ents[p..start]
                                .iter()
                                .map(bits)
                                .eq(ents[start..].iter().map(bits))
                        });
                        sizes.push((runs.len(), same));
                        prev = Some(start);
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
            v_off: vec![0],
            v_worker: Vec::new(),
            v_own: Vec::new(),
            v_of: vec![NONE; m.n_workers()],
            same: Vec::new(),
        };
        for (sizes, ents, viewers) in chunks {
            let base = (out.offsets.len() - 1) as u32;
            let mut counts = vec![0usize; sizes.len()];
            for (w, g, r) in viewers {
                out.group[w as usize] = base + g;
                out.v_of[w as usize] = out.v_worker.len() as u32;
                out.v_worker.push(w);
                out.v_own.push(r);
                counts[g as usize] += 1;
            }
            for c in counts {
                out.v_off.push(out.v_off.last().copied().unwrap_or(0) + c);
            }
            for (len, same) in sizes {
                out.offsets
                    .push(out.offsets.last().copied().unwrap_or(0) + len);
                out.same.push(same);
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
            v_off: vec![0],
            v_worker: Vec::new(),
            v_own: Vec::new(),
            v_of: vec![NONE; n_workers],
            same: Vec::new(),
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

    /// The groups' half-step: `res[v]` = the update of the group's `v`-th viewer
    /// (`viewers`), NaN for none (nothing left after trimming). Per group, the values
    /// `|C| / from[i]` over the entries with `from[i] > 0` finite (the graph's filter)
    /// are sorted once, or taken over from the previous group of the item when its
    /// list is the same (`same`). Each viewer's trimmed mean leaves its own value out
    /// of them ([`loo_exact`]: the same bits as the plain graph): the counts around
    /// the viewer's current value and its own rank come from one branch-free pass over
    /// lists of up to [`NET_MAX`] values (sorted by the sorting network on the stack),
    /// from binary searches over longer ones.
    ///
    /// Fixed chunks of groups: the same result for any thread count.
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
        // the half-step runs on 256-bit vectors when the CPU has AVX2 (the same IEEE
        // operations in the same order either way, so the same bits)
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
        let wide = crate::em::fixed::wide_vectors();
        parts.into_par_iter().for_each(|(gs, out)| {
            #[cfg(target_arch = "x86_64")]
            if wide {
                // SAFETY: `wide` is true only when the CPU reports AVX2 (checked at run
                // time by `wide_vectors`), the one requirement of `chunk_avx2`.
                #[allow(unsafe_code)]
                unsafe {
                    self.chunk_avx2(gs, out, from, to, f, n_items)
                };
                return;
            }
            self.chunk(gs, out, from, to, f, n_items);
        });
    }

    /// [`Groups::chunk`] compiled for AVX2 (the same operations on wider vectors: no
    /// fused multiply-add, which Rust never contracts; the same bits).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn chunk_avx2(
        &self,
        gs: std::ops::Range<usize>,
        out: &mut [f64],
        from: &[f64],
        to: &[f64],
        f: usize,
        n_items: usize,
    ) {
        self.chunk(gs, out, from, to, f, n_items);
    }

    /// The half-step of the groups `gs` (see [`Groups::half_step`]); `out` holds their
    /// viewers' results. The viewers of a short list go [`LANES`] at a time through
    /// [`loo_lanes`] (the same bits as counting then [`loo_exact`] per viewer).
    #[inline(always)]
    fn chunk(
        &self,
        gs: std::ops::Range<usize>,
        out: &mut [f64],
        from: &[f64],
        to: &[f64],
        f: usize,
        n_items: usize,
    ) {
        let base = self.v_off[gs.start];
        let mut long = Vec::new();
        let mut raw = [0.0; NET_MAX];
        let mut buf = [f64::NAN; NET_MAX];
        let mut g = gs.start;
        while g < gs.end {
            // a run of groups with the same sorted list (`same`): their viewers are
            // contiguous, and go through the lanes together
            let mut g_end = g + 1;
            while g_end < gs.end && self.same[g_end] {
                g_end += 1;
            }
            let ents = self.offsets[g]..self.offsets[g + 1];
            let short = ents.len() <= NET_MAX;
            let len = if short {
                let len = self.ratios(ents.clone(), from, &mut raw, &mut buf);
                // NaN padding up to the counted width (a multiple of 4 values)
                for v in &mut buf[len..(len.div_ceil(4) * 4).min(NET_MAX)] {
                    *v = f64::NAN;
                }
                sort_network(&mut buf, len);
                len
            } else {
                long.resize(2 * ents.len(), 0.0);
                let (lraw, ly) = long.split_at_mut(ents.len());
                let len = self.ratios(ents.clone(), from, lraw, ly);
                ly[..len].sort_unstable_by(f64::total_cmp);
                len
            };
            let width = (len.div_ceil(4) * 4).min(NET_MAX);
            let vs = self.v_off[g]..self.v_off[g_end];
            g = g_end;
            if short {
                for v0 in vs.clone().step_by(LANES) {
                    let (mut a, mut o) = ([0.0; LANES], [f64::NAN; LANES]);
                    let lanes = (vs.end - v0).min(LANES);
                    for l in 0..lanes {
                        a[l] = to[self.v_worker[v0 + l] as usize];
                        o[l] = raw[self.v_own[v0 + l] as usize];
                    }
                    let r = loo_lanes(&buf, len, width, a, o, f, n_items);
                    out[v0 - base..v0 - base + lanes].copy_from_slice(&r[..lanes]);
                }
                continue;
            }
            for v in vs {
                let (j, own) = (self.v_worker[v] as usize, self.v_own[v] as usize);
                let (lraw, ly) = long.split_at(ents.len());
                let o = lraw[own];
                let (lt, le, r) = counts_sorted(&ly[..len], to[j], o);
                let own = (!o.is_nan()).then_some(r);
                out[v - base] =
                    loo_exact(&ly[..len], (lt, le), own, f, n_items).unwrap_or(f64::NAN);
            }
        }
    }

    /// The ratios `|C| / from[i]` of a group's entries: `raw[k]` for the `k`-th entry
    /// (NaN where filtered out: the viewers' own values), and the kept ones packed
    /// into `y`, whose count is returned.
    #[inline]
    fn ratios(
        &self,
        ents: std::ops::Range<usize>,
        from: &[f64],
        raw: &mut [f64],
        y: &mut [f64],
    ) -> usize {
        let mut len = 0;
        for (k, e) in ents.enumerate() {
            let d = from[self.nbr[e] as usize];
            // d > 0 and finite, without branches
            let ok = (d > 0.0) & (d < f64::INFINITY);
            let r = if ok { self.xabs[e] / d } else { f64::NAN };
            raw[k] = r;
            y[len] = r;
            len += usize::from(ok);
        }
        len
    }
}
