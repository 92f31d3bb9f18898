//! Parameters of [`Kos`](super::Kos).

use crowdqc_core::{Error, Result};

/// Parameters of KOS; build with [`Kos::params`](super::Kos::params).
///
/// Defaults follow crowd-kit 1.4.2's `KOS`: 100 iterations, seed 0.
#[derive(Debug, Clone, PartialEq)]
pub struct KosParams {
    pub(crate) n_iter: usize,
    pub(crate) seed: u64,
}

impl Default for KosParams {
    fn default() -> Self {
        KosParams {
            n_iter: 100,
            seed: 0,
        }
    }
}

impl KosParams {
    /// Message-passing iterations (KOS has no stopping rule; all are run). Default
    /// 100; must be in `1..=100_000`.
    #[must_use]
    pub fn n_iter(mut self, n_iter: usize) -> Self {
        self.n_iter = n_iter;
        self
    }

    /// Seed of the N(1, 1) initial worker messages. Default 0.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `n_iter` when it is out of range.
    pub fn validate(&self) -> Result<()> {
        if !(1..=100_000).contains(&self.n_iter) {
            return Err(Error::param(
                "n_iter",
                format!("must be in 1..=100000, got {}", self.n_iter),
            ));
        }
        Ok(())
    }
}
