//! [`fit`] and the fitted [`Model`].

use crowdqc_aggregation::auto::{Auto, AutoModel, AutoParams};
use crowdqc_aggregation::registry::RunOptions;
use crowdqc_aggregation::{
    CommonSettings, DawidSkene, DawidSkeneModel, Ebcc, EbccModel, EbccParams, Glad, GladModel,
    GoldMajorityVote, Ibcc, InitialConfusion, Kos, KosModel, Mace, MaceMethod, MaceModel,
    MajorityVote, Minimax, MinimaxModel, MinimaxParams, Mmsr, MmsrModel, OneCoinDawidSkene,
    VoteModel, Wawa, ZeroBasedSkill,
};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, JudgmentMatrix};
use ndarray::Array3;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

use crate::arrow_out::{f64s, u32s};
use crate::errors::to_py;
use crate::ingest::Matrix;
use crate::run::interruptible;

/// A fitted model of any method.
enum Fitted {
    Ds(DawidSkeneModel),
    Vote(VoteModel),
    Glad(GladModel),
    Mace(MaceModel),
    Kos(KosModel),
    Mmsr(MmsrModel),
    Minimax(MinimaxModel),
    Ebcc(EbccModel),
    Auto(AutoModel),
}

impl Fitted {
    fn model(&self) -> &dyn FittedModel {
        match self {
            Fitted::Ds(m) => m,
            Fitted::Vote(m) => m,
            Fitted::Glad(m) => m,
            Fitted::Mace(m) => m,
            Fitted::Kos(m) => m,
            Fitted::Mmsr(m) => m,
            Fitted::Minimax(m) => m,
            Fitted::Ebcc(m) => m,
            Fitted::Auto(m) => m,
        }
    }
}

/// A fitted truth-inference model: posteriors, labels, per-worker values and the fit
/// report, returned as pyarrow arrays indexed by the matrix's item, worker and class
/// indices (the Python classes attach the ids).
#[pyclass(frozen, module = "crowdqc._native")]
pub struct Model {
    inner: Fitted,
}

/// The parameters the Python side passes, read from a dict by name.
struct Params<'a, 'py>(Option<&'a Bound<'py, PyDict>>);

impl<'py> Params<'_, 'py> {
    fn get<T: FromPyObjectOwned<'py>>(&self, key: &str) -> PyResult<Option<T>> {
        let Some(d) = self.0 else { return Ok(None) };
        match d.get_item(key)? {
            Some(v) if !v.is_none() => match v.extract::<T>() {
                Ok(x) => Ok(Some(x)),
                Err(_) => Err(to_py(Error::param(
                    key,
                    format!("has the wrong type ({})", v.get_type().name()?),
                ))),
            },
            _ => Ok(None),
        }
    }
}

/// Everything a fit needs, extracted from Python before the GIL is released.
enum Spec {
    Mv(crowdqc_aggregation::MajorityVoteParams),
    Wawa(crowdqc_aggregation::WawaParams),
    Zbs(crowdqc_aggregation::ZeroBasedSkillParams),
    GoldMv(crowdqc_aggregation::GoldMajorityVoteParams),
    Ds(crowdqc_aggregation::DawidSkeneParams),
    OneCoin(crowdqc_aggregation::OneCoinDawidSkeneParams),
    Glad(crowdqc_aggregation::GladParams),
    Mace(crowdqc_aggregation::MaceParams),
    Kos(crowdqc_aggregation::KosParams),
    Mmsr(crowdqc_aggregation::MmsrParams),
    Minimax(MinimaxParams),
    Ebcc(EbccParams),
    Auto(AutoParams),
}

