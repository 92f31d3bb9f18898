//! The EM engine shared by Dawid–Skene and one-coin Dawid–Skene, following crowd-kit
//! 1.4.2's update order exactly (see `ds` for the rules). It owns its configuration
//! ([`config`]: stop rule, initial confusion, priors) and the step from an EM result
//! to the fitted model ([`model`]); `ds` and `one_coin` only turn their params into
//! an [`EmConfig`] and call [`run`] and [`build_model`].
//!
//! Layout: posteriors `q` are `(n_items, k)` row-major; the count table `S`, the
//! confusion and its `log2` are `(worker slot, k_observed, k_true)` row-major, so the
//! E-step gathers one contiguous row of `k` values per judgment. Worker slots order
//! workers by activity (busiest first), so the rows most judgments touch share a
//! compact, cache-resident block; the result is put back in worker order.
//!
//! One pass over the items (CSR) per iteration does everything that touches
//! judgments: the E-step with its sums (priors, crowd-kit's entropy, the marginal
//! log-likelihood) and, in *scatter* mode, the M-step's sums `S[w, l, :] += q[t, :]`
//! into a per-chunk table that interleaves each group's `log2` row with its sums (one
//! or two cache lines per judgment). crowd-kit's objective needs no pass of its own
//! (see [`run`]). Items are cut into fixed-size chunks (the size depends only on the
//! data); chunk tables are added in chunk order, in waves of a number of chunks set by
//! the data, so results are bit-identical for any thread count. Tables larger than a core's L2
//! cache have the rows of the judgments 40 positions ahead prefetched. When the table
//! is too large for scatter mode (very many workers), *group* mode instead sums, per
//! worker, the posteriors of the items of each `(worker, label)` group (built once by a
//! counting sort), one task per worker. The kernel for 2 to 8 classes keeps per-class
//! values in registers and computes `2^x` with a vectorised polynomial (`fixed`).
//! Nothing is allocated or hashed inside the loop.

mod config;
pub(crate) mod fixed;
pub(crate) mod kernels;
mod model;
pub(crate) mod posterior;

use crowdqc_core::estimator::{FitReport, StopReason};
use crowdqc_core::{ClassCodes, Error, JudgmentMatrix, Result};
use rayon::prelude::*;

use crate::common::{ActiveClasses, EPS, NONE};
pub(crate) use config::{EmConfig, EmResult, Priors};
pub use config::{InitialConfusion, StopRule};
pub(crate) use kernels::MStep;
use kernels::PassIn;
pub use model::DawidSkeneModel;
pub(crate) use model::build_model;

/// Largest per-chunk interleaved table (bytes): above, chunk tables hold the sums only
/// and the gathers read the shared `log2` confusion.
const INTERLEAVE_MAX_TABLE: usize = 8 << 20;
/// Chunk tables held at once, interleaved: at least this many chunks per wave...
const WAVE: usize = 8;
/// ...and more while their tables fit in this many bytes (small tables: every chunk in
/// one wave, so a pass costs two parallel regions instead of two per wave).
const WAVE_BYTES: usize = 32 << 20;
/// Sums-only (large) chunk tables held at once: as many as fit in this many bytes,
/// between 2 and [`WAVE`] (at 1M workers and 5 classes, 200 MB tables: 2 at a time).
const LARGE_WAVE_BYTES: usize = 512 << 20;
/// Large tables: chunks of at least a table's cells in judgments (adding a chunk's
/// table costs less than filling it) and at most `n / LARGE_CHUNKS` (parallelism).
const LARGE_CHUNKS: usize = 16;
/// Most judgments for which the group index is precomputed (256 MB of them): beyond,
/// groups are computed on the fly so large inputs hold nothing per judgment.
const GROUP_INDEX_MAX: usize = 1 << 26;

