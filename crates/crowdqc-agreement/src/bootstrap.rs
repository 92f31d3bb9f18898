//! Seeded, parallel bootstrap over items (subjects), identical for any thread count.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, Result};

use crate::alpha::{AlphaItems, prepare};
use crate::counts::ItemCounts;
use crate::multi::{Family, value as multi_value};
use crate::stats::quantile_sorted;
use crate::weights::{Level, WeightMatrix};

/// Options of a bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapOptions {
    /// Number of replicates (≥ 1; 1,000 is a common choice).
    pub replicates: usize,
    /// Master seed; replicate `r` uses `ChaCha8Rng::seed_from_u64(seed)` on stream `r`.
    pub seed: u64,
    /// Confidence level of the percentile interval, in (0, 1); default 0.95.
    pub level: f64,
}

/// The most bootstrap replicates accepted: a million percentile draws pin a 95%
/// interval's ends to about ±0.0004 in probability, and every replicate costs a pass
/// over the items, so more is work without information (and a typo such as 1e9 would
/// run for days).
pub const MAX_BOOTSTRAP_REPLICATES: usize = 1_000_000;

/// Checks a bootstrap replicate count: in `1..=MAX_BOOTSTRAP_REPLICATES`.
///
/// # Errors
/// [`Error::InvalidParameter`] naming `bootstrap`, the bound and why.
pub fn check_replicates(replicates: usize) -> Result<()> {
    if replicates == 0 {
        return Err(Error::param(
            "bootstrap",
            "the number of replicates must be >= 1, got 0",
        ));
    }
    if replicates > MAX_BOOTSTRAP_REPLICATES {
        return Err(Error::param(
            "bootstrap",
            format!(
                "at most {MAX_BOOTSTRAP_REPLICATES} replicates, got {replicates}: each replicate is a \
                 pass over every item, and beyond a million the percentile interval no \
                 longer changes"
            ),
        ));
    }
    Ok(())
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            replicates: 1000,
            seed: 0,
            level: 0.95,
        }
    }
}

impl BootstrapOptions {
    /// Checks the options.
    ///
    /// # Errors
    /// `bootstrap` when `replicates` is 0 or above [`MAX_BOOTSTRAP_REPLICATES`]; `confidence` when `level` is not in (0, 1).
    pub fn validate(&self) -> Result<()> {
        check_replicates(self.replicates)?;
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::param(
                "confidence",
                format!("must be in (0, 1), got {}", self.level),
            ));
        }
        Ok(())
    }
}

/// Summary of a bootstrap distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapSummary {
    /// Replicates drawn.
    pub replicates: usize,
    /// Replicates on which the coefficient was undefined (left out of the summary).
    pub undefined: usize,
    /// Mean of the defined replicates.
    pub mean: f64,
    /// Standard deviation of the defined replicates (the bootstrap SE).
    pub se: f64,
    /// Lower bound of the percentile interval (type-7 quantile at `(1 − level)/2`).
    pub ci_low: f64,
    /// Upper bound of the percentile interval.
    pub ci_high: f64,
    /// `(t, P(value < t))` for each requested threshold.
    pub p_below: Vec<(f64, f64)>,
    /// The defined replicate values, sorted ascending.
    pub values: Vec<f64>,
}

/// Summarises replicate values (NaN-free) into a [`BootstrapSummary`].
pub(crate) fn summarize(
    mut values: Vec<f64>,
    undefined: usize,
    opts: &BootstrapOptions,
    thresholds: &[f64],
) -> BootstrapSummary {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let (mean, se, lo, hi) = if n == 0 {
        (f64::NAN, f64::NAN, f64::NAN, f64::NAN)
    } else {
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        let a = (1.0 - opts.level) / 2.0;
        (
            mean,
            var.sqrt(),
            quantile_sorted(&values, a),
            quantile_sorted(&values, 1.0 - a),
        )
    };
    let p_below = thresholds
        .iter()
        .map(|&t| {
            let below = values.partition_point(|&v| v < t);
            (
                t,
                if n == 0 {
                    f64::NAN
                } else {
                    below as f64 / n as f64
                },
            )
        })
        .collect();
    BootstrapSummary {
        replicates: undefined + n,
        undefined,
        mean,
        se,
        ci_low: lo,
        ci_high: hi,
        p_below,
        values,
    }
}

