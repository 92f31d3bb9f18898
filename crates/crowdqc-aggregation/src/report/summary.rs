//! [`AggregateSummary`]: what a fit did, on what data, and how it scored.

use crowdqc_core::estimator::{FitReport, FittedModel};
use crowdqc_core::{Id, JudgmentMatrix};

use super::eval::Evaluation;

/// How many items received each label.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LabelCount {
    /// The label, in its input type.
    pub label: Id,
    /// Items given this label.
    pub items: u64,
}

/// What the method did with the gold labels of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "use", rename_all = "snake_case")]
pub enum GoldUse {
    /// The method used the gold items (e.g. Dawid–Skene clamps them).
    Used {
        /// Gold items that joined the judgments.
        items: u64,
    },
    /// The method cannot use gold; the gold items were not used.
    Ignored {
        /// Gold items that joined the judgments.
        items: u64,
    },
}

impl GoldUse {
    /// One sentence for the text report.
    pub fn describe(&self, method: &str) -> String {
        match self {
            GoldUse::Used { items } => format!("{items} gold items used by {method}"),
            GoldUse::Ignored { items } => format!(
                "{method} cannot use gold; the {items} gold items were not used (use --eval to \
                 score against them)"
            ),
        }
    }
}

/// The summary of a fit: data, fit report, label distribution, gold use, evaluation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AggregateSummary {
    /// The method's short name.
    pub method: String,
    /// Judgments in the matrix.
    pub judgments: u64,
    /// Items.
    pub items: u64,
    /// Workers.
    pub workers: u64,
    /// Classes.
    pub classes: u64,
    /// How the fit went (iterations, convergence, the objective after each iteration).
    pub fit: FitReport,
    /// The objective after the last iteration (`None` for closed-form methods).
    pub objective: Option<f64>,
    /// Items per label, in class order.
    pub label_distribution: Vec<LabelCount>,
    /// What was done with gold, when gold was given.
    pub gold: Option<GoldUse>,
    /// Accuracy against evaluation gold, when given.
    pub eval: Option<Evaluation>,
}

impl AggregateSummary {
    /// The summary of `model` fitted on `m`.
    pub fn new(
        m: &JudgmentMatrix,
        model: &dyn FittedModel,
        gold: Option<GoldUse>,
        eval: Option<Evaluation>,
    ) -> Self {
        let mut dist = vec![0u64; m.n_classes()];
        for c in model.labels() {
            dist[c as usize] += 1;
        }
        let fit = model.fit_report().clone();
        AggregateSummary {
            method: model.method().to_string(),
            judgments: m.n_judgments() as u64,
            items: m.n_items() as u64,
            workers: m.n_workers() as u64,
            classes: m.n_classes() as u64,
            objective: fit.objective.last().copied(),
            fit,
            label_distribution: m
                .classes()
                .iter()
                .zip(dist)
                .map(|(l, items)| LabelCount {
                    label: l.into(),
                    items,
                })
                .collect(),
            gold,
            eval,
        }
    }
}