/// The judgments prepared for EM over the active classes.
pub(crate) struct EmData<'a> {
    pub(crate) k: usize,
    pub(crate) n_items: usize,
    pub(crate) n_workers: usize,
    pub(crate) n_judgments: usize,
    pub(crate) n_nonempty: usize,
    pub(crate) offsets: &'a [usize],
    pub(crate) workers: &'a [u32],
    /// The matrix's class codes (one byte per judgment up to 256 classes).
    pub(crate) classes: ClassCodes<'a>,
    /// Matrix class → active class, when not the identity.
    pub(crate) map: Option<Vec<u32>>,
    /// Worker → slot: workers renumbered by descending judgment count (ties by id), so
    /// the rows of the busiest workers share a compact, cache-resident part of every
    /// per-worker table. All per-worker arrays of the engine are in slot order; the
    /// result is put back in worker order. Sums never depend on this order.
    pub(crate) slot: Vec<u32>,
    /// Slot → worker.
    pub(crate) by_slot: Vec<u32>,
    /// Up to [`GROUP_INDEX_MAX`] judgments: the group (`slot * k + active label`) of
    /// every position, computed once (4 bytes per judgment) so the passes read one
    /// index instead of a worker, a class and two lookups.
    pub(crate) group_of: Option<Vec<u32>>,
    /// Judgments per `(slot, active label)`.
    pub(crate) wl_count: Vec<u32>,
    /// Use the run-time-`k` kernel for every class count (tests compare the two).
    pub(crate) force_dynamic: bool,
    /// Gold active class per item (or [`NONE`]) when gold is clamped.
    pub(crate) gold: Option<Vec<u32>>,
    /// Items per chunk.
    pub(crate) chunk_items: usize,
    /// Chunks per wave.
    pub(crate) wave: usize,
    /// Chunk tables interleave each group's `log2` row with its sums (small tables);
    /// otherwise they hold the sums only.
    pub(crate) interleaved: bool,
}

impl<'a> EmData<'a> {
    /// Prepares the matrix.
    pub(crate) fn new(m: &'a JudgmentMatrix, active: &ActiveClasses, clamp_gold: bool) -> Self {
        let k = active.len();
        let map = (!active.is_identity()).then(|| active.to_active.clone());
        let (ws, cs) = (m.judgment_workers(), m.class_codes());
        let act = |c: u32| map.as_ref().map_or(c, |mp| mp[c as usize]) as usize;
        let groups = m.n_workers() * k;
        let cells = groups * k;
        let by_slot = {
            let per_worker = |w: usize| m.worker_offsets()[w + 1] - m.worker_offsets()[w];
            let mut v: Vec<u32> = (0..m.n_workers() as u32).collect();
            v.sort_by_key(|&w| (std::cmp::Reverse(per_worker(w as usize)), w));
            v
        };
        let mut slot = vec![0u32; m.n_workers()];
        for (i, &w) in by_slot.iter().enumerate() {
            slot[w as usize] = i as u32;
        }
        let n = cs.len();
        const BLOCK: usize = 1 << 16;
        // group counts: integer sums, the same for any split
        let count_block = |b: usize, wl: &mut Vec<u32>, g: Option<&mut [u32]>| {
            let (lo, hi) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
            match g {
                Some(g) => {
                    for (p, gp) in (lo..hi).zip(g.iter_mut()) {
                        let v = slot[ws[p] as usize] as usize * k + act(cs.get(p));
                        *gp = v as u32;
                        wl[v] += 1;
                    }
                }
                None => {
                    for p in lo..hi {
                        wl[slot[ws[p] as usize] as usize * k + act(cs.get(p))] += 1;
                    }
                }
            }
        };
        let add = |mut a: Vec<u32>, b: Vec<u32>| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        };
        let (group_of, wl_count) = if n <= GROUP_INDEX_MAX {
            let mut g = vec![0u32; n];
            let wl = g
                .par_chunks_mut(BLOCK)
                .enumerate()
                .with_min_len(n.div_ceil(BLOCK).div_ceil(8))
                .fold(
                    || vec![0u32; groups],
                    |mut wl, (b, gb)| {
                        count_block(b, &mut wl, Some(gb));
                        wl
                    },
                )
                .reduce(|| vec![0u32; groups], add);
            (Some(g), wl)
        } else {
            let wl = (0..n.div_ceil(BLOCK))
                .into_par_iter()
                .with_min_len(n.div_ceil(BLOCK).div_ceil(8))
                .fold(
                    || vec![0u32; groups],
                    |mut wl, b| {
                        count_block(b, &mut wl, None);
                        wl
                    },
                )
                .reduce(|| vec![0u32; groups], add);
            (None, wl)
        };
        let interleaved = cells * 16 <= INTERLEAVE_MAX_TABLE;
        // Chunk size depends on the data only.
        let target = if interleaved {
            // about 4 judgments per table cell: adding the chunk's table then costs
            // little next to filling it, and large inputs still get enough chunks to
            // balance the threads
            (1usize << 13).max(4 * cells)
        } else {
            cells.max(n / LARGE_CHUNKS)
        };
        let per_item = (n as f64 / m.n_items().max(1) as f64).max(1.0);
        let chunk_items = ((target as f64 / per_item) as usize).max(64);
        let offsets = m.item_offsets();
        let n_nonempty = offsets.windows(2).filter(|w| w[1] > w[0]).count();
        let gold = (clamp_gold && !m.gold().is_empty()).then(|| {
            m.gold()
                .as_slice()
                .iter()
                .map(|&c| {
                    if c == NONE {
                        NONE
                    } else {
                        active.to_active[c as usize]
                    }
                })
                .collect()
        });
        let n_chunks = m.n_items().div_ceil(chunk_items).max(1);
        let wave = if interleaved {
            (WAVE_BYTES / (cells * 16).max(1)).clamp(WAVE, n_chunks.max(WAVE))
        } else {
            (LARGE_WAVE_BYTES / (cells * 8).max(1)).clamp(2, WAVE)
        };
        EmData {
            k,
            n_items: m.n_items(),
            n_workers: m.n_workers(),
            n_judgments: n,
            n_nonempty,
            offsets,
            workers: ws,
            classes: cs,
            map,
            slot,
            by_slot,
            group_of,
            wl_count,
            force_dynamic: false,
            gold,
            chunk_items,
            wave,
            interleaved,
        }
    }

    /// Values per chunk table.
    pub(crate) fn table_cells(&self) -> usize {
        let cells = self.n_workers * self.k * self.k;
        if self.interleaved { 2 * cells } else { cells }
    }

    /// Values of the chunk tables held at once.
    pub(crate) fn tables_len(&self) -> usize {
        let n = self.n_chunks();
        if !self.interleaved && n == 1 {
            0
        } else {
            self.wave.min(n) * self.table_cells()
        }
    }

    /// Group (`slot * k + active label`) of position `p`.
    #[inline(always)]
    pub(crate) fn group_at(&self, p: usize) -> usize {
        match &self.group_of {
            Some(g) => g[p] as usize,
            None => self.slot[self.workers[p] as usize] as usize * self.k + self.class_at(p),
        }
    }

    /// Active class of position `p`.
    #[inline(always)]
    pub(crate) fn class_at(&self, p: usize) -> usize {
        let c = self.classes.get(p);
        match &self.map {
            Some(m) => m[c as usize] as usize,
            None => c as usize,
        }
    }

    /// Number of item chunks.
    pub(crate) fn n_chunks(&self) -> usize {
        self.n_items.div_ceil(self.chunk_items).max(1)
    }

    /// Sets a gold item's row one-hot; true when it did.
    #[inline(always)]
    pub(crate) fn clamp(&self, t: usize, row: &mut [f64]) -> bool {
        if let Some(g) = &self.gold {
            let c = g[t];
            if c != NONE {
                row.fill(0.0);
                row[c as usize] = 1.0;
                return true;
            }
        }
        false
    }
}

