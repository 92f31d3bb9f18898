//! Access policies over `crowdqc-policy`: a parsed [`Policy`] (`NativePolicy`) with its
//! typed reports (`Evaluation`, `ReplayLog`, `ExactReport`, `SimReport`) returned as
//! pyarrow `RecordBatch`es plus plain Python values, and a live per-worker session
//! (`NativePolicySession`) for `Policy::step`.

use arrow_pyarrow::ToPyArrow;
use crowdqc_aggregation::registry::{self, RunOptions};
use crowdqc_core::evidence::{GoldSource, WorkerEvidence};
use crowdqc_core::progress::Progress;
use crowdqc_policy::simulate::{Archetype, FixedRateGold, SimConfig, simulate_with_progress};
use crowdqc_policy::{
    Ban, EvidenceTable, ExactOptions, Explanation, Id, Policy, WorkerDecision, WorkerState,
    exact_report, parse_policy, read_policy,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::PathBuf;
use std::sync::Arc;

use crate::errors::IntoPy;
use crate::ingest::Matrix;
use crate::run::interruptible;

/// A validated access policy.
#[pyclass(frozen, module = "crowdqc._native", name = "Policy")]
pub struct NativePolicy {
    pub(crate) inner: Arc<Policy>,
}

fn explanation<'py>(py: Python<'py>, x: &Explanation) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rule", &x.rule)?;
    d.set_item("line", x.line)?;
    d.set_item("action", x.action.name())?;
    d.set_item("duration_ms", x.duration_ms)?;
    d.set_item("fired", x.fired)?;
    let clauses = PyList::empty(py);
    for c in &x.clauses {
        let e = PyDict::new(py);
        e.set_item("metric", &c.metric)?;
        e.set_item("evidence", &c.evidence)?;
        e.set_item("value", c.value)?;
        e.set_item("comparison", c.comparison)?;
        e.set_item("threshold", c.threshold)?;
        e.set_item("confidence", c.confidence)?;
        e.set_item("holds", c.holds)?;
        clauses.append(e)?;
    }
    d.set_item("clauses", clauses)?;
    d.set_item("change", x.change.as_deref())?;
    d.set_item("text", x.text())?;
    Ok(d)
}

fn id_py<'py>(py: Python<'py>, id: &Id) -> PyResult<Bound<'py, PyAny>> {
    Ok(match id {
        Id::Int(v) => v.into_pyobject(py)?.into_any(),
        Id::Str(s) => s.into_pyobject(py)?.into_any(),
    })
}

fn decision<'py>(py: Python<'py>, w: &WorkerDecision) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("worker", id_py(py, &w.worker)?)?;
    d.set_item("action", w.action.name())?;
    d.set_item("duration_ms", w.duration_ms)?;
    d.set_item("untrust", w.untrust)?;
    d.set_item("rules", &w.rules)?;
    d.set_item("tier_from", w.tier.as_ref().map(|t| t.from.as_str()))?;
    d.set_item("tier_to", w.tier.as_ref().map(|t| t.to.as_str()))?;
    let xs = PyList::empty(py);
    for x in &w.explanations {
        xs.append(explanation(py, x)?)?;
    }
    d.set_item("explanations", xs)?;
    d.set_item("window_evaluated", w.window_evaluated)?;
    Ok(d)
}

#[pymethods]
impl NativePolicy {
    /// Parses a policy from TOML text.
    #[staticmethod]
    fn parse(text: &str) -> PyResult<Self> {
        Ok(NativePolicy {
            inner: Arc::new(parse_policy(text).py_err()?),
        })
    }

    /// Reads a policy file.
    #[staticmethod]
    fn read(path: PathBuf) -> PyResult<Self> {
        Ok(NativePolicy {
            inner: Arc::new(read_policy(&path).py_err()?),
        })
    }

    /// The policy's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Its description.
    #[getter]
    fn description(&self) -> Option<String> {
        self.inner.description.clone()
    }

