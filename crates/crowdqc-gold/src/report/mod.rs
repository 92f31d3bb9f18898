//! The typed report of `gold score`: per-worker gold accuracy with intervals (and the
//! comparison with a model), per-gold-item exposure, misses and contested flag, with
//! ids resolved, as Arrow tables and text.

pub mod events;
pub mod plan;
mod text;

use arrow_array::RecordBatch;
use crowdqc_core::estimator::{FitReport, FittedModel};
use crowdqc_core::{Error, IdRef, JudgmentMatrix, Result};
use serde::Serialize;

use crate::score::{DivergenceDirection, Forgive, GoldParams, GoldScores, ModelComparison};
use crate::table::{self, Id};

/// [`DUPLICATE_RULE`](crate::DUPLICATE_RULE) in words, for reports.
pub const DUPLICATE_RULE_TEXT: &str = "every judgment on a gold item counts as one gold answer \
     (repeated (item, worker) pairs count again; ingest with --duplicates first|last to \
     count one)";

/// One worker's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerRow {
    /// Worker id (input type kept).
    pub worker: Id,
    /// Gold answers.
    pub gold_answered: u64,
    /// Correct gold answers.
    pub gold_correct: u64,
    /// `gold_correct / gold_answered` (`None` without gold answers).
    pub gold_accuracy: Option<f64>,
    /// Lower end of the accuracy's confidence interval.
    pub gold_accuracy_low: f64,
    /// Upper end.
    pub gold_accuracy_high: f64,
    /// With a model: its accuracy for the worker (flattened into the row in JSON).
    #[serde(flatten)]
    pub model: Option<ModelRow>,
}

/// The gold-vs-model columns of a worker row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRow {
    /// The model's accuracy for the worker (`None` when it cannot score them).
    pub model_accuracy: Option<f64>,
    /// Exact two-sided binomial p-value of the gold counts under the model accuracy.
    pub model_p_value: Option<f64>,
    /// Benjamini–Hochberg q-value.
    pub model_q_value: Option<f64>,
    /// `gold_higher` (gold recognition?) or `gold_lower` (bad gold?) when the model
    /// accuracy is outside the gold interval.
    pub model_divergence: Option<&'static str>,
}

/// One gold item's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// Item id.
    pub item: Id,
    /// The gold label.
    pub gold_label: Id,
    /// Judgments on the item.
    pub answers: u64,
    /// Distinct workers who answered it.
    pub exposure: u64,
    /// Judgments that differ from the gold label.
    pub misses: u64,
    /// `misses / answers`.
    pub miss_rate: Option<f64>,
    /// The consensus label.
    pub consensus_label: Id,
    /// Its consensus probability.
    pub consensus_confidence: Option<f64>,
    /// Consensus probability of the gold label.
    pub gold_support: Option<f64>,
    /// Misses expected from the answering workers' accuracy on other gold.
    pub expected_misses: Option<f64>,
    /// `P(misses >= observed)` under that expectation.
    pub miss_p_value: Option<f64>,
    /// Whether the consensus confidently contests the gold label.
    pub contested: bool,
}

/// The report of [`GoldScoreReport::build`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldScoreReport {
    /// Interval method name.
    pub interval: &'static str,
    /// Two-sided confidence level.
    pub confidence: f64,
    /// Consensus share that contests a gold item.
    pub contest_confidence: f64,
    /// Answers a contested item needs.
    pub contest_min_answers: u64,
    /// The aggregation method whose posteriors are the consensus (`None`: vote
    /// shares).
    pub model: Option<&'static str>,
    /// How the model's fit went (iterations, convergence, stop reason), with a model.
    pub model_fit: Option<FitReport>,
    /// The duplicate rule, in words ([`DUPLICATE_RULE_TEXT`]).
    pub duplicate_rule: &'static str,
    /// Repeated `(item, worker)` pairs in the judgments (as ingested).
    pub duplicate_pairs: u64,
    /// Gold items scored.
    pub gold_items: usize,
    /// Gold items given that have no judgment (not scored).
    pub gold_without_judgments: usize,
    /// Up to five of them.
    pub gold_without_judgments_examples: Vec<String>,
    /// Gold answers over all workers.
    pub gold_answered: u64,
    /// Correct gold answers over all workers.
    pub gold_correct: u64,
    /// `gold_correct / gold_answered`.
    pub gold_accuracy: Option<f64>,
    /// Contested gold items.
    pub contested: usize,
    /// Workers whose scores the forgive edits changed.
    pub forgiven_workers_changed: Vec<Id>,
    /// One row per worker (worker index order).
    pub workers: Vec<WorkerRow>,
    /// One row per gold item.
    pub items: Vec<ItemRow>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn divergence(r: &ModelComparison) -> Option<&'static str> {
    match (r.flagged, r.direction) {
        (true, Some(DivergenceDirection::GoldHigher)) => Some("gold_higher"),
        (true, Some(DivergenceDirection::GoldLower)) => Some("gold_lower"),
        _ => None,
    }
}

