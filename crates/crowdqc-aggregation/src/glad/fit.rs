//! GLAD's EM: log-space E-step over items, damped-Newton M-step over flat arrays.
//!
//! One EM iteration is two passes over the judgments:
//! 1. **abilities**, per worker over its records in worker order ([`Rec`]: the
//!    posterior of the label given and `exp(−|alpha · beta|)`, 16 bytes, read
//!    sequentially; `beta` read from the item's entry);
//! 2. **difficulties and E-step**, per item over the CSR: the Newton step on `ln beta`,
//!    then the item's posterior row with the new `beta`, then the item's judgments'
//!    records rewritten at their worker-order slots for the next ability pass.
//!
//! An `exp` that a later step needs at the same argument is reused instead of
//! recomputed: the E-step takes `exp(−|alpha · beta|)` from the difficulty step's last
//! slope, the next ability step's first slope takes it from the E-step, and each
//! difficulty step starts from the stored `beta` and ends with the `beta` of its
//! accepted trial. A reused value is the very one the recomputation would give (same
//! operands, same operations). (Also reusing the ability step's accepted trial in the
//! difficulty step's first slope was tried: the scattered writes it needs cost more
//! than the `exp` they save.)
//!
//! The E-step sums an item's softplus terms `max(x, 0) + ln(1 + e)` as
//! `Σ max(x, 0) + ln Π (1 + e)`: one logarithm per item instead of one `ln_1p` per
//! judgment (products of at most 512 factors in `(1, 2]`, so no overflow). The same
//! quantity up to rounding: results move by a few units in the last place (at most
//! 2.4e-15 in any posterior, ability or difficulty on the stored real datasets, same
//! iteration counts).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crowdqc_core::estimator::{Estimator, FitReport, StopReason};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2};
use rayon::prelude::*;

use super::model::GladModel;
use super::params::GladParams;

/// Items per parallel chunk of the item pass (fixed, so sums are thread-count
/// independent).
const CHUNK: usize = 1024;
/// `ln(2π) / 2`, the constant of a standard normal log density.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
/// Largest step of one Newton update on `alpha` or `ln beta`.
const MAX_STEP: f64 = 4.0;
/// Step halvings tried before a block coordinate is left unchanged.
const MAX_HALVINGS: usize = 30;
/// Relative Newton step below which a coordinate counts as converged.
const MIN_STEP: f64 = 1e-10;
/// Judgments of an item up to which the difficulty step keeps its `exp` values for the
/// E-step (larger items recompute them: same values, more work).
const BUF: usize = 64;

/// `ln(1 + e^x)`, stable for any `x`.
#[inline]
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `exp(−|x|)`, the one transcendental of [`slope_from_e`] and of [`softplus`].
#[inline(always)]
fn exp_neg_abs(x: f64) -> f64 {
    (-x.abs()).exp()
}

/// For one judgment with `x = alpha * beta` and `s` = posterior of the given label:
/// `f = s ln σ(x) + (1 − s) ln(1 − σ(x))` (the constant `−(1 − s) ln(K − 1)` left out).
#[inline(always)]
fn term_value(x: f64, s: f64) -> f64 {
    // ln σ(x) − (1 − s) x = s x − softplus(x)
    s * x - softplus(x)
}

/// `(f', −f'')` of [`term_value`] in `x`: `s − σ(x)` and `σ(x)(1 − σ(x))`, from
/// `e = exp(−|x|)`.
#[inline(always)]
fn slope_from_e(x: f64, e: f64, s: f64) -> (f64, f64) {
    let inv = 1.0 / (1.0 + e);
    let sig = if x >= 0.0 { inv } else { e * inv };
    (s - sig, e * inv * inv)
}

/// `Σ ln(1 + e_j)` over `e_j` in `[0, 1]` with one `ln` per [`LOG_BLOCK`] terms: the
/// factors `1 + e_j` lie in `[1, 2]`, so a block's product stays below `2^512`.
struct Log1pSum {
    sum: f64,
    prod: f64,
    n: usize,
}

/// Factors multiplied before one `ln` in [`Log1pSum`].
const LOG_BLOCK: usize = 512;

impl Log1pSum {
    fn new() -> Self {
        Log1pSum {
            sum: 0.0,
            prod: 1.0,
            n: 0,
        }
    }

