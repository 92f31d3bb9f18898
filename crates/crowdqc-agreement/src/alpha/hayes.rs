//! Hayes & Krippendorff (2007) bootstrap of alpha: resampling pairs of values from
//! the observed coincidences, with the expected disagreement held fixed.

use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{alpha_sums, prepare};
use crate::bootstrap::{BootstrapOptions, BootstrapSummary, reporting, run_replicates, summarize};
use crate::counts::ItemCounts;
use crate::weights::Level;

/// Largest number of categories for which the coincidence matrix is held densely.
const MAX_DENSE: usize = 4096;

/// Result of the Hayes–Krippendorff bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct HayesKrippendorff {
    /// Number of pairs drawn per replicate (`M`).
    pub pairs_per_replicate: usize,
    /// The bootstrap distribution summary (percentile interval, `P(α < t)` for the
    /// requested thresholds).
    pub summary: BootstrapSummary,
}

/// Hayes & Krippendorff (2007), "Answering the call for a standard reliability
/// measure for coding data", *Communication Methods and Measures* 1(1):77–89; the
/// algorithm of Hayes's KALPHA macro and of R `kripp.boot`:
///
/// 1. from the coincidence matrix `o_ck`, the probability of each unordered pair of
///    values is `o_cc / n..` on the diagonal and `2 o_ck / n..` off it;
/// 2. each replicate draws `M = min(25 · #{o_ck ≠ 0}, (m_max − 1) n.. / 2)` pairs
///    (`m_max` the largest number of values in a unit) and computes
///    `α* = 1 − Σ δ² / (M · D_e)` with `D_e` of the data held fixed, clipped at −1;
/// 3. replicates equal to 1 are set to 0 when only one value occurs on the diagonal,
///    and up to `round(R · Σ_c (o_cc/n..)^M)` of them otherwise (the correction for
///    samples without variation, where α would be 0/0), the earliest first.
///
/// Replicate `r` uses `ChaCha8Rng` seeded with `opts.seed` on stream `r`; replicates
/// run in parallel and are kept in index order, so the result is bit-identical for
/// any number of threads. The summary includes `P(α* < t)` for `thresholds`
/// (Krippendorff recommends 0.667 and 0.800).
///
/// [`hayes_krippendorff_bootstrap_with_progress`] reports progress.
///
/// **What its interval is.** Each replicate is a sample of `M` pairs of values, not
/// of the data's units, and `D_e` is held fixed: `M` is capped at 25 per non-zero
/// coincidence cell whatever the size of the data, so on large data sets (thousands of
/// units, few categories) its interval describes a sample of at most a few hundred
/// pairs and is far wider than the item bootstrap of
/// [`bootstrap_counts`](crate::bootstrap_counts), which resamples all the units.
///
/// # Errors
/// `bootstrap`: `opts` invalid (0 replicates, level outside (0, 1)); `level` as in
/// [`krippendorff_alpha`](crate::krippendorff_alpha); insufficient data when alpha is
/// undefined on the data or there are more than 4096 categories.
pub fn hayes_krippendorff_bootstrap(
    data: &ItemCounts,
    level: Level,
    opts: &BootstrapOptions,
    thresholds: &[f64],
) -> Result<HayesKrippendorff> {
    hayes_inner(data, level, opts, thresholds, &NoProgress)
}

/// [`hayes_krippendorff_bootstrap`] reporting progress as
/// [`bootstrap_items_with_progress`](crate::bootstrap_items_with_progress); the result
/// is bit-identical.
///
/// # Errors
/// As [`hayes_krippendorff_bootstrap`]; `Error::Interrupted` when interrupted.
pub fn hayes_krippendorff_bootstrap_with_progress(
    data: &ItemCounts,
    level: Level,
    opts: &BootstrapOptions,
    thresholds: &[f64],
    progress: &dyn Progress,
) -> Result<HayesKrippendorff> {
    reporting(progress, "bootstrap", opts.replicates, || {
        hayes_inner(data, level, opts, thresholds, progress)
    })
}

