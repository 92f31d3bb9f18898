//! Dispatch from [`PairwiseParams`] to the methods, the baselines (Elo, win rate) and
//! the seeded bootstrap.

use crowdqc_core::Result;
use crowdqc_core::progress::Progress;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::bt;
use crate::crowd::{self, Kind};
use crate::data::Comparisons;
use crate::model::{FitReport, PairwiseFit, StderrKind};
use crate::params::{Method, PairwiseParams};

/// What a method returns before it is turned into a [`PairwiseFit`].
#[derive(Debug, Default)]
pub(crate) struct Raw {
    /// Strengths `p` (BT family) — scores derive from them.
    pub strengths: Option<Vec<f64>>,
    /// Scores on the method's own scale (baselines).
    pub scores: Option<Vec<f64>>,
    /// Diagonal of the observed information of the log-strengths.
    pub info: Option<Vec<f64>>,
    /// Standard errors of the scores (baselines that have them).
    pub score_se: Option<Vec<f64>>,
    pub reliability: Option<Vec<f64>>,
    pub bias: Option<Vec<f64>>,
    pub tie_param: Option<f64>,
    pub log_likelihood: Option<f64>,
    pub objective: Vec<f64>,
    pub iterations: usize,
    pub converged: bool,
}

impl Raw {
    pub fn strengths(p: Vec<f64>, info: Vec<f64>, iterations: usize, converged: bool) -> Self {
        Raw {
            strengths: Some(p),
            info: Some(info),
            iterations,
            converged,
            ..Raw::default()
        }
    }
}

fn run(params: &PairwiseParams, data: &Comparisons, progress: &dyn Progress) -> Result<Raw> {
    let (it, tol, prior) = (
        params.iterations(),
        params.tolerance(),
        params.prior_strength(),
    );
    match params.method {
        Method::Bt => bt::bradley_terry(data, it, tol, prior, progress),
        Method::BtTies => bt::davidson(data, it, tol, prior, progress),
        Method::CrowdBt | Method::NoisyBt => crowd::fit(
            data,
            &crowd::Config {
                kind: if params.method == Method::CrowdBt {
                    Kind::Crowd
                } else {
                    Kind::Noisy
                },
                max_iter: it,
                tol,
                prior,
                beta: params.reliability_prior,
            },
            progress,
        ),
        Method::Elo => Ok(elo(data, params.elo_k)),
        Method::WinRate => Ok(win_rate(data)),
    }
}

/// Fits `params` to `data`, reporting iterations (then bootstrap replicates) to
/// `progress` and stopping with [`Error::Interrupted`](crowdqc_core::Error::Interrupted)
/// at the next iteration or replicate once it asks to.
pub(crate) fn fit(
    params: &PairwiseParams,
    data: &Comparisons,
    progress: &dyn Progress,
) -> Result<PairwiseFit> {
    if data.is_empty() {
        return Ok(PairwiseFit::empty(params.method, data));
    }
    progress.start(params.method.name(), Some(params.iterations() as u64));
    let raw = run(params, data, progress);
    progress.finish();
    let raw = raw?;
    let boot = if params.bootstrap > 0 && raw.strengths.is_some() {
        progress.start("bootstrap", Some(params.bootstrap as u64));
        let b = bootstrap(params, data, progress);
        progress.finish();
        Some(b?)
    } else {
        None
    };
    let report = FitReport {
        iterations: raw.iterations,
        converged: raw.converged,
        log_likelihood: raw.log_likelihood,
        objective: raw.objective.clone(),
        tie_parameter: raw.tie_param,
        ties_ignored: if params.method.has_reliability() {
            data.report.ties
        } else {
            0
        },
        stderr: match (&boot, &raw.info, &raw.score_se) {
            (Some(_), _, _) => StderrKind::Bootstrap {
                replicates: params.bootstrap,
                seed: params.seed,
            },
            (None, Some(_), _) => StderrKind::ObservedInformation,
            (None, None, Some(_)) => StderrKind::Binomial,
            _ => StderrKind::None,
        },
    };
    Ok(PairwiseFit::new(params.method, data, raw, boot, report))
}

/// Standard deviation over `params.bootstrap` resamples of each item's log-strength.
/// Replicate `b` draws from its own ChaCha8 generator seeded from (seed, b), so replicates can run in
/// any order on any number of threads.
fn bootstrap(
    params: &PairwiseParams,
    data: &Comparisons,
    progress: &dyn Progress,
) -> Result<Vec<f64>> {
    let n = data.len();
    let inner = PairwiseParams {
        bootstrap: 0,
        ..params.clone()
    };
    let reps: Vec<Vec<f64>> = (0..params.bootstrap)
        .into_par_iter()
        .map(|b| {
            progress.check()?;
            let mut rng = ChaCha8Rng::seed_from_u64(
                params
                    .seed
                    .wrapping_add((b as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            );
            let mut c = data.clone();
            for k in 0..n {
                let j = rng.random_range(0..n);
                c.left[k] = data.left[j];
                c.right[k] = data.right[j];
                c.worker[k] = data.worker[j];
                c.outcome[k] = data.outcome[j];
            }
            c.report.ties = c
                .outcome
                .iter()
                .filter(|&&o| o == crate::Outcome::Tie)
                .count() as u64;
            let raw = run(&inner, &c, &crowdqc_core::progress::NoProgress)?;
            progress.advance(1);
            Ok(raw
                .strengths
                .unwrap_or_default()
                .into_iter()
                .map(f64::ln)
                .collect())
        })
        .collect::<Result<_>>()?;
    let items = data.n_items();
    Ok((0..items)
        .map(|i| {
            let v: Vec<f64> = reps
                .iter()
                .map(|r| r[i])
                .filter(|x| x.is_finite())
                .collect();
            if v.len() < 2 {
                return f64::NAN;
            }
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
        })
        .collect())
}

/// Elo ratings: start at 1500, process comparisons in input order,
/// `r_l += K (S_l − E_l)`, `r_r −= K (S_l − E_l)` with
/// `E_l = 1 / (1 + 10^((r_r − r_l)/400))` and `S_l` 1, 0 or ½ (tie).
fn elo(c: &Comparisons, k_factor: f64) -> Raw {
    let mut r = vec![1500.0; c.n_items()];
    for k in 0..c.len() {
        let (l, rr) = (c.left[k] as usize, c.right[k] as usize);
        let e = 1.0 / (1.0 + 10f64.powf((r[rr] - r[l]) / 400.0));
        let d = k_factor * (c.outcome[k].left_score() - e);
        r[l] += d;
        r[rr] -= d;
    }
    Raw {
        scores: Some(r),
        iterations: 1,
        converged: true,
        ..Raw::default()
    }
}

/// Share of comparisons won (ties count half), with the binomial standard error
/// `√(s(1−s)/n)`.
fn win_rate(c: &Comparisons) -> Raw {
    let w = bt::wins(c);
    let n = c.item_counts();
    let s: Vec<f64> = w.iter().zip(&n).map(|(&w, &n)| w / n as f64).collect();
    let se = s
        .iter()
        .zip(&n)
        .map(|(&s, &n)| (s * (1.0 - s) / n as f64).sqrt())
        .collect();
    Raw {
        scores: Some(s),
        score_se: Some(se),
        iterations: 1,
        converged: true,
        ..Raw::default()
    }
}