    #[inline(always)]
    fn add(&mut self, e: f64) {
        self.prod *= 1.0 + e;
        self.n += 1;
        if self.n == LOG_BLOCK {
            self.sum += self.prod.ln();
            (self.prod, self.n) = (1.0, 0);
        }
    }

    fn total(&self) -> f64 {
        self.sum + self.prod.ln()
    }
}

/// One block coordinate's smooth 1-D problem, for [`newton_1d`].
trait Coordinate {
    /// Whether `f` is known to be concave in `x` (or in a monotone reparametrisation
    /// of `x`) between `a` and `b`: then a step from `a` to `b` whose end slope still
    /// points the way of the step raised `f`, with no function evaluation.
    fn concave_between(&self, a: f64, b: f64) -> bool;
    /// `(f'(x), curvature > 0)`; `trial`: `x` is a candidate step, not the current
    /// point (one `exp` per judgment).
    fn slope(&mut self, x: f64, trial: bool) -> (f64, f64);
    /// `f(x)`.
    fn value(&self, x: f64) -> f64;
    /// `(f'(x), curvature, f(x))`, as [`slope`](Coordinate::slope) and
    /// [`value`](Coordinate::value) (a coordinate may compute them in one pass).
    fn slope_value(&mut self, x: f64, trial: bool) -> (f64, f64, f64) {
        let (g, c) = self.slope(x, trial);
        (g, c, self.value(x))
    }
    /// The last trial point became the current point.
    fn accept(&mut self);
}

/// Maximises a smooth 1-D function from `x` with `steps` damped Newton steps.
///
/// Every accepted step raises `f` or leaves it unchanged: a step `d` is accepted when
/// `f(x + d) >= f(x)`, or when `f` is concave along it
/// ([`Coordinate::concave_between`]) and the slope at `x + d` still points the way of
/// `d` (no overshoot: `f'` then has the sign of `d` along the whole step, so `f` rose;
/// this keeps steps whose gain is below rounding). A rejected step is halved. The
/// value comes from the pass that computes the slope
/// ([`Coordinate::slope_value`]).
#[inline]
fn newton_1d<C: Coordinate>(mut x: f64, steps: usize, c: &mut C) -> f64 {
    let (mut g, mut curv, mut fx) = c.slope_value(x, false);
    for _ in 0..steps {
        if g.is_nan() || g.abs() <= 1e-12 {
            break;
        }
        let mut d = (g / curv).clamp(-MAX_STEP, MAX_STEP);
        if d.abs() <= MIN_STEP * (1.0 + x.abs()) {
            // At the optimum to working precision: further steps would only compare
            // function values that differ below rounding.
            break;
        }
        let mut accepted = false;
        for _ in 0..MAX_HALVINGS {
            let (g2, c2, f2) = c.slope_value(x + d, true);
            if f2 >= fx || (g2 * d >= 0.0 && c.concave_between(x, x + d)) {
                x += d;
                (g, curv, fx) = (g2, c2, f2);
                c.accept();
                accepted = true;
                break;
            }
            d *= 0.5;
            if d.abs() <= MIN_STEP * (1.0 + x.abs()) {
                break;
            }
        }
        if !accepted {
            break;
        }
    }
    x
}

/// Turns a row of log-weights into probabilities in place and returns `ln Σ exp`.
#[inline]
fn softmax_in_place(row: &mut [f64]) -> f64 {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for v in row.iter_mut() {
        // exp(0) = 1 exactly: the largest entry needs no `exp`.
        *v = if *v == m && m.is_finite() {
            1.0
        } else {
            (*v - m).exp()
        };
        s += *v;
    }
    let inv = 1.0 / s;
    row.iter_mut().for_each(|v| *v *= inv);
    m + s.ln()
}

/// One judgment, at its slot in worker order: the posterior of the label given, and
/// `e = exp(−|alpha · beta|)` at the current ability and difficulty, both written by
/// the last E-step. Each slot is written by the pass over its item only, so relaxed
/// atomics (plain loads and stores) make the scattered writes safe without locks or
/// `unsafe`.
#[derive(Default)]
struct Rec([AtomicU64; 2]);

