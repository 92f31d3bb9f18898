//! M-MSR over the sparse worker–worker agreement graph.

use crowdqc_core::estimator::{Estimator, FitReport, StopReason};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{JudgmentMatrix, Result};
use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::model::MmsrModel;
use super::params::MmsrParams;
use super::signs::signs;
use super::single::{Groups, NONE};
use super::sums::{SUM_CHUNK, rebalance_and_loss, sq_norms};
use super::trim::{NET_MAX, sort_network, trimmed_mean};

/// Workers per parallel job of the graph build (fixed; the graph does not depend on it).
const PAIR_CHUNK: usize = 4096;
/// Workers per parallel job of a half-step's graph rows (fixed).
const ROW_CHUNK: usize = 256;

/// The sparse symmetric worker–worker matrix `C` in CSR form (no diagonal).
pub(crate) struct Pairs {
    pub(crate) offsets: Vec<usize>,
    pub(crate) nbr: Vec<u32>,
    pub(crate) cov: Vec<f64>,
    /// Judgment pairs behind each entry (items the two workers share, duplicates
    /// counted).
    pub(crate) common: Vec<f64>,
}

/// Rows of the graph for one chunk of workers: row lengths, neighbours, `C` entries,
/// judgment pairs.
type RowChunk = (Vec<usize>, Vec<u32>, Vec<f64>, Vec<f64>);

/// `C[i, j] = K/(K−1) · agree(i, j)/common(i, j) − 1/(K−1)` over the pairs of
/// judgments two workers gave on the same items (`O(Σ_t n_t²)` time, memory linear in
/// the number of co-occurring worker pairs; never a dense matrix).
///
/// Rows of workers with a group (`grouped[w] != NONE`, single-judgment workers) are
/// left empty: [`Groups`] stands for them.
pub(crate) fn pairs(m: &JudgmentMatrix, k_obs: usize, grouped: &[u32]) -> Pairs {
    let w = m.n_workers();
    let (items, workers, classes) = (
        m.judgment_items(),
        m.judgment_workers(),
        m.judgment_classes(),
    );
    let kf = k_obs as f64;
    // Per worker: its (co-worker, agreed) pairs, sorted and counted, written into
    // flat arrays per fixed chunk of workers (no allocation per worker: with one
    // judgment per worker there are 10^6 rows of a few entries). The scratch is the
    // worker's own pairs, so a job costs nothing per worker of the whole matrix.
    let chunks: Vec<RowChunk> = (0..w.div_ceil(PAIR_CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut seen = Vec::<(u32, u32)>::new();
            let ws = c * PAIR_CHUNK..((c + 1) * PAIR_CHUNK).min(w);
            let mut lens = Vec::with_capacity(ws.len());
            let (mut nbr, mut cov, mut common) = (Vec::new(), Vec::new(), Vec::new());
            for wk in ws {
                let wk = wk as u32;
                seen.clear();
                if grouped[wk as usize] != NONE {
                    lens.push(0);
                    continue;
                }
                for &p in m.worker_judgments(wk) {
                    let (t, l) = (items[p as usize], classes[p as usize]);
                    for q in m.item_range(t) {
                        let w2 = workers[q];
                        if w2 != wk {
                            seen.push((w2, u32::from(classes[q] == l)));
                        }
                    }
                }
                seen.sort_unstable_by_key(|&(w2, _)| w2);
                let before = nbr.len();
                let mut start = 0;
                while start < seen.len() {
                    let w2 = seen[start].0;
                    let end = start + seen[start..].partition_point(|&(x, _)| x == w2);
                    let n = (end - start) as f64;
                    let a: u32 = seen[start..end].iter().map(|&(_, a)| a).sum();
                    nbr.push(w2);
                    cov.push(kf / (kf - 1.0) * (f64::from(a) / n) - 1.0 / (kf - 1.0));
                    common.push(n);
                    start = end;
                }
                lens.push(nbr.len() - before);
            }
            (lens, nbr, cov, common)
        })
        .collect();
    let total: usize = chunks.iter().map(|c| c.1.len()).sum();
    let mut offsets = Vec::with_capacity(w + 1);
    offsets.push(0);
    let (mut nbr, mut cov) = (Vec::with_capacity(total), Vec::with_capacity(total));
    let mut common = Vec::with_capacity(total);
    for (lens, n, c, k) in chunks {
        for len in lens {
            offsets.push(offsets.last().copied().unwrap_or(0) + len);
        }
        nbr.extend_from_slice(&n);
        cov.extend_from_slice(&c);
        common.extend_from_slice(&k);
    }
    Pairs {
        offsets,
        nbr,
        cov,
        common,
    }
}

