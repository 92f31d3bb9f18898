//! One-coin Dawid–Skene: one accuracy per worker, errors spread evenly.
//!
//! Reproduces crowd-kit 1.4.2's `OneCoinDawidSkene` (same start, E-step, objective and
//! stopping rule as [`DawidSkene`](crate::DawidSkene)). M-step: `s_w` = mean over the
//! worker's judgments of the posterior of the label it gave; `e[w,l,c] = s_w` when
//! `l = c`, else `(1 − s_w)/(K − 1)`, clipped to `[1e-10, 1 − 1e-10]` and not
//! re-normalised. crowd-kit's `fit_predict` raises; here it is an ordinary fit.

use crowdqc_core::estimator::Estimator;
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{JudgmentMatrix, Result};

use crate::common::{ActiveClasses, check_max_iter, check_tol};
use crate::distributed::{self, DsConfig, DsParams};
use crate::em::{self, DawidSkeneModel, EmConfig, EmData, MStep, Priors, StopRule, build_model};

/// One-coin Dawid–Skene: namespace for [`OneCoinDawidSkene::params`].
#[derive(Debug, Clone, Copy)]
pub struct OneCoinDawidSkene;

impl OneCoinDawidSkene {
    /// crowd-kit's defaults: `max_iter` 100, `tol` 1e-5.
    pub fn params() -> OneCoinDawidSkeneParams {
        OneCoinDawidSkeneParams::default()
    }
}

/// Parameters of [`OneCoinDawidSkene`].
#[derive(Debug, Clone, PartialEq)]
pub struct OneCoinDawidSkeneParams {
    max_iter: usize,
    tol: f64,
    exact: bool,
    keep: bool,
}

impl Default for OneCoinDawidSkeneParams {
    fn default() -> Self {
        OneCoinDawidSkeneParams {
            max_iter: 100,
            tol: 1e-5,
            exact: false,
            keep: true,
        }
    }
}

impl OneCoinDawidSkeneParams {
    /// Maximum EM iterations. Default 100, `>= 1`.
    #[must_use]
    pub fn max_iter(mut self, v: usize) -> Self {
        self.max_iter = v;
        self
    }

    /// Stopping tolerance on the per-judgment objective. Default 1e-5, finite, `> 0`.
    #[must_use]
    pub fn tol(mut self, v: f64) -> Self {
        self.tol = v;
        self
    }

    /// Accumulate the M-step sums in fixed point, as
    /// [`DawidSkeneParams::exact_sums`](crate::DawidSkeneParams::exact_sums). Default
    /// `false`.
    #[must_use]
    pub fn exact_sums(mut self, v: bool) -> Self {
        self.exact = v;
        self
    }

    /// Keep the posterior table in the model, as
    /// [`DawidSkeneParams::keep_posteriors`](crate::DawidSkeneParams::keep_posteriors).
    /// Default `true`.
    #[must_use]
    pub fn keep_posteriors(mut self, v: bool) -> Self {
        self.keep = v;
        self
    }

    /// Fits starting from given parameters (a warm start), as
    /// [`DawidSkeneParams::fit_from`](crate::DawidSkeneParams::fit_from); the
    /// confusion's diagonal and off-diagonal cells enter the first E-step as given.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit); [`crowdqc_core::Error::InvalidParameter`] naming
    /// `params` when its shape does not match the matrix.
    pub fn fit_from(&self, m: &JudgmentMatrix, params: &DsParams) -> Result<DawidSkeneModel> {
        distributed::check_warm(m, params)?;
        self.fit_impl(m, Some(params), &NoProgress)
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`crowdqc_core::Error::InvalidParameter`] naming `max_iter` or `tol`.
    pub fn validate(&self) -> Result<()> {
        check_max_iter("max_iter", self.max_iter)?;
        check_tol("tol", self.tol)
    }
}

impl Estimator for OneCoinDawidSkeneParams {
    type Model = DawidSkeneModel;

    /// The model's `confusion` is the one-coin matrix for every cell and `skills` the
    /// per-worker accuracy `s_w`.
    ///
    /// # Errors
    /// Invalid parameters; fewer than two classes; a non-finite objective.
    fn fit(&self, m: &JudgmentMatrix) -> Result<DawidSkeneModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// One progress unit per EM iteration (`max_iter` announced); interruption is
    /// checked before each iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(
        &self,
        m: &JudgmentMatrix,
        progress: &dyn Progress,
    ) -> Result<DawidSkeneModel> {
        self.fit_impl(m, None, progress)
    }
}

impl OneCoinDawidSkeneParams {
    fn fit_impl(
        &self,
        m: &JudgmentMatrix,
        warm: Option<&DsParams>,
        progress: &dyn Progress,
    ) -> Result<DawidSkeneModel> {
        self.validate()?;
        let active = ActiveClasses::new(m, None, "one-coin dawid-skene")?;
        let k = active.len();
        let skills_of = |conf: &[f64]| (0..m.n_workers()).map(|w| conf[w * k * k]).collect();
        if self.exact {
            let cfg = DsConfig::one_coin().max_iter(self.max_iter).tol(self.tol);
            let r = distributed::fit_matrix(
                m,
                &active,
                &cfg,
                false,
                warm,
                "one-coin dawid-skene",
                progress,
            )?;
            let skills = skills_of(&r.conf);
            return Ok(build_model(
                "one-coin-ds",
                m,
                &active,
                r,
                Some(skills),
                false,
                true,
            ));
        }
        let start = warm.map(|p| distributed::warm_active(p, &active));
        let d = EmData::new(m, &active, false);
        let cfg = EmConfig {
            method: "one-coin dawid-skene",
            max_iter: self.max_iter,
            tol: self.tol,
            m_step: MStep::OneCoin,
            priors: Priors::Estimated,
            initial: None,
            start: start.as_ref().map(|(c, p)| (c.as_slice(), p.as_slice())),
            stop: StopRule::CrowdKit,
            progress,
            keep: self.keep,
        };
        let r = em::run(&d, &cfg)?;
        // s_w is the diagonal of the (unclipped) one-coin matrix.
        let skills = skills_of(&r.conf);
        drop(d);
        Ok(build_model(
            "one-coin-ds",
            m,
            &active,
            r,
            Some(skills),
            false,
            self.keep,
        ))
    }
}