fn spec(method: &str, p: &Params<'_, '_>, m: &JudgmentMatrix) -> PyResult<Spec> {
    // crowd-kit's names for the shared settings, applied through the library's
    // `CommonSettings` (each method takes the ones it has)
    let o = RunOptions {
        max_iter: p.get::<usize>("n_iter")?,
        tol: p.get::<f64>("tol")?,
        seed: p.get::<u64>("random_state")?,
        ..RunOptions::default()
    };
    Ok(match method {
        "mv" => {
            let mut s = MajorityVote::params();
            if let Some(w) = p.get::<Vec<f64>>("weights")? {
                s = s.weights(w);
            }
            Spec::Mv(s)
        }
        "wawa" => Spec::Wawa(Wawa::params()),
        "zbs" => {
            let mut s = ZeroBasedSkill::params().with_options(&o);
            if let Some(v) = p.get::<f64>("lr_init")? {
                s = s.lr_init(v);
            }
            if let Some(v) = p.get::<usize>("lr_steps_to_reduce")? {
                s = s.lr_steps_to_reduce(v);
            }
            if let Some(v) = p.get::<f64>("lr_reduce_factor")? {
                s = s.lr_reduce_factor(v);
            }
            if let Some(v) = p.get::<f64>("eps")? {
                s = s.eps(v);
            }
            Spec::Zbs(s)
        }
        "gold-mv" => Spec::GoldMv(GoldMajorityVote::params()),
        "ds" => {
            let mut s = DawidSkene::params().with_options(&o);
            if let Some(v) = p.get::<bool>("clamp_gold")? {
                s = s.clamp_gold(v);
            }
            if let Some(v) = p.get::<bool>("exact_sums")? {
                s = s.exact_sums(v);
            }
            if let Some(flat) = p.get::<Vec<f64>>("initial_error")? {
                let how = match p.get::<String>("initial_error_strategy")?.as_deref() {
                    Some("assign") => InitialConfusion::Assign,
                    Some("addition") => InitialConfusion::Addition,
                    other => {
                        return Err(to_py(Error::param(
                            "initial_error_strategy",
                            format!("must be 'assign' or 'addition', got {other:?}"),
                        )));
                    }
                };
                let (w, k) = (m.n_workers(), m.n_classes());
                let arr = Array3::from_shape_vec((w, k, k), flat).map_err(|_| {
                    to_py(Error::param(
                        "initial_error",
                        format!("must have {w} workers x {k} x {k} classes entries"),
                    ))
                })?;
                s = s.initial_confusion(arr, how);
            }
            Spec::Ds(s)
        }
        "one-coin-ds" => {
            let mut s = OneCoinDawidSkene::params().with_options(&o);
            if let Some(v) = p.get::<bool>("exact_sums")? {
                s = s.exact_sums(v);
            }
            Spec::OneCoin(s)
        }
        "glad" => Spec::Glad(Glad::params().with_options(&o)),
        "mace" => {
            // crowd-kit's MACE has no tolerance: only its iterations and seed apply
            let mut s = Mace::params().with_options(&RunOptions {
                tol: None,
                ..o.clone()
            });
            if let Some(v) = p.get::<usize>("n_restarts")? {
                s = s.n_restarts(v);
            }
            match p.get::<String>("method")?.as_deref() {
                None | Some("vb") => {}
                Some("em") => s = s.method(MaceMethod::Em),
                Some(other) => {
                    return Err(to_py(Error::param(
                        "method",
                        format!("must be 'vb' or 'em', got '{other}'"),
                    )));
                }
            }
            if let Some(v) = p.get::<f64>("smoothing")? {
                s = s.smoothing(v);
            }
            if let Some(v) = p.get::<f64>("alpha")? {
                s = s.spam_prior(v);
            }
            if let Some(v) = p.get::<f64>("beta")? {
                s = s.competence_prior(v);
            }
            Spec::Mace(s)
        }
        "kos" => Spec::Kos(Kos::params().with_options(&o)),
        "mmsr" => Spec::Mmsr(Mmsr::params().with_options(&o)),
        "minimax" | "minimax-ordinal" => {
            let mut s = if method == "minimax" {
                Minimax::params()
            } else {
                Minimax::ordinal()
            }
            .with_options(&o);
            if let Some(v) = p.get::<f64>("worker_penalty")? {
                s = s.worker_penalty(v);
            }
            if let Some(v) = p.get::<f64>("item_penalty")? {
                s = s.item_penalty(v);
            }
            if let Some(v) = p.get::<bool>("learn_prior")? {
                s = s.learn_prior(v);
            }
            Spec::Minimax(s)
        }
        "ebcc" | "ibcc" => {
            let mut s = if method == "ebcc" {
                Ebcc::params()
            } else {
                Ibcc::params()
            }
            .with_options(&o);
            if let Some(v) = p.get::<usize>("n_subtypes")? {
                s = s.n_subtypes(v);
            }
            if let Some(v) = p.get::<usize>("n_restarts")? {
                s = s.n_restarts(v);
            }
            Spec::Ebcc(s)
        }
        "auto" => {
            let mut s = Auto::params().with_options(&o);
            if let Some(v) = p.get::<usize>("folds")? {
                s = s.folds(v);
            }
            if let Some(v) = p.get::<Vec<String>>("candidates")? {
                s = s.candidates(v);
            }
            if let Some(v) = p.get::<bool>("ordinal")? {
                s = s.ordinal(v);
            }
            Spec::Auto(s)
        }
        other => {
            return Err(to_py(Error::param(
                "method",
                format!(
                    "unknown method '{other}'; one of mv, wawa, zbs, gold-mv, ds, one-coin-ds, \
                     glad, mace, kos, mmsr, minimax, minimax-ordinal, ebcc, ibcc, auto"
                ),
            )));
        }
    })
}

