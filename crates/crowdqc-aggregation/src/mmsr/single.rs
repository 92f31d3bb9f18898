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

/// `x` cut into consecutive pieces `x[b[c]..b[c + 1]]` (`b` starts at 0, ends at
/// `x.len()`).
fn split_by<'a, T>(mut x: &'a mut [T], b: &[usize]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(b.len().saturating_sub(1));
    for w in b.windows(2) {
        let (head, tail) = std::mem::take(&mut x).split_at_mut(w[1] - w[0]);
        out.push(head);
        x = tail;
    }
    out
}

/// The output vector of a half-step, written by the parallel jobs of
/// [`Groups::half_step`] at their viewers' workers.
///
/// Every worker is the viewer of at most one group ([`Groups::build`] gives a
/// single-judgment worker the one group of its judgment's item and class), and every
/// group belongs to one job, so no two jobs write the same value, and nothing reads
/// the vector while they run (it is borrowed mutably for the whole half-step).
struct Scatter(*mut f64, usize);

// SAFETY: the jobs write disjoint elements (see `Scatter`); the pointer outlives them
// (it comes from a `&mut [f64]` held by `half_step` until every job has finished).
#[allow(unsafe_code)]
unsafe impl Sync for Scatter {}

impl Scatter {
    /// `out[j] = x` (bounds-checked).
    #[inline(always)]
    fn write(&self, j: usize, x: f64) {
        assert!(j < self.1);
        // SAFETY: in bounds (checked above), and `j` is written by this job only
        // (see `Scatter`).
        #[allow(unsafe_code)]
        unsafe {
            *self.0.add(j) = x
        };
    }
}

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
        // Each chunk's groups, entries and viewers follow those of the chunks before it:
        // their places come from the chunks' sizes, and the chunks are copied into
        // place in parallel (since session 12; before, one sequential merge).
        let (mut gb, mut eb, mut vb) = (vec![0usize], vec![0usize], vec![0usize]);
        for (sizes, ents, viewers) in &chunks {
            gb.push(gb[gb.len() - 1] + sizes.len());
            eb.push(eb[eb.len() - 1] + ents.len());
            vb.push(vb[vb.len() - 1] + viewers.len());
        }
        let (n_groups, n_ents, n_viewers) = (gb[chunks.len()], eb[chunks.len()], vb[chunks.len()]);
        let mut offsets = vec![0usize; n_groups + 1];
        let mut same = vec![false; n_groups];
        let mut v_off = vec![0usize; n_groups + 1];
        let (mut nbr, mut xabs, mut signed) =
            (vec![0u32; n_ents], vec![0.0; n_ents], vec![0.0; n_ents]);
        let (mut v_worker, mut v_own) = (vec![0u32; n_viewers], vec![0u32; n_viewers]);
        let jobs: Vec<_> = chunks
            .into_iter()
            .zip(split_by(&mut offsets[1..], &gb))
            .zip(split_by(&mut v_off[1..], &gb))
            .zip(split_by(&mut same, &gb))
            .zip(split_by(&mut nbr, &eb))
            .zip(split_by(&mut xabs, &eb))
            .zip(split_by(&mut signed, &eb))
            .zip(split_by(&mut v_worker, &vb))
            .zip(split_by(&mut v_own, &vb))
            .enumerate()
            .collect();
        jobs.into_par_iter().for_each(|(c, job)| {
            let (((((((chunk, off), voff), sm), nb), xa), sg), vw) = job.0;
            let vo = job.1;
            let (sizes, ents, viewers) = chunk;
            let (mut e, mut k) = (eb[c], 0);
            for (g, &(len, s)) in sizes.iter().enumerate() {
                e += len;
                off[g] = e;
                sm[g] = s;
                // the viewers are in group order
                while k < viewers.len() && viewers[k].1 as usize == g {
                    k += 1;
                }
                voff[g] = vb[c] + k;
            }
            for (i, &(w, x, s)) in ents.iter().enumerate() {
                (nb[i], xa[i], sg[i]) = (w, x, s);
            }
            for (i, &(w, _, r)) in viewers.iter().enumerate() {
                (vw[i], vo[i]) = (w, r);
            }
        });
        // per worker: its group and its index among the viewers (one pass in viewer
        // order)
        let mut group = vec![NONE; m.n_workers()];
        let mut v_of = vec![NONE; m.n_workers()];
        for g in 0..n_groups {
            let vs = v_off[g]..v_off[g + 1];
            for (v, &w) in vs.clone().zip(&v_worker[vs]) {
                group[w as usize] = g as u32;
                v_of[w as usize] = v as u32;
            }
        }
        Groups {
            offsets,
            nbr,
            xabs,
            signed,
            group,
            v_off,
            v_worker,
            v_own,
            v_of,
            same,
        }
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

    /// The groups' half-step: `out[j]` = the update of every viewer `j` (its current
    /// value `cur[j]` when nothing is left after trimming); `out`'s other values are
    /// left as they are. Per group, the values
    /// `|C| / from[i]` over the entries with `from[i] > 0` finite (the graph's filter)
    /// are sorted once, or taken over from the previous group of the item when its
    /// list is the same (`same`). Each viewer's trimmed mean leaves its own value out
    /// of them ([`loo_exact`]: the same bits as the plain graph): the counts around
    /// the viewer's current value and its own rank come from one branch-free pass over
    /// lists of up to [`NET_MAX`] values (sorted by the sorting network on the stack),
    /// from binary searches over longer ones.
    ///
    /// Fixed chunks of groups: the same result for any thread count. Each job writes
    /// its viewers' values straight into `out` (the workers of different viewers are
    /// different, so the jobs write disjoint values; since session 12, before through
    /// a per-viewer buffer and a second pass in worker order).
    pub(crate) fn half_step(
        &self,
        from: &[f64],
        cur: &[f64],
        out: &mut [f64],
        f: usize,
        n_items: usize,
    ) {
        let n = self.len();
        assert!(out.len() >= self.group.len() && cur.len() >= self.group.len());
        let out = Scatter(out.as_mut_ptr(), out.len());
        // the half-step runs on 256-bit vectors when the CPU has AVX2 (the same IEEE
        // operations in the same order either way, so the same bits)
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
        let wide = crate::em::fixed::wide_vectors();
        (0..n.div_ceil(GROUP_CHUNK)).into_par_iter().for_each(|c| {
            let gs = c * GROUP_CHUNK..((c + 1) * GROUP_CHUNK).min(n);
            #[cfg(target_arch = "x86_64")]
            if wide {
                // SAFETY: `wide` is true only when the CPU reports AVX2 (checked at run
                // time by `wide_vectors`), the one requirement of `chunk_avx2`.
                #[allow(unsafe_code)]
                unsafe {
                    self.chunk_avx2(gs, &out, from, cur, f, n_items)
                };
                return;
            }
            self.chunk(gs, &out, from, cur, f, n_items);
        });
    }

    /// [`Groups::chunk`] compiled for AVX2 (the same operations on wider vectors: no
    /// fused multiply-add, which Rust never contracts; the same bits).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn chunk_avx2(
        &self,
        gs: std::ops::Range<usize>,
        out: &Scatter,
        from: &[f64],
        to: &[f64],
        f: usize,
        n_items: usize,
    ) {
        self.chunk(gs, out, from, to, f, n_items);
    }

    /// The half-step of the groups `gs` (see [`Groups::half_step`]), written into `out`
    /// at their viewers' workers. The viewers of a short list go [`LANES`] at a time through
    /// [`loo_lanes`] (the same bits as counting then [`loo_exact`] per viewer).
    #[inline(always)]
    fn chunk(
        &self,
        gs: std::ops::Range<usize>,
        out: &Scatter,
        from: &[f64],
        to: &[f64],
        f: usize,
        n_items: usize,
    ) {
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
                    for l in 0..lanes {
                        // nothing kept (NaN): the current value
                        let x = if r[l].is_nan() { a[l] } else { r[l] };
                        out.write(self.v_worker[v0 + l] as usize, x);
                    }
                }
                continue;
            }
            for v in vs {
                let (j, own) = (self.v_worker[v] as usize, self.v_own[v] as usize);
                let (lraw, ly) = long.split_at(ents.len());
                let o = lraw[own];
                let (lt, le, r) = counts_sorted(&ly[..len], to[j], o);
                let own = (!o.is_nan()).then_some(r);
                let x = loo_exact(&ly[..len], (lt, le), own, f, n_items)
                    .filter(|x| !x.is_nan())
                    .unwrap_or(to[j]);
                out.write(j, x);
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
