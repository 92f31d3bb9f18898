//! The fitted minimax conditional entropy model.

use crowdqc_core::estimator::{FitReport, FittedModel, WorkerColumn};
use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, ArrayView3};

/// A fitted minimax conditional entropy model (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct MinimaxModel {
    pub(crate) ordinal: bool,
    pub(crate) posteriors: Array2<f64>,
    pub(crate) confusion: Array3<f64>,
    pub(crate) accuracy: Array1<f64>,
    pub(crate) class_prior: Array1<f64>,
    pub(crate) worker_penalty: f64,
    pub(crate) item_penalty: f64,
    pub(crate) class_names: Vec<String>,
    pub(crate) report: FitReport,
}

impl MinimaxModel {
    /// Each worker's expected confusion, shape `(n_workers, n_classes, n_classes)`
    /// indexed `[worker, true, observed]`: the model's `P(observed | true, worker,
    /// item)` averaged over the worker's own items, weighted by the items' posteriors
    /// of the true class (a true class none of the worker's items has: the item-free
    /// part `softmax(σ_worker[true, ·])`). Rows sum to 1 over the classes the
    /// judgments use; 0 elsewhere.
    pub fn confusion(&self) -> ArrayView3<'_, f64> {
        self.confusion.view()
    }

    /// The class prior used by the last E-step, indexed by class: uniform over the
    /// classes the judgments use unless [`learn_prior`](super::MinimaxParams::learn_prior).
    pub fn class_prior(&self) -> ArrayView1<'_, f64> {
        self.class_prior.view()
    }

    /// The worker and item penalties used (the defaults resolved on the data).
    pub fn penalties(&self) -> (f64, f64) {
        (self.worker_penalty, self.item_penalty)
    }

    /// True for the ordinal variant.
    pub fn is_ordinal(&self) -> bool {
        self.ordinal
    }
}

impl FittedModel for MinimaxModel {
    fn method(&self) -> &'static str {
        if self.ordinal {
            "minimax-ordinal"
        } else {
            "minimax"
        }
    }

    /// Posteriors `(n_items, n_classes)`; rows sum to 1 (items with no judgment: the
    /// class prior).
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.posteriors.view()
    }

    /// Expected probability of a correct answer on the worker's own items:
    /// `Σ_items Σ_c μ_item[c] P(c | c, worker, item) / n_judgments`.
    fn worker_accuracy(&self) -> Array1<f64> {
        self.accuracy.clone()
    }

    /// `confusion_<true>_<observed>` for every pair of class labels (see
    /// [`confusion`](MinimaxModel::confusion)).
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        let (_, k, _) = self.confusion.dim();
        let mut cols = Vec::with_capacity(k * k);
        for c in 0..k {
            for l in 0..k {
                cols.push(WorkerColumn {
                    name: format!("confusion_{}_{}", self.class_names[c], self.class_names[l]),
                    values: self.confusion.slice(ndarray::s![.., c, l]).to_vec(),
                });
            }
        }
        cols
    }

    /// Outer iterations; objective: the penalised log marginal likelihood per
    /// judgment; stop reason `converged` (no posterior moved by more than `tol`) or
    /// `max_iterations`.
    fn fit_report(&self) -> &FitReport {
        &self.report
    }
}