    /// Non-fatal findings.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings.clone()
    }

    /// Rules as `(id, action, duration_ms, untrust)`.
    #[getter]
    fn rules(&self) -> Vec<(String, &'static str, Option<i64>, bool)> {
        self.inner
            .rules
            .iter()
            .map(|r| (r.id.clone(), r.action.name(), r.duration_ms, r.untrust))
            .collect()
    }

    /// Evaluates every worker of the matrix (evidence from its gold, judgments and
    /// peer agreement, and with `model` — a method name of
    /// `crowdqc_aggregation::registry` — the model's worker accuracy and spammer score):
    /// `(decisions table, summary dict, decision dicts)`.
    #[pyo3(signature = (matrix, model=None, seed=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        matrix: &Matrix,
        model: Option<String>,
        seed: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (p, m) = (Arc::clone(&self.inner), Arc::clone(&matrix.inner));
        let e = py
            .detach(move || -> crowdqc_core::Result<_> {
                let mut t = EvidenceTable::from_matrix(&m, &p);
                if let Some(name) = model {
                    let opts = RunOptions {
                        seed,
                        ..RunOptions::default()
                    };
                    t.fill_from_model(&*registry::fit(&name, &m, &opts)?);
                }
                Ok(p.evaluate_table(&t))
            })
            .py_err()?;
        evaluation_py(py, &e)
    }

    /// Worker statements for every worker of the matrix (with `pay`, a pay-table TOML
    /// file, the effective hourly pay from its `duration_ms` column):
    /// `(table, statements as JSON text, statements as plain text)`.
    #[pyo3(signature = (matrix, pay=None))]
    fn statements<'py>(
        &self,
        py: Python<'py>,
        matrix: &Matrix,
        pay: Option<PathBuf>,
    ) -> PyResult<(Bound<'py, PyAny>, String, String)> {
        let (p, m) = (Arc::clone(&self.inner), Arc::clone(&matrix.inner));
        let s = py
            .detach(move || -> crowdqc_core::Result<_> {
                let pay = pay.as_deref().map(crowdqc_policy::pay::read_pay).transpose()?;
                crowdqc_policy::statement::statements_from_matrix(&m, &p, pay.as_ref())
            })
            .py_err()?;
        let json = serde_json::to_string(&s)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        let table = s.to_record_batch().py_err()?.to_pyarrow(py)?;
        Ok((table, json, s.to_string()))
    }

    /// Replays the matrix's judgments (timestamp order, else item order) through the
    /// policy: `(log table, summary dict, entry dicts)`.
    fn replay<'py>(&self, py: Python<'py>, matrix: &Matrix) -> PyResult<Bound<'py, PyAny>> {
        let (p, m) = (Arc::clone(&self.inner), Arc::clone(&matrix.inner));
        let log = py
            .detach(move || crowdqc_policy::replay::replay(&p, &m).map(|r| r.log(&p, &m)))
            .py_err()?;
        let table = log.to_record_batch().py_err()?.to_pyarrow(py)?;
        let s = PyDict::new(py);
        s.set_item("policy", &log.policy)?;
        s.set_item("warnings", &log.warnings)?;
        s.set_item(
            "clock",
            match log.clock {
                crowdqc_policy::replay::Clock::Timestamps => "timestamps",
                crowdqc_policy::replay::Clock::ItemOrder => "item_order",
            },
        )?;
        s.set_item("judgments", log.judgments)?;
        s.set_item("after_restriction", log.after_restriction)?;
        let untrusted = PyList::empty(py);
        for w in &log.untrusted {
            untrusted.append(id_py(py, w)?)?;
        }
        s.set_item("untrusted", untrusted)?;
        let es = PyList::empty(py);
        for e in &log.events {
            let d = decision(py, &e.decision)?;
            d.set_item("timestamp_ms", e.timestamp_ms)?;
            d.set_item("time", e.time.as_deref())?;
            d.set_item("gold_answered", e.gold_answered)?;
            d.set_item("gold_correct", e.gold_correct)?;
            es.append(d)?;
        }
        Ok((table, s, es).into_pyobject(py)?.into_any())
    }

    /// Exact probabilities that the selected rules fire within `horizon` gold answers
    /// for each accuracy (Monte Carlo beyond the chain's size): `(table, summary)`.
    #[pyo3(signature = (accuracies=None, horizon=100, rules=None, runs=100_000, seed=0))]
    fn exact<'py>(
        &self,
        py: Python<'py>,
        accuracies: Option<Vec<f64>>,
        horizon: u64,
        rules: Option<Vec<String>>,
        runs: u64,
        seed: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut opts = ExactOptions::new()
            .rules(rules)
            .horizon(horizon)
            .runs(runs)
            .seed(seed);
        if let Some(a) = accuracies {
            opts = opts.accuracies(a);
        }
        let p = Arc::clone(&self.inner);
        let r = interruptible(py, move |pr: &dyn Progress| exact_report(&p, &opts, pr))?;
        let table = r.to_record_batch().py_err()?.to_pyarrow(py)?;
        let s = PyDict::new(py);
        s.set_item("policy", &r.policy)?;
        s.set_item("warnings", &r.warnings)?;
        s.set_item("rules", &r.rules)?;
        s.set_item("horizon", r.horizon)?;
        match &r.method {
            crowdqc_policy::CurveMethod::Exact => {
                s.set_item("method", "exact")?;
                s.set_item("method_reason", py.None())?;
            }
            crowdqc_policy::CurveMethod::MonteCarlo { reason, .. } => {
                s.set_item("method", "monte_carlo")?;
                s.set_item("method_reason", reason)?;
            }
        }
        s.set_item("text", r.text())?;
        Ok((table, s).into_pyobject(py)?.into_any())
    }

    /// Simulates the policy on archetypes (`workers`: `0.97,uniform,degrade:0.95>0.7@0.5`
    /// or `None` for the default roster) under a flat gold rate: `(table, text)`. Stops
    /// on Ctrl-C.
    #[pyo3(signature = (workers=None, gold_rate=0.1, front_gold=0, tasks=1000, runs=1000,
        seed=0, classes=2))]
    #[allow(clippy::too_many_arguments)]
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        workers: Option<&str>,
        gold_rate: f64,
        front_gold: u64,
        tasks: u64,
        runs: u64,
        seed: u64,
        classes: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let roster = match workers {
            Some(spec) => Archetype::parse_list(spec).py_err()?,
            None => Archetype::default_roster(),
        };
        let cfg = SimConfig::new()
            .workers(roster)
            .gold_rate(gold_rate)
            .front_gold(front_gold)
            .tasks(tasks)
            .runs(runs)
            .seed(seed)
            .classes(classes);
        cfg.validate().py_err()?;
        let p = Arc::clone(&self.inner);
        let r = interruptible(py, move |pr: &dyn Progress| {
            let (rate, front) = (cfg.gold_rate, cfg.front_gold);
            let gold = move |s: u64| -> Box<dyn GoldSource> {
                Box::new(FixedRateGold::new(rate, front, s))
            };
            simulate_with_progress(&p, &cfg, &gold, pr)
        })?;
        let table = r.to_record_batch().py_err()?.to_pyarrow(py)?;
        Ok((table, r.text()).into_pyobject(py)?.into_any())
    }

    /// A live session for one worker starting at `now_ms`.
    #[pyo3(signature = (worker, now_ms=0))]
    fn session(&self, worker: String, now_ms: i64) -> NativePolicySession {
        NativePolicySession {
            state: WorkerState::new(&self.inner, now_ms),
            evidence: WorkerEvidence::default(),
            policy: Arc::clone(&self.inner),
            worker,
        }
    }
}

