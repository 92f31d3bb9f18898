//! Parameters of [`Mmsr`](super::Mmsr).

use crowdqc_core::Result;

/// Parameters of M-MSR; build with [`Mmsr::params`](super::Mmsr::params).
///
/// Defaults follow crowd-kit 1.4.2's `MMSR`: at most 10 000 iterations, `tol = 1e-10`
/// on the Frobenius norm of the change of the rank-one estimate, seed 0.
#[derive(Debug, Clone, PartialEq)]
pub struct MmsrParams {
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) seed: u64,
    /// Every row in the worker–worker graph (no groups for single-judgment workers):
    /// the reference path of the tests.
    pub(crate) graph_only: bool,
}

impl Default for MmsrParams {
    fn default() -> Self {
        MmsrParams {
            max_iter: 10_000,
            tol: 1e-10,
            seed: 0,
            graph_only: false,
        }
    }
}

impl MmsrParams {
    /// Maximum M-MSR iterations. Default 10 000; must be `>= 1`.
    #[must_use]
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Stop when `‖u vᵀ − u' v'ᵀ‖_F` (change of the rank-one estimate over all worker
    /// pairs) falls below `tol`. Default `1e-10`; must be finite and `> 0`.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Seed of the uniform initial vectors `u`, `v`. Default 0.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crowdqc_core::Error::InvalidParameter) naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        crate::common::check_max_iter("max_iter", self.max_iter)?;
        crate::common::check_tol("tol", self.tol)?;
        Ok(())
    }
}
