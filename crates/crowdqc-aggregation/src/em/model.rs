//! The fitted [`DawidSkeneModel`] and the step from an EM result to it.

use std::ops::Range;

use crowdqc_core::estimator::{FitReport, FittedModel, WorkerColumn};
use crowdqc_core::numeric::argmax;
use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, ArrayView3};

use super::EmResult;
use super::posterior::{EStep, check_rows, check_shape, shape_of};
use crate::common::ActiveClasses;
use crate::spam::spammer_scores;

/// A fitted Dawid–Skene or one-coin Dawid–Skene model.
#[derive(Debug, Clone)]
pub struct DawidSkeneModel {
    pub(crate) method: &'static str,
    /// `(n_items, n_classes)`, or `(n_items, 0)` when not kept (then `estep` is set).
    pub(crate) posteriors: Array2<f64>,
    /// The E-step of the last pass's parameters, for posteriors on demand.
    pub(crate) estep: Option<EStep>,
    /// The fitted matrix's items, workers, classes and judgments.
    pub(crate) shape: [usize; 4],
    pub(crate) confusion: Array3<f64>,
    pub(crate) priors: Array1<f64>,
    pub(crate) skills: Option<Array1<f64>>,
    pub(crate) report: FitReport,
    pub(crate) log_likelihood: Vec<f64>,
    pub(crate) class_names: Vec<String>,
}