fn hayes_inner(
    data: &ItemCounts,
    level: Level,
    opts: &BootstrapOptions,
    thresholds: &[f64],
    progress: &dyn Progress,
) -> Result<HayesKrippendorff> {
    opts.validate()?;
    let (data, mut metric) = prepare(data, level)?;
    let data = data.as_ref();
    let q = data.n_categories();
    if q > MAX_DENSE {
        return Err(Error::insufficient(format!(
            "the Hayes-Krippendorff bootstrap holds a dense coincidence matrix; {q} categories exceed {MAX_DENSE}"
        )));
    }
    let sums = alpha_sums(data, &mut metric, None, &mut Vec::new());
    let est = sums.alpha();
    if let Some(u) = est.undefined_reason() {
        return Err(Error::insufficient(format!("alpha is undefined: {u}")));
    }
    let nn = sums.n_dot;
    let de = sums.de_sum / (nn * (nn - 1.0));
    // Coincidence matrix.
    let mut o = vec![0.0; q * q];
    let mut m_max = 0u32;
    for i in 0..data.n_items() {
        let m = data.total(i);
        if m < 2 {
            continue;
        }
        m_max = m_max.max(m);
        let (class, count) = data.item_slices(i);
        let d = (m as f64 - 1.0) / data.weight(i);
        for (&a, &ca) in class.iter().zip(count) {
            for (&b, &cb) in class.iter().zip(count) {
                let v = if a == b {
                    ca as f64 * (ca as f64 - 1.0)
                } else {
                    ca as f64 * cb as f64
                };
                o[a as usize * q + b as usize] += v / d;
            }
        }
    }
    let mut cum = Vec::new();
    let mut cell_delta = Vec::new();
    let mut acc = 0.0;
    let mut nonzero = 0usize;
    let mut diag_nonzero = 0usize;
    let mut diag_pow = Vec::new();
    for c in 0..q {
        for k in c..q {
            let v = o[c * q + k];
            if v <= 0.0 {
                continue;
            }
            nonzero += if c == k { 1 } else { 2 };
            let p = if c == k {
                diag_nonzero += 1;
                diag_pow.push(v / nn);
                v / nn
            } else {
                2.0 * v / nn
            };
            acc += p;
            cum.push(acc);
            cell_delta.push(metric.delta(c, k));
        }
    }
    let m_pairs = ((25 * nonzero) as f64)
        .min((m_max as f64 - 1.0) * nn / 2.0)
        .floor()
        .max(1.0) as usize;
    let total = acc;
    let mut alphas: Vec<f64> = run_replicates(
        opts.replicates,
        progress,
        || (),
        |r, ()| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(r as u64);
            let mut s = 0.0;
            for _ in 0..m_pairs {
                let u = rng.random::<f64>() * total;
                let j = cum.partition_point(|&c| c < u).min(cum.len() - 1);
                s += cell_delta[j];
            }
            (1.0 - s / (m_pairs as f64 * de)).max(-1.0)
        },
    )?;
    // Correction for replicates without variation (alpha = 1 - 0/0).
    if diag_nonzero == 1 {
        alphas
            .iter_mut()
            .filter(|a| **a == 1.0)
            .for_each(|a| *a = 0.0);
    } else {
        let nx = (opts.replicates as f64
            * diag_pow
                .iter()
                .map(|p| p.powi(m_pairs.min(i32::MAX as usize) as i32))
                .sum::<f64>())
        .round() as usize;
        alphas
            .iter_mut()
            .filter(|a| **a == 1.0)
            .take(nx)
            .for_each(|a| *a = 0.0);
    }
    let summary = summarize(alphas, 0, opts, thresholds);
    Ok(HayesKrippendorff {
        pairs_per_replicate: m_pairs,
        summary,
    })
}
