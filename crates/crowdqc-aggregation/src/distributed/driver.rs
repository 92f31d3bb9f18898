//! The driver side: M-step, stopping rule and the loop over shards.

use std::f64::consts::LN_2;

use crowdqc_core::estimator::{FitReport, StopReason};
use crowdqc_core::{Error, Result};

use super::estep::{self, Prepared};
use super::fixed::from_fixed;
use super::params::{DsParams, DsStats};
use super::shard::Shard;
use crate::common::{EPS, check_max_iter, check_range, check_tol};
use crate::em::StopRule;

/// Which model the M-step fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DsMethod {
    /// Full confusion matrices (Dawid–Skene); `smoothing` > 0 adds a Dirichlet
    /// pseudo-count to every cell, 0 is crowd-kit's rule (floor 1e-10 over the labels
    /// a worker used).
    DawidSkene {
        /// Pseudo-count per cell, finite and `>= 0`.
        smoothing: f64,
    },
    /// One accuracy per worker, errors spread evenly (one-coin Dawid–Skene).
    OneCoin,
}

/// Settings of a sharded fit; the defaults are those of
/// [`DawidSkene::params`](crate::DawidSkene::params) and
/// [`OneCoinDawidSkene::params`](crate::OneCoinDawidSkene::params).
#[derive(Debug, Clone, PartialEq)]
pub struct DsConfig {
    pub(crate) method: DsMethod,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) stop: StopRule,
    pub(crate) priors: Option<Vec<f64>>,
}

impl DsConfig {
    /// Dawid–Skene with crowd-kit's defaults (`max_iter` 100, `tol` 1e-5, its stopping
    /// rule, estimated priors, no smoothing).
    pub fn dawid_skene() -> DsConfig {
        DsConfig {
            method: DsMethod::DawidSkene { smoothing: 0.0 },
            max_iter: 100,
            tol: 1e-5,
            stop: StopRule::CrowdKit,
            priors: None,
        }
    }

    /// One-coin Dawid–Skene with crowd-kit's defaults.
    pub fn one_coin() -> DsConfig {
        DsConfig {
            method: DsMethod::OneCoin,
            ..DsConfig::dawid_skene()
        }
    }

    /// Maximum EM iterations, `>= 1`.
    #[must_use]
    pub fn max_iter(mut self, v: usize) -> Self {
        self.max_iter = v;
        self
    }

    /// Stopping tolerance on the per-judgment objective, finite and `> 0`.
    #[must_use]
    pub fn tol(mut self, v: f64) -> Self {
        self.tol = v;
        self
    }

    /// The stopping rule (Dawid–Skene only; one-coin uses crowd-kit's).
    #[must_use]
    pub fn stop_rule(mut self, v: StopRule) -> Self {
        self.stop = v;
        self
    }

    /// Fixed class priors (one per class, summing to 1) instead of estimated ones.
    #[must_use]
    pub fn fixed_priors(mut self, v: Vec<f64>) -> Self {
        self.priors = Some(v);
        self
    }

    /// Dirichlet pseudo-count per confusion cell (Dawid–Skene only).
    #[must_use]
    pub fn smoothing(mut self, v: f64) -> Self {
        if let DsMethod::DawidSkene { smoothing } = &mut self.method {
            *smoothing = v;
        }
        self
    }