/// One worker's live policy state and evidence (`Policy::step` after each answer).
#[pyclass(module = "crowdqc._native", name = "PolicySession")]
pub struct NativePolicySession {
    policy: Arc<Policy>,
    worker: String,
    state: WorkerState,
    evidence: WorkerEvidence,
}

#[pymethods]
impl NativePolicySession {
    /// Records a gold answer at `now_ms` and steps the policy: the decision dict when
    /// something happens (a rule starts firing, a tier move), else `None`.
    #[pyo3(signature = (correct, now_ms=0))]
    fn record_gold<'py>(
        &mut self,
        py: Python<'py>,
        correct: bool,
        now_ms: i64,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.evidence.record_gold(correct);
        self.evidence.judgments += 1;
        self.evidence.touch(now_ms);
        let Some(d) = self
            .policy
            .step(&mut self.state, &mut self.evidence, now_ms)
        else {
            return Ok(None);
        };
        let x = self.policy.explain(&d, &self.evidence);
        let w = WorkerDecision::resolve(&self.policy, Id::Str(self.worker.clone()), &d, x);
        decision(py, &w).map(Some)
    }

    /// Whether the worker may take tasks at `now_ms`.
    #[pyo3(signature = (now_ms=0))]
    fn active(&self, now_ms: i64) -> bool {
        self.state.active(now_ms)
    }

    /// The state: tier index, banned (`permanent`, the end ms, or `None`),
    /// suspended_until, untrusted, gold answered and correct.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("tier", self.state.tier)?;
        match self.state.banned {
            Some(Ban::Permanent) => d.set_item("banned", "permanent")?,
            Some(Ban::Until(t)) => d.set_item("banned", t)?,
            None => d.set_item("banned", py.None())?,
        }
        d.set_item("suspended_until", self.state.suspended_until)?;
        d.set_item("untrusted", self.state.untrusted)?;
        d.set_item("gold_answered", self.evidence.gold_answered)?;
        d.set_item("gold_correct", self.evidence.gold_correct)?;
        Ok(d)
    }
}

/// An evaluation as `(decisions RecordBatch, summary dict, decision dicts)`.
pub(crate) fn evaluation_py<'py>(
    py: Python<'py>,
    e: &crowdqc_policy::Evaluation,
) -> PyResult<Bound<'py, PyAny>> {
    let table = e.to_record_batch().py_err()?.to_pyarrow(py)?;
    let s = PyDict::new(py);
    s.set_item("policy", &e.policy)?;
    s.set_item("warnings", &e.warnings)?;
    s.set_item("workers", e.workers)?;
    s.set_item("summary", e.summary.clone())?;
    let untrusted = PyList::empty(py);
    for w in &e.untrusted {
        untrusted.append(id_py(py, w)?)?;
    }
    s.set_item("untrusted", untrusted)?;
    let ds = PyList::empty(py);
    for d in &e.decisions {
        ds.append(decision(py, d)?)?;
    }
    Ok((table, s, ds).into_pyobject(py)?.into_any())
}
