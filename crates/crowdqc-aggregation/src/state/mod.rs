//! Saved model state for incremental re-scoring: a fitted Dawid–Skene or one-coin
//! Dawid–Skene model written to a file, and fits warm-started from it.
//!
//! A [`ModelState`] keeps what a later fit needs and what a reader wants to know:
//! the method, the classes and workers **by id** (so a new file with other codes, more
//! workers or another order maps onto it), the class priors and confusion matrices
//! ([`DsParams`], `[worker, true, observed]`), the fit report, and how many judgments
//! and items it was fitted on. The file format is versioned and starts with a magic
//! header (see [`MAGIC`], [`FORMAT_VERSION`]); parameters are stored as little-endian
//! `f64`, so a save → load round trip is exact.
//!
//! ## Warm start rule
//!
//! [`fit`] with a state starts EM from the state's parameters instead of the
//! majority-vote start:
//! - the classes of the new data must be the state's classes, in the same order
//!   (otherwise an error lists what differs: classes only in the model, only in the
//!   data, or the order);
//! - a worker of the new data found in the state (by id) starts from its saved
//!   confusion matrix;
//! - a worker new to the state starts from the state's **mean confusion matrix** (the
//!   cell-wise mean over its workers), i.e. a typical worker of the history;
//! - the priors start from the state's priors.
//!
//! From there EM runs as usual (same stopping rule), so a warm start from the fitted
//! state of the same data stops after one or two iterations with the same labels, and
//! a day of new judgments on top of a large history needs a few iterations over the
//! new data only.
//!
//! ```
//! use crowdqc_aggregation::registry::RunOptions;
//! use crowdqc_aggregation::state::{self, ModelState};
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (i, w, l) in [("t1", "a", "y"), ("t1", "b", "y"), ("t2", "a", "n"), ("t2", "b", "y")] {
//!     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! }
//! let m = b.finish()?;
//! let (model, _) = state::fit("ds", &m, &RunOptions::default(), None, &crowdqc_core::progress::NoProgress)?;
//! let saved = ModelState::from_model("ds", &m, &model);
//! let mut bytes = Vec::new();
//! saved.write_to(&mut bytes)?;
//! let back = ModelState::from_bytes(&bytes)?;
//! assert_eq!(back, saved);
//! # Ok(()) }
//! ```

mod format;
mod stream;

pub use stream::{ItemStream, stream_items};

use std::io::Write;

use crowdqc_core::estimator::FitReport;
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, Id, IdDictionary, JudgmentMatrix, Result};

use crate::distributed::DsParams;
use crate::registry::RunOptions;
use crate::{CommonSettings, DawidSkene, DawidSkeneModel, OneCoinDawidSkene};

pub use format::{FORMAT_VERSION, MAGIC};

/// The saved state of a fitted Dawid–Skene (`ds`) or one-coin (`one-coin-ds`) model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelState {
    method: String,
    classes: Vec<Id>,
    workers: Vec<Id>,
    params: DsParams,
    fit_report: FitReport,
    judgments: u64,
    items: u64,
}

/// How a warm start matched the new data's workers to the state's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WarmStart {
    /// The method the state was fitted with.
    pub method: String,
    /// Workers in the state.
    pub state_workers: usize,
    /// Workers of the new data found in the state (start from their saved confusion).
    pub matched_workers: usize,
    /// Workers of the new data not in the state (start from the mean confusion).
    pub new_workers: usize,
    /// Judgments the state was fitted on.
    pub state_judgments: u64,
}

impl ModelState {
    /// The state of `model`, fitted with `method` on `m`.
    pub fn from_model(method: &str, m: &JudgmentMatrix, model: &DawidSkeneModel) -> Self {
        use crowdqc_core::estimator::FittedModel;
        ModelState {
            method: method.to_string(),
            classes: m.classes().iter().map(Id::from).collect(),
            workers: m.workers().iter().map(Id::from).collect(),
            params: model.params(),
            fit_report: model.fit_report().clone(),
            judgments: m.n_judgments() as u64,
            items: m.n_items() as u64,
        }
    }

    /// The method (`ds` or `one-coin-ds`).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// Class labels in class order.
    pub fn classes(&self) -> &[Id] {
        &self.classes
    }

    /// Worker ids in the order of the parameters' worker index.
    pub fn workers(&self) -> &[Id] {
        &self.workers
    }

    /// Priors and confusion matrices.
    pub fn params(&self) -> &DsParams {
        &self.params
    }

    /// The fit report of the saved fit.
    pub fn fit_report(&self) -> &FitReport {
        &self.fit_report
    }

    /// Judgments and items the state was fitted on.
    pub fn fitted_on(&self) -> (u64, u64) {
        (self.judgments, self.items)
    }

    /// Writes the state in the model file format.
    ///
    /// # Errors
    /// Write failures.
    pub fn write_to(&self, w: &mut dyn Write) -> Result<()> {
        format::write(self, w)
    }