fn run(spec: &Spec, m: &JudgmentMatrix, p: &dyn Progress) -> crowdqc_core::Result<Fitted> {
    Ok(match spec {
        Spec::Mv(s) => Fitted::Vote(s.fit_with_progress(m, p)?),
        Spec::Wawa(s) => Fitted::Vote(s.fit_with_progress(m, p)?),
        Spec::Zbs(s) => Fitted::Vote(s.fit_with_progress(m, p)?),
        Spec::GoldMv(s) => Fitted::Vote(s.fit_with_progress(m, p)?),
        Spec::Ds(s) => Fitted::Ds(s.fit_with_progress(m, p)?),
        Spec::OneCoin(s) => Fitted::Ds(s.fit_with_progress(m, p)?),
        Spec::Glad(s) => Fitted::Glad(s.fit_with_progress(m, p)?),
        Spec::Mace(s) => Fitted::Mace(s.fit_with_progress(m, p)?),
        Spec::Kos(s) => Fitted::Kos(s.fit_with_progress(m, p)?),
        Spec::Mmsr(s) => Fitted::Mmsr(s.fit_with_progress(m, p)?),
        Spec::Minimax(s) => Fitted::Minimax(s.fit_with_progress(m, p)?),
        Spec::Ebcc(s) => Fitted::Ebcc(s.fit_with_progress(m, p)?),
        Spec::Auto(s) => Fitted::Auto(s.fit_with_progress(m, p)?),
    })
}

