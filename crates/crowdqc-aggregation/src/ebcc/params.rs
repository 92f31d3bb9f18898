//! Parameters of [`Ebcc`](super::Ebcc) and [`Ibcc`](super::Ibcc).

use crowdqc_core::{Error, Result};

/// Largest number of subtypes per class accepted by [`EbccParams::n_subtypes`].
pub const MAX_SUBTYPES: usize = 100;

/// Parameters of EBCC (and of IBCC, its `M = 1` case); build with
/// [`Ebcc::params`](super::Ebcc::params) or [`Ibcc::params`](super::Ibcc::params).
///
/// EBCC defaults are the authors' (`ebcc_vb` in `yuan-li/truth-inference-at-scale`
/// as run in their `test_ebcc.ipynb`): `M = 10` subtypes, `a_pi = 0.1`, Dirichlet
/// `(a_v, b_v) = (4, 1)` worker priors, the empirical class prior, at most 500
/// iterations, stop when no posterior moves by more than `1e-3`; except the number of
/// restarts (10 here, 40 in the notebook: see [`n_restarts`](Self::n_restarts)).
/// IBCC defaults are the authors' `ibcc` (`M = 1`, class prior Dirichlet(1), one run).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EbccParams {
    pub(crate) n_subtypes: usize,
    pub(crate) n_restarts: usize,
    pub(crate) subtype_prior: f64,
    pub(crate) class_prior: f64,
    pub(crate) empirical_class_prior: bool,
    pub(crate) diagonal_prior: f64,
    pub(crate) off_diagonal_prior: f64,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) seed: u64,
}

impl Default for EbccParams {
    fn default() -> Self {
        EbccParams {
            n_subtypes: 10,
            n_restarts: 10,
            subtype_prior: 0.1,
            class_prior: 1.0,
            empirical_class_prior: true,
            diagonal_prior: 4.0,
            off_diagonal_prior: 1.0,
            max_iter: 500,
            tol: 1e-3,
            seed: 0,
        }
    }
}

impl EbccParams {
    /// IBCC's defaults: one subtype per class, class prior Dirichlet(1) (not
    /// empirical), one run (with one subtype the initialisation is not random, so
    /// restarts would repeat the same fit).
    pub(crate) fn ibcc() -> Self {
        EbccParams {
            n_subtypes: 1,
            n_restarts: 1,
            empirical_class_prior: false,
            ..EbccParams::default()
        }
    }

    /// Latent subtypes per true class (`M`; the authors' `num_groups`). Workers'
    /// confusion is per subtype, so errors can correlate between workers. `1` is IBCC.
    /// Default 10 (EBCC) or 1 (IBCC); must be in `1..=100`.
    #[must_use]
    pub fn n_subtypes(mut self, m: usize) -> Self {
        self.n_subtypes = m;
        self
    }

    /// Seeded restarts (each draws its own random split of the items into subtypes);
    /// the one with the highest ELBO is kept (ties: the lowest index). Default 10 for
    /// EBCC, a quarter of the authors' 40 (their notebook): on the 16 categorical test
    /// datasets with gold the best of 10 and the best of 40 (seed 0) have the same
    /// accuracy on 15; on zheng2017-face the 40 find a higher ELBO (accuracy 0.6438
    /// instead of 0.6336). Default 1 for IBCC. Must be in `1..=10_000`.
    #[must_use]
    pub fn n_restarts(mut self, n: usize) -> Self {
        self.n_restarts = n;
        self
    }

    /// Total Dirichlet concentration `a_pi` of each class's subtype weights (each
    /// subtype gets `a_pi / M`). Default 0.1; must be finite and `> 0`.
    #[must_use]
    pub fn subtype_prior(mut self, a_pi: f64) -> Self {
        self.subtype_prior = a_pi;
        self
    }

    /// Symmetric Dirichlet concentration `alpha` of the class distribution, used when
    /// [`empirical_class_prior`](Self::empirical_class_prior) is off. Default 1; must
    /// be finite and `> 0`.
    #[must_use]
    pub fn class_prior(mut self, alpha: f64) -> Self {
        self.class_prior = alpha;
        self
    }

    /// Use the empirical class prior (the authors' `empirical_prior=True`): the
    /// Dirichlet concentration of class `k` is the sum over items of the share of
    /// the item's judgments that say `k`. Default `true` for EBCC (as the authors run
    /// it), `false` for IBCC (their `ibcc` has no such option).
    #[must_use]
    pub fn empirical_class_prior(mut self, on: bool) -> Self {
        self.empirical_class_prior = on;
        self
    }

    /// Dirichlet pseudo-count `a_v` of a correct answer in every row of every worker's
    /// confusion (per subtype). Default 4; must be finite and `> 0`.
    #[must_use]
    pub fn diagonal_prior(mut self, a_v: f64) -> Self {
        self.diagonal_prior = a_v;
        self
    }

    /// Dirichlet pseudo-count `b_v` of each wrong answer in every row of every
    /// worker's confusion (per subtype). Default 1; must be finite and `> 0`.
    #[must_use]
    pub fn off_diagonal_prior(mut self, b_v: f64) -> Self {
        self.off_diagonal_prior = b_v;
        self
    }

    /// Maximum iterations per restart. Default 500 (the authors'); must be `>= 1`.
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// A restart stops when no item's class posterior moved by more than `tol +
    /// 1e-5 · |new value|` in one iteration (the authors' `np.allclose(..., atol=1e-3)`).
    /// Default `1e-3`; must be finite and `> 0`.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Master seed of the random initialisations. Default 0.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Subtypes per class.
    pub fn subtypes(&self) -> usize {
        self.n_subtypes
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_SUBTYPES).contains(&self.n_subtypes) {
            return Err(Error::param(
                "n_subtypes",
                format!(
                    "must be in 1..={MAX_SUBTYPES}, got {} (1 is IBCC)",
                    self.n_subtypes
                ),
            ));
        }
        if !(1..=10_000).contains(&self.n_restarts) {
            return Err(Error::param(
                "n_restarts",
                format!("must be in 1..=10000, got {}", self.n_restarts),
            ));
        }
        crate::common::check_max_iter("max_iter", self.max_iter)?;
        crate::common::check_tol("tol", self.tol)?;
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
        positive("subtype_prior", self.subtype_prior)?;
        positive("class_prior", self.class_prior)?;
        positive("diagonal_prior", self.diagonal_prior)?;
        positive("off_diagonal_prior", self.off_diagonal_prior)?;
        Ok(())
    }
}