/// Draws the item multiplicities of replicate `r` into `mult` (length = items).
pub(crate) fn draw_multiplicities(seed: u64, r: usize, mult: &mut [u32]) {
    let n = mult.len();
    mult.iter_mut().for_each(|m| *m = 0);
    if n == 0 {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(r as u64);
    // Item indices fit in u32 (items are u32 codes); drawing u32 halves the random
    // bytes consumed per draw.
    let n32 = u32::try_from(n).expect("bootstrap_items checked n_items <= u32::MAX");
    for _ in 0..n {
        mult[rng.random_range(0..n32) as usize] += 1;
    }
}

/// Replicates run between two progress reports: the interruption check and
/// [`Progress::advance`] happen on the calling thread between blocks of at least this
/// many replicates (8 per thread, or 1% of them, when that is more), never inside a
/// replicate.
const BLOCK: usize = 64;

/// Runs `f(r, scratch)` for `r` in `0..n` in parallel on rayon's current pool and
/// returns the results in index order (bit-identical for any thread count). Between
/// blocks of replicates it reports them to `progress` and stops with
/// [`Error::Interrupted`] when asked to.
pub(crate) fn run_replicates<T, S, I, F>(
    n: usize,
    progress: &dyn Progress,
    init: I,
    f: F,
) -> Result<Vec<T>>
where
    T: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(usize, &mut S) -> T + Sync + Send,
{
    // Blocks only decide when progress is reported: every replicate draws from its
    // own stream and results are kept in index order, so any block size gives the
    // same values.
    let block = BLOCK
        .max(8 * rayon::current_num_threads())
        .max(n.div_ceil(100));
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        progress.check()?;
        let end = (start + block).min(n);
        out.par_extend((start..end).into_par_iter().map_init(&init, |s, r| f(r, s)));
        progress.advance((end - start) as u64);
        start = end;
    }
    Ok(out)
}

/// Runs one long operation under `progress`: [`Progress::start`], the body, then
/// [`Progress::finish`] whatever the outcome.
pub(crate) fn reporting<T>(
    progress: &dyn Progress,
    what: &str,
    total: usize,
    body: impl FnOnce() -> Result<T>,
) -> Result<T> {
    progress.start(what, Some(total as u64));
    let r = body();
    progress.finish();
    r
}

/// Forwards [`Progress::advance`] and [`Progress::interrupted`] to the inner
/// progress and ignores `start` / `finish`: several bootstraps under one bar.
pub(crate) struct Within<'a>(pub &'a dyn Progress);

impl Progress for Within<'_> {
    fn advance(&self, n: u64) {
        self.0.advance(n);
    }

    fn interrupted(&self) -> bool {
        self.0.interrupted()
    }
}

/// A generic nonparametric bootstrap over `n_items` items: replicate `r` resamples
/// the items with replacement (multiplicities drawn from `ChaCha8Rng` seeded with
/// `opts.seed` on stream `r`) and calls `stat(multiplicities, scratch)`; `None` means
/// undefined on that replicate. Replicates run in parallel on rayon's current pool
/// and are collected in index order, so the result is bit-identical for any number
/// of threads. [`bootstrap_items_with_progress`] reports progress.
///
/// # Errors
/// As [`BootstrapOptions::validate`]; insufficient data when `n_items` is 0;
/// `n_items` above `u32::MAX`.
pub fn bootstrap_items<S, I, F>(
    n_items: usize,
    opts: &BootstrapOptions,
    thresholds: &[f64],
    init: I,
    stat: F,
) -> Result<BootstrapSummary>
where
    I: Fn() -> S + Sync + Send,
    F: Fn(&[u32], &mut S) -> Option<f64> + Sync + Send,
{
    items_inner(n_items, opts, thresholds, init, stat, &NoProgress)
}

