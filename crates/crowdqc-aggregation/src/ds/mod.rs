//! Dawid–Skene (1979) with full confusion matrices, gold clamping and crowd-kit parity.
//!
//! The defaults reproduce crowd-kit 1.4.2's `DawidSkene` (posteriors within 1e-6,
//! same iteration count; checked on crowd-kit's own test values, the 1979 paper's
//! example and crowd-kit runs on real data stored in `fixtures/aggregation/`):
//!
//! 1. start from majority-vote shares (ties stay split), gold items one-hot when gold
//!    is clamped; priors = mean posterior over items;
//! 2. M-step: `S[w,l,c] = Σ_{judgments of w with label l} q[item, c]` over the labels the
//!    worker used, floored at 1e-10, normalised per worker and true class over those
//!    labels (no pseudo-count unless [`DawidSkeneParams::smoothing`] is set);
//! 3. loop up to `max_iter`: E-step in log2 (priors floored at 1e-10), gold clamped;
//!    priors; M-step; objective = crowd-kit's per-judgment ELBO
//!    `(Σ_j Σ_c q[t_j,c] (ln e[w_j,l_j,c] + ln p_c) − Σ_t Σ_c q̃ ln q̃) / M` with
//!    `q̃ = max(q, 1e-10)`; stop when it improves by less than `tol` (a decrease also
//!    stops); the stopping iterate is kept.
//!
//! Classes with no judgment are left out of the EM (crowd-kit fits on the labels that
//! occur) and get probability 0.

mod params;

use crowdqc_core::estimator::Estimator;
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix, Result};

pub use crate::em::{DawidSkeneModel, InitialConfusion, StopRule};
pub use params::{ClassPriors, DawidSkeneParams};

use crate::common::ActiveClasses;
use crate::distributed::{self, DsConfig, DsParams};
use crate::em::{self, EmConfig, EmData, MStep, Priors, build_model};

/// Dawid–Skene: namespace for [`DawidSkene::params`].
///
/// # Examples
/// ```
/// use crowdqc_aggregation::DawidSkene;
/// use crowdqc_core::estimator::{Estimator, FittedModel};
/// # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
/// # fn main() -> crowdqc_core::Result<()> {
/// # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
/// # for (i, w, l) in [("t1","a","x"),("t1","b","x"),("t1","c","y"),("t2","a","y"),("t2","b","y"),("t2","c","y")] {
/// #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
/// # }
/// # let matrix = b.finish()?;
/// let model = DawidSkene::params().max_iter(100).tol(1e-5).fit(&matrix)?;
/// assert_eq!(model.labels(), [0, 1]);
/// let c = model.confusion(); // [worker, true, observed]
/// assert_eq!(c.dim(), (3, 2, 2));
/// assert!(model.fit_report().iterations >= 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct DawidSkene;

impl DawidSkene {
    /// crowd-kit 1.4.2's defaults: `max_iter` 100, `tol` 1e-5, no smoothing, no gold
    /// clamping, estimated priors.
    pub fn params() -> DawidSkeneParams {
        DawidSkeneParams::default()
    }
}

impl Estimator for DawidSkeneParams {
    type Model = DawidSkeneModel;

    /// # Errors
    /// Invalid parameters; fewer than two classes ([`Error::InsufficientData`]); an
    /// initial confusion or fixed priors whose shape does not match the matrix; a
    /// non-finite objective ([`Error::Numerical`] naming the iteration).
    fn fit(&self, m: &JudgmentMatrix) -> Result<DawidSkeneModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// One progress unit per EM iteration (`max_iter` announced); interruption is
    /// checked before each iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus [`Error::Interrupted`].
    fn fit_with_progress(
        &self,
        m: &JudgmentMatrix,
        progress: &dyn Progress,
    ) -> Result<DawidSkeneModel> {
        self.fit_impl(m, None, progress)
    }
}

