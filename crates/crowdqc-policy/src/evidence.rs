//! Worker evidence for a one-shot evaluation, from judgments (plus, optionally, a
//! fitted aggregation model) or from a table of per-worker statistics.

use crowdqc_core::estimator::{FitReport, FittedModel};
use crowdqc_core::evidence::WorkerEvidence;
use crowdqc_core::{Error, JudgmentMatrix, Result};

use crate::activity::activity_by_worker;
use crate::pay::{PayTable, WorkerPay};
use crate::replay::evidence_from_matrix;
use crate::spec::{Metric, Policy};
use crate::table::Id;

/// Per-worker evidence with the worker ids, ready for [`Policy::evaluate_table`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvidenceTable {
    /// Worker ids, one per row.
    pub workers: Vec<Id>,
    /// Evidence, aligned with `workers`.
    pub evidence: Vec<WorkerEvidence>,
    /// Per worker: whether the order of the recent gold answers is known (always
    /// from judgments; from a stats table only with a `recent_gold` column or when
    /// every gold answer was correct). Window rules are not evaluated without it.
    pub window_known: Vec<bool>,
    /// Caveats about the evidence, in words (no timestamps, no gold, ...).
    pub notes: Vec<String>,
    /// The model whose worker accuracy and spammer score filled the evidence
    /// ([`EvidenceTable::fill_from_model`]), with how its fit went.
    pub model: Option<ModelFit>,
}

/// Which aggregation model an evaluation used, and how its fit went.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelFit {
    /// The method's short name (e.g. `ds`).
    pub method: String,
    /// Iterations, convergence and stop reason of the fit.
    pub fit: FitReport,
}

/// When to fit an aggregation model for `model_accuracy` and `spammer_score`
/// (`--model auto|always|never`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FitModel {
    /// When the policy looks at a model metric ([`needs_model`]).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never (model metrics stay unknown and their conditions never hold).
    Never,
}

impl FitModel {
    /// Whether to fit a model for this policy.
    pub fn wanted(self, policy: &Policy) -> bool {
        match self {
            FitModel::Auto => needs_model(policy),
            FitModel::Always => true,
            FitModel::Never => false,
        }
    }
}

impl std::str::FromStr for FitModel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(FitModel::Auto),
            "always" => Ok(FitModel::Always),
            "never" => Ok(FitModel::Never),
            other => Err(Error::param(
                "--model",
                format!("unknown value `{other}`; valid: auto, always, never"),
            )),
        }
    }
}

/// Whether the policy has a condition on a model metric (`model_accuracy`,
/// `spammer_score`), i.e. whether evidence from judgments needs a fitted model.
pub fn needs_model(policy: &Policy) -> bool {
    policy
        .rules
        .iter()
        .flat_map(|r| &r.conditions)
        .any(|c| matches!(c.metric, Metric::ModelAccuracy | Metric::SpammerScore))
}

impl EvidenceTable {
    /// Evidence from judgments and gold ([`evidence_from_matrix`]): gold counts and
    /// recent outcomes in time order, fast answers, peer agreement; every worker starts
    /// in the policy's start tier. Notes say when windows follow item order (no
    /// timestamps) and when there is no gold.
    pub fn from_matrix(m: &JudgmentMatrix, policy: &Policy) -> Self {
        let mut notes = Vec::new();
        if !policy.uses_window().is_empty() && m.timestamps().is_none() {
            notes.push(
                "the judgments have no timestamp column: windows of \"last N gold answers\" \
                 follow item order, not time order"
                    .to_string(),
            );
        }
        if m.gold().is_empty() {
            notes.push("no gold labels: gold rules never fire (pass --gold)".to_string());
        }
        let mut evidence = evidence_from_matrix(m, policy.fast_ms());
        let start = policy.tiers.as_ref().map(|t| t.start);
        evidence.iter_mut().for_each(|e| e.tier = start);
        match activity_by_worker(m) {
            Some(a) => {
                for (e, a) in evidence.iter_mut().zip(a) {
                    e.tasks_per_day = a.per_day();
                }
            }
            None => {
                if let Some((id, line)) = policy.rules_using(Metric::TasksPerDay).first() {
                    notes.push(format!(
                        "the judgments have no timestamp column: tasks_per_day is unknown and \
                         rule `{id}` (line {line}) never fires"
                    ));
                }
            }
        }
        let workers = (0..m.n_workers() as u32)
            .map(|w| Id::from(m.workers().get(w)))
            .collect();
        EvidenceTable {
            workers,
            window_known: vec![true; evidence.len()],
            evidence,
            notes,
            model: None,
        }
    }

