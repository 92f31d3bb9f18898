//! [`AggregateSummary`]: what a fit did, on what data, and how it scored.

use crowdqc_core::estimator::{FitReport, FittedModel};
use crowdqc_core::text::fit_width;
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

impl std::fmt::Display for AggregateSummary {
    /// The text summary of `crowdqc aggregate`: method, data, fit (iterations,
    /// convergence and stop reason), objective, label distribution, gold use and
    /// accuracy against evaluation gold.
    fn fmt(&self, t: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(t, "method       {}", self.method)?;
        writeln!(
            t,
            "data         {} judgments, {} items, {} workers, {} classes",
            self.judgments, self.items, self.workers, self.classes
        )?;
        writeln!(
            t,
            "fit          {} iterations, converged: {}, stop reason: {}",
            self.fit.iterations, self.fit.converged, self.fit.stop_reason
        )?;
        if let Some(x) = self.objective {
            writeln!(t, "objective    {x:.9}")?;
        }
        writeln!(t, "labels")?;
        let width = self
            .label_distribution
            .iter()
            .map(|d| d.label.to_string().chars().count())
            .max()
            .unwrap_or(0)
            .clamp(12, 40);
        for d in &self.label_distribution {
            let label = fit_width(&d.label.to_string(), width);
            writeln!(t, "  {label:<width$} {}", d.items)?;
        }
        if let Some(g) = &self.gold {
            writeln!(t, "gold         {}", g.describe(&self.method))?;
        }
        if let Some(e) = &self.eval {
            let acc = e.accuracy.map_or("n/a".to_string(), |a| format!("{a:.6}"));
            writeln!(
                t,
                "accuracy     {acc} ({} of {} evaluation items; {} unknown items, {} labels \
                 outside the classes)",
                e.correct, e.scored, e.unknown_items, e.labels_outside_classes
            )?;
            if e.held_out_only {
                writeln!(
                    t,
                    "             on held-out items only: {} evaluation items were gold used \
                     to fit and are not scored",
                    e.excluded_fit_gold
                )?;
            }
        }
        Ok(())
    }
}
