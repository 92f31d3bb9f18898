//! Parameters of [`Minimax`](super::Minimax).

use crowdqc_core::{Error, Result};

/// Which confusion parametrisation minimax conditional entropy uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MinimaxVariant {
    /// Categorical (Zhou et al. ICML 2014, section 3): one free parameter per
    /// `(true, observed)` cell for every worker and every item. The default.
    #[default]
    Categorical,
    /// Ordinal (Zhou et al. ICML 2014, section 4): for every threshold `s` between
    /// ordered classes, four parameters for the four ways the true and the observed
    /// class can fall on either side of `s` (`4K` per worker and per item). Needs an
    /// ordered class set: numeric labels or declared classes.
    Ordinal,
}

/// Parameters of minimax conditional entropy; build with
/// [`Minimax::params`](super::Minimax::params) or
/// [`Minimax::ordinal`](super::Minimax::ordinal).
///
/// Defaults are the authors' (Zhou and Liu's MATLAB code, `prepare.m` of Zheng et
/// al. 2017's benchmark): worker penalty `0.25 K²`, item penalty that times
/// (mean judgments per worker ÷ mean judgments per item), at most 50 outer
/// iterations, stop when no posterior moves by more than `5e-3`, majority-vote
/// initialisation, uniform class prior.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MinimaxParams {
    pub(crate) variant: MinimaxVariant,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) worker_penalty: Option<f64>,
    pub(crate) item_penalty: Option<f64>,
    pub(crate) learn_prior: bool,
    pub(crate) inner_max_iter: usize,
    pub(crate) inner_tol: f64,
    pub(crate) inner_prog_tol: f64,
}

impl Default for MinimaxParams {
    fn default() -> Self {
        MinimaxParams {
            variant: MinimaxVariant::Categorical,
            max_iter: 50,
            tol: 5e-3,
            worker_penalty: None,
            item_penalty: None,
            learn_prior: false,
            inner_max_iter: 25,
            inner_tol: 1e-3,
            inner_prog_tol: 1e-3,
        }
    }
}

impl MinimaxParams {
    /// Categorical or ordinal confusion. Default [`MinimaxVariant::Categorical`].
    #[must_use]
    pub fn variant(mut self, variant: MinimaxVariant) -> Self {
        self.variant = variant;
        self
    }

    /// Maximum outer (EM) iterations. Default 50 (the authors'); must be `>= 1`.
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Stop when no item's posterior of any class moves by more than `tol` in one outer
    /// iteration (the authors' rule). Default `5e-3`; must be finite and `> 0`.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// L2 penalty `λ_w` on every worker's parameters. Default `0.25 K²` (K = classes
    /// used by the judgments); must be finite and `> 0`.
    #[must_use]
    pub fn worker_penalty(mut self, lambda: f64) -> Self {
        self.worker_penalty = Some(lambda);
        self
    }

    /// L2 penalty `λ_i` on every item's parameters. Default `λ_w · (mean judgments per
    /// worker) / (mean judgments per item)` = `λ_w · n_items / n_workers`; must be
    /// finite and `> 0`.
    #[must_use]
    pub fn item_penalty(mut self, lambda: f64) -> Self {
        self.item_penalty = Some(lambda);
        self
    }

    /// Learn the class prior (the mean posterior, updated every outer iteration)
    /// instead of keeping it uniform. Default `false` (the authors'). It helps on
    /// strongly imbalanced data and hurts on balanced data (see the module docs).
    #[must_use]
    pub fn learn_prior(mut self, learn: bool) -> Self {
        self.learn_prior = learn;
        self
    }

    /// Newton iterations per parameter block and M-step (the authors' L-BFGS runs up
    /// to 25). Default 25; must be `>= 1`.
    #[must_use]
    pub fn inner_max_iter(mut self, n: usize) -> Self {
        self.inner_max_iter = n;
        self
    }

    /// An M-step block stops when every component of its gradient is at most
    /// `inner_tol` in absolute value (the authors' L-BFGS `optTol`). Default `1e-3`;
    /// must be finite and `> 0`.
    #[must_use]
    pub fn inner_tol(mut self, tol: f64) -> Self {
        self.inner_tol = tol;
        self
    }

    /// An M-step block also stops after a Newton step whose predicted decrease of the
    /// block's objective is at most `tol` (the step is taken without another pass over
    /// the block's judgments; the authors' L-BFGS stops on a function change below its
    /// `progTol`, also `1e-3`). Default `1e-3`; must be finite and `>= 0` (0: always
    /// verify).
    #[must_use]
    pub fn inner_progress_tol(mut self, tol: f64) -> Self {
        self.inner_prog_tol = tol;
        self
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        use crate::common::{check_max_iter, check_tol};
        check_max_iter("max_iter", self.max_iter)?;
        check_tol("tol", self.tol)?;
        check_max_iter("inner_max_iter", self.inner_max_iter)?;
        check_tol("inner_tol", self.inner_tol)?;
        if !(self.inner_prog_tol.is_finite() && self.inner_prog_tol >= 0.0) {
            return Err(Error::param(
                "inner_progress_tol",
                format!("must be finite and >= 0, got {}", self.inner_prog_tol),
            ));
        }
        for (name, v) in [
            ("worker_penalty", self.worker_penalty),
            ("item_penalty", self.item_penalty),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                return Err(Error::param(
                    name,
                    format!("must be finite and > 0, got {v}"),
                ));
            }
        }
        Ok(())
    }
}
