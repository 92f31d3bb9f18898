//! `crowdqc aggregate` as library calls: truth inference with any method of the
//! [registry], its evaluation gold, weights, saved models and output files, from a
//! [`Request`] to an [`Outcome`] that a front end renders
//! (its [`Display`](std::fmt::Display) is the command's text output, its `Serialize` the JSON).
//!
//! The steps, in the order the command makes them (each check comes before any long
//! work it would waste):
//!
//! 1. [`Request::open`]: the method name, the output paths, the saved-model options (the
//!    model of `init_from` is read and checked here, before the judgments).
//! 2. The caller may send the file out of core ([`crate::out_of_core`]) with
//!    [`Aggregate::method`] and [`Aggregate::out_of_core_unsupported`].
//! 3. [`Aggregate::check_in_memory`] (weighted majority vote needs weights), then
//!    [`Aggregate::read_eval`]: evaluation gold, validated like fitting gold, before the
//!    judgments.
//! 4. The caller reads the judgments (e.g. [`crowdqc_io::read_judgments_planned`], with
//!    the gold file when [`Request::gold`] is set).
//! 5. [`Aggregate::run`]: fits, writes the items and workers tables and the saved model,
//!    scores against evaluation gold and returns the [`Outcome`].
//!
//! `ds` and `one-coin-ds` keep no `items × K` posterior table: their items are computed
//! chunk by chunk while they are written (the same values as the model's).
//!
//! ```
//! use crowdqc::aggregate::Request;
//! use crowdqc::core::{ColumnMap, IdRef, IngestOptions, JudgmentMatrixBuilder};
//!
//! # fn main() -> crowdqc::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (item, worker, label) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"),
//!                               ("t2", "a", "y"), ("t2", "b", "y"), ("t2", "c", "y")] {
//!     b.push_row(IdRef::Str(item), IdRef::Str(worker), IdRef::Str(label))?;
//! }
//! let m = b.finish()?;
//! let a = Request::new("mv").open()?;
//! let outcome = a.run(&m, &ColumnMap::default(), &crowdqc::core::progress::NoProgress)?;
//! let counts: Vec<u64> = outcome.summary.label_distribution.iter().map(|d| d.items).collect();
//! assert_eq!(counts, [1, 1]); // t1 is x, t2 is y
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::time::Instant;

use crowdqc_aggregation::auto::{Auto, AutoReport};
use crowdqc_aggregation::registry::{self, MethodInfo, RunOptions};
use crowdqc_aggregation::report::{self, AggregateSummary, EvalGold, GoldUse};
use crowdqc_aggregation::state::{self, ModelState, WarmStart};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::progress::Progress;
use crowdqc_core::{ColumnMap, Error, JudgmentMatrix, Result};

mod outcome;
#[cfg(test)]
mod tests;

pub use outcome::{Outcome, Seconds};

/// What to fit and what to write: the options of `crowdqc aggregate` (build it with
/// [`Request::new`] and the setters).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Request {
    /// Method name (see [`registry::METHODS`]), or `auto`.
    pub method: String,
    /// Ordered classes: `minimax` becomes `minimax-ordinal`, `auto` compares it too.
    pub ordinal: bool,
    /// Whether the judgments were read with a gold file (methods that use gold use it).
    pub gold: bool,
    /// Evaluation gold file: labels used only to report accuracy, never to fit.
    pub eval: Option<PathBuf>,
    /// Per-worker weights file for `wmv` (columns worker, weight).
    pub weights: Option<PathBuf>,
    /// Maximum iterations (default: the method's own).
    pub max_iter: Option<usize>,
    /// Convergence tolerance (default: the method's own).
    pub tol: Option<f64>,
    /// Seed of randomised methods (`mv`: ties broken at random with it).
    pub seed: Option<u64>,
    /// Where to save the fitted model (`ds`, `one-coin-ds`).
    pub save_model: Option<PathBuf>,
    /// A saved model to start the fit from (`ds`, `one-coin-ds`).
    pub init_from: Option<PathBuf>,
    /// The items table (`.parquet`, `.csv`, `.arrow`).
    pub out: Option<PathBuf>,
    /// The workers table.
    pub workers_out: Option<PathBuf>,
}

