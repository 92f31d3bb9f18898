//! The fitted GLAD model.

use crowdqc_core::estimator::{FitReport, FittedModel, WorkerColumn};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// A fitted GLAD model (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct GladModel {
    pub(crate) posteriors: Array2<f64>,
    pub(crate) alpha: Array1<f64>,
    pub(crate) log_beta: Array1<f64>,
    pub(crate) class_priors: Array1<f64>,
    pub(crate) accuracy: Array1<f64>,
    pub(crate) report: FitReport,
}

impl GladModel {
    /// Worker abilities `alpha`, indexed by worker index. Larger is better; 0 means
    /// the worker answers at random; negative means adversarial.
    pub fn alpha(&self) -> ArrayView1<'_, f64> {
        self.alpha.view()
    }

    /// Item log inverse difficulties `ln beta` (crowd-kit's `betas_`), indexed by item
    /// index. Larger means easier.
    pub fn log_beta(&self) -> ArrayView1<'_, f64> {
        self.log_beta.view()
    }

    /// Item inverse difficulties `beta = exp(ln beta) > 0`, indexed by item index.
    pub fn beta(&self) -> Array1<f64> {
        self.log_beta.mapv(f64::exp)
    }

    /// Class priors used by the model (uniform over the observed classes, 0 for a
    /// declared class no judgment uses), indexed by class.
    pub fn class_priors(&self) -> ArrayView1<'_, f64> {
        self.class_priors.view()
    }
}

impl FittedModel for GladModel {
    fn method(&self) -> &'static str {
        "glad"
    }

    /// Posteriors `(n_items, n_classes)` after the final M-step (consistent with the
    /// returned abilities and difficulties); rows sum to 1.
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.posteriors.view()
    }

    /// Probability of a correct answer under the model, averaged over the worker's
    /// judgments: mean of `sigmoid(alpha_w * beta_t)`; NaN for a worker with no judgment.
    fn worker_accuracy(&self) -> Array1<f64> {
        self.accuracy.clone()
    }

    /// `alpha` (ability) per worker.
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        vec![WorkerColumn {
            name: "alpha".into(),
            values: self.alpha.to_vec(),
        }]
    }

    fn fit_report(&self) -> &FitReport {
        &self.report
    }
}