impl DawidSkeneParams {
    /// Fits starting from given parameters instead of the majority-vote start: the
    /// first E-step uses `params` (priors and confusion; zero cells are floored at
    /// 1e-10; fixed [`priors`](Self::priors), when set, replace `params`' priors), then
    /// EM runs as in [`fit`](Estimator::fit). The incremental re-scoring hook: start a
    /// fit of new judgments from a saved model. `params` are over the matrix's worker
    /// and class codes (`n_workers x n_classes x n_classes`, `[worker, true,
    /// observed]`); a worker new to the saved model needs a row (for example uniform).
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit); [`Error::InvalidParameter`] naming `params` when its
    /// shape does not match the matrix, or `initial_confusion` when one is also set.
    pub fn fit_from(&self, m: &JudgmentMatrix, params: &DsParams) -> Result<DawidSkeneModel> {
        self.fit_from_with_progress(m, params, &NoProgress)
    }

    /// [`fit_from`](Self::fit_from) with progress (one unit per iteration).
    ///
    /// # Errors
    /// As [`fit_from`](Self::fit_from), plus [`Error::Interrupted`].
    pub fn fit_from_with_progress(
        &self,
        m: &JudgmentMatrix,
        params: &DsParams,
        progress: &dyn Progress,
    ) -> Result<DawidSkeneModel> {
        if self.initial.is_some() {
            return Err(Error::param(
                "initial_confusion",
                "cannot be combined with a warm start (fit_from); drop one of them",
            ));
        }
        distributed::check_warm(m, params)?;
        self.fit_impl(m, Some(params), progress)
    }

    fn fit_impl(
        &self,
        m: &JudgmentMatrix,
        warm: Option<&DsParams>,
        progress: &dyn Progress,
    ) -> Result<DawidSkeneModel> {
        self.validate()?;
        let gold = self.clamp_gold.then(|| m.gold());
        let active = ActiveClasses::new(m, gold, "dawid-skene")?;
        let k = active.len();
        let priors = match &self.priors {
            ClassPriors::Estimated => Priors::Estimated,
            ClassPriors::Fixed(p) => {
                if p.len() != m.n_classes() {
                    return Err(Error::param(
                        "priors",
                        format!(
                            "needs one prior per class ({}), got {}",
                            m.n_classes(),
                            p.len()
                        ),
                    ));
                }
                Priors::Fixed(active.to_matrix.iter().map(|&c| p[c as usize]).collect())
            }
        };
        let initial = match &self.initial {
            None => None,
            Some((c, how)) => {
                let want = (m.n_workers(), m.n_classes(), m.n_classes());
                if c.dim() != want {
                    return Err(Error::param(
                        "initial_confusion",
                        format!(
                            "must have shape {want:?} [worker, true, observed], got {:?}",
                            c.dim()
                        ),
                    ));
                }
                // internal layout [w][observed][true] over active classes
                let mut flat = vec![0.0; m.n_workers() * k * k];
                for w in 0..m.n_workers() {
                    for (l, &ml) in active.to_matrix.iter().enumerate() {
                        for (t, &mt) in active.to_matrix.iter().enumerate() {
                            flat[(w * k + l) * k + t] = c[[w, mt as usize, ml as usize]];
                        }
                    }
                }
                Some((flat, *how))
            }
        };
        if self.exact {
            let mut cfg = DsConfig::dawid_skene()
                .max_iter(self.max_iter)
                .tol(self.tol)
                .stop_rule(self.stop)
                .smoothing(self.smoothing);
            if let Priors::Fixed(p) = &priors {
                cfg = cfg.fixed_priors(p.clone());
            }
            let r = distributed::fit_matrix(
                m,
                &active,
                &cfg,
                self.clamp_gold,
                warm,
                "dawid-skene",
                progress,
            )?;
            return Ok(build_model(
                "ds",
                m,
                &active,
                r,
                None,
                self.clamp_gold,
                true,
            ));
        }
        let start = warm.map(|p| distributed::warm_active(p, &active));
        let d = EmData::new(m, &active, self.clamp_gold);
        let cfg = EmConfig {
            method: "dawid-skene",
            max_iter: self.max_iter,
            tol: self.tol,
            m_step: MStep::Full {
                smoothing: self.smoothing,
            },
            priors,
            initial: initial.as_ref().map(|(f, h)| (f.as_slice(), *h)),
            start: start.as_ref().map(|(c, p)| (c.as_slice(), p.as_slice())),
            stop: self.stop,
            progress,
            keep: self.keep,
        };
        let r = em::run(&d, &cfg)?;
        drop(d);
        Ok(build_model(
            "ds",
            m,
            &active,
            r,
            None,
            self.clamp_gold,
            self.keep,
        ))
    }
}