    /// The model fitted.
    pub fn method(&self) -> DsMethod {
        self.method
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `max_iter`, `tol`, `smoothing` or `priors`.
    pub fn validate(&self) -> Result<()> {
        check_max_iter("max_iter", self.max_iter)?;
        check_tol("tol", self.tol)?;
        if let DsMethod::DawidSkene { smoothing } = self.method {
            check_range("smoothing", smoothing, 0.0, f64::MAX)?;
        }
        if let Some(p) = &self.priors {
            if let Some(v) = p.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return Err(Error::param(
                    "priors",
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
            let s: f64 = p.iter().sum();
            if (s - 1.0).abs() > 1e-9 {
                return Err(Error::param("priors", format!("must sum to 1, got {s}")));
            }
        }
        Ok(())
    }
}

/// The majority-vote start of a shard: the statistics of crowd-kit's initial
/// posteriors (vote shares, ties split; gold one-hot when clamped).
///
/// # Errors
/// None today (kept fallible for stable signatures).
pub fn init_stats(shard: &Shard) -> Result<DsStats> {
    check_counts(shard)?;
    estep::init_pass(shard)
}

fn check_counts(shard: &Shard) -> Result<()> {
    if shard.counts.len() != shard.n_workers * shard.k {
        return Err(Error::param(
            "shard",
            "a shard read without its counts (Shard::read_codes) works only with \
             StatsStream; read it with Shard::read_file",
        ));
    }
    Ok(())
}

fn check_shapes(shard: &Shard, params: &DsParams) -> Result<()> {
    if (shard.n_workers, shard.k) != (params.n_workers, params.k) {
        return Err(Error::param(
            "params",
            format!(
                "parameters over {} workers x {} classes do not fit a shard coded with {} \
                 workers x {} classes; use the same global dictionaries",
                params.n_workers, params.k, shard.n_workers, shard.k
            ),
        ));
    }
    Ok(())
}

/// The E-step of a shard under `params`: its sufficient statistics (M-step sums,
/// prior sums, entropy, marginal log-likelihood of `params`).
///
/// # Errors
/// [`Error::InvalidParameter`] when the shapes differ; [`Error::Numerical`] for a
/// non-finite log-likelihood.
pub fn e_step(shard: &Shard, params: &DsParams) -> Result<DsStats> {
    check_shapes(shard, params)?;
    check_counts(shard)?;
    estep::pass(shard, &Prepared::new(params), None)
}

/// Adds `b` into `a` (exact; any order or grouping gives the same bits).
///
/// # Errors
/// As [`DsStats::merge`].
pub fn merge(a: &mut DsStats, b: &DsStats) -> Result<()> {
    a.merge(b)
}

/// The posteriors of a shard's items under `params`, `(n_items, k)` row-major, rows in
/// the shard's item order ([`Shard::items`]).
///
/// # Errors
/// As [`e_step`].
pub fn posteriors(shard: &Shard, params: &DsParams) -> Result<Vec<f64>> {
    check_shapes(shard, params)?;
    let mut q = vec![0.0; shard.n_items() * shard.k];
    estep::pass(shard, &Prepared::new(params), Some(&mut q))?;
    Ok(q)
}

/// The M-step: parameters from merged statistics (crowd-kit's rules; see
/// [`DawidSkene`](crate::DawidSkene) and [`OneCoinDawidSkene`](crate::OneCoinDawidSkene)).
///
/// # Errors
/// Invalid `cfg`; fixed priors of the wrong length; statistics without items.
pub fn m_step(stats: &DsStats, cfg: &DsConfig) -> Result<DsParams> {
    cfg.validate()?;
    let k = stats.k;
    if stats.n_items == 0 {
        return Err(Error::insufficient(
            "the merged statistics hold no item with judgments",
        ));
    }
    let priors = match &cfg.priors {
        Some(p) if p.len() != k => {
            return Err(Error::param(
                "priors",
                format!("needs one prior per class ({k}), got {}", p.len()),
            ));
        }
        Some(p) => p.clone(),
        None => stats
            .prior
            .iter()
            .map(|&v| from_fixed(v) / stats.n_items as f64)
            .collect(),
    };
    let kk = k * k;
    let mut confusion = vec![0.0; stats.n_workers * kk];
    let mut cw = vec![0.0; kk];
    for w in 0..stats.n_workers {
        let seen = |l: usize| stats.counts[w * k + l] > 0;
        for (dst, &v) in cw.iter_mut().zip(&stats.s[w * kk..(w + 1) * kk]) {
            *dst = from_fixed(v);
        }
        match cfg.method {
            DsMethod::OneCoin => {
                let n: u64 = stats.counts[w * k..(w + 1) * k].iter().sum();
                let hit: i128 = (0..k).map(|l| stats.s[w * kk + l * k + l]).sum();
                let sk = from_fixed(hit) / n.max(1) as f64;
                let off = (1.0 - sk) / (k - 1) as f64;
                for l in 0..k {
                    for c in 0..k {
                        let v = if l == c { sk } else { off };
                        cw[l * k + c] = v.clamp(EPS, 1.0 - EPS);
                    }
                }
            }
            DsMethod::DawidSkene { smoothing } => {
                for c in 0..k {
                    if smoothing > 0.0 {
                        let denom: f64 = (0..k).map(|l| cw[l * k + c] + smoothing).sum();
                        for l in 0..k {
                            cw[l * k + c] = (cw[l * k + c] + smoothing) / denom;
                        }
                    } else {
                        let mut denom = 0.0;
                        for l in (0..k).filter(|&l| seen(l)) {
                            let v = cw[l * k + c].max(EPS);
                            cw[l * k + c] = v;
                            denom += v;
                        }
                        for l in 0..k {
                            cw[l * k + c] = if seen(l) { cw[l * k + c] / denom } else { 0.0 };
                        }
                    }
                }
            }
        }
        for l in 0..k {
            for c in 0..k {
                confusion[w * kk + c * k + l] = cw[l * k + c];
            }
        }
    }
    Ok(DsParams {
        n_workers: stats.n_workers,
        k,
        priors,
        confusion,
    })
}

/// crowd-kit's per-judgment objective of the posteriors summed in `stats` under
/// `params` (the parameters of the M-step on `stats`).
fn objective(stats: &DsStats, params: &DsParams) -> f64 {
    let k = stats.k;
    let kk = k * k;
    let mut joint = 0.0;
    for w in 0..stats.n_workers {
        for l in 0..k {
            if stats.counts[w * k + l] == 0 {
                continue;
            }
            for c in 0..k {
                let s = from_fixed(stats.s[w * kk + l * k + c]);
                joint += s * params.confusion[w * kk + c * k + l].log2();
            }
        }
    }
    joint *= LN_2;
    for c in 0..k {
        joint += from_fixed(stats.weighted[c]) * params.priors[c].max(EPS).ln();
    }
    (joint + from_fixed(stats.entropy)) / stats.n_judgments.max(1) as f64
}

/// What [`DsDriver::update`] asks for next.
#[derive(Debug, Clone)]
pub enum Step {
    /// Run the E-step on every shard with these parameters, merge, call
    /// [`update`](DsDriver::update) again.
    Continue(DsParams),
    /// The fit is over.
    Done(DsFit),
}

/// A finished sharded fit.
#[derive(Debug, Clone)]
pub struct DsFit {
    /// The fitted parameters.
    pub params: DsParams,
    /// The parameters whose E-step gives the returned posteriors: call
    /// [`posteriors`] with these on every shard. With crowd-kit's stopping rule they
    /// are the previous iteration's (crowd-kit returns the posteriors its last M-step
    /// was computed from); with [`StopRule::LogLikelihood`], `params` itself.
    pub posterior_params: DsParams,
    /// Iterations, objective trace, stop reason (as a single-machine fit's).
    pub report: FitReport,
    /// Marginal log-likelihood after each E-step (see
    /// [`DawidSkeneModel::log_likelihood_trace`](crate::DawidSkeneModel::log_likelihood_trace)).
    pub log_likelihood: Vec<f64>,
}

/// The EM loop's state on the driver: feed it merged statistics, it answers with the
/// next parameters or the finished fit. The stopping rule, objective and iteration
/// count are those of the single-machine fit.
///
/// ```
/// # use crowdqc_aggregation::distributed::*;
/// # fn run(shards: &[Shard]) -> crowdqc_core::Result<DsFit> {
/// let merged = |f: &dyn Fn(&Shard) -> crowdqc_core::Result<DsStats>| {
///     let mut acc = f(&shards[0])?;
///     for s in &shards[1..] {
///         merge(&mut acc, &f(s)?)?;
///     }
///     Ok::<_, crowdqc_core::Error>(acc)
/// };
/// let mut driver = DsDriver::new(DsConfig::dawid_skene())?;
/// let mut params = driver.start(&merged(&|s| init_stats(s))?)?;
/// loop {
///     match driver.update(&merged(&|s| e_step(s, &params))?)? {
///         Step::Continue(p) => params = p,
///         Step::Done(fit) => return Ok(fit), // then posteriors(shard, &fit.posterior_params)
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DsDriver {
    cfg: DsConfig,
    /// The parameters of the last E-step requested.
    current: Option<DsParams>,
    /// Updates received so far.
    updates: usize,
    objective: Vec<f64>,
    loglik: Vec<f64>,
    previous: f64,
}

fn numerical(iteration: usize, what: &str) -> Error {
    Error::Numerical {
        context: "dawid-skene".into(),
        iteration: Some(iteration),
        message: format!("{what} is not finite; check the initial confusion and priors"),
    }
}

impl DsDriver {
    /// A driver for `cfg`.
    ///
    /// # Errors
    /// Invalid settings.
    pub fn new(cfg: DsConfig) -> Result<DsDriver> {
        cfg.validate()?;
        Ok(DsDriver {
            cfg,
            current: None,
            updates: 0,
            objective: Vec::new(),
            loglik: Vec::new(),
            previous: f64::NEG_INFINITY,
        })
    }

    /// Starts from the merged [`init_stats`]: returns the first parameters (M-step of
    /// the majority-vote posteriors) to run the E-step with.
    ///
    /// # Errors
    /// As [`m_step`].
    pub fn start(&mut self, init: &DsStats) -> Result<DsParams> {
        let p = m_step(init, &self.cfg)?;
        self.current = Some(p.clone());
        Ok(p)
    }

    /// Starts from given parameters instead (a warm start): they are the first
    /// parameters of the E-step (fixed priors, when set, replace theirs).
    ///
    /// # Errors
    /// Fixed priors of the wrong length.
    pub fn warm_start(&mut self, mut params: DsParams) -> Result<DsParams> {
        if let Some(p) = &self.cfg.priors {
            if p.len() != params.k {
                return Err(Error::param(
                    "priors",
                    format!("needs one prior per class ({}), got {}", params.k, p.len()),
                ));
            }
            params.priors = p.clone();
        }
        self.current = Some(params.clone());
        Ok(params)
    }

    /// The parameters of the last E-step requested.
    pub fn current(&self) -> Option<&DsParams> {
        self.current.as_ref()
    }

    /// Iterations completed.
    pub fn iterations(&self) -> usize {
        self.objective.len()
    }

    /// The iteration limit.
    pub fn max_iter(&self) -> usize {
        self.cfg.max_iter
    }

    /// Takes the merged statistics of the E-step with [`current`](Self::current).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] before [`start`](Self::start) or
    /// [`warm_start`](Self::warm_start); [`Error::Numerical`] for a non-finite
    /// log-likelihood or objective (naming the iteration); the M-step's errors.
    pub fn update(&mut self, stats: &DsStats) -> Result<Step> {
        Ok(match self.advance(stats)? {
            Some(fit) => Step::Done(fit),
            None => Step::Continue(self.current.clone().expect("the next parameters")),
        })
    }

    /// As [`update`](Self::update), without a copy of the next parameters: `None` means
    /// run the E-step with [`current`](Self::current) next (the driver holds one set of
    /// parameters between iterations, two during the M-step).
    ///
    /// # Errors
    /// As [`update`](Self::update).
    pub fn advance(&mut self, stats: &DsStats) -> Result<Option<DsFit>> {
        let Some(current) = self.current.take() else {
            return Err(Error::param(
                "driver",
                "call start or warm_start before update",
            ));
        };
        self.updates += 1;
        let ll = stats.log_likelihood();
        if !ll.is_finite() {
            return Err(numerical(self.updates, "the log-likelihood"));
        }
        self.loglik.push(ll);
        let n = stats.n_judgments.max(1) as f64;
        let rule = match self.cfg.method {
            DsMethod::OneCoin => StopRule::CrowdKit,
            DsMethod::DawidSkene { .. } => self.cfg.stop,
        };
        let it = self.objective.len() + 1;
        let (value, params, posterior_params) = match rule {
            StopRule::CrowdKit => {
                let next = m_step(stats, &self.cfg)?;
                let v = objective(stats, &next);
                if !v.is_finite() {
                    return Err(numerical(it, "the objective (per-judgment ELBO)"));
                }
                (v, next, current)
            }
            StopRule::LogLikelihood => {
                if self.updates == 1 {
                    // the statistics of the first parameters: their M-step is next
                    self.current = Some(m_step(stats, &self.cfg)?);
                    return Ok(None);
                }
                (ll / n, current.clone(), current)
            }
        };
        self.objective.push(value);
        let stop = StopReason::from_change(self.previous, value, self.cfg.tol);
        self.previous = value;
        let reason = match stop {
            Some(r) => Some(r),
            None if it >= self.cfg.max_iter => Some(StopReason::MaxIterations),
            None => None,
        };
        if let Some(reason) = reason {
            return Ok(Some(DsFit {
                params,
                posterior_params,
                report: FitReport::new(self.objective.len(), self.objective.clone(), reason),
                log_likelihood: self.loglik.clone(),
            }));
        }
        drop(posterior_params);
        let next = match rule {
            StopRule::CrowdKit => params,
            StopRule::LogLikelihood => m_step(stats, &self.cfg)?,
        };
        self.current = Some(next);
        Ok(None)
    }
}

/// Fits over in-process shards (the reference loop an engine adapter reproduces):
/// returns the fit and each shard's posteriors.
///
/// # Errors
/// No shard; shards coded with different dictionaries; the driver's errors.
pub fn fit_shards(
    shards: &[Shard],
    cfg: &DsConfig,
    warm: Option<DsParams>,
) -> Result<(DsFit, Vec<Vec<f64>>)> {
    fit_shards_with(shards, cfg, warm, &crowdqc_core::progress::NoProgress)
}

pub(crate) fn fit_shards_with(
    shards: &[Shard],
    cfg: &DsConfig,
    warm: Option<DsParams>,
    progress: &dyn crowdqc_core::progress::Progress,
) -> Result<(DsFit, Vec<Vec<f64>>)> {
    let Some(first) = shards.first() else {
        return Err(Error::insufficient("no shard to fit"));
    };
    let merged = |f: &dyn Fn(&Shard) -> Result<DsStats>| -> Result<DsStats> {
        let mut acc = f(first)?;
        for s in &shards[1..] {
            merge(&mut acc, &f(s)?)?;
        }
        Ok(acc)
    };
    let mut driver = DsDriver::new(cfg.clone())?;
    let mut params = match warm {
        Some(p) => driver.warm_start(p)?,
        None => driver.start(&merged(&init_stats)?)?,
    };
    loop {
        progress.check()?;
        let done = driver.iterations();
        let stats = merged(&|s| e_step(s, &params))?;
        let step = driver.update(&stats)?;
        progress.advance((driver.iterations() - done) as u64);
        match step {
            Step::Continue(p) => params = p,
            Step::Done(fit) => {
                let q = shards
                    .iter()
                    .map(|s| posteriors(s, &fit.posterior_params))
                    .collect::<Result<Vec<_>>>()?;
                return Ok((fit, q));
            }
        }
    }
}
