//! Parameters of [`Mace`](super::Mace).

use crowdqc_core::{Error, Result};

/// How MACE's parameters are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaceMethod {
    /// Variational Bayes with a Beta prior on each worker's spamming probability and a
    /// symmetric Dirichlet prior on each worker's strategy (crowd-kit's and Hovy's
    /// `vb`). The default.
    #[default]
    VariationalBayes,
    /// EM with additive smoothing of the expected counts (MAP under Dirichlet
    /// `1 + smoothing` priors; crowd-kit's `em`).
    Em,
}

/// Parameters of MACE; build with [`Mace::params`](super::Mace::params).
///
/// Defaults follow crowd-kit 1.4.2's `MACE` (which follows Hovy et al.'s tool):
/// variational Bayes, 10 restarts, Beta(0.5, 0.5) prior on spamming, Dirichlet(10)
/// prior on strategies, EM smoothing `0.01 / K`; except the iteration limit: 500 per
/// restart with a stopping rule, where crowd-kit always runs 50 (which leaves most
/// real datasets unconverged).
#[derive(Debug, Clone, PartialEq)]
pub struct MaceParams {
    pub(crate) method: MaceMethod,
    pub(crate) n_restarts: usize,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) spam_prior: f64,
    pub(crate) competence_prior: f64,
    pub(crate) strategy_prior: f64,
    pub(crate) smoothing: Option<f64>,
    pub(crate) estimate_class_priors: bool,
    pub(crate) seed: u64,
}

impl Default for MaceParams {
    fn default() -> Self {
        MaceParams {
            method: MaceMethod::VariationalBayes,
            n_restarts: 10,
            max_iter: 500,
            tol: 1e-7,
            spam_prior: 0.5,
            competence_prior: 0.5,
            strategy_prior: 10.0,
            smoothing: None,
            estimate_class_priors: false,
            seed: 0,
        }
    }
}

impl MaceParams {
    /// Estimation method. Default [`MaceMethod::VariationalBayes`].
    #[must_use]
    pub fn method(mut self, method: MaceMethod) -> Self {
        self.method = method;
        self
    }

    /// Random restarts; the one with the best objective is kept. Each restart draws
    /// its initial parameters from its own stream of the master [`seed`](Self::seed).
    /// Default 10; must be in `1..=10_000`.
    #[must_use]
    pub fn n_restarts(mut self, n: usize) -> Self {
        self.n_restarts = n;
        self
    }

    /// Maximum iterations per restart. Default 500, enough for every restart to meet
    /// the [`tol`](Self::tol) rule on the real datasets of the tests (the slowest,
    /// zheng2017-product, needs about 210); crowd-kit's `n_iter` is 50 and always runs
    /// them all. Must be `>= 1`.
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// A restart stops early when its objective (per judgment) rises by less than
    /// `tol` in one iteration. Default `1e-7`; must be finite and `> 0`.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Beta prior pseudo-count on *spamming* (crowd-kit's `alpha`), variational Bayes
    /// only. Default 0.5; must be finite and `> 0`.
    #[must_use]
    pub fn spam_prior(mut self, a: f64) -> Self {
        self.spam_prior = a;
        self
    }

    /// Beta prior pseudo-count on *answering correctly* (crowd-kit's `beta`),
    /// variational Bayes only. Default 0.5; must be finite and `> 0`.
    #[must_use]
    pub fn competence_prior(mut self, b: f64) -> Self {
        self.competence_prior = b;
        self
    }

    /// Symmetric Dirichlet prior pseudo-count on every worker's strategy (the label
    /// distribution when spamming), variational Bayes only. Default 10; must be finite
    /// and `> 0`.
    #[must_use]
    pub fn strategy_prior(mut self, g: f64) -> Self {
        self.strategy_prior = g;
        self
    }

    /// Additive smoothing of the expected counts, EM only. Default `0.01 / K` (K =
    /// observed classes; crowd-kit ignores its own `smoothing` argument and always uses
    /// this); must be finite and `> 0`.
    #[must_use]
    pub fn smoothing(mut self, s: f64) -> Self {
        self.smoothing = Some(s);
        self
    }

    /// Estimate the class priors (the distribution of true classes) instead of fixing
    /// them uniform. Default `false`: Hovy et al.'s model and crowd-kit fix them
    /// uniform. VB: Dirichlet(1) prior on the class distribution; EM: the same
    /// smoothing as the other counts. Helps on strongly imbalanced data, where a
    /// uniform prior lets spammers' biased strategies explain the majority class away.
    #[must_use]
    pub fn estimate_class_priors(mut self, estimate: bool) -> Self {
        self.estimate_class_priors = estimate;
        self
    }

    /// Master seed of the random initialisations. Default 0.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        if !(1..=10_000).contains(&self.n_restarts) {
            return Err(Error::param(
                "n_restarts",
                format!("must be in 1..=10000, got {}", self.n_restarts),
            ));
        }
        crate::common::check_max_iter("max_iter", self.max_iter)?;
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::param(
                    name,
                    format!("must be finite and > 0, got {v}"),
                ))
            }
        };
        positive("tol", self.tol)?;
        positive("spam_prior", self.spam_prior)?;
        positive("competence_prior", self.competence_prior)?;
        positive("strategy_prior", self.strategy_prior)?;
        if let Some(s) = self.smoothing {
            positive("smoothing", s)?;
        }
        Ok(())
    }
}