impl DawidSkeneModel {
    /// Confusion matrices, shape `(n_workers, n_classes, n_classes)`, indexed
    /// **`[worker, true, observed]`**: `confusion[[w, c, l]]` = P(worker `w` answers `l` |
    /// the true class is `c`). For full Dawid–Skene each `[w, c, ..]` row sums to 1 over
    /// the labels the worker used (labels it never used are 0, as crowd-kit has no such
    /// row); classes with no judgment are 0.
    pub fn confusion(&self) -> ArrayView3<'_, f64> {
        self.confusion.view()
    }

    /// Class priors, one per class (mean posterior of the final E-step; 0 for classes
    /// with no judgment). Not floored (crowd-kit floors at 1e-10 only inside the loop).
    pub fn priors(&self) -> ArrayView1<'_, f64> {
        self.priors.view()
    }

    /// One-coin only: each worker's skill (mean posterior of the labels it gave).
    pub fn skills(&self) -> Option<ArrayView1<'_, f64>> {
        self.skills.as_ref().map(|s| s.view())
    }

    /// The marginal log-likelihood (natural log) of the judgments under the parameters
    /// of each E-step: entry 0 for the initial M-step, entry `i` after iteration `i`
    /// (gold clamping is not conditioned on). EM never decreases it, up to the 1e-10
    /// floor. This is the quantity Dawid & Skene (1979) report.
    ///
    /// With [`StopRule::LogLikelihood`](crate::StopRule::LogLikelihood) it runs to the
    /// returned parameters (`iterations + 1` entries). With crowd-kit's rule it ends
    /// at the parameters the returned posteriors were computed from, one iteration
    /// before the returned confusion (`iterations` entries): the last M-step is never
    /// followed by an E-step, so its log-likelihood is not computed.
    pub fn log_likelihood_trace(&self) -> &[f64] {
        &self.log_likelihood
    }

    /// The final marginal log-likelihood (last entry of
    /// [`log_likelihood_trace`](Self::log_likelihood_trace)).
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood.last().copied().unwrap_or(f64::NAN)
    }

    /// The fitted priors and confusion as [`DsParams`](crate::distributed::DsParams)
    /// (over the matrix's worker and class codes): what a saved model keeps, and what
    /// [`DawidSkeneParams::fit_from`](crate::DawidSkeneParams::fit_from) starts from.
    pub fn params(&self) -> crate::distributed::DsParams {
        let (w, k, _) = self.confusion.dim();
        crate::distributed::DsParams {
            n_workers: w,
            k,
            priors: self.priors.to_vec(),
            confusion: self.confusion.iter().copied().collect(),
        }
    }

    /// Raykar & Yu's spammer score per worker from the confusion (see
    /// [`spammer_scores`]).
    pub fn spammer_scores(&self) -> Array1<f64> {
        spammer_scores(self.confusion.view())
    }

    /// Whether the model holds the `(n_items, n_classes)` posterior table: true unless
    /// fitted with [`keep_posteriors(false)`](crate::DawidSkeneParams::keep_posteriors)
    /// (and not [materialised](Self::materialize_posteriors) since). Without it,
    /// [`FittedModel::posteriors`] is an empty `(n_items, 0)` view,
    /// [`FittedModel::labels`] is empty and rows come from
    /// [`posteriors_into`](Self::posteriors_into) / [`predict_into`](Self::predict_into).
    pub fn has_posteriors(&self) -> bool {
        self.estep.is_none()
    }

    /// The posteriors of items `rows` (the matrix's item codes) into `out`, row-major
    /// over the matrix's classes (`rows.len() * n_classes` values; classes without
    /// judgment get 0): the rows [`FittedModel::posteriors`] holds when kept, computed
    /// on demand otherwise with the final E-step's arithmetic, so they are
    /// bit-identical either way. Parallel over blocks of rows. `m` must be the matrix
    /// the model was fitted on.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `matrix` when `m`'s items, workers, classes or
    /// judgment count differ from the fitted matrix's, `rows` when it goes beyond the
    /// items, `out` when its length is not `rows.len() * n_classes`.
    pub fn posteriors_into(
        &self,
        m: &JudgmentMatrix,
        rows: Range<u32>,
        out: &mut [f64],
    ) -> Result<()> {
        let (lo, hi) = (rows.start as usize, rows.end as usize);
        match &self.estep {
            Some(e) => {
                e.check(m, &rows, out.len())?;
                e.rows_into(m, lo..hi, out);
            }
            None => {
                check_shape(self.shape, m)?;
                let n = m.n_classes();
                check_rows(m, &rows, out.len())?;
                let src = self.posteriors.as_slice().expect("standard layout");
                out.copy_from_slice(&src[lo * n..hi * n]);
            }
        }
        Ok(())
    }

    /// [`posteriors_into`](Self::posteriors_into), plus per row the hard label (the
    /// largest posterior, ties to the lowest class: [`FittedModel::labels`]) and its
    /// posterior (`confidence`).
    ///
    /// # Errors
    /// As [`posteriors_into`](Self::posteriors_into); [`Error::InvalidParameter`]
    /// naming `labels` or `confidence` when its length is not `rows.len()`.
    pub fn predict_into(
        &self,
        m: &JudgmentMatrix,
        rows: Range<u32>,
        posteriors: &mut [f64],
        labels: &mut [u32],
        confidence: &mut [f64],
    ) -> Result<()> {
        for (name, len) in [("labels", labels.len()), ("confidence", confidence.len())] {
            if len != rows.len() {
                return Err(Error::param(
                    name,
                    format!("holds {len} values; give one per row ({})", rows.len()),
                ));
            }
        }
        self.posteriors_into(m, rows, posteriors)?;
        let n = m.n_classes().max(1);
        for ((row, l), c) in posteriors.chunks_exact(n).zip(labels).zip(confidence) {
            *l = argmax(row);
            *c = row[*l as usize];
        }
        Ok(())
    }

    /// Computes and keeps the full posterior table (a no-op when kept): the
    /// [`FittedModel`] accessors then work as for a default fit.
    ///
    /// # Errors
    /// As [`posteriors_into`](Self::posteriors_into) when `m` is not the fitted matrix.
    pub fn materialize_posteriors(&mut self, m: &JudgmentMatrix) -> Result<()> {
        if let Some(e) = &self.estep {
            let rows = 0..m.n_items() as u32;
            e.check(m, &rows, rows.len() * m.n_classes())?;
            let mut out = Array2::zeros((m.n_items(), m.n_classes()));
            e.rows_into(
                m,
                0..m.n_items(),
                out.as_slice_mut().expect("standard layout"),
            );
            self.posteriors = out;
            self.estep = None;
        }
        Ok(())
    }
}

