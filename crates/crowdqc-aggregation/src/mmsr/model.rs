//! The fitted M-MSR model.

use crowdqc_core::estimator::{FitReport, FittedModel, WorkerColumn};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// A fitted M-MSR model (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct MmsrModel {
    pub(crate) posteriors: Array2<f64>,
    pub(crate) skills: Array1<f64>,
    pub(crate) reliability: Array1<f64>,
    pub(crate) accuracy: Array1<f64>,
    pub(crate) n_pairs: usize,
    pub(crate) report: FitReport,
}

impl MmsrModel {
    /// Vote weights `ln((K − 1) p_w / (1 − p_w))` per worker (crowd-kit's `skills_`):
    /// the one-coin log-odds of a correct answer; negative for adversarial workers, 0
    /// for a worker at chance or with no co-worker.
    pub fn skills(&self) -> ArrayView1<'_, f64> {
        self.skills.view()
    }

    /// The rank-one factor `s_w = (K p_w − 1) / (K − 1)` per worker, clipped to
    /// `[−1/(K−1) + 1/√n_items, 1 − 1/√n_items]` as in the paper and crowd-kit.
    pub fn reliability(&self) -> ArrayView1<'_, f64> {
        self.reliability.view()
    }

    /// Number of distinct worker pairs sharing at least one item (the size of the
    /// sparse covariance the fit works on).
    pub fn n_worker_pairs(&self) -> usize {
        self.n_pairs
    }
}

impl FittedModel for MmsrModel {
    fn method(&self) -> &'static str {
        "mmsr"
    }

    /// One-coin posteriors given the estimated skills (uniform class prior): softmax of
    /// the skill-weighted votes; rows sum to 1. Their argmax is crowd-kit's weighted
    /// majority vote.
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.posteriors.view()
    }

    /// Estimated probability of a correct answer `p_w` per worker.
    fn worker_accuracy(&self) -> Array1<f64> {
        self.accuracy.clone()
    }

    /// `skill` (vote weight) and `reliability` (`s_w`) per worker.
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        vec![
            WorkerColumn {
                name: "skill".into(),
                values: self.skills.to_vec(),
            },
            WorkerColumn {
                name: "reliability".into(),
                values: self.reliability.to_vec(),
            },
        ]
    }

    /// Iterations, convergence (`‖Δ(u vᵀ)‖_F < tol`), and the trace of that norm.
    fn fit_report(&self) -> &FitReport {
        &self.report
    }
}