/// A zeroed `f64` buffer whose slice starts on a 64-byte boundary (rows of 2 or 4
/// classes then never straddle cache lines).
pub(crate) struct Aligned {
    v: Vec<f64>,
    off: usize,
    len: usize,
}

impl Aligned {
    /// `len` zeros.
    pub(crate) fn new(len: usize) -> Self {
        let v = vec![0.0; len + 8];
        let off = (v.as_ptr() as usize).wrapping_neg() % 64 / 8;
        Aligned { v, off, len }
    }

    /// The values.
    pub(crate) fn as_slice(&self) -> &[f64] {
        &self.v[self.off..self.off + self.len]
    }

    /// The values, mutably.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.v[self.off..self.off + self.len]
    }
}

/// Sums from one pass over the items.
pub(crate) struct PassSums {
    /// `Σ_t q[t, c]` of the posteriors the pass wrote.
    pub(crate) prior: Vec<f64>,
    /// `Σ_t n_t q[t, c]` (`n_t` judgments of item `t`): the prior term of crowd-kit's
    /// joint expectation, which counts the log-prior once per judgment.
    pub(crate) weighted: Vec<f64>,
    /// Entropy (crowd-kit's, floored) of the posteriors the pass wrote.
    pub(crate) entropy: f64,
    /// Marginal log-likelihood of the parameters the pass used.
    pub(crate) loglik: f64,
}

fn floored_logs(p: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let l2 = p.iter().map(|&v| v.max(EPS).log2()).collect();
    let ln = p.iter().map(|&v| v.max(EPS).ln()).collect();
    (l2, ln)
}

