//! The fitted MACE model.

use crowdqc_core::estimator::{FitReport, FittedModel, WorkerColumn};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// A fitted MACE model (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct MaceModel {
    pub(crate) posteriors: Array2<f64>,
    pub(crate) spamming: Array1<f64>,
    pub(crate) strategies: Array2<f64>,
    pub(crate) accuracy: Array1<f64>,
    pub(crate) restart_objectives: Vec<f64>,
    pub(crate) best_restart: usize,
    pub(crate) report: FitReport,
}

impl MaceModel {
    /// Probability that the worker spams on a judgment (answers from their strategy
    /// instead of the truth), indexed by worker index. Variational Bayes: the posterior
    /// mean; EM: the point estimate. `1 − spamming` is Hovy et al.'s *competence*.
    pub fn spamming(&self) -> ArrayView1<'_, f64> {
        self.spamming.view()
    }

    /// Competence `1 − spamming` per worker (Hovy et al.'s `θ_j`).
    pub fn competence(&self) -> Array1<f64> {
        self.spamming.mapv(|s| 1.0 - s)
    }

    /// Strategies, shape `(n_workers, n_classes)` indexed `[worker, class]`: the label
    /// distribution of the worker when spamming; rows sum to 1 over the observed classes
    /// (0 for a declared class no judgment uses).
    pub fn strategies(&self) -> ArrayView2<'_, f64> {
        self.strategies.view()
    }

    /// Final objective of every restart, in restart order (they differ: each restart
    /// has its own initialisation).
    pub fn restart_objectives(&self) -> &[f64] {
        &self.restart_objectives
    }

    /// Index of the restart kept (the best objective; ties to the lowest index).
    pub fn best_restart(&self) -> usize {
        self.best_restart
    }
}

impl FittedModel for MaceModel {
    fn method(&self) -> &'static str {
        "mace"
    }

    /// Posteriors `(n_items, n_classes)` of the best restart; rows sum to 1.
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.posteriors.view()
    }

    /// Model probability of a correct answer: `competence + spamming · Σ_c π_c ξ_c`,
    /// with `π` the mean posterior over items and `ξ` the worker's strategy.
    fn worker_accuracy(&self) -> Array1<f64> {
        self.accuracy.clone()
    }

    /// `spamming`, `competence`, and `strategy_<c>` for every class index `c`.
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        let mut cols = vec![
            WorkerColumn {
                name: "spamming".into(),
                values: self.spamming.to_vec(),
            },
            WorkerColumn {
                name: "competence".into(),
                values: self.competence().to_vec(),
            },
        ];
        for (c, col) in self.strategies.columns().into_iter().enumerate() {
            cols.push(WorkerColumn {
                name: format!("strategy_{c}"),
                values: col.to_vec(),
            });
        }
        cols
    }

    /// The best restart's iterations, convergence and objective trace.
    fn fit_report(&self) -> &FitReport {
        &self.report
    }
}