/// Fits `method` (`mv`, `wawa`, `zbs`, `gold-mv`, `ds`, `one-coin-ds`, `glad`, `mace`,
/// `kos`, `mmsr`, `minimax`, `minimax-ordinal`, `ebcc`, `ibcc`, `auto`) on `matrix` with crowd-kit-named parameters from `params`
/// (`n_iter`, `tol`, `random_state`, ...; `None` values mean the default). The fit runs
/// with the GIL released; Ctrl-C stops it at the next iteration and raises
/// `KeyboardInterrupt`.
#[pyfunction]
#[pyo3(signature = (matrix, method, params=None))]
pub fn fit(
    py: Python<'_>,
    matrix: &Matrix,
    method: &str,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<Model> {
    let m = Arc::clone(&matrix.inner);
    let spec = spec(method, &Params(params), &m)?;
    let inner = interruptible(py, move |p| run(&spec, &m, p))?;
    Ok(Model { inner })
}

#[pymethods]
impl Model {
    /// The method's short name (`ds`, `glad`, ...).
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.model().method()
    }

    /// Posteriors as a flat row-major pyarrow `float64` array of `n_items * n_classes`.
    fn posteriors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = self.inner.model().posteriors();
        let v = match p.as_slice() {
            Some(s) => s.to_vec(),
            None => p.iter().copied().collect(),
        };
        f64s(py, v)
    }

    /// Whether [`posteriors`](Self::posteriors) holds the dense `n_items * n_classes`
    /// table (false only for vote methods on very many classes).
    fn has_dense_posteriors(&self) -> bool {
        self.inner.model().has_dense_posteriors()
    }

    /// The posteriors that are not zero as `(items, classes, values)` pyarrow arrays
    /// (`uint32`, `uint32`, `float64`), item-major in class order; an item without
    /// judgment (uniform posterior) has no entry.
    fn sparse_posteriors<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let model = self.inner.model();
        let (mut items, mut classes, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..model.posteriors().nrows() {
            for (c, p) in model.posterior_row(i) {
                items.push(i as u32);
                classes.push(c);
                values.push(p);
            }
        }
        Ok((u32s(py, items)?, u32s(py, classes)?, f64s(py, values)?))
    }

    /// Hard labels (class indices, the model's tie rule) as pyarrow `uint32`.
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u32s(py, self.inner.model().labels())
    }

    /// Per-worker accuracy estimate (NaN where undefined) as pyarrow `float64`.
    fn worker_accuracy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        f64s(py, self.inner.model().worker_accuracy().to_vec())
    }

    /// `(iterations, converged, objective trace)`.
    fn report(&self) -> (usize, bool, Vec<f64>) {
        let r = self.inner.model().fit_report();
        (r.iterations, r.converged, r.objective.clone())
    }

    /// Method-specific arrays by name (all pyarrow `float64`, flat row-major):
    /// Dawid–Skene `confusion` (`[worker, true, observed]`), `priors`, one-coin
    /// `skills`; GLAD `alpha`, `log_beta`, `class_priors`; MACE `spamming`,
    /// `strategies` (`[worker, class]`); KOS `scores`, `reliability`; M-MSR `skills`,
    /// `reliability`; vote methods their worker columns.
    fn arrays<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let put = |name: &str, v: Vec<f64>| -> PyResult<()> { d.set_item(name, f64s(py, v)?) };
        match &self.inner {
            Fitted::Ds(m) => {
                put("confusion", m.confusion().iter().copied().collect())?;
                put("priors", m.priors().to_vec())?;
                if let Some(s) = m.skills() {
                    put("skills", s.to_vec())?;
                }
            }
            Fitted::Glad(m) => {
                put("alpha", m.alpha().to_vec())?;
                put("log_beta", m.log_beta().to_vec())?;
                put("class_priors", m.class_priors().to_vec())?;
            }
            Fitted::Mace(m) => {
                put("spamming", m.spamming().to_vec())?;
                put("strategies", m.strategies().iter().copied().collect())?;
            }
            Fitted::Kos(m) => {
                put("scores", m.scores().to_vec())?;
                put("reliability", m.reliability().to_vec())?;
            }
            Fitted::Mmsr(m) => {
                put("skills", m.skills().to_vec())?;
                put("reliability", m.reliability().to_vec())?;
            }
            Fitted::Vote(m) => {
                for c in m.worker_columns() {
                    put(&c.name, c.values)?;
                }
            }
            Fitted::Minimax(m) => {
                put("confusion", m.confusion().iter().copied().collect())?;
                put("priors", m.class_prior().to_vec())?;
            }
            Fitted::Ebcc(m) => {
                put("confusion", m.confusion().iter().copied().collect())?;
                put("priors", m.class_prior().to_vec())?;
                put("restart_elbos", m.restart_elbos().to_vec())?;
            }
            Fitted::Auto(_) => {}
        }
        Ok(d)
    }

    /// For `auto`: `(chosen method, reason, [(candidate, held-out log-likelihood per
    /// judgment or None, error or None)], folds, seed, judgments used)`; `None` for
    /// other methods.
    #[allow(clippy::type_complexity)]
    fn auto_report(
        &self,
    ) -> Option<(
        String,
        String,
        Vec<(String, Option<f64>, Option<String>)>,
        usize,
        u64,
        usize,
    )> {
        let Fitted::Auto(m) = &self.inner else {
            return None;
        };
        let r = m.report();
        Some((
            r.chosen.clone(),
            r.reason.clone(),
            r.candidates
                .iter()
                .map(|c| (c.method.clone(), c.heldout_loglik, c.error.clone()))
                .collect(),
            r.folds,
            r.seed,
            r.selection_judgments,
        ))
    }

    fn __repr__(&self) -> String {
        let r = self.inner.model().fit_report();
        format!(
            "Model(method='{}', iterations={}, converged={})",
            self.inner.model().method(),
            r.iterations,
            r.converged
        )
    }
}
