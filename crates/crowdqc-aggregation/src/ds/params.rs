//! Parameters of [`DawidSkene`](super::DawidSkene).

use crowdqc_core::{Error, Result};
use ndarray::Array3;

use crate::common::{check_max_iter, check_range, check_tol};
use crate::em::{InitialConfusion, StopRule};

/// Class priors: estimated by EM (crowd-kit) or fixed.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ClassPriors {
    /// Re-estimated at every iteration as the mean posterior. The default.
    #[default]
    Estimated,
    /// Fixed, one per matrix class, non-negative, summing to 1.
    Fixed(Vec<f64>),
}

/// Parameters of [`DawidSkene`](super::DawidSkene). Defaults are crowd-kit 1.4.2's.
#[derive(Debug, Clone, PartialEq)]
pub struct DawidSkeneParams {
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) clamp_gold: bool,
    pub(crate) priors: ClassPriors,
    pub(crate) smoothing: f64,
    pub(crate) initial: Option<(Array3<f64>, InitialConfusion)>,
    pub(crate) stop: StopRule,
    pub(crate) exact: bool,
    pub(crate) keep: bool,
}

impl Default for DawidSkeneParams {
    fn default() -> Self {
        DawidSkeneParams {
            max_iter: 100,
            tol: 1e-5,
            clamp_gold: false,
            priors: ClassPriors::Estimated,
            smoothing: 0.0,
            initial: None,
            stop: StopRule::CrowdKit,
            exact: false,
            keep: true,
        }
    }
}

impl DawidSkeneParams {
    /// Maximum EM iterations. Default 100 (crowd-kit's `n_iter`), `>= 1`. Stopping at
    /// the limit is reported (`converged = false`), not an error.
    #[must_use]
    pub fn max_iter(mut self, v: usize) -> Self {
        self.max_iter = v;
        self
    }

    /// Stop when the per-judgment objective improves by less than `tol` (a decrease
    /// also stops). Default 1e-5 (crowd-kit), finite and `> 0`.
    #[must_use]
    pub fn tol(mut self, v: f64) -> Self {
        self.tol = v;
        self
    }

    /// The stopping rule. Default [`StopRule::CrowdKit`].
    #[must_use]
    pub fn stop_rule(mut self, v: StopRule) -> Self {
        self.stop = v;
        self
    }

    /// Clamp the matrix's gold items to their known label at the start and after every
    /// E-step (crowd-kit's `true_labels`). Default `false`: gold in the matrix is then
    /// ignored by the fit (it can still be used to evaluate it).
    #[must_use]
    pub fn clamp_gold(mut self, v: bool) -> Self {
        self.clamp_gold = v;
        self
    }

    /// Class priors. Default [`ClassPriors::Estimated`].
    #[must_use]
    pub fn priors(mut self, v: ClassPriors) -> Self {
        self.priors = v;
        self
    }

    /// Dirichlet pseudo-count added to every confusion cell in each M-step (rows then
    /// normalised over all labels). Default 0 (off: crowd-kit's 1e-10 floor only);
    /// finite, `>= 0`.
    #[must_use]
    pub fn smoothing(mut self, v: f64) -> Self {
        self.smoothing = v;
        self
    }

    /// An initial confusion `(n_workers, n_classes, n_classes)` indexed
    /// `[worker, true, observed]`, used in the first M-step only. Default none.
    /// Entries finite and `>= 0`.
    #[must_use]
    pub fn initial_confusion(mut self, confusion: Array3<f64>, how: InitialConfusion) -> Self {
        self.initial = Some((confusion, how));
        self
    }

    /// Warm start from a previous fit on a matrix with the same workers and classes:
    /// its confusion replaces the first M-step ([`InitialConfusion::Assign`]).
    #[must_use]
    pub fn warm_start(self, previous: &super::DawidSkeneModel) -> Self {
        self.initial_confusion(previous.confusion().to_owned(), InitialConfusion::Assign)
    }

    /// Accumulate the M-step sums in fixed point (exact integers, see
    /// [`distributed`](crate::distributed)): the fit then has the same bits as a
    /// sharded fit of the same data over any number of shards and threads. Default
    /// `false` (the floating-point engine, equal up to rounding and about twice as
    /// fast: 0.46× its throughput at 1e7 judgments, K = 5, `benches/distributed.rs`).
    /// Both stay within crowd-kit's 1e-6. Not combinable with
    /// [`initial_confusion`](Self::initial_confusion) (use
    /// [`fit_from`](Self::fit_from) for a warm start).
    #[must_use]
    pub fn exact_sums(mut self, v: bool) -> Self {
        self.exact = v;
        self
    }

    /// Keep the `(n_items, n_classes)` posterior table in the model. Default `true`.
    /// With `false` the fit holds no per-item table at any point (the iterations never
    /// do) and the model computes rows on demand from the matrix:
    /// [`DawidSkeneModel::posteriors_into`](super::DawidSkeneModel::posteriors_into)
    /// and [`predict_into`](super::DawidSkeneModel::predict_into), bit-identical to the
    /// kept table, for streaming large outputs chunk by chunk. Ignored with
    /// [`exact_sums`](Self::exact_sums) (that path keeps its posteriors).
    #[must_use]
    pub fn keep_posteriors(mut self, v: bool) -> Self {
        self.keep = v;
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `max_iter`, `tol`, `smoothing`, `priors` or
    /// `initial_confusion`.
    pub fn validate(&self) -> Result<()> {
        check_max_iter("max_iter", self.max_iter)?;
        check_tol("tol", self.tol)?;
        check_range("smoothing", self.smoothing, 0.0, f64::MAX)?;
        if let ClassPriors::Fixed(p) = &self.priors {
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
        if self.exact && self.initial.is_some() {
            return Err(Error::param(
                "initial_confusion",
                "cannot be combined with exact_sums; use fit_from for a warm start",
            ));
        }
        if let Some((c, _)) = &self.initial
            && let Some(v) = c.iter().find(|v| !(v.is_finite() && **v >= 0.0))
        {
            return Err(Error::param(
                "initial_confusion",
                format!("entries must be finite and >= 0, got {v}"),
            ));
        }
        Ok(())
    }
}