impl Rec {
    #[inline(always)]
    fn s(&self) -> f64 {
        f64::from_bits(self.0[0].load(Relaxed))
    }
    #[inline(always)]
    fn e(&self) -> f64 {
        f64::from_bits(self.0[1].load(Relaxed))
    }
    #[inline(always)]
    fn set_s(&self, v: f64) {
        self.0[0].store(v.to_bits(), Relaxed);
    }
    #[inline(always)]
    fn set_e(&self, v: f64) {
        self.0[1].store(v.to_bits(), Relaxed);
    }
}

/// `inv[perm[i]] = i`.
fn inverse_permutation(perm: &[u32]) -> Vec<u32> {
    let mut inv = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p as usize] = i as u32;
    }
    inv
}

/// Everything the passes read that does not change during the fit (apart from the
/// records).
struct Ctx<'a> {
    offsets: &'a [usize],
    workers: &'a [u32],
    classes: &'a [u32],
    m: &'a JudgmentMatrix,
    k: usize,
    ln_km1: f64,
    log_prior: Vec<f64>,
    mu_a: f64,
    mu_b: f64,
    /// Worker-order slot of every judgment (inverse of `worker_positions`).
    wpos: Vec<u32>,
    /// Item of every judgment in worker order.
    wt: Vec<u32>,
    /// One record per judgment, in worker order (the only state written through
    /// `&self`).
    rec: Vec<Rec>,
}

/// A worker's ability, over its records (the difficulties held fixed).
struct AlphaCoord<'a> {
    recs: &'a [Rec],
    /// Item of each record.
    items: &'a [u32],
    eb: &'a [f64],
    mu: f64,
}

impl Coordinate for AlphaCoord<'_> {
    // −(a − mu)²/2 plus terms `s·x − softplus(x)` (concave in x) with `x = a·b`
    // linear in `a`: concave everywhere.
    fn concave_between(&self, _: f64, _: f64) -> bool {
        true
    }

    fn slope(&mut self, a: f64, trial: bool) -> (f64, f64) {
        let (mut g, mut c) = (self.mu - a, 1.0);
        if trial {
            for (r, &t) in self.recs.iter().zip(self.items) {
                let (b, s) = (self.eb[t as usize], r.s());
                let (gj, cj) = slope_from_e(a * b, exp_neg_abs(a * b), s);
                g += gj * b;
                c += cj * b * b;
            }
        } else {
            // The current ability: `e` at exactly this `a * b`, left by the E-step.
            for (r, &t) in self.recs.iter().zip(self.items) {
                let (b, s) = (self.eb[t as usize], r.s());
                let (gj, cj) = slope_from_e(a * b, r.e(), s);
                g += gj * b;
                c += cj * b * b;
            }
        }
        (g, c)
    }

    fn value(&self, a: f64) -> f64 {
        let mut f = -0.5 * (a - self.mu).powi(2);
        for (r, &t) in self.recs.iter().zip(self.items) {
            f += term_value(a * self.eb[t as usize], r.s());
        }
        f
    }

    /// Slope, curvature and value in one pass: `f = prior + Σ (s·x − max(x, 0)) −
    /// Σ ln(1 + e^{−|x|})`, the last sum with one `ln` per block ([`Log1pSum`]).
    fn slope_value(&mut self, a: f64, trial: bool) -> (f64, f64, f64) {
        let (mut g, mut c) = (self.mu - a, 1.0);
        let mut f = -0.5 * (a - self.mu).powi(2);
        let mut logs = Log1pSum::new();
        for (r, &t) in self.recs.iter().zip(self.items) {
            let (b, s) = (self.eb[t as usize], r.s());
            let x = a * b;
            // the current ability: `e` at exactly this `x`, left by the E-step
            let e = if trial { exp_neg_abs(x) } else { r.e() };
            let (gj, cj) = slope_from_e(x, e, s);
            g += gj * b;
            c += cj * b * b;
            f += s * x - x.max(0.0);
            logs.add(e);
        }
        (g, c, f - logs.total())
    }

    fn accept(&mut self) {}
}

/// An item's `ln beta`, the abilities held fixed. Keeps the `exp(−|x|)` of its
/// judgments at the current point in `cur` (when the item has at most [`BUF`]).
struct BetaCoord<'a, 'b, 'c> {
    ctx: &'a Ctx<'c>,
    range: Range<usize>,
    alpha: &'a [f64],
    qrow: &'a [f64],
    /// `beta` at the current point (on entry: `exp` of the starting `ln beta`, as
    /// stored) and at the last trial.
    eb_cur: f64,
    eb_trial: f64,
    cur: &'b mut [f64],
    trial: &'b mut [f64],
}

