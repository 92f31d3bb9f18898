//! Estimator traits shared by the algorithm crates (truth inference, worker reliability).
//!
//! Every method is a params type (validated, `Clone + PartialEq`) whose `fit` takes a
//! [`JudgmentMatrix`] and returns a fitted model. Fitted models implement the
//! object-safe [`FittedModel`], so a caller (the CLI) can pick the method at run time
//! as `Box<dyn FittedModel>`.

use ndarray::{Array1, ArrayView2};

use crate::JudgmentMatrix;
use crate::error::Result;
use crate::progress::Progress;

/// How an iterative fit went.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FitReport {
    /// Iterations run (0 for closed-form methods such as majority vote).
    pub iterations: usize,
    /// Whether the stopping rule was met before `max_iter` (true for closed-form methods).
    pub converged: bool,
    /// The objective after each iteration (method-specific; documented per method).
    pub objective: Vec<f64>,
}

impl FitReport {
    /// The report of a closed-form method: 0 iterations, converged, no objective.
    pub fn closed_form() -> Self {
        FitReport {
            iterations: 0,
            converged: true,
            objective: Vec::new(),
        }
    }
}

/// A named per-worker column a method reports besides accuracy (skill, spammer score,
/// flattened confusion cells, ...), for tables and the CLI's worker output.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerColumn {
    /// snake_case column name, e.g. `skill` or `confusion_0_1`.
    pub name: String,
    /// One value per worker, indexed by worker index.
    pub values: Vec<f64>,
}

/// A fitted truth-inference model (object-safe).
pub trait FittedModel: Send + Sync {
    /// The method's short name (`mv`, `ds`, `glad`, ...).
    fn method(&self) -> &'static str;

    /// Posterior class probabilities, shape `(n_items, n_classes)`, rows sum to 1.
    /// Items with no judgment get the model's prior (uniform when it has none).
    fn posteriors(&self) -> ArrayView2<'_, f64>;

    /// Hard labels: per item, the class with the largest posterior; ties go to the
    /// lowest class index (methods with other tie rules override this and say so).
    fn labels(&self) -> Vec<u32> {
        self.posteriors()
            .rows()
            .into_iter()
            // contiguous rows are read in place; only a strided view is copied
            .map(|row| match row.as_slice() {
                Some(r) => crate::numeric::argmax(r),
                None => crate::numeric::argmax(&row.to_vec()),
            })
            .collect()
    }

    /// Estimated per-worker accuracy (probability of a correct answer), indexed by
    /// worker index; NaN for a worker the method cannot score.
    fn worker_accuracy(&self) -> Array1<f64>;

    /// Method-specific per-worker parameters (default: none).
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        Vec::new()
    }

    /// Iterations, convergence and objective trace.
    fn fit_report(&self) -> &FitReport;
}

/// A params type that can fit a model on a judgment matrix.
pub trait Estimator {
    /// The fitted model.
    type Model: FittedModel;

    /// Validates the params, then fits.
    ///
    /// # Errors
    /// Invalid parameters, insufficient data, or a numerical failure.
    fn fit(&self, matrix: &JudgmentMatrix) -> Result<Self::Model>;

    /// Like [`fit`](Estimator::fit), reporting iterations (or restarts) to `progress`
    /// and stopping with [`Error::Interrupted`](crate::Error::Interrupted) at the next
    /// iteration boundary once [`Progress::interrupted`] is true. The default ignores
    /// `progress` (right for closed-form methods); iterative methods override it.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus [`Error::Interrupted`](crate::Error::Interrupted).
    fn fit_with_progress(
        &self,
        matrix: &JudgmentMatrix,
        progress: &dyn Progress,
    ) -> Result<Self::Model> {
        let _ = progress;
        self.fit(matrix)
    }
}