/// Class sums over the items with judgments → mean posterior (the estimated priors).
fn mean_over_items(d: &EmData<'_>, sums: &[f64]) -> Vec<f64> {
    sums.iter()
        .map(|v| v / d.n_nonempty.max(1) as f64)
        .collect()
}

fn numerical(method: &str, iteration: usize, what: &str) -> Error {
    Error::Numerical {
        context: method.into(),
        iteration: Some(iteration),
        message: format!("{what} is not finite; check the initial confusion and priors"),
    }
}

/// Working buffers of a run (allocated once).
pub(crate) struct Buffers {
    pub(crate) partials: Vec<f64>,
    /// Per-chunk count tables of one wave.
    pub(crate) tables: Aligned,
}

/// Runs crowd-kit's EM loop (see the `ds` module docs for the exact order).
///
/// Iteration `it` takes `q_it` (written by the previous pass, with its M-step sums
/// `S_it`, prior sums and entropy), estimates the priors and `theta_it = M(S_it)`,
/// evaluates the stop rule, and (unless it stops) runs the pass `q_{it+1} =
/// E(theta_it)`. crowd-kit's objective of `q_it` under `theta_it` needs no pass over
/// the judgments: its joint expectation is `Σ_{w,l,c} S_it[w,l,c] ln e_it[w,l,c] +
/// Σ_c (Σ_t n_t q_it[t,c]) ln p_c`, so with that rule the returned `q_n` is the last
/// one written and every iteration costs one pass. The log-likelihood rule needs the
/// pass with `theta_it` first; it then returns `E(theta_n)`, the posteriors of the
/// returned parameters.
///
/// Reports to `cfg.progress` (start with the iteration limit, one unit per iteration,
/// finish also on error) and stops with [`Error::Interrupted`] before an iteration
/// once it asks to.
pub(crate) fn run(d: &EmData<'_>, cfg: &EmConfig<'_>) -> Result<EmResult> {
    cfg.progress.start(cfg.method, Some(cfg.max_iter as u64));
    let r = run_loop(d, cfg);
    cfg.progress.finish();
    r
}