/// Parses gold corrections written `ITEM=LABEL` (the command line's `--correct`) into
/// `(item, label)` pairs for [`forgive_edits`]; the label may itself contain `=`.
///
/// # Errors
/// [`Error::InvalidParameter`] (`correct`) for an entry without `=`.
///
/// ```
/// let c = crowdqc_gold::parse_corrections(&["7=cat".into(), "x=a=b".into()])?;
/// assert_eq!(c[0], ("7".to_string(), "cat".to_string()));
/// assert_eq!(c[1], ("x".to_string(), "a=b".to_string()));
/// assert!(crowdqc_gold::parse_corrections(&["7".into()]).is_err());
/// # Ok::<(), crowdqc_core::Error>(())
/// ```
pub fn parse_corrections(entries: &[String]) -> Result<Vec<(String, String)>> {
    entries
        .iter()
        .map(|s| match s.split_once('=') {
            Some((i, l)) => Ok((i.to_string(), l.to_string())),
            None => Err(Error::param(
                "correct",
                format!("expected ITEM=LABEL, got `{s}`"),
            )),
        })
        .collect()
}

/// Forgive edits from ids: `drop` items, and `correct` pairs `(item, label)`.
///
/// # Errors
/// [`Error::InvalidParameter`] (`forgive` / `correct`) for an item not in the
/// judgments or a label that is not a class (listing the classes).
pub fn forgive_edits(
    m: &JudgmentMatrix,
    drop: &[String],
    correct: &[(String, String)],
) -> Result<Vec<Forgive>> {
    let item = |id: &str, flag: &str| {
        m.items()
            .lookup(IdRef::Str(id))
            .ok_or_else(|| Error::param(flag, format!("item `{id}` is not in the judgments")))
    };
    let mut edits = Vec::new();
    for id in drop {
        edits.push(Forgive::Drop {
            item: item(id, "forgive")?,
        });
    }
    for (id, label) in correct {
        let it = item(id, "correct")?;
        let class = m.classes().index_of(IdRef::Str(label)).ok_or_else(|| {
            let valid: Vec<String> = m.classes().iter().map(|l| l.to_string()).collect();
            Error::param(
                "correct",
                format!(
                    "label `{label}` is not a class; valid: {}",
                    valid.join(", ")
                ),
            )
        })?;
        edits.push(Forgive::Correct { item: it, class });
    }
    Ok(edits)
}

impl GoldScoreReport {
    /// Scores every worker on gold with `params`; with a `model` fitted on `m` (any
    /// aggregation method), its posteriors are the consensus for the contested flag
    /// and its worker accuracy is compared with gold; `edits` forgive gold first.
    ///
    /// # Errors
    /// Invalid params, no gold, edits naming unknown items or classes, a model of
    /// another shape.
    pub fn build(
        m: &JudgmentMatrix,
        params: &GoldParams,
        model: Option<&dyn FittedModel>,
        edits: &[Forgive],
    ) -> Result<Self> {
        params.validate()?;
        let mut scores = match model {
            Some(fit) if !fit.has_dense_posteriors() => {
                return Err(Error::param(
                    "model",
                    format!(
                        "{} kept its posteriors sparsely ({} classes), and a model's consensus \
                         needs them dense; leave out the model: the default consensus (vote \
                         shares) is computed sparsely for any number of classes",
                        fit.method(),
                        m.n_classes()
                    ),
                ));
            }
            Some(fit) => params.score_with(m, m.gold(), Some(fit.posteriors()))?,
            None => params.score(m)?,
        };
        let mut changed = Vec::new();
        if !edits.is_empty() {
            let f = scores.forgive(m, edits)?;
            scores = f.scores;
            changed = f.changed_workers;
        }
        let comparison = match model {
            Some(fit) => Some(scores.compare_with_model(&fit.worker_accuracy().to_vec())?),
            None => None,
        };
        Ok(Self::from_scores(
            m,
            &scores,
            model.map(|f| (f.method(), f.fit_report().clone())),
            comparison.as_deref(),
            &changed,
        ))
    }