impl Request {
    /// A request to fit `method` with its defaults, writing nothing.
    pub fn new(method: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            ..Request::default()
        }
    }

    /// Sets [`Request::ordinal`].
    #[must_use]
    pub fn ordinal(mut self, ordinal: bool) -> Self {
        self.ordinal = ordinal;
        self
    }

    /// Sets [`Request::gold`].
    #[must_use]
    pub fn gold(mut self, gold: bool) -> Self {
        self.gold = gold;
        self
    }

    /// Sets [`Request::eval`].
    #[must_use]
    pub fn eval(mut self, path: impl Into<Option<PathBuf>>) -> Self {
        self.eval = path.into();
        self
    }

    /// Sets [`Request::weights`].
    #[must_use]
    pub fn weights(mut self, path: impl Into<Option<PathBuf>>) -> Self {
        self.weights = path.into();
        self
    }

    /// Sets [`Request::max_iter`].
    #[must_use]
    pub fn max_iter(mut self, n: impl Into<Option<usize>>) -> Self {
        self.max_iter = n.into();
        self
    }

    /// Sets [`Request::tol`].
    #[must_use]
    pub fn tol(mut self, tol: impl Into<Option<f64>>) -> Self {
        self.tol = tol.into();
        self
    }

    /// Sets [`Request::seed`].
    #[must_use]
    pub fn seed(mut self, seed: impl Into<Option<u64>>) -> Self {
        self.seed = seed.into();
        self
    }

    /// Sets [`Request::save_model`].
    #[must_use]
    pub fn save_model(mut self, path: impl Into<Option<PathBuf>>) -> Self {
        self.save_model = path.into();
        self
    }

    /// Sets [`Request::init_from`].
    #[must_use]
    pub fn init_from(mut self, path: impl Into<Option<PathBuf>>) -> Self {
        self.init_from = path.into();
        self
    }

    /// Sets [`Request::out`] and [`Request::workers_out`].
    #[must_use]
    pub fn outputs(
        mut self,
        items: impl Into<Option<PathBuf>>,
        workers: impl Into<Option<PathBuf>>,
    ) -> Self {
        self.out = items.into();
        self.workers_out = workers.into();
        self
    }

    /// Checks what can be checked before any data is read and reads the saved model of
    /// `init_from`: the method (with `ordinal`), that the output tables can be written,
    /// that `save_model`/`init_from` go with `ds` or `one-coin-ds`, and that
    /// `save_model` can be written.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an unknown method, `ordinal` with another method
    /// or a saved model with another method; an unwritable output; an unreadable or
    /// invalid saved model.
    pub fn open(self) -> Result<Aggregate> {
        let info = report::resolve_method(&self.method, self.ordinal)?;
        for p in [&self.out, &self.workers_out].into_iter().flatten() {
            crowdqc_io::check_output_path(p)?;
        }
        if self.save_model.is_some() || self.init_from.is_some() {
            state::check_method(info.name)?;
        }
        if let Some(p) = &self.save_model {
            crowdqc_io::check_file_path(p)?;
        }
        let warm = self
            .init_from
            .as_deref()
            .map(ModelState::read)
            .transpose()?;
        Ok(Aggregate {
            req: self,
            info,
            warm,
            eval: None,
        })
    }
}

/// An opened [`Request`]: the resolved method, the saved model to start from and, once
/// read, the evaluation gold.
#[derive(Debug)]
pub struct Aggregate {
    req: Request,
    info: &'static MethodInfo,
    warm: Option<ModelState>,
    eval: Option<EvalGold>,
}

