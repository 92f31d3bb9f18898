//! Gold over `crowdqc-gold`: [`gold_score`] (the typed [`GoldScoreReport`], its worker
//! and item tables as pyarrow `RecordBatch`es) and [`NativeGoldScheduler`] (the
//! per-request [`GoldScheduler`] on `u32` ids; `crowdqc.gold.GoldScheduler` maps the
//! caller's ids onto them) and [`gold_plan_pages`] (the [`PagePlanReport`] layout).

use arrow_pyarrow::ToPyArrow;
use crowdqc_aggregation::registry::{self, RunOptions};
use crowdqc_gold::{
    GoldParams, GoldPool, GoldReason, GoldScheduler, GoldScoreReport, Id, IntervalMethod,
    PageParams, PagePlanReport, ScheduleParams, Slot, WorkerStatus, forgive_edits,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

use crate::errors::IntoPy;
use crate::ingest::Matrix;

/// Gold scores of the matrix (which must carry gold): `(worker table, item table,
/// summary dict)`. `forgive` drops gold items, `correct` replaces gold answers
/// (`(item, label)` pairs, ids as text) before scoring. With `model` (a method name of
/// `crowdqc_aggregation::registry`, fitted on the matrix without gold) its posteriors
/// are the consensus and its worker accuracy is compared with gold.
#[pyfunction]
#[pyo3(signature = (matrix, interval="wilson", confidence=0.95, contest_confidence=0.8,
    contest_min_answers=3, forgive=Vec::new(), correct=Vec::new(), model=None, seed=None))]
#[allow(clippy::too_many_arguments)]
pub fn gold_score<'py>(
    py: Python<'py>,
    matrix: &Matrix,
    interval: &str,
    confidence: f64,
    contest_confidence: f64,
    contest_min_answers: u64,
    forgive: Vec<String>,
    correct: Vec<(String, String)>,
    model: Option<String>,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyAny>> {
    let method: IntervalMethod = interval.parse().py_err()?;
    let params = GoldParams::new()
        .interval(method)
        .confidence(confidence)
        .contest_confidence(contest_confidence)
        .contest_min_answers(contest_min_answers);
    let m = Arc::clone(&matrix.inner);
    let r = py
        .detach(move || -> crowdqc_core::Result<GoldScoreReport> {
            let edits = forgive_edits(&m, &forgive, &correct)?;
            let fitted = model
                .map(|name| {
                    let opts = RunOptions {
                        seed,
                        ..RunOptions::default()
                    };
                    registry::fit(&name, &m, &opts)
                })
                .transpose()?;
            GoldScoreReport::build(&m, &params, fitted.as_deref(), &edits)
        })
        .py_err()?;
    let workers = r.worker_batch().py_err()?.to_pyarrow(py)?;
    let items = r.item_batch().py_err()?.to_pyarrow(py)?;
    let s = PyDict::new(py);
    s.set_item("interval", r.interval)?;
    s.set_item("model", r.model)?;
    s.set_item("confidence", r.confidence)?;
    s.set_item("contest_confidence", r.contest_confidence)?;
    s.set_item("contest_min_answers", r.contest_min_answers)?;
    s.set_item("duplicate_rule", r.duplicate_rule)?;
    s.set_item("duplicate_pairs", r.duplicate_pairs)?;
    s.set_item("gold_items", r.gold_items)?;
    s.set_item("gold_without_judgments", r.gold_without_judgments)?;
    s.set_item(
        "gold_without_judgments_examples",
        &r.gold_without_judgments_examples,
    )?;
    s.set_item("gold_answered", r.gold_answered)?;
    s.set_item("gold_correct", r.gold_correct)?;
    s.set_item("gold_accuracy", r.gold_accuracy)?;
    s.set_item("contested", r.contested)?;
    s.set_item(
        "forgiven_workers_changed",
        r.forgiven_workers_changed
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>(),
    )?;
    Ok((workers, items, s).into_pyobject(py)?.into_any())
}

/// The per-request gold scheduler of `crowdqc-gold` on `u32` worker, item and answer
/// ids (`crowdqc.gold.GoldScheduler` maps the caller's ids).
#[pyclass(module = "crowdqc._native", name = "GoldScheduler")]
pub struct NativeGoldScheduler {
    inner: GoldScheduler,
}

fn reason(r: GoldReason) -> &'static str {
    match r {
        GoldReason::Quiz => "quiz",
        GoldReason::Onboarding => "onboarding",
        GoldReason::Adaptive => "adaptive",
    }
}

fn status(s: WorkerStatus) -> &'static str {
    match s {
        WorkerStatus::Quiz => "quiz",
        WorkerStatus::Working => "working",
        WorkerStatus::Failed => "failed",
    }
}