/// [`bootstrap_items`] reporting replicates to `progress` (`start("bootstrap",
/// replicates)`, `advance` between blocks of replicates, `finish`) and stopping
/// between blocks when [`Progress::interrupted`] is true. The result is
/// bit-identical to [`bootstrap_items`].
///
/// # Errors
/// As [`bootstrap_items`]; [`Error::Interrupted`] when interrupted.
pub fn bootstrap_items_with_progress<S, I, F>(
    n_items: usize,
    opts: &BootstrapOptions,
    thresholds: &[f64],
    init: I,
    stat: F,
    progress: &dyn Progress,
) -> Result<BootstrapSummary>
where
    I: Fn() -> S + Sync + Send,
    F: Fn(&[u32], &mut S) -> Option<f64> + Sync + Send,
{
    reporting(progress, "bootstrap", opts.replicates, || {
        items_inner(n_items, opts, thresholds, init, stat, progress)
    })
}

pub(crate) fn items_inner<S, I, F>(
    n_items: usize,
    opts: &BootstrapOptions,
    thresholds: &[f64],
    init: I,
    stat: F,
    progress: &dyn Progress,
) -> Result<BootstrapSummary>
where
    I: Fn() -> S + Sync + Send,
    F: Fn(&[u32], &mut S) -> Option<f64> + Sync + Send,
{
    opts.validate()?;
    if n_items == 0 {
        return Err(Error::insufficient("the bootstrap needs at least one item"));
    }
    if u32::try_from(n_items).is_err() {
        return Err(Error::param(
            "n_items",
            format!(
                "must be at most {} (item codes are u32), got {n_items}",
                u32::MAX
            ),
        ));
    }
    let reps = run_replicates(
        opts.replicates,
        progress,
        || (vec![0u32; n_items], init()),
        |r, (mult, s)| {
            draw_multiplicities(opts.seed, r, mult);
            stat(mult, s).filter(|v| v.is_finite())
        },
    )?;
    let undefined = reps.iter().filter(|v| v.is_none()).count();
    let values = reps.into_iter().flatten().collect();
    Ok(summarize(values, undefined, opts, thresholds))
}

/// The most subject draws one bootstrap may make (`subjects × replicates`) on data
/// whose items stand for many subjects (a contingency table): each replicate draws
/// every subject, so the work grows with the counts. 10¹⁰ draws take minutes.
pub const MAX_BOOTSTRAP_DRAWS: u64 = 10_000_000_000;

/// Refuses a bootstrap drawing `subjects` per replicate beyond [`MAX_BOOTSTRAP_DRAWS`]
/// (or beyond `u32::MAX` subjects, the draw's range).
pub(crate) fn check_draws(subjects: u64, replicates: usize) -> Result<()> {
    let draws = subjects.saturating_mul(replicates as u64);
    if draws > MAX_BOOTSTRAP_DRAWS || subjects > u64::from(u32::MAX) {
        return Err(Error::param(
            "bootstrap",
            format!(
                "{replicates} replicates of {subjects} subjects are {draws} draws, more than \
                 the {MAX_BOOTSTRAP_DRAWS} a bootstrap may make (at most {} subjects); use \
                 fewer replicates, or the analytic standard errors (leave out --bootstrap), \
                 which take the same time for any count",
                u32::MAX
            ),
        ));
    }
    Ok(())
}

/// [`items_inner`] on counts whose items may stand for several subjects: each
/// replicate draws every subject (`Σ multiplicities` uniform draws mapped to their
/// stored item), which is the bootstrap of the expanded data without expanding it.
fn counts_items_inner<S, I, F>(
    data: &ItemCounts,
    opts: &BootstrapOptions,
    thresholds: &[f64],
    init: I,
    stat: F,
    progress: &dyn Progress,
) -> Result<BootstrapSummary>
where
    I: Fn() -> S + Sync + Send,
    F: Fn(&[u32], &mut S) -> Option<f64> + Sync + Send,
{
    let Some(base) = data.multiplicities() else {
        return items_inner(data.n_items(), opts, thresholds, init, stat, progress);
    };
    opts.validate()?;
    let n = data.n_subjects();
    if n == 0 {
        return Err(Error::insufficient("the bootstrap needs at least one item"));
    }
    check_draws(n, opts.replicates)?;
    let n32 = u32::try_from(n).map_err(|_| Error::param("bootstrap", "too many subjects"))?;
    // ends[j] = subjects in items 0..=j: a draw x in 0..n belongs to the first item
    // whose end exceeds it (subjects of an item are contiguous, as if expanded in
    // item order)
    let mut ends = Vec::with_capacity(base.len());
    let mut acc = 0u64;
    for &m in base {
        acc += m;
        ends.push(acc);
    }
    let reps = run_replicates(
        opts.replicates,
        progress,
        || (vec![0u32; base.len()], init()),
        |r, (mult, s)| {
            mult.iter_mut().for_each(|m| *m = 0);
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(r as u64);
            for _ in 0..n32 {
                let x = u64::from(rng.random_range(0..n32));
                mult[ends.partition_point(|&e| e <= x)] += 1;
            }
            stat(mult, s).filter(|v| v.is_finite())
        },
    )?;
    let undefined = reps.iter().filter(|v| v.is_none()).count();
    let values = reps.into_iter().flatten().collect();
    Ok(summarize(values, undefined, opts, thresholds))
}