/// One half-step of M-MSR: `to[j]` = trimmed mean of `|C[i, j]| / from[i]` over the
/// neighbours `i` of `j` around `j`'s current value `cur[j]` (crowd-kit's
/// `_remove_largest_and_smallest_F_value`, see [`trimmed_mean`]), or `cur[j]` when no
/// value remains. Returns `Σ to[j]²` per fixed block of [`SUM_CHUNK`] workers, each
/// summed in worker order from −0 (the blocks of [`super::sums::sq_norms`]: the same
/// bits, without another pass over `to`).
///
/// Three passes: the single-judgment workers' results from their groups, into `res`
/// (see [`super::single`]); the graph rows, in parallel over fixed chunks of
/// [`ROW_CHUNK`] workers, skipping the chunks of viewers only (`rows[c]` false); and
/// one pass over the blocks that writes the viewers' results (or the current value
/// when none) and sums the squares. Rows of up to [`NET_MAX`] values are sorted on the
/// stack by the sorting network, longer ones in a scratch vector of the chunk by the
/// library's sort (the same order: see [`super::trim`]). `to` need not hold a copy of
/// `cur` (the fit swaps buffers instead of copying them).
#[allow(clippy::too_many_arguments)]
fn msr_half_step(
    g: &Pairs,
    xabs: &[f64],
    rows: &[bool],
    groups: &Groups,
    res: &mut [f64],
    from: &[f64],
    cur: &[f64],
    to: &mut [f64],
    f: usize,
    n_items: usize,
) -> Vec<f64> {
    // the single-judgment workers (their graph rows are empty), from their groups
    groups.half_step(from, cur, res, f, n_items);
    let res = &*res;
    to.par_chunks_mut(ROW_CHUNK)
        .enumerate()
        .filter(|&(c, _)| rows[c])
        .for_each(|(c, vals)| {
            let mut long = Vec::new();
            for (k, val) in vals.iter_mut().enumerate() {
                let j = c * ROW_CHUNK + k;
                if groups.v_of[j] != NONE {
                    // a viewer: the last pass writes it
                    continue;
                }
                let a = cur[j];
                let edges = g.offsets[j]..g.offsets[j + 1];
                if edges.is_empty() {
                    *val = a;
                    continue;
                }
                let short = edges.len() <= NET_MAX;
                let ratios = edges.clone().filter_map(|e| {
                    let d = from[g.nbr[e] as usize];
                    (d > 0.0 && d.is_finite()).then(|| xabs[e] / d)
                });
                let out = if short {
                    let mut buf = [0.0; NET_MAX];
                    let mut len = 0;
                    for r in ratios {
                        buf[len] = r;
                        len += 1;
                    }
                    sort_network(&mut buf, len);
                    trimmed_mean(&buf[..len], a, f, n_items)
                } else {
                    long.clear();
                    long.extend(ratios);
                    long.sort_unstable_by(f64::total_cmp);
                    trimmed_mean(&long, a, f, n_items)
                };
                *val = out.unwrap_or(a);
            }
        });
    to.par_chunks_mut(SUM_CHUNK)
        .enumerate()
        .map(|(c, vals)| {
            let mut s = -0.0;
            for (k, val) in vals.iter_mut().enumerate() {
                let j = c * SUM_CHUNK + k;
                // a viewer's result from its group; no value: the current one
                let v = groups.v_of[j];
                if v != NONE {
                    *val = match res[v as usize] {
                        r if r.is_nan() => cur[j],
                        r => r,
                    };
                }
                s += *val * *val;
            }
            s
        })
        .collect()
}