impl BetaCoord<'_, '_, '_> {
    /// `(f'(b), curvature)`, and `f(b)` when `VALUE` (one pass: the softplus of each
    /// term reuses the slope's `exp(−|x|)`).
    #[inline(always)]
    fn pass<const VALUE: bool>(&mut self, b: f64, trial: bool) -> (f64, f64, f64) {
        let ctx = self.ctx;
        let eb = if trial {
            self.eb_trial = b.exp();
            self.eb_trial
        } else {
            self.eb_cur
        };
        let (mut g, mut h) = (ctx.mu_b - b, -1.0);
        // f = prior + Σ (s·x − max(x, 0)) − Σ ln(1 + e^{−|x|}), the last sum in blocks
        let mut f = if VALUE {
            -0.5 * (b - ctx.mu_b).powi(2)
        } else {
            0.0
        };
        let mut logs = Log1pSum::new();
        let keep = if trial {
            &mut *self.trial
        } else {
            &mut *self.cur
        };
        for (j, p) in self.range.clone().enumerate() {
            let w = ctx.workers[p] as usize;
            let x = self.alpha[w] * eb;
            let e = exp_neg_abs(x);
            if let Some(k) = keep.get_mut(j) {
                *k = e;
            }
            let s = self.qrow[ctx.classes[p] as usize];
            let (gj, cj) = slope_from_e(x, e, s);
            g += gj * x;
            h += gj * x - cj * x * x;
            if VALUE {
                f += s * x - x.max(0.0);
                logs.add(e);
            }
        }
        if VALUE {
            f -= logs.total();
        }
        // d²f/d(ln beta)² can be positive away from the optimum: never divide by less
        // than the prior's curvature (a damped gradient step, still checked).
        (g, f64::max(-h, 1.0), f)
    }
}

impl Coordinate for BetaCoord<'_, '_, '_> {
    // Not concave in `b = ln beta`, but in `y = beta = e^b` (monotone in `b`, so the
    // no-overshoot argument carries over) wherever `b <= mu_b + 1`: the terms
    // `s·x − softplus(x)` are concave in `x = alpha·y`, and the prior
    // `−(ln y − mu_b)²/2` has second derivative `−(1 − (ln y − mu_b)) / y²`.
    fn concave_between(&self, a: f64, b: f64) -> bool {
        a.max(b) <= self.ctx.mu_b + 1.0
    }

    fn slope(&mut self, b: f64, trial: bool) -> (f64, f64) {
        let (g, c, _) = self.pass::<false>(b, trial);
        (g, c)
    }

    fn slope_value(&mut self, b: f64, trial: bool) -> (f64, f64, f64) {
        self.pass::<true>(b, trial)
    }

    /// The value [`slope_value`](Coordinate::slope_value) computes, alone (same
    /// operations in the same order, so the two compare exactly).
    fn value(&self, b: f64) -> f64 {
        let ctx = self.ctx;
        let eb = b.exp();
        let mut f = -0.5 * (b - ctx.mu_b).powi(2);
        let mut logs = Log1pSum::new();
        for p in self.range.clone() {
            let x = self.alpha[ctx.workers[p] as usize] * eb;
            let s = self.qrow[ctx.classes[p] as usize];
            f += s * x - x.max(0.0);
            logs.add(exp_neg_abs(x));
        }
        f - logs.total()
    }

    fn accept(&mut self) {
        std::mem::swap(&mut self.cur, &mut self.trial);
        self.eb_cur = self.eb_trial;
    }
}