/// The coefficients computed from [`ItemCounts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountsCoefficient {
    /// [`percent_agreement`](crate::percent_agreement).
    PercentAgreement,
    /// [`fleiss_kappa`](crate::fleiss_kappa).
    FleissKappa,
    /// [`gwet_ac`](crate::gwet_ac).
    GwetAc,
    /// [`brennan_prediger`](crate::brennan_prediger).
    BrennanPrediger,
    /// [`krippendorff_alpha`](crate::krippendorff_alpha) at a level (weights unused).
    KrippendorffAlpha(Level),
}

/// Bootstrap over items of a coefficient computed from [`ItemCounts`]. Works on the
/// per-item counts (no re-scan of judgments): each replicate costs
/// `O(items + Σ distinct categories per item)`.
///
/// [`bootstrap_counts_with_progress`] reports progress.
///
/// # Errors
/// As [`bootstrap_items`]; `weights` when `w` does not fit the data; `level` as in
/// [`krippendorff_alpha`](crate::krippendorff_alpha).
pub fn bootstrap_counts(
    data: &ItemCounts,
    coefficient: CountsCoefficient,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
    thresholds: &[f64],
) -> Result<BootstrapSummary> {
    counts_inner(data, coefficient, w, opts, thresholds, &NoProgress)
}

/// [`bootstrap_counts`] reporting progress as [`bootstrap_items_with_progress`]; the
/// result is bit-identical.
///
/// # Errors
/// As [`bootstrap_counts`]; [`Error::Interrupted`] when interrupted.
pub fn bootstrap_counts_with_progress(
    data: &ItemCounts,
    coefficient: CountsCoefficient,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
    thresholds: &[f64],
    progress: &dyn Progress,
) -> Result<BootstrapSummary> {
    reporting(progress, "bootstrap", opts.replicates, || {
        counts_inner(data, coefficient, w, opts, thresholds, progress)
    })
}

pub(crate) fn counts_inner(
    data: &ItemCounts,
    coefficient: CountsCoefficient,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
    thresholds: &[f64],
    progress: &dyn Progress,
) -> Result<BootstrapSummary> {
    if w.len() != data.n_categories() {
        return Err(Error::param(
            "weights",
            format!(
                "the weight matrix is {0}x{0} but the data have {1} categories",
                w.len(),
                data.n_categories()
            ),
        ));
    }
    let family = match coefficient {
        CountsCoefficient::KrippendorffAlpha(level) => {
            let (data, metric) = prepare(data, level)?;
            let data = data.as_ref();
            let items = AlphaItems::new(data, &metric);
            return counts_items_inner(
                data,
                opts,
                thresholds,
                || (metric.clone(), Vec::new(), Vec::new()),
                |mult, (m, marg, scratch)| items.value(data, m, mult, marg, scratch),
                progress,
            );
        }
        CountsCoefficient::PercentAgreement => Family::Percent,
        CountsCoefficient::FleissKappa => Family::Fleiss,
        CountsCoefficient::GwetAc => Family::Gwet,
        CountsCoefficient::BrennanPrediger => Family::BrennanPrediger,
    };
    counts_items_inner(
        data,
        opts,
        thresholds,
        || (),
        |mult, _| multi_value(family, data, w, Some(mult)).value(),
        progress,
    )
}