/// `Σ x²` from the blocks' sums of [`msr_half_step`], added in block order from −0.
fn sum_blocks(blocks: &[f64]) -> f64 {
    blocks.iter().fold(-0.0, |s, &b| s + b)
}

impl Estimator for MmsrParams {
    type Model = MmsrModel;

    /// Fits M-MSR (see the [module docs](super)).
    ///
    /// # Errors
    /// Invalid parameters; no judgment or fewer than two observed classes
    /// ([`Error::InsufficientData`](crowdqc_core::Error::InsufficientData)). A diverging iteration is not an error: the last
    /// finite iterate is kept and the fit report says it did not converge.
    fn fit(&self, m: &JudgmentMatrix) -> Result<MmsrModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// One progress unit per iteration (`max_iter` announced); interruption is checked before each iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<MmsrModel> {
        self.validate()?;
        progress.start("mmsr", Some(self.max_iter as u64));
        let r = self.fit_run(m, progress);
        progress.finish();
        r
    }
}

impl MmsrParams {
    /// The fit of [`Estimator::fit_with_progress`] (parameters already validated).
    fn fit_run(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<MmsrModel> {
        let (observed, k_obs) = crate::common::observed_classes(m, "mmsr")?;
        let (n, w, k) = (m.n_items(), m.n_workers(), m.n_classes());
        let groups = if self.graph_only {
            Groups::none(w)
        } else {
            Groups::build(m, k_obs)
        };
        let g = pairs(m, k_obs, &groups.group);

        let xabs: Vec<f64> = g.cov.iter().map(|c| c.abs()).collect();
        let degree = |i: usize| g.offsets[i + 1] - g.offsets[i] + groups.degree(i);
        let min_degree = (0..w).into_par_iter().map(degree).min().unwrap_or(0);
        // crowd-kit: F = floor(min degree / 2) − 1, which is −1 (and then keeps only the
        // largest value) when some worker has fewer than two co-workers; clamp at 0.
        let f = (min_degree / 2).saturating_sub(1);

        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut u: Vec<f64> = (0..w).map(|_| rng.random::<f64>()).collect();
        let mut v: Vec<f64> = (0..w).map(|_| rng.random::<f64>()).collect();
        // the next iterate is written into these and swapped in (no copies)
        let (mut u_next, mut v_next) = (vec![0.0; w], vec![0.0; w]);
        // the chunks of the half-step's row pass with some worker who is not a viewer
        let rows: Vec<bool> = groups
            .v_of
            .par_chunks(ROW_CHUNK)
            .map(|c| c.contains(&NONE))
            .collect();
        let mut res = vec![0.0; groups.v_worker.len()];
        let mut report = FitReport::default();
        for it in 1..=self.max_iter {
            progress.check()?;
            let (gr, gs) = (&groups, &mut res);
            let vv = msr_half_step(&g, &xabs, &rows, gr, gs, &u, &v, &mut v_next, f, n);
            let uu = msr_half_step(&g, &xabs, &rows, gr, gs, &v_next, &u, &mut u_next, f, n);
            // Only u vᵀ is identified: rebalance to ‖u‖ = ‖v‖ (the trimmed means are
            // equivariant to this scaling) so that neither drifts to 0 or infinity.
            let (uu, vv) = (sum_blocks(&uu), sum_blocks(&vv));
            let (nu, nv) = (f64::sqrt(uu), f64::sqrt(vv));
            let c = if nu > 0.0 && nv > 0.0 && nu.is_finite() && nv.is_finite() {
                Some((nv / nu).sqrt())
            } else {
                None
            };
            // ‖u vᵀ − u' v'ᵀ‖²_F = ‖du vᵀ + u' dvᵀ‖²_F, without cancellation
            let (d, finite) = rebalance_and_loss(&mut u_next, &mut v_next, &u, &v, c);
            let sq = d[0] * d[1] + 2.0 * d[2] * d[3] + d[4] * d[5];
            let loss = sq.max(0.0).sqrt();
            if !loss.is_finite() || !finite {
                // Diverging (|C| admits no rank-one fit, e.g. a zero between two
                // workers who both agree with a third): keep the last finite iterate
                // (`u`, `v`), report no convergence.
                report.stop(StopReason::Diverged);
                break;
            }
            std::mem::swap(&mut u, &mut u_next);
            std::mem::swap(&mut v, &mut v_next);
            report.objective.push(loss);
            report.iterations = it;
            progress.advance(1);
            if loss < self.tol {
                report.stop(StopReason::Converged);
                break;
            }
        }

        let (uu, vv) = sq_norms(&u, &v);
        let (nu, nv) = (uu.sqrt(), vv.sqrt());
        let scale = if nu > 0.0 && nv > 0.0 {
            (nu / nv).sqrt()
        } else {
            1.0
        };
        let sign = signs(&g, &groups, w);
        // the signs are −1, 0 or 1: an exact count, in any order
        let total: i64 = (0..w)
            .into_par_iter()
            .with_min_len(SUM_CHUNK)
            .filter(|&i| degree(i) > 0)
            .map(|i| sign[i] as i64)
            .sum();
        let flip = if total < 0 { -1.0 } else { 1.0 };
        let (kf, nf) = (k_obs as f64, (n as f64).sqrt());
        let (lo, hi) = (-1.0 / (kf - 1.0) + 1.0 / nf, 1.0 - 1.0 / nf);
        let mut reliability = vec![0.0; w];
        let mut accuracy = vec![f64::NAN; w];
        let mut skills = vec![0.0; w];
        // per worker, independent of the others (in parallel)
        reliability
            .par_iter_mut()
            .zip(accuracy.par_iter_mut().zip(skills.par_iter_mut()))
            .enumerate()
            .with_min_len(SUM_CHUNK)
            .for_each(|(i, (rel, (acc, skill)))| {
                if m.worker_count(i as u32) == 0 {
                    return;
                }
                // A worker who shares no item with anyone carries no information: s = 0.
                let s = if degree(i) == 0 {
                    0.0
                } else {
                    (flip * sign[i] * u[i] / scale).clamp(lo, hi)
                };
                let p = s * (kf - 1.0) / kf + 1.0 / kf;
                *rel = s;
                *acc = p;
                *skill = ((kf - 1.0) * p / (1.0 - p)).ln();
            });
        let offsets = m.item_offsets();
        let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
        let mut post = vec![0.0; n * k];
        post.par_chunks_mut(k)
            .enumerate()
            .with_min_len(256)
            .for_each(|(t, row)| {
                for (c, v) in row.iter_mut().enumerate() {
                    *v = if observed[c] { 0.0 } else { f64::NEG_INFINITY };
                }
                for p in offsets[t]..offsets[t + 1] {
                    row[classes[p] as usize] += skills[workers[p] as usize];
                }
                crowdqc_core::numeric::normalize_log_in_place(row);
            });
        Ok(MmsrModel {
            posteriors: Array2::from_shape_vec((n, k), post).expect("n_items * n_classes values"),
            skills: Array1::from(skills),
            reliability: Array1::from(reliability),
            accuracy: Array1::from(accuracy),
            n_pairs: (g.nbr.len()
                + (0..w)
                    .into_par_iter()
                    .map(|i| groups.degree(i))
                    .sum::<usize>())
                / 2,
            report,
        })
    }
}