impl Ctx<'_> {
    /// Newton steps on every worker's ability, the difficulties held fixed.
    fn alpha_block(&self, alpha: &mut [f64], eb: &[f64], steps: usize) {
        let offs = self.m.worker_offsets();
        alpha
            .par_iter_mut()
            .enumerate()
            .with_min_len(64)
            .for_each(|(w, a)| {
                let range = offs[w]..offs[w + 1];
                if range.is_empty() {
                    return;
                }
                let mut c = AlphaCoord {
                    recs: &self.rec[range.clone()],
                    items: &self.wt[range],
                    eb,
                    mu: self.mu_a,
                };
                *a = newton_1d(*a, steps, &mut c);
            });
    }

    /// Per item: `steps` Newton steps on `ln beta` (none when `None`: the first
    /// E-step), then the E-step, writing posteriors into `q` and the item's judgments'
    /// records. Returns `Σ_t ln p(labels of t)`.
    fn item_pass(
        &self,
        alpha: &[f64],
        steps: Option<usize>,
        lb: &mut [f64],
        eb: &mut [f64],
        q: &mut [f64],
        partial: &mut [f64],
    ) -> f64 {
        let k = self.k;
        q.par_chunks_mut(CHUNK * k)
            .zip(lb.par_chunks_mut(CHUNK))
            .zip(eb.par_chunks_mut(CHUNK))
            .zip(partial.par_iter_mut())
            .enumerate()
            .for_each(|(ci, (((qc, lbc), ebc), part))| {
                let (mut buf_a, mut buf_b) = ([0.0f64; BUF], [0.0f64; BUF]);
                let mut acc = 0.0;
                for (r, row) in qc.chunks_exact_mut(k).enumerate() {
                    let t = ci * CHUNK + r;
                    let range = self.offsets[t]..self.offsets[t + 1];
                    let mut kept: Option<&[f64]> = None;
                    if let Some(steps) = steps
                        && !range.is_empty()
                    {
                        let n_t = range.len();
                        let (cur, trial): (&mut [f64], &mut [f64]) = if n_t <= BUF {
                            (&mut buf_a[..n_t], &mut buf_b[..n_t])
                        } else {
                            (&mut [], &mut [])
                        };
                        let mut c = BetaCoord {
                            ctx: self,
                            range: range.clone(),
                            alpha,
                            qrow: row,
                            eb_cur: ebc[r],
                            eb_trial: ebc[r],
                            cur,
                            trial,
                        };
                        lbc[r] = newton_1d(lbc[r], steps, &mut c);
                        // = lbc[r].exp(), computed by the step that reached it
                        ebc[r] = c.eb_cur;
                        if n_t <= BUF {
                            kept = Some(c.cur);
                        }
                    }
                    acc += self.e_row(range, ebc[r], alpha, kept, row);
                }
                *part = acc;
            });
        partial.iter().sum()
    }

    /// E-step of one item (judgments `range`, `beta = ebt`): writes its posterior row
    /// and its judgments' records; returns `ln p(labels of the item)`. `kept`: the
    /// judgments' `exp(−|alpha · beta|)` when the difficulty step kept them.
    #[inline]
    fn e_row(
        &self,
        range: Range<usize>,
        ebt: f64,
        alpha: &[f64],
        kept: Option<&[f64]>,
        row: &mut [f64],
    ) -> f64 {
        row.copy_from_slice(&self.log_prior);
        let mut base = 0.0;
        let mut prod = 1.0;
        for (j, p) in range.clone().enumerate() {
            let x = alpha[self.workers[p] as usize] * ebt;
            let e = match kept {
                Some(kept) => kept[j],
                None => exp_neg_abs(x),
            };
            prod *= 1.0 + e;
            if j % 512 == 511 {
                base -= prod.ln();
                prod = 1.0;
            }
            // softplus(x) = max(x, 0) + ln(1 + e); the logarithms are summed as one.
            base += -x.max(0.0) - self.ln_km1;
            row[self.classes[p] as usize] += x + self.ln_km1;
            let rec = &self.rec[self.wpos[p] as usize];
            rec.set_e(e);
        }
        base -= prod.ln();
        row.iter_mut().for_each(|v| *v += base);
        let lse = softmax_in_place(row);
        for p in range {
            self.rec[self.wpos[p] as usize].set_s(row[self.classes[p] as usize]);
        }
        lse
    }

    /// Log density of the Gaussian priors on all abilities and difficulties.
    fn log_prior_density(&self, alpha: &[f64], lb: &[f64]) -> f64 {
        let a: f64 = alpha
            .iter()
            .map(|&a| -0.5 * (a - self.mu_a).powi(2) - HALF_LN_2PI)
            .sum();
        let b: f64 = lb
            .iter()
            .map(|&b| -0.5 * (b - self.mu_b).powi(2) - HALF_LN_2PI)
            .sum();
        a + b
    }
}

impl Estimator for GladParams {
    type Model = GladModel;