#[pymethods]
impl NativeGoldScheduler {
    /// A scheduler over the gold pool `(items[i], answers[i])` with the parameters of
    /// `crowdqc_gold::ScheduleParams`.
    #[new]
    #[pyo3(signature = (items, answers, quiz=0, quiz_pass=0.7, onboarding_gold=10,
        onboarding_rate=0.5, threshold=0.8, confidence=0.95, max_rate=0.3, floor=0.02,
        max_exposure=0, seed=0, rule="posterior"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        items: Vec<u32>,
        answers: Vec<u32>,
        quiz: u32,
        quiz_pass: f64,
        onboarding_gold: u32,
        onboarding_rate: f64,
        threshold: f64,
        confidence: f64,
        max_rate: f64,
        floor: f64,
        max_exposure: u32,
        seed: u64,
        rule: &str,
    ) -> PyResult<Self> {
        let rule: crowdqc_gold::AdaptiveRule = rule.parse().py_err()?;
        let pool = GoldPool::new(items.into_iter().zip(answers)).py_err()?;
        let params = ScheduleParams::new()
            .quiz(quiz)
            .quiz_pass(quiz_pass)
            .onboarding_gold(onboarding_gold)
            .onboarding_rate(onboarding_rate)
            .threshold(threshold)
            .confidence(confidence)
            .max_rate(max_rate)
            .floor(floor)
            .max_exposure(max_exposure)
            .seed(seed)
            .rule(rule);
        Ok(NativeGoldScheduler {
            inner: GoldScheduler::new(params, pool).py_err()?,
        })
    }

    /// The worker's next slot: `(kind, item, reason)` with kind `gold`, `regular`,
    /// `await_quiz` or `excluded` (item and reason only for gold).
    fn next(&mut self, worker: u32) -> (&'static str, Option<u32>, Option<&'static str>) {
        match self.inner.next(worker) {
            Slot::Gold { item, reason: r } => ("gold", Some(item), Some(reason(r))),
            Slot::Regular => ("regular", None, None),
            Slot::AwaitQuiz => ("await_quiz", None, None),
            Slot::Excluded => ("excluded", None, None),
        }
    }

    /// Records whether the worker answered gold `item` correctly.
    fn record(&mut self, worker: u32, item: u32, correct: bool) -> PyResult<()> {
        self.inner.record(worker, item, correct).py_err()
    }

    /// Records the answer class of the worker on gold `item`; returns whether correct.
    fn record_answer(&mut self, worker: u32, item: u32, answer: u32) -> PyResult<bool> {
        self.inner.record_answer(worker, item, answer).py_err()
    }

    /// The worker's state as a dict, `None` for a worker never seen.
    fn worker<'py>(&self, py: Python<'py>, worker: u32) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(v) = self.inner.worker(worker) else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("status", status(v.status))?;
        d.set_item("slots", v.slots)?;
        d.set_item("gold_served", v.gold_served)?;
        d.set_item("gold_answered", v.gold_answered)?;
        d.set_item("gold_correct", v.gold_correct)?;
        d.set_item("gold_rate", v.gold_rate)?;
        Ok(Some(d))
    }

    /// Counters of the decisions so far, as a dict.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("requests", s.requests)?;
        d.set_item("regular", s.regular)?;
        d.set_item("quiz", s.quiz)?;
        d.set_item("onboarding", s.onboarding)?;
        d.set_item("adaptive", s.adaptive)?;
        d.set_item("starved", s.starved)?;
        d.set_item("awaiting", s.awaiting)?;
        d.set_item("excluded", s.excluded)?;
        Ok(d)
    }

    /// How many workers were served gold `item` (`None` if not in the pool).
    fn exposure(&self, item: u32) -> Option<u32> {
        self.inner.exposure(item)
    }

    /// Gold items retired for over-exposure.
    fn retired(&self) -> Vec<u32> {
        self.inner.retired()
    }

    /// Gold items the worker has not been served yet.
    fn unseen_gold(&self, worker: u32) -> usize {
        self.inner.unseen_gold(worker)
    }
}

/// A task, gold item, label or worker id from Python: an integer or a string.
#[derive(FromPyObject)]
pub enum IdArg {
    /// An integer id.
    Int(i64),
    /// A string id.
    Str(String),
}

impl From<IdArg> for Id {
    fn from(a: IdArg) -> Id {
        match a {
            IdArg::Int(v) => Id::Int(v),
            IdArg::Str(s) => Id::Str(s),
        }
    }
}

/// Lays tasks and gold out in pages (`crowdqc_gold::PagePlanReport`): `(layout table,
/// summary dict, text)`.
#[pyfunction]
#[pyo3(signature = (tasks, gold, workers, page_size, gold_per_page=1, redundancy=1,
    quiz=0, max_exposure=0, seed=0))]
#[allow(clippy::too_many_arguments)]
pub fn gold_plan_pages<'py>(
    py: Python<'py>,
    tasks: Vec<IdArg>,
    gold: Vec<(IdArg, IdArg)>,
    workers: Vec<IdArg>,
    page_size: u32,
    gold_per_page: u32,
    redundancy: u32,
    quiz: u32,
    max_exposure: u32,
    seed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let tasks: Vec<Id> = tasks.into_iter().map(Id::from).collect();
    let gold: Vec<(Id, Id)> = gold
        .into_iter()
        .map(|(i, l)| (Id::from(i), Id::from(l)))
        .collect();
    let workers: Vec<Id> = workers.into_iter().map(Id::from).collect();
    let params = PageParams::new(page_size, gold_per_page)
        .redundancy(redundancy)
        .quiz(quiz)
        .max_exposure(max_exposure)
        .seed(seed);
    let r = py
        .detach(move || PagePlanReport::build(&tasks, &gold, &workers, &params))
        .py_err()?;
    let table = r.to_record_batch().py_err()?.to_pyarrow(py)?;
    let s = PyDict::new(py);
    s.set_item("rows", r.rows)?;
    s.set_item("tasks", r.tasks)?;
    s.set_item("workers", r.workers)?;
    s.set_item("redundancy", r.redundancy)?;
    s.set_item("pages", r.pages)?;
    s.set_item("gold_rows", r.gold_rows)?;
    s.set_item("gold_share", r.gold_share)?;
    s.set_item("gold_shortfall", r.gold_shortfall)?;
    s.set_item("gold_items", r.gold_items)?;
    s.set_item("exposure_min", r.exposure_min)?;
    s.set_item("exposure_max", r.exposure_max)?;
    Ok((table, s, r.text()).into_pyobject(py)?.into_any())
}