impl Aggregate {
    /// The resolved method name (`minimax-ordinal` for `minimax` with `ordinal`).
    pub fn method(&self) -> &'static str {
        self.info.name
    }

    /// The options the out-of-core path cannot take, as `(flag, given)` for
    /// [`crate::out_of_core::Request::unsupported`].
    pub fn out_of_core_unsupported(&self) -> [(&'static str, bool); 7] {
        let r = &self.req;
        [
            ("gold", r.gold),
            ("eval", r.eval.is_some()),
            ("workers-out", r.workers_out.is_some()),
            ("weights", r.weights.is_some()),
            ("save-model", r.save_model.is_some()),
            ("init-from", r.init_from.is_some()),
            ("seed", r.seed.is_some()),
        ]
    }

    /// Checks the options of the in-memory fit: `wmv` needs a weights file.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] `weights` for `wmv` without one.
    pub fn check_in_memory(&self) -> Result<()> {
        if self.info.name == "wmv" && self.req.weights.is_none() {
            return Err(Error::param(
                "weights",
                "--method wmv needs --weights WEIGHTS",
            ));
        }
        Ok(())
    }

    /// Reads and validates the evaluation gold of [`Request::eval`] (if any) with the
    /// column names of `columns`, as [`EvalGold::from_batches`].
    ///
    /// # Errors
    /// An unreadable file; the errors of [`EvalGold::from_batches`], naming the file
    /// and line.
    pub fn read_eval(&mut self, columns: &ColumnMap) -> Result<()> {
        if let Some(p) = &self.req.eval {
            let t = crowdqc_io::read_gold_table(p, columns)?;
            let g = EvalGold::from_batches(t.batches(), columns).map_err(|e| t.locate(e))?;
            self.eval = Some(g);
        }
        Ok(())
    }

    /// Fits the method on `m` (read with the column names of `columns`), reporting to
    /// `progress`; writes the items and workers tables and the saved model of the
    /// request; scores the labels against the evaluation gold read by
    /// [`read_eval`](Self::read_eval).
    ///
    /// # Errors
    /// Data the method cannot take ([`report::check_method_data`]); an unreadable or
    /// invalid weights file; the fit's errors (a saved model that does not fit `m`
    /// names its file); write failures.
    pub fn run(
        &self,
        m: &JudgmentMatrix,
        columns: &ColumnMap,
        progress: &dyn Progress,
    ) -> Result<Outcome> {
        let (req, name) = (&self.req, self.info.name);
        report::check_method_data(self.info, m)?;
        let weights = match &req.weights {
            Some(p) => {
                let t = crowdqc_io::read_weights_table(p, columns)?;
                Some(report::worker_weights(m, t.batches(), columns).map_err(|e| t.locate(e))?)
            }
            None => None,
        };
        let use_gold = req.gold && self.info.uses_gold;
        let run = RunOptions {
            max_iter: req.max_iter,
            tol: req.tol,
            seed: req.seed,
            use_gold,
            weights,
        };
        let t1 = Instant::now();
        progress.start(&format!("fitting {name}"), None);
        let fitted = self.fit(m, &run, progress);
        progress.finish();
        let fitted = fitted?;
        let fit = t1.elapsed().as_secs_f64();
        let t2 = Instant::now();
        let model = fitted.model();
        let (counts, labels) = self.write(m, &fitted)?;
        let write = t2.elapsed().as_secs_f64();
        let eval = self.eval.as_ref().map(|g| {
            let labels = labels.unwrap_or_else(|| model.labels());
            g.evaluate(m, &labels, use_gold)
        });
        let items = m.gold().len() as u64;
        let gold = req.gold.then_some(if self.info.uses_gold {
            GoldUse::Used { items }
        } else {
            GoldUse::Ignored { items }
        });
        let mut summary = AggregateSummary::new(m, model, gold, eval);
        for (d, c) in summary
            .label_distribution
            .iter_mut()
            .zip(counts.iter().flatten())
        {
            d.items = *c;
        }
        let shown = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        let (auto, warm_start) = match fitted {
            Fitted::Ds(_, w) => (None, w),
            Fitted::Other(_, a) => (a, None),
        };
        Ok(Outcome {
            summary,
            out: shown(&req.out),
            workers_out: shown(&req.workers_out),
            seconds: Seconds {
                read: 0.0,
                fit,
                write,
            },
            auto,
            warm_start,
            saved_model: shown(&req.save_model),
        })
    }

    /// The fit: `ds`/`one-coin-ds` streamed (from the saved model, if any), `auto`, or
    /// any other method of the registry.
    fn fit(&self, m: &JudgmentMatrix, run: &RunOptions, progress: &dyn Progress) -> Result<Fitted> {
        let name = self.info.name;
        if state::check_method(name).is_ok() {
            let r = state::fit_streamed(name, m, run, self.warm.as_ref(), progress);
            let (model, w) = r.map_err(|e| match (&self.req.init_from, &e) {
                (Some(p), Error::InvalidParameter { name, .. }) if name == "init-from" => {
                    e.in_file(p)
                }
                _ => e,
            })?;
            Ok(Fitted::Ds(Box::new(model), w))
        } else if name == "auto" {
            let mut p = Auto::params().ordinal(self.req.ordinal);
            if let Some(s) = run.seed {
                p = p.seed(s);
            }
            let (model, report) = p.fit_with_progress(m, progress)?.into_parts();
            Ok(Fitted::Other(model, Some(report)))
        } else {
            let model = registry::fit_with_progress(name, m, run, progress)?;
            Ok(Fitted::Other(model, None))
        }
    }

    /// Writes the items table, the workers table and the saved model; for a streamed
    /// fit, the items per label and (with evaluation gold) every item's label.
    fn write(&self, m: &JudgmentMatrix, fitted: &Fitted) -> Result<Streamed> {
        let req = &self.req;
        let (mut counts, mut labels) = (None, None);
        match (fitted, &req.out) {
            (Fitted::Ds(d, _), out) => {
                let (c, l) = state::stream_items(m, d, self.eval.is_some(), |s| match out {
                    Some(p) => crowdqc_io::write_batches(p, s),
                    None => s.count_all(),
                })?;
                (counts, labels) = (Some(c), l);
            }
            (Fitted::Other(model, _), Some(p)) => {
                crowdqc_io::write_batches(p, report::item_batches(m, model.as_ref()))?;
            }
            (Fitted::Other(..), None) => {}
        }
        if let Some(p) = &req.workers_out {
            crowdqc_io::write_table(p, &report::workers_table(m, fitted.model())?)?;
        }
        if let (Some(p), Fitted::Ds(d, _)) = (&req.save_model, fitted) {
            let s = ModelState::from_model(self.info.name, m, d);
            crowdqc_io::write_atomic(p, |w| s.write_to(w))?;
        }
        Ok((counts, labels))
    }
}

/// Of a streamed fit: the items per label and (when kept) every item's label.
type Streamed = (Option<Vec<u64>>, Option<Vec<u32>>);

/// A fitted model: a (streamed) Dawid–Skene fit with its warm start, or any other.
enum Fitted {
    Ds(Box<crowdqc_aggregation::DawidSkeneModel>, Option<WarmStart>),
    Other(Box<dyn FittedModel>, Option<AutoReport>),
}

impl Fitted {
    fn model(&self) -> &dyn FittedModel {
        match self {
            Fitted::Ds(d, _) => d.as_ref(),
            Fitted::Other(o, _) => o.as_ref(),
        }
    }
}
