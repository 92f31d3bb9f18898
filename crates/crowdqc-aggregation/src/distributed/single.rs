//! A single-machine fit through the sharded code (one shard): the exact-sums option of
//! [`DawidSkene`](crate::DawidSkene) and [`OneCoinDawidSkene`](crate::OneCoinDawidSkene),
//! and the mapping of warm-start parameters onto a matrix.

use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, JudgmentMatrix, Result};

use super::driver::{DsConfig, fit_shards_with};
use super::params::DsParams;
use super::shard::Shard;
use crate::common::ActiveClasses;
use crate::em::EmResult;

/// Checks that warm-start parameters are over the matrix's workers and classes.
pub(crate) fn check_warm(m: &JudgmentMatrix, p: &DsParams) -> Result<()> {
    if (p.n_workers, p.k) != (m.n_workers(), m.n_classes()) {
        return Err(Error::param(
            "params",
            format!(
                "warm-start parameters over {} workers x {} classes do not match the matrix \
                 ({} workers x {} classes); map them onto the matrix's worker and class \
                 codes first (new workers need a row)",
                p.n_workers,
                p.k,
                m.n_workers(),
                m.n_classes()
            ),
        ));
    }
    Ok(())
}

/// Warm-start parameters (matrix workers and classes) over the active classes: the
/// confusion `[w][observed][true]` in matrix worker order, and the priors.
pub(crate) fn warm_active(p: &DsParams, active: &ActiveClasses) -> (Vec<f64>, Vec<f64>) {
    let (n, k) = (p.k, active.len());
    let mut conf = vec![0.0; p.n_workers * k * k];
    for w in 0..p.n_workers {
        for (l, &ml) in active.to_matrix.iter().enumerate() {
            for (c, &mc) in active.to_matrix.iter().enumerate() {
                conf[(w * k + l) * k + c] = p.confusion[(w * n + mc as usize) * n + ml as usize];
            }
        }
    }
    let priors = active
        .to_matrix
        .iter()
        .map(|&c| p.priors[c as usize])
        .collect();
    (conf, priors)
}

/// Fits the matrix as one shard (fixed-point sums) and returns the result in the
/// engine's layout (active classes, matrix worker order).
pub(crate) fn fit_matrix(
    m: &JudgmentMatrix,
    active: &ActiveClasses,
    cfg: &DsConfig,
    clamp_gold: bool,
    warm: Option<&DsParams>,
    method: &'static str,
    progress: &dyn Progress,
) -> Result<EmResult> {
    let (shard, by_rank) = Shard::from_matrix(m, active, clamp_gold);
    let k = active.len();
    let kk = k * k;
    let warm = warm.map(|p| {
        let (conf_wlc, priors) = warm_active(p, active);
        // [w][observed][true] in matrix order → [rank][true][observed]
        let mut confusion = vec![0.0; m.n_workers() * kk];
        for (r, &w) in by_rank.iter().enumerate() {
            for l in 0..k {
                for c in 0..k {
                    confusion[r * kk + c * k + l] = conf_wlc[w as usize * kk + l * k + c];
                }
            }
        }
        DsParams {
            n_workers: m.n_workers(),
            k,
            priors,
            confusion,
        }
    });
    progress.start(method, Some(cfg.max_iter as u64));
    let r = fit_shards_with(std::slice::from_ref(&shard), cfg, warm, progress);
    progress.finish();
    let (fit, mut qs) = r?;
    let q = qs.pop().expect("one shard");
    let mut conf = vec![0.0; m.n_workers() * kk];
    for (r, &w) in by_rank.iter().enumerate() {
        for l in 0..k {
            for c in 0..k {
                conf[w as usize * kk + l * k + c] = fit.params.confusion[r * kk + c * k + l];
            }
        }
    }
    Ok(EmResult {
        q: Some(q),
        last_pass: None,
        priors: fit.params.priors,
        conf,
        report: fit.report,
        log_likelihood: fit.log_likelihood,
    })
}
