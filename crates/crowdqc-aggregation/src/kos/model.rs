//! The fitted KOS model.

use crowdqc_core::estimator::{FitReport, FittedModel, WorkerColumn};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// A fitted KOS model (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct KosModel {
    pub(crate) posteriors: Array2<f64>,
    pub(crate) scores: Array1<f64>,
    pub(crate) reliability: Array1<f64>,
    pub(crate) accuracy: Array1<f64>,
    pub(crate) report: FitReport,
}

impl KosModel {
    /// Final item scores `x_t = Σ_j A_tj · y_j→t`, indexed by item: positive favours the
    /// lower class index of the two observed classes, negative the higher one. Only
    /// the sign and the ranking are meaningful (the scale is arbitrary).
    pub fn scores(&self) -> ArrayView1<'_, f64> {
        self.scores.view()
    }

    /// Final worker reliability `Σ_t A_tj · x_t→j` per worker, scaled so that the
    /// largest magnitude is 1 (negative = the worker answers against the consensus).
    pub fn reliability(&self) -> ArrayView1<'_, f64> {
        self.reliability.view()
    }
}

impl FittedModel for KosModel {
    fn method(&self) -> &'static str {
        "kos"
    }

    /// `(n_items, n_classes)`: `σ(x_t)` for the lower observed class and `1 − σ(x_t)`
    /// for the other (0 for unobserved classes). A ranking-quality score, not a
    /// calibrated probability.
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.posteriors.view()
    }

    /// Share of the worker's judgments that agree with the KOS labels (NaN without
    /// judgments). KOS itself estimates no probability of a correct answer.
    fn worker_accuracy(&self) -> Array1<f64> {
        self.accuracy.clone()
    }

    /// `reliability` per worker.
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        vec![WorkerColumn {
            name: "reliability".into(),
            values: self.reliability.to_vec(),
        }]
    }

    /// `iterations = n_iter`; `converged` when the normalised messages moved by less
    /// than 1e-9 in the last iteration; `objective` = ln of the growth factor of the
    /// largest worker message per iteration (it converges to the log of the leading
    /// eigenvalue of the message-passing operator).
    fn fit_report(&self) -> &FitReport {
        &self.report
    }
}