impl FittedModel for DawidSkeneModel {
    fn method(&self) -> &'static str {
        self.method
    }

    /// Posteriors `(n_items, n_classes)` of the final E-step. crowd-kit additionally
    /// floors them at 1e-10 in place (rows then sum to slightly more than 1); here they
    /// are left normalised, a difference below 1e-9.
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.posteriors.view()
    }

    /// False for a fit with `keep_posteriors(false)` (see
    /// [`DawidSkeneModel::has_posteriors`]).
    fn has_dense_posteriors(&self) -> bool {
        self.has_posteriors()
    }

    /// The argmax of each posterior row; empty when the posteriors are not kept (use
    /// [`DawidSkeneModel::predict_into`]).
    fn labels(&self) -> Vec<u32> {
        if !self.has_posteriors() {
            return Vec::new();
        }
        self.posteriors
            .rows()
            .into_iter()
            .map(|row| argmax(row.as_slice().expect("standard layout")))
            .collect()
    }

    /// The model's probability that the worker answers correctly:
    /// `Σ_c prior[c] · confusion[w, c, c]`.
    fn worker_accuracy(&self) -> Array1<f64> {
        let (w, k, _) = self.confusion.dim();
        Array1::from_shape_fn(w, |i| {
            (0..k)
                .map(|c| self.priors[c] * self.confusion[[i, c, c]])
                .sum()
        })
    }

    /// `spammer_score`, `skill` (one-coin), then every confusion cell as
    /// `confusion_<true>_<observed>` (full Dawid–Skene).
    fn worker_columns(&self) -> Vec<WorkerColumn> {
        let mut cols = vec![WorkerColumn {
            name: "spammer_score".into(),
            values: self.spammer_scores().to_vec(),
        }];
        if let Some(s) = &self.skills {
            cols.push(WorkerColumn {
                name: "skill".into(),
                values: s.to_vec(),
            });
            return cols;
        }
        let (_, k, _) = self.confusion.dim();
        for c in 0..k {
            for l in 0..k {
                cols.push(WorkerColumn {
                    name: format!("confusion_{}_{}", self.class_names[c], self.class_names[l]),
                    values: self.confusion.slice(ndarray::s![.., c, l]).to_vec(),
                });
            }
        }
        cols
    }

    fn fit_report(&self) -> &FitReport {
        &self.report
    }
}

/// Expands an EM result to the matrix's classes and the public layouts; `keep`
/// materialises the posteriors (computed from the last pass's parameters when the run
/// did not keep them; always kept when it did).
pub(crate) fn build_model(
    method: &'static str,
    m: &JudgmentMatrix,
    active: &ActiveClasses,
    r: EmResult,
    skills: Option<Vec<f64>>,
    clamp_gold: bool,
    keep: bool,
) -> DawidSkeneModel {
    let k = active.len();
    let n = m.n_classes();
    let EmResult {
        q,
        last_pass,
        priors: em_priors,
        conf,
        report,
        log_likelihood,
    } = r;
    let (posteriors, estep) = match q {
        // every class active: the posteriors buffer becomes the array without a copy
        Some(q) if active.is_identity() => (
            Array2::from_shape_vec((m.n_items(), k), q).expect("q is n_items x k"),
            None,
        ),
        Some(q) => (active.expand_rows(&q, m.n_items()), None),
        None => match last_pass.map(|(l, p)| EStep::new(m, active, clamp_gold, l, p)) {
            Some(e) if keep => {
                let mut out = Array2::zeros((m.n_items(), n));
                e.rows_into(
                    m,
                    0..m.n_items(),
                    out.as_slice_mut().expect("standard layout"),
                );
                (out, None)
            }
            e => (Array2::zeros((m.n_items(), 0)), e),
        },
    };
    let mut confusion = Array3::zeros((m.n_workers(), n, n));
    for w in 0..m.n_workers() {
        for (l, &ml) in active.to_matrix.iter().enumerate() {
            for (t, &mt) in active.to_matrix.iter().enumerate() {
                confusion[[w, mt as usize, ml as usize]] = conf[(w * k + l) * k + t];
            }
        }
    }
    let mut priors = Array1::zeros(n);
    for (a, &c) in active.to_matrix.iter().enumerate() {
        priors[c as usize] = em_priors[a];
    }
    DawidSkeneModel {
        method,
        posteriors,
        estep,
        shape: shape_of(m),
        confusion,
        priors,
        skills: skills.map(Array1::from),
        report,
        log_likelihood,
        class_names: m.classes().iter().map(|l| l.to_string()).collect(),
    }
}
