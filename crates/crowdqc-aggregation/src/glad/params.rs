//! Parameters of [`Glad`](super::Glad).

use crowdqc_core::{Error, Result};

/// Parameters of GLAD; build with [`Glad::params`](super::Glad::params).
///
/// Defaults follow crowd-kit 1.4.2's `GLAD`: at most 100 EM iterations, `tol = 1e-5`,
/// Gaussian priors N(1, 1) on every ability `alpha` and every log inverse difficulty
/// `ln beta`, uniform class priors.
#[derive(Debug, Clone, PartialEq)]
pub struct GladParams {
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) alpha_prior_mean: f64,
    pub(crate) log_beta_prior_mean: f64,
    pub(crate) newton_steps: usize,
}

impl Default for GladParams {
    fn default() -> Self {
        GladParams {
            max_iter: 100,
            tol: 1e-5,
            alpha_prior_mean: 1.0,
            log_beta_prior_mean: 1.0,
            newton_steps: 1,
        }
    }
}

impl GladParams {
    /// Maximum number of EM iterations. Default 100; must be `>= 1`.
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Stop when the objective (log posterior of the parameters per judgment) rises by
    /// less than `tol` in one iteration. Default `1e-5`; must be finite and `> 0`.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Mean of the N(mean, 1) prior on every worker ability `alpha`. Default 1.0
    /// (crowd-kit's `alphas_priors_mean`); must be finite.
    #[must_use]
    pub fn alpha_prior_mean(mut self, mean: f64) -> Self {
        self.alpha_prior_mean = mean;
        self
    }

    /// Mean of the N(mean, 1) prior on every item's `ln beta` (log inverse difficulty;
    /// crowd-kit's `betas_priors_mean`, which is on the same log scale). Default 1.0;
    /// must be finite.
    #[must_use]
    pub fn log_beta_prior_mean(mut self, mean: f64) -> Self {
        self.log_beta_prior_mean = mean;
        self
    }

    /// Damped Newton steps per M-step on each block (all abilities, then all
    /// difficulties). Default 1 (one checked Newton step per block per EM iteration:
    /// a generalised EM; more steps cost time per iteration without reducing the
    /// number of iterations on the real datasets); must be in `1..=100`.
    #[must_use]
    pub fn newton_steps(mut self, steps: usize) -> Self {
        self.newton_steps = steps;
        self
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        crate::common::check_max_iter("max_iter", self.max_iter)?;
        crate::common::check_tol("tol", self.tol)?;
        if !self.alpha_prior_mean.is_finite() {
            return Err(Error::param(
                "alpha_prior_mean",
                format!("must be finite, got {}", self.alpha_prior_mean),
            ));
        }
        if !self.log_beta_prior_mean.is_finite() {
            return Err(Error::param(
                "log_beta_prior_mean",
                format!("must be finite, got {}", self.log_beta_prior_mean),
            ));
        }
        if !(1..=100).contains(&self.newton_steps) {
            return Err(Error::param(
                "newton_steps",
                format!("must be in 1..=100, got {}", self.newton_steps),
            ));
        }
        Ok(())
    }
}
