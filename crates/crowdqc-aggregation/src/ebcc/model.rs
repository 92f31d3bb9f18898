//! The fitted EBCC / IBCC model.

use crowdqc_core::estimator::{FitReport, FittedModel, WorkerColumn};
use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, ArrayView3};

/// A fitted EBCC (or IBCC) model (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct EbccModel {
    pub(crate) name: &'static str,
    pub(crate) class_names: Vec<String>,
    pub(crate) posteriors: Array2<f64>,
    pub(crate) confusion: Array3<f64>,
    pub(crate) subtype_weights: Array2<f64>,
    pub(crate) class_prior: Array1<f64>,
    pub(crate) accuracy: Array1<f64>,
    pub(crate) restart_elbos: Vec<f64>,
    pub(crate) best_restart: usize,
    pub(crate) report: FitReport,
}

impl EbccModel {
    /// Each worker's confusion, shape `(n_workers, n_classes, n_classes)` indexed
    /// `[worker, true_class, observed_class]`: the posterior-mean confusion of every
    /// subtype, averaged over the class's subtypes with their posterior-mean weights,
    /// at the final posteriors. Rows sum to 1 over the classes the judgments use (0
    /// for a declared class no judgment uses; such a class's row is all 0).
    pub fn confusion(&self) -> ArrayView3<'_, f64> {
        self.confusion.view()
    }

    /// Posterior-mean weight of each subtype within its class, shape `(n_classes,
    /// n_subtypes)` indexed `[class, subtype]`; rows sum to 1 (0 for an unused class).
    pub fn subtype_weights(&self) -> ArrayView2<'_, f64> {
        self.subtype_weights.view()
    }

    /// Posterior-mean class distribution, indexed by class index.
    pub fn class_prior(&self) -> ArrayView1<'_, f64> {
        self.class_prior.view()
    }

    /// Final ELBO (nats, total over the data) of every restart, in restart order.
    pub fn restart_elbos(&self) -> &[f64] {
        &self.restart_elbos
    }

    /// Index of the restart kept (highest final ELBO; ties to the lowest index).
    pub fn best_restart(&self) -> usize {
        self.best_restart
    }
}

impl FittedModel for EbccModel {
    /// `ebcc`, or `ibcc` when fitted with one subtype per class.
    fn method(&self) -> &'static str {
        self.name
    }

    /// Class posteriors `(n_items, n_classes)` of the best restart (summed over
    /// subtypes); rows sum to 1.
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.posteriors.view()
    }

    /// Model probability of a correct answer: `Σ_k prior_k · confusion[w, k, k]` with
    /// the posterior-mean class distribution; NaN for a worker with no judgment.
    fn worker_accuracy(&self) -> Array1<f64> {
        self.accuracy.clone()
    }

    /// `confusion_<true>_<observed>` (class labels) for every pair of classes.
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        let (_, k, _) = self.confusion.dim();
        let mut cols = Vec::with_capacity(k * k);
        for t in 0..k {
            for o in 0..k {
                cols.push(WorkerColumn {
                    name: format!("confusion_{}_{}", self.class_names[t], self.class_names[o]),
                    values: self.confusion.slice(ndarray::s![.., t, o]).to_vec(),
                });
            }
        }
        cols
    }

    /// The best restart's iterations, stop reason and ELBO after every iteration
    /// (nats, total; never decreases within a restart).
    fn fit_report(&self) -> &FitReport {
        &self.report
    }
}
