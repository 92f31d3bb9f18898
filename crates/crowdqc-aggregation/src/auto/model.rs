//! What `auto` returns: the chosen method's fit and the report of every candidate.

use crowdqc_core::estimator::{FitReport, FittedModel, WorkerColumn};
use ndarray::{Array1, ArrayView2};

/// One candidate's result in an [`AutoReport`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CandidateScore {
    /// Registry name.
    pub method: String,
    /// Mean log-likelihood per held-out judgment over all folds (higher is better);
    /// `None` when the method failed on some fold (see `error`).
    pub heldout_loglik: Option<f64>,
    /// Why the method could not be scored (e.g. too few classes in a fold).
    pub error: Option<String>,
}

/// What `auto` chose and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AutoReport {
    /// The method fitted on all judgments (registry name).
    pub chosen: String,
    /// Every candidate's score, in candidate order.
    pub candidates: Vec<CandidateScore>,
    /// Folds used.
    pub folds: usize,
    /// Seed of the folds.
    pub seed: u64,
    /// Judgments the choice was made on (all, or the seeded subset).
    pub selection_judgments: usize,
    /// One sentence: the winner, its score and the runner-up's.
    pub reason: String,
}

/// The chosen method's fit plus the [`AutoReport`].
pub struct AutoModel {
    pub(super) inner: Box<dyn FittedModel>,
    pub(super) report: AutoReport,
}

impl std::fmt::Debug for AutoModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoModel")
            .field("chosen", &self.report.chosen)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl AutoModel {
    /// What was chosen and why.
    pub fn report(&self) -> &AutoReport {
        &self.report
    }

    /// The chosen method's fitted model.
    pub fn inner(&self) -> &dyn FittedModel {
        self.inner.as_ref()
    }

    /// The chosen method's fitted model and the report.
    pub fn into_parts(self) -> (Box<dyn FittedModel>, AutoReport) {
        (self.inner, self.report)
    }
}

impl FittedModel for AutoModel {
    /// `auto` (the chosen method is [`AutoReport::chosen`]).
    fn method(&self) -> &'static str {
        "auto"
    }

    /// The chosen method's posteriors.
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.inner.posteriors()
    }

    /// The chosen method's labels (and tie rule).
    fn labels(&self) -> Vec<u32> {
        self.inner.labels()
    }

    /// The chosen method's worker accuracy.
    fn worker_accuracy(&self) -> Array1<f64> {
        self.inner.worker_accuracy()
    }

    /// The chosen method's worker columns.
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        self.inner.worker_columns()
    }

    /// The chosen method's fit report.
    fn fit_report(&self) -> &FitReport {
        self.inner.fit_report()
    }
}