fn run_loop(d: &EmData<'_>, cfg: &EmConfig<'_>) -> Result<EmResult> {
    let k = d.k;
    let cells = d.n_workers * k * k;
    let mut buf = Buffers {
        partials: vec![0.0; d.n_chunks() * kernels::partial_len(k)],
        tables: Aligned::new(d.tables_len()),
    };
    let mut s = vec![0.0; cells];
    let mut conf = vec![0.0; cells];
    // two log2 confusions: the one the last pass used (its E-step gives the returned
    // posteriors) and the next M-step's
    let mut loge2 = [Aligned::new(cells), Aligned::new(cells)];
    let mut cur = 0;
    let mut p = match cfg.start {
        // warm start: theta_0 is given (worker order → slot order)
        Some((c0, p0)) => {
            let kk = k * k;
            for (sl, &w) in d.by_slot.iter().enumerate() {
                let src = &c0[w as usize * kk..(w as usize + 1) * kk];
                conf[sl * kk..(sl + 1) * kk].copy_from_slice(src);
            }
            for (lv, &cv) in loge2[cur].as_mut_slice().iter_mut().zip(&conf) {
                *lv = if cv > 0.0 { cv.log2() } else { EPS.log2() };
            }
            match &cfg.priors {
                Priors::Fixed(f) => f.clone(),
                Priors::Estimated => p0.to_vec(),
            }
        }
        None => {
            let vote_sums = kernels::init_pass(d, &mut s, &mut buf);
            let p = match &cfg.priors {
                Priors::Fixed(f) => f.clone(),
                Priors::Estimated => mean_over_items(d, &vote_sums),
            };
            kernels::normalize(
                d,
                &s,
                &mut conf,
                loge2[cur].as_mut_slice(),
                &cfg.m_step,
                cfg.initial,
            );
            p
        }
    };
    let mut log2p = floored_logs(&p).0;
    let entropy = cfg.stop == StopRule::CrowdKit;
    fn pass_in<'b>(loge2: &'b [f64], log2p: &'b [f64], entropy: bool) -> PassIn<'b> {
        PassIn {
            loge2,
            log2p,
            entropy,
        }
    }
    // q_1 = E(theta_0), with its M-step sums.
    let mut sums = kernels::pass(
        d,
        pass_in(loge2[cur].as_slice(), &log2p, entropy),
        Some(&mut s),
        &mut buf,
    );
    if !sums.loglik.is_finite() {
        return Err(numerical(cfg.method, 1, "the log-likelihood"));
    }
    // the parameters of the last pass
    let (mut last, mut last_log2p) = (cur, log2p.clone());
    let n = d.n_judgments.max(1) as f64;
    let mut loglik = vec![sums.loglik];
    let mut objective = Vec::new();
    let mut loss_prev = f64::NEG_INFINITY;
    let mut stop = StopReason::MaxIterations;
    for it in 1..=cfg.max_iter {
        cfg.progress.check()?;
        // the last pass computed q_it, `sums` are its sums
        if let Priors::Estimated = cfg.priors {
            p = mean_over_items(d, &sums.prior);
        }
        cur = 1 - last;
        kernels::normalize(
            d,
            &s,
            &mut conf,
            loge2[cur].as_mut_slice(),
            &cfg.m_step,
            None,
        );
        let lnp;
        (log2p, lnp) = floored_logs(&p);
        let value = match cfg.stop {
            StopRule::CrowdKit => {
                let joint = kernels::joint(d, &s, loge2[cur].as_slice(), &sums.weighted, &lnp);
                let loss = (joint + sums.entropy) / n;
                if !loss.is_finite() {
                    return Err(numerical(
                        cfg.method,
                        it,
                        "the objective (per-judgment ELBO)",
                    ));
                }
                loss
            }
            StopRule::LogLikelihood => {
                sums = kernels::pass(
                    d,
                    pass_in(loge2[cur].as_slice(), &log2p, entropy),
                    Some(&mut s),
                    &mut buf,
                );
                (last, last_log2p) = (cur, log2p.clone());
                if !sums.loglik.is_finite() {
                    return Err(numerical(cfg.method, it, "the log-likelihood"));
                }
                loglik.push(sums.loglik);
                sums.loglik / n
            }
        };
        objective.push(value);
        cfg.progress.advance(1);
        if let Some(reason) = StopReason::from_change(loss_prev, value, cfg.tol) {
            stop = reason;
            break;
        }
        loss_prev = value;
        if cfg.stop == StopRule::CrowdKit && it < cfg.max_iter {
            sums = kernels::pass(
                d,
                pass_in(loge2[cur].as_slice(), &log2p, entropy),
                Some(&mut s),
                &mut buf,
            );
            (last, last_log2p) = (cur, log2p.clone());
            if !sums.loglik.is_finite() {
                return Err(numerical(cfg.method, it + 1, "the log-likelihood"));
            }
            loglik.push(sums.loglik);
        }
    }
    drop(buf);
    drop(s);
    let conf_w = to_worker_order(d, &conf);
    let report = FitReport::new(objective.len(), objective, stop);
    Ok(EmResult {
        q: None,
        last_pass: Some((to_worker_order(d, loge2[last].as_slice()), last_log2p)),
        priors: p,
        conf: conf_w,
        report,
        log_likelihood: loglik,
    })
}

