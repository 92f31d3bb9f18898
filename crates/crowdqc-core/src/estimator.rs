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

/// Why a fit stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum StopReason {
    /// The method's stopping rule was met: the objective rose by less than the
    /// tolerance (or the parameters stopped moving) in one iteration.
    Converged,
    /// The objective went down in the last iteration, and the method's rule stops on
    /// that (crowd-kit's Dawid–Skene rule does: its objective is not the one EM
    /// maximises). Not convergence: the parameters may still be moving.
    ObjectiveDecreased,
    /// The iteration limit was reached before the stopping rule was met (also every
    /// fit of a method that runs a fixed number of iterations without a stopping rule).
    #[default]
    MaxIterations,
    /// The iteration diverged (a non-finite iterate); the last finite iterate is kept.
    Diverged,
    /// A closed-form method (majority vote and friends): nothing to iterate.
    ClosedForm,
}

impl StopReason {
    /// The snake_case name used in reports (`converged`, `objective_decreased`,
    /// `max_iterations`, `diverged`, `closed_form`).
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Converged => "converged",
            StopReason::ObjectiveDecreased => "objective_decreased",
            StopReason::MaxIterations => "max_iterations",
            StopReason::Diverged => "diverged",
            StopReason::ClosedForm => "closed_form",
        }
    }

    /// The usual rule of an iterative fit that maximises an objective: `None` (go
    /// on) while `value` rose by at least `tol` over `previous`, else
    /// [`ObjectiveDecreased`](StopReason::ObjectiveDecreased) when it went down,
    /// [`Converged`](StopReason::Converged) when it rose by less than `tol` or stayed.
    pub fn from_change(previous: f64, value: f64, tol: f64) -> Option<StopReason> {
        if value - previous >= tol {
            None
        } else if value < previous {
            Some(StopReason::ObjectiveDecreased)
        } else {
            Some(StopReason::Converged)
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an iterative fit went.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FitReport {
    /// Iterations run (0 for closed-form methods such as majority vote).
    pub iterations: usize,
    /// Whether the fit converged: true exactly when `stop_reason` is
    /// [`StopReason::Converged`] or [`StopReason::ClosedForm`] (so false when
    /// crowd-kit's rule stopped because its objective decreased).
    pub converged: bool,
    /// The objective after each iteration (method-specific; documented per method).
    pub objective: Vec<f64>,
    /// Why the fit stopped.
    pub stop_reason: StopReason,
}

impl FitReport {
    /// The report of a closed-form method: 0 iterations, converged, no objective.
    pub fn closed_form() -> Self {
        FitReport {
            iterations: 0,
            converged: true,
            objective: Vec::new(),
            stop_reason: StopReason::ClosedForm,
        }
    }

    /// A report from its iterations, objective trace and stop reason (`converged` is
    /// derived from the reason).
    pub fn new(iterations: usize, objective: Vec<f64>, stop_reason: StopReason) -> Self {
        FitReport {
            iterations,
            converged: matches!(stop_reason, StopReason::Converged | StopReason::ClosedForm),
            objective,
            stop_reason,
        }
    }

    /// Records why the fit stopped (and `converged` accordingly).
    pub fn stop(&mut self, reason: StopReason) {
        self.stop_reason = reason;
        self.converged = matches!(reason, StopReason::Converged | StopReason::ClosedForm);
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

    /// Whether [`posteriors`](Self::posteriors) holds the full `(n_items, n_classes)`
    /// table (true for every method but vote-based ones on very many classes). A
    /// model that keeps its posteriors sparsely because the dense table would not fit
    /// returns false; its `posteriors()` is then an empty `(n_items, 0)` view and
    /// [`posterior_row`](Self::posterior_row) gives each item's posteriors.
    fn has_dense_posteriors(&self) -> bool {
        true
    }

    /// The posteriors of `item` that are not zero, as `(class, probability)` in class
    /// order. Works for dense and sparse models alike (the default reads the dense
    /// row). A sparse model returns an empty row for an item whose posterior is
    /// uniform over every class (an item without judgment).
    ///
    /// # Panics
    /// If `item >= n_items`.
    fn posterior_row(&self, item: usize) -> Vec<(u32, f64)> {
        self.posteriors()
            .row(item)
            .iter()
            .enumerate()
            .filter(|&(_, &p)| p != 0.0)
            .map(|(c, &p)| (c as u32, p))
            .collect()
    }

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

    /// Iterations, convergence, stop reason and objective trace.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons() {
        assert_eq!(StopReason::from_change(-1.0, -0.5, 1e-3), None);
        assert_eq!(
            StopReason::from_change(-1.0, -1.0 + 1e-4, 1e-3),
            Some(StopReason::Converged)
        );
        assert_eq!(
            StopReason::from_change(-1.0, -1.0, 1e-3),
            Some(StopReason::Converged)
        );
        assert_eq!(
            StopReason::from_change(-1.0, -1.1, 1e-3),
            Some(StopReason::ObjectiveDecreased)
        );
        // the first iteration (previous = -inf) never stops
        assert_eq!(StopReason::from_change(f64::NEG_INFINITY, -3.0, 1e-3), None);
        let mut r = FitReport::default();
        assert_eq!(
            (r.stop_reason, r.converged),
            (StopReason::MaxIterations, false)
        );
        r.stop(StopReason::ObjectiveDecreased);
        assert!(!r.converged);
        r.stop(StopReason::Converged);
        assert!(r.converged);
        let c = FitReport::closed_form();
        assert!(c.converged && c.stop_reason == StopReason::ClosedForm);
        assert_eq!(
            StopReason::ObjectiveDecreased.to_string(),
            "objective_decreased"
        );
        assert!(!FitReport::new(3, vec![0.0; 3], StopReason::MaxIterations).converged);
    }
}
