//! Seeded, parallel bootstrap over items (subjects), identical for any thread count.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

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
    /// `bootstrap` when `replicates` is 0; `confidence` when `level` is not in (0, 1).
    pub fn validate(&self) -> Result<()> {
        if self.replicates == 0 {
            return Err(Error::param(
                "bootstrap",
                "the number of replicates must be >= 1, got 0",
            ));
        }
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

/// A generic nonparametric bootstrap over `n_items` items: replicate `r` resamples
/// the items with replacement (multiplicities drawn from `ChaCha8Rng` seeded with
/// `opts.seed` on stream `r`) and calls `stat(multiplicities, scratch)`; `None` means
/// undefined on that replicate. Replicates run in parallel on rayon's current pool
/// and are collected in index order, so the result is bit-identical for any number
/// of threads.
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
    let reps: Vec<Option<f64>> = (0..opts.replicates)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n_items], init()),
            |(mult, s), r| {
                draw_multiplicities(opts.seed, r, mult);
                stat(mult, s).filter(|v| v.is_finite())
            },
        )
        .collect();
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
            return bootstrap_items(
                data.n_items(),
                opts,
                thresholds,
                || (metric.clone(), Vec::new(), Vec::new()),
                |mult, (m, marg, scratch)| items.value(data, m, mult, marg, scratch),
            );
        }
        CountsCoefficient::PercentAgreement => Family::Percent,
        CountsCoefficient::FleissKappa => Family::Fleiss,
        CountsCoefficient::GwetAc => Family::Gwet,
        CountsCoefficient::BrennanPrediger => Family::BrennanPrediger,
    };
    bootstrap_items(
        data.n_items(),
        opts,
        thresholds,
        || (),
        |mult, _| multi_value(family, data, w, Some(mult)).value(),
    )
}