/// A per-worker table (`k * k` values per worker) from slot order to worker order.
fn to_worker_order(d: &EmData<'_>, v: &[f64]) -> Vec<f64> {
    let kk = d.k * d.k;
    let mut out = vec![0.0; v.len()];
    for (sl, &w) in d.by_slot.iter().enumerate() {
        out[w as usize * kk..(w as usize + 1) * kk].copy_from_slice(&v[sl * kk..(sl + 1) * kk]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::ActiveClasses;
    use crate::em::posterior::EStep;
    use crowdqc_core::IngestOptions;
    use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

    /// `dynamic`: the run-time-k kernel; `indices`: keep precomputed group indices;
    /// `interleaved`: chunk tables with the `log2` rows (else sums only). Returns the
    /// result and its posteriors (from the last pass's parameters).
    fn fit_with(
        m: &JudgmentMatrix,
        dynamic: bool,
        indices: bool,
        interleaved: bool,
        stop: StopRule,
    ) -> (EmResult, Vec<f64>) {
        let active = ActiveClasses::new(m, None, "test").expect("classes");
        let mut d = EmData::new(m, &active, false);
        d.force_dynamic = dynamic;
        d.interleaved = d.interleaved && interleaved;
        if !indices {
            d.group_of = None;
        }
        let cfg = EmConfig {
            method: "test",
            max_iter: 10,
            tol: 1e-9,
            m_step: MStep::Full { smoothing: 0.0 },
            priors: Priors::Estimated,
            initial: None,
            start: None,
            stop,
            progress: &crowdqc_core::progress::NoProgress,
        };
        let mut r = run(&d, &cfg).expect("fit");
        let (l, p) = r.last_pass.take().expect("no posteriors kept");
        let mut e = EStep::new(m, &active, false, l, p);
        e.force_dynamic = dynamic;
        let mut q = vec![0.0; m.n_items() * m.n_classes()];
        e.rows_into(m, 0..m.n_items(), &mut q);
        (r, q)
    }

    fn fit(
        m: &JudgmentMatrix,
        dynamic: bool,
        indices: bool,
        stop: StopRule,
    ) -> (EmResult, Vec<f64>) {
        fit_with(m, dynamic, indices, true, stop)
    }

    fn max_gap(a: &[f64], b: &[f64]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    /// The fixed-`K` kernel (registers, polynomial `2^x`, prefetching), with and
    /// without precomputed group indices, and the run-time-`k` kernel compute the same
    /// EM, in scatter mode with a small and a prefetched table and in group mode.
    #[test]
    fn fixed_and_run_time_kernels_agree() {
        for (k, workers, n) in [
            (2, 30, 20_000),
            (5, 40, 20_000),
            (5, 2_000, 60_000),
            (8, 3_000, 40_000),
            (5, 30_000, 60_000),
        ] {
            let cfg = SynthConfig {
                seed: 7,
                n_workers: workers,
                n_classes: k,
                redundancy: Redundancy::Fixed(5),
                ..SynthConfig::default()
            }
            .with_judgments(n);
            let m = SynthCrowd::new(cfg)
                .expect("config")
                .to_matrix(&BatchOptions::default(), IngestOptions::default())
                .expect("matrix");
            for stop in [StopRule::CrowdKit, StopRule::LogLikelihood] {
                let (a, qa) = fit(&m, false, true, stop);
                for ((b, qb), how) in [
                    (fit(&m, false, false, stop), "fixed kernel without indices"),
                    (fit(&m, true, false, stop), "run-time kernel"),
                ] {
                    let what = format!("k {k}, {workers} workers, {stop:?}, {how}");
                    assert_eq!(a.report.iterations, b.report.iterations, "{what}");
                    assert!(max_gap(&qa, &qb) < 1e-12, "{what}: posteriors");
                    assert!(max_gap(&a.conf, &b.conf) < 1e-12, "{what}: confusion");
                    assert!(max_gap(&a.priors, &b.priors) < 1e-12, "{what}: priors");
                    let (oa, ob) = (&a.report.objective, &b.report.objective);
                    assert!(max_gap(oa, ob) < 1e-12, "{what}: objective");
                    let (la, lb) = (&a.log_likelihood, &b.log_likelihood);
                    assert!(
                        max_gap(la, lb) < 1e-9 * la[0].abs(),
                        "{what}: log-likelihood"
                    );
                }
            }
        }
    }

    /// Chunk tables with the sums only (large tables: the gathers read the shared
    /// `log2` confusion) give the same bits as interleaved ones: the same chunks, the
    /// same order of additions. Run-time-`k` kernel included (9 classes).
    #[test]
    fn sums_only_tables_give_the_same_bits() {
        for (k, workers) in [(3, 50), (5, 400), (9, 300)] {
            let cfg = SynthConfig {
                seed: 11,
                n_workers: workers,
                n_classes: k,
                redundancy: Redundancy::Fixed(4),
                ..SynthConfig::default()
            }
            .with_judgments(40_000);
            let m = SynthCrowd::new(cfg)
                .expect("config")
                .to_matrix(&BatchOptions::default(), IngestOptions::default())
                .expect("matrix");
            for stop in [StopRule::CrowdKit, StopRule::LogLikelihood] {
                let (a, qa) = fit_with(&m, false, true, true, stop);
                let (b, qb) = fit_with(&m, false, false, false, stop);
                let what = format!("k {k}, {stop:?}");
                assert_eq!(qa, qb, "{what}: posteriors");
                assert_eq!(a.conf, b.conf, "{what}: confusion");
                assert_eq!(a.priors, b.priors, "{what}: priors");
                assert_eq!(a.report.objective, b.report.objective, "{what}: objective");
                assert_eq!(a.log_likelihood, b.log_likelihood, "{what}: loglik");
            }
        }
    }
}