    /// Fills `model_accuracy` (the model's per-worker accuracy) and `spammer_score`
    /// (its `spammer_score` worker column, when it reports one, e.g. Dawid–Skene)
    /// from a model fitted on the same matrix. Non-finite values stay unknown.
    pub fn fill_from_model(&mut self, model: &dyn FittedModel) {
        self.model = Some(ModelFit {
            method: model.method().to_string(),
            fit: model.fit_report().clone(),
        });
        let acc = model.worker_accuracy();
        let spam = model
            .worker_columns()
            .into_iter()
            .find(|c| c.name == "spammer_score")
            .map(|c| c.values);
        for (w, e) in self.evidence.iter_mut().enumerate() {
            e.model_accuracy = acc.get(w).copied().filter(|v| v.is_finite());
            e.spammer_score = spam
                .as_ref()
                .and_then(|s| s.get(w).copied())
                .filter(|v| v.is_finite());
        }
    }

    /// Evidence computed elsewhere, one `(worker id, evidence)` per worker — e.g. from
    /// gold comparisons (`crowdqc_pairwise::gold::evidence_by_worker`) or gold ratings
    /// (`crowdqc_ratings::gold_evidence`). Every worker starts in the policy's start
    /// tier; gold windows follow the evidence's order; a note says when no worker
    /// answered any gold.
    pub fn from_evidence(rows: Vec<(Id, WorkerEvidence)>, policy: &Policy) -> Self {
        let start = policy.tiers.as_ref().map(|t| t.start);
        let (workers, mut evidence): (Vec<Id>, Vec<WorkerEvidence>) = rows.into_iter().unzip();
        evidence.iter_mut().for_each(|e| e.tier = start);
        let mut notes = Vec::new();
        if evidence.iter().all(|e| e.gold_answered == 0) {
            notes.push("no worker answered a gold item: gold rules never fire".to_string());
        }
        EvidenceTable {
            workers,
            window_known: vec![true; evidence.len()],
            evidence,
            notes,
            model: None,
        }
    }

    /// Fills `hourly_pay` from per-worker pay aligned with the table's rows (e.g.
    /// [`pay_by_worker`](crate::pay::pay_by_worker) on the same matrix).
    ///
    /// # Errors
    /// A length that does not match the table.
    pub fn fill_pay(&mut self, pay: &[WorkerPay]) -> Result<()> {
        if pay.len() != self.evidence.len() {
            return Err(Error::param(
                "pay",
                format!(
                    "{} workers' pay for {} workers: compute it on the same judgments",
                    pay.len(),
                    self.evidence.len()
                ),
            ));
        }
        for (e, p) in self.evidence.iter_mut().zip(pay) {
            e.hourly_pay = p.hourly;
        }
        Ok(())
    }

    /// Number of workers.
    pub fn len(&self) -> usize {
        self.workers.len()
    }

    /// Whether the table has no worker.
    pub fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }
}

/// Checks that a policy whose rules look at pay (`hourly_pay`) has a pay table.
///
/// # Errors
/// [`Error::InvalidParameter`] naming `--pay` and the first such rule and its line.
pub fn check_pay(policy: &Policy, pay: Option<&PayTable>) -> Result<()> {
    if pay.is_none()
        && let Some((id, line)) = policy.rules_using(Metric::HourlyPay).first()
    {
        return Err(Error::param(
            "--pay",
            format!(
                "rule `{id}` (line {line}) looks at hourly_pay: give a pay table \
                 (--pay PAY.toml) and judgments with a duration_ms column"
            ),
        ));
    }
    Ok(())
}