    /// Fits GLAD by EM (see the [module docs](super)).
    ///
    /// # Errors
    /// Invalid parameters; no judgment or fewer than two observed classes
    /// ([`Error::InsufficientData`]); a non-finite objective ([`Error::Numerical`]).
    fn fit(&self, m: &JudgmentMatrix) -> Result<GladModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// One progress unit per EM iteration (`max_iter` announced); interruption is checked before each iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<GladModel> {
        self.validate()?;
        progress.start("glad", Some(self.max_iter as u64));
        let r = self.fit_run(m, progress);
        progress.finish();
        r
    }
}

impl GladParams {
    /// The fit of [`Estimator::fit_with_progress`] (parameters already validated).
    fn fit_run(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<GladModel> {
        let (observed, k_obs) = crate::common::observed_classes(m, "glad")?;
        let (n, w, k) = (m.n_items(), m.n_workers(), m.n_classes());
        let log_prior: Vec<f64> = observed
            .iter()
            .map(|&o| {
                if o {
                    -(k_obs as f64).ln()
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        let ctx = Ctx {
            offsets: m.item_offsets(),
            workers: m.judgment_workers(),
            classes: m.judgment_classes(),
            m,
            k,
            ln_km1: ((k_obs - 1) as f64).ln(),
            log_prior,
            mu_a: self.alpha_prior_mean,
            mu_b: self.log_beta_prior_mean,
            wpos: inverse_permutation(m.worker_positions()),
            wt: m
                .worker_positions()
                .iter()
                .map(|&p| m.judgment_items()[p as usize])
                .collect(),
            rec: (0..m.n_judgments()).map(|_| Rec::default()).collect(),
        };
        let mut alpha = vec![self.alpha_prior_mean; w];
        let mut lb = vec![self.log_beta_prior_mean; n];
        let mut eb = vec![self.log_beta_prior_mean.exp(); n];
        let mut q = vec![0.0; n * k];
        let mut partial = vec![0.0; n.div_ceil(CHUNK)];
        let per = 1.0 / m.n_judgments() as f64;

        let ll = ctx.item_pass(&alpha, None, &mut lb, &mut eb, &mut q, &mut partial);
        let mut prev = (ll + ctx.log_prior_density(&alpha, &lb)) * per;
        let mut report = FitReport::default();
        for it in 1..=self.max_iter {
            progress.check()?;
            ctx.alpha_block(&mut alpha, &eb, self.newton_steps);
            let steps = Some(self.newton_steps);
            let ll = ctx.item_pass(&alpha, steps, &mut lb, &mut eb, &mut q, &mut partial);
            let obj = (ll + ctx.log_prior_density(&alpha, &lb)) * per;
            if !obj.is_finite() {
                return Err(Error::Numerical {
                    context: "glad".into(),
                    iteration: Some(it),
                    message: format!("the objective is {obj}"),
                });
            }
            report.objective.push(obj);
            report.iterations = it;
            progress.advance(1);
            if let Some(reason) = StopReason::from_change(prev, obj, self.tol) {
                report.stop(reason);
                break;
            }
            prev = obj;
        }

        // The final E-step left `e = exp(−|x|)` of every judgment in its record, at
        // the returned abilities and difficulties: `exp(−x)` itself when `x >= 0`.
        let offs = m.worker_offsets();
        let accuracy: Vec<f64> = (0..w)
            .into_par_iter()
            .map(|wk| {
                let range = offs[wk]..offs[wk + 1];
                if range.is_empty() {
                    return f64::NAN;
                }
                let a = alpha[wk];
                let s: f64 = ctx.rec[range.clone()]
                    .iter()
                    .zip(&ctx.wt[range.clone()])
                    .map(|(r, &t)| {
                        let x = a * eb[t as usize];
                        if x >= 0.0 {
                            1.0 / (1.0 + r.e())
                        } else {
                            1.0 / (1.0 + (-x).exp())
                        }
                    })
                    .sum();
                s / range.len() as f64
            })
            .collect();
        let priors = ctx
            .log_prior
            .iter()
            .map(|&l| if l.is_finite() { l.exp() } else { 0.0 })
            .collect::<Vec<_>>();
        Ok(GladModel {
            posteriors: Array2::from_shape_vec((n, k), q)
                .expect("q has n_items * n_classes values"),
            alpha: Array1::from(alpha),
            log_beta: Array1::from(lb),
            class_priors: Array1::from(priors),
            accuracy: Array1::from(accuracy),
            report,
        })
    }
}

#[cfg(test)]
mod tests;