    /// Reads a state written by [`write_to`](Self::write_to).
    ///
    /// # Errors
    /// [`Error::Parse`] for a file that is not a model file or is corrupt or
    /// truncated; [`Error::InvalidParameter`] naming `init-from` for another format
    /// version (the message says which).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        format::read(bytes)
    }

    /// Reads the model file at `path` ([`from_bytes`](Self::from_bytes)), errors
    /// naming the file.
    ///
    /// # Errors
    /// [`Error::Io`] for an unreadable file; those of [`from_bytes`](Self::from_bytes).
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        Self::from_bytes(&bytes).map_err(|e| e.in_file(path))
    }

    /// The starting parameters for `m` by the [warm start rule](self).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `init-from` when the classes differ, saying
    /// how.
    pub fn warm_params(&self, m: &JudgmentMatrix) -> Result<(DsParams, WarmStart)> {
        let data: Vec<Id> = m.classes().iter().map(Id::from).collect();
        if data != self.classes {
            return Err(class_mismatch(&self.classes, &data));
        }
        let k = self.classes.len();
        let kk = k * k;
        let saved = self.params.confusion();
        let n_saved = self.workers.len();
        let mut mean = vec![0.0; kk];
        for w in 0..n_saved {
            for (a, &v) in mean.iter_mut().zip(&saved[w * kk..(w + 1) * kk]) {
                *a += v;
            }
        }
        for a in &mut mean {
            *a = if n_saved > 0 {
                *a / n_saved as f64
            } else {
                1.0 / k as f64
            };
        }
        let mut index = IdDictionary::new();
        for id in &self.workers {
            index.intern(id.as_ref());
        }
        let mut confusion = Vec::with_capacity(m.n_workers() * kk);
        let mut matched = 0;
        for id in m.workers().iter() {
            match index.lookup(id) {
                Some(w) => {
                    matched += 1;
                    let w = w as usize;
                    confusion.extend_from_slice(&saved[w * kk..(w + 1) * kk]);
                }
                None => confusion.extend_from_slice(&mean),
            }
        }
        let params =
            DsParams::from_flat(m.n_workers(), k, self.params.priors().to_vec(), confusion)?;
        Ok((
            params,
            WarmStart {
                method: self.method.clone(),
                state_workers: n_saved,
                matched_workers: matched,
                new_workers: m.n_workers() - matched,
                state_judgments: self.judgments,
            },
        ))
    }
}

fn class_mismatch(model: &[Id], data: &[Id]) -> Error {
    let show = |v: Vec<&Id>| {
        v.iter()
            .take(10)
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let only_model: Vec<&Id> = model.iter().filter(|c| !data.contains(c)).collect();
    let only_data: Vec<&Id> = data.iter().filter(|c| !model.contains(c)).collect();
    let mut parts = Vec::new();
    if !only_model.is_empty() {
        parts.push(format!("only in the model: {}", show(only_model)));
    }
    if !only_data.is_empty() {
        parts.push(format!("only in the data: {}", show(only_data)));
    }
    if parts.is_empty() {
        parts.push(format!(
            "same classes in another order: model [{}], data [{}]",
            show(model.iter().collect()),
            show(data.iter().collect())
        ));
    }
    Error::param(
        "init-from",
        format!(
            "the saved model's classes differ from the data's ({}); declare the model's \
             classes with --classes or fit without --init-from",
            parts.join("; ")
        ),
    )
}

/// Checks that `method` keeps a model state (`ds`, `one-coin-ds`), before any data
/// is read.
///
/// # Errors
/// [`Error::InvalidParameter`] naming `method` for any other method.
pub fn check_method(method: &str) -> Result<()> {
    if matches!(method, "ds" | "one-coin-ds") {
        return Ok(());
    }
    Err(Error::param(
        "method",
        format!(
            "model state (--save-model / --init-from) is for ds and one-coin-ds: use \
             --method ds or one-coin-ds, not `{method}`"
        ),
    ))
}

/// Fits `ds` or `one-coin-ds` with the run options of the registry (iterations,
/// tolerance, gold clamping for `ds`), from the majority-vote start or, with `warm`,
/// from a saved state by the [warm start rule](self).
///
/// # Errors
/// [`Error::InvalidParameter`] naming `method` for other methods; those of
/// [`ModelState::warm_params`] and of the fit.
pub fn fit(
    method: &str,
    m: &JudgmentMatrix,
    run: &RunOptions,
    warm: Option<&ModelState>,
    progress: &dyn Progress,
) -> Result<(DawidSkeneModel, Option<WarmStart>)> {
    fit_keep(method, m, run, warm, progress, true)
}

/// [`fit`] keeping no `items × K` posterior table (`keep_posteriors(false)`): the
/// model's posteriors are computed on demand, chunk by chunk, e.g. by [`ItemStream`]
/// while the items table is written. Same parameters and (computed) posteriors as
/// [`fit`], bit for bit.
///
/// # Errors
/// As [`fit`].
pub fn fit_streamed(
    method: &str,
    m: &JudgmentMatrix,
    run: &RunOptions,
    warm: Option<&ModelState>,
    progress: &dyn Progress,
) -> Result<(DawidSkeneModel, Option<WarmStart>)> {
    fit_keep(method, m, run, warm, progress, false)
}

fn fit_keep(
    method: &str,
    m: &JudgmentMatrix,
    run: &RunOptions,
    warm: Option<&ModelState>,
    progress: &dyn Progress,
    keep: bool,
) -> Result<(DawidSkeneModel, Option<WarmStart>)> {
    let warm = warm.map(|s| s.warm_params(m)).transpose()?;
    check_method(method)?;
    if !keep {
        stream::check_memory(method, m)?;
    }
    let model = match method {
        "ds" => {
            let p = DawidSkene::params()
                .clamp_gold(run.use_gold)
                .keep_posteriors(keep)
                .with_options(run);
            match &warm {
                Some((params, _)) => p.fit_from_with_progress(m, params, progress)?,
                None => {
                    use crowdqc_core::estimator::Estimator;
                    p.fit_with_progress(m, progress)?
                }
            }
        }
        // check_method admits only the two
        _ => {
            let p = OneCoinDawidSkene::params()
                .keep_posteriors(keep)
                .with_options(run);
            match &warm {
                Some((params, _)) => p.fit_from(m, params)?,
                None => {
                    use crowdqc_core::estimator::Estimator;
                    p.fit_with_progress(m, progress)?
                }
            }
        }
    };
    Ok((model, warm.map(|(_, w)| w)))
}