    fn from_scores(
        m: &JudgmentMatrix,
        s: &GoldScores,
        model: Option<(&'static str, FitReport)>,
        cmp: Option<&[ModelComparison]>,
        changed: &[u32],
    ) -> Self {
        let (answered, correct) = s.totals();
        let p = s.params();
        let label = |c: u32| Id::from(m.classes().label(c));
        let (unjudged, examples) = m.report().gold.as_ref().map_or((0, Vec::new()), |g| {
            (g.unknown_items, g.unknown_examples.clone())
        });
        GoldScoreReport {
            interval: p.interval_method().name(),
            confidence: p.confidence_level(),
            contest_confidence: p.contest_confidence_level(),
            contest_min_answers: p.contest_min_answer_count(),
            model: model.as_ref().map(|(name, _)| *name),
            model_fit: model.map(|(_, fit)| fit),
            duplicate_rule: DUPLICATE_RULE_TEXT,
            duplicate_pairs: m.report().duplicate_pairs,
            gold_items: s.items().len(),
            gold_without_judgments: unjudged,
            gold_without_judgments_examples: examples,
            gold_answered: answered,
            gold_correct: correct,
            gold_accuracy: (answered > 0).then(|| correct as f64 / answered as f64),
            contested: s.contested().count(),
            forgiven_workers_changed: changed
                .iter()
                .map(|&w| Id::from(m.workers().get(w)))
                .collect(),
            workers: s
                .workers()
                .map(|r| WorkerRow {
                    worker: Id::from(m.workers().get(r.worker)),
                    gold_answered: r.answered,
                    gold_correct: r.correct,
                    gold_accuracy: finite(r.accuracy),
                    gold_accuracy_low: r.interval.low,
                    gold_accuracy_high: r.interval.high,
                    model: cmp.map(|c| {
                        let c = &c[r.worker as usize];
                        ModelRow {
                            model_accuracy: finite(c.model_accuracy),
                            model_p_value: finite(c.p_value),
                            model_q_value: finite(c.q_value),
                            model_divergence: divergence(c),
                        }
                    }),
                })
                .collect(),
            items: s
                .items()
                .iter()
                .map(|r| ItemRow {
                    item: Id::from(m.items().get(r.item)),
                    gold_label: label(r.gold_class),
                    answers: r.answers,
                    exposure: r.exposure,
                    misses: r.misses,
                    miss_rate: finite(r.miss_rate),
                    consensus_label: label(r.consensus_class),
                    consensus_confidence: finite(r.consensus_confidence),
                    gold_support: finite(r.gold_support),
                    expected_misses: finite(r.expected_misses),
                    miss_p_value: finite(r.miss_p_value),
                    contested: r.contested,
                })
                .collect(),
        }
    }

    /// The worker table: `worker`, `gold_answered`, `gold_correct` (Int64),
    /// `gold_accuracy`, `gold_accuracy_low`, `gold_accuracy_high`, and with a model
    /// `model_accuracy`, `model_p_value`, `model_q_value`, `model_divergence`.
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn worker_batch(&self) -> Result<RecordBatch> {
        let w = &self.workers;
        let mut cols = vec![
            ("worker", Id::column(w.iter().map(|r| &r.worker))),
            (
                "gold_answered",
                table::ints(w.iter().map(|r| table::count(r.gold_answered))),
            ),
            (
                "gold_correct",
                table::ints(w.iter().map(|r| table::count(r.gold_correct))),
            ),
            (
                "gold_accuracy",
                table::floats(w.iter().map(|r| r.gold_accuracy)),
            ),
            (
                "gold_accuracy_low",
                table::floats(w.iter().map(|r| Some(r.gold_accuracy_low))),
            ),
            (
                "gold_accuracy_high",
                table::floats(w.iter().map(|r| Some(r.gold_accuracy_high))),
            ),
        ];
        if self.model.is_some() {
            let m = |r: &WorkerRow| r.model.clone();
            cols.push((
                "model_accuracy",
                table::floats(w.iter().map(|r| m(r).and_then(|x| x.model_accuracy))),
            ));
            cols.push((
                "model_p_value",
                table::floats(w.iter().map(|r| m(r).and_then(|x| x.model_p_value))),
            ));
            cols.push((
                "model_q_value",
                table::floats(w.iter().map(|r| m(r).and_then(|x| x.model_q_value))),
            ));
            cols.push((
                "model_divergence",
                table::opt_strings(w.iter().map(|r| m(r).and_then(|x| x.model_divergence))),
            ));
        }
        Ok(RecordBatch::try_from_iter(cols)?)
    }

    /// The gold item table: `item`, `gold_label`, `answers`, `exposure`, `misses`,
    /// `miss_rate`, `consensus_label`, `consensus_confidence`, `gold_support`,
    /// `expected_misses`, `miss_p_value`, `contested`.
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn item_batch(&self) -> Result<RecordBatch> {
        let it = &self.items;
        Ok(RecordBatch::try_from_iter([
            ("item", Id::column(it.iter().map(|r| &r.item))),
            ("gold_label", Id::column(it.iter().map(|r| &r.gold_label))),
            (
                "answers",
                table::ints(it.iter().map(|r| table::count(r.answers))),
            ),
            (
                "exposure",
                table::ints(it.iter().map(|r| table::count(r.exposure))),
            ),
            (
                "misses",
                table::ints(it.iter().map(|r| table::count(r.misses))),
            ),
            ("miss_rate", table::floats(it.iter().map(|r| r.miss_rate))),
            (
                "consensus_label",
                Id::column(it.iter().map(|r| &r.consensus_label)),
            ),
            (
                "consensus_confidence",
                table::floats(it.iter().map(|r| r.consensus_confidence)),
            ),
            (
                "gold_support",
                table::floats(it.iter().map(|r| r.gold_support)),
            ),
            (
                "expected_misses",
                table::floats(it.iter().map(|r| r.expected_misses)),
            ),
            (
                "miss_p_value",
                table::floats(it.iter().map(|r| r.miss_p_value)),
            ),
            ("contested", table::bools(it.iter().map(|r| r.contested))),
        ])?)
    }
}
