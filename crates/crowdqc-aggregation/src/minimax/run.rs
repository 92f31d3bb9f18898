//! The estimator: validation, the outer loop, the fitted model.

use crowdqc_core::estimator::{Estimator, FitReport, StopReason};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{ClassOrder, Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2, Array3};

use super::fit::{Ctx, State};
use super::model::MinimaxModel;
use super::newton::ordinal_features;
use super::params::{MinimaxParams, MinimaxVariant};
use crate::common::ActiveClasses;

impl Estimator for MinimaxParams {
    type Model = MinimaxModel;

    /// Fits minimax conditional entropy (see the [module docs](super)).
    ///
    /// # Errors
    /// Invalid parameters ([`Error::InvalidParameter`]); fewer than two classes used
    /// by the judgments ([`Error::InsufficientData`]); the ordinal variant on labels
    /// with no order ([`Error::InvalidParameter`] `classes`); a non-finite objective
    /// ([`Error::Numerical`] naming the iteration).
    fn fit(&self, m: &JudgmentMatrix) -> Result<MinimaxModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// As [`fit`](Estimator::fit), one progress unit per outer iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(
        &self,
        m: &JudgmentMatrix,
        progress: &dyn Progress,
    ) -> Result<MinimaxModel> {
        self.validate()?;
        let ordinal = self.variant == MinimaxVariant::Ordinal;
        let name = if ordinal {
            "minimax-ordinal"
        } else {
            "minimax"
        };
        if ordinal && m.classes().order() == ClassOrder::Lexicographic {
            return Err(Error::param(
                "classes",
                format!(
                    "minimax-ordinal needs ordered classes, but the labels ({}) are not all \
                     numbers; declare the class order (CLI: `--classes` with the labels \
                     from lowest to highest, e.g. `--classes G,P,R,X`; library: \
                     `IngestOptions::classes`), or use `minimax` for unordered classes",
                    m.classes()
                        .iter()
                        .take(6)
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        progress.start(name, Some(self.max_iter as u64));
        let r = self.fit_run(m, ordinal, progress);
        progress.finish();
        r
    }
}

impl MinimaxParams {
    fn fit_run(
        &self,
        m: &JudgmentMatrix,
        ordinal: bool,
        progress: &dyn Progress,
    ) -> Result<MinimaxModel> {
        let name = if ordinal {
            "minimax-ordinal"
        } else {
            "minimax"
        };
        let active = ActiveClasses::new(m, None, name)?;
        let k = active.len();
        let (n, nw) = (m.n_items(), m.n_workers());
        let d = if ordinal { 4 * k } else { k * k };
        let lw = self.worker_penalty.unwrap_or(0.25 * (k * k) as f64);
        // mean judgments per worker / mean judgments per item = items / workers
        let items_with = (0..n as u32).filter(|&i| m.item_count(i) > 0).count();
        let workers_with = (0..nw as u32).filter(|&w| m.worker_count(w) > 0).count();
        let li = self
            .item_penalty
            .unwrap_or(lw * items_with as f64 / workers_with.max(1) as f64);
        let lab: Vec<u32> = m
            .judgment_classes()
            .iter()
            .map(|&c| active.to_active[c as usize])
            .collect();
        let items = m.judgment_items();
        let mut by_worker_off = Vec::with_capacity(nw + 1);
        let mut by_worker_item = Vec::with_capacity(m.n_judgments());
        let mut by_worker_lab = Vec::with_capacity(m.n_judgments());
        by_worker_off.push(0);
        for w in 0..nw as u32 {
            for &p in m.worker_judgments(w) {
                by_worker_item.push(items[p as usize]);
                by_worker_lab.push(lab[p as usize]);
            }
            by_worker_off.push(by_worker_item.len());
        }
        let ctx = Ctx {
            m,
            k,
            d,
            ordinal,
            feat: if ordinal {
                ordinal_features(k)
            } else {
                Vec::new()
            },
            lab,
            by_worker_item,
            by_worker_lab,
            by_worker_off,
            lw,
            li,
            inner_max: self.inner_max_iter,
            inner_tol: self.inner_tol,
            prog_tol: self.inner_prog_tol,
        };
        let mut st = State {
            sigma: vec![0.0; nw * k * k],
            tau: vec![0.0; n * k * k],
            esigma: vec![0.0; nw * k * k],
            // the tables of all-zero logits (`exp(0 − 0)`, what `exp_blocks` would give);
            // the item pass keeps them current from here on
            etau: vec![1.0; n * k * k],
            xw: vec![0.0; if ordinal { nw * d } else { 0 }],
            xi: vec![0.0; if ordinal { n * d } else { 0 }],
            mu: vec![0.0; n * k],
            log_prior: vec![-(k as f64).ln(); k],
            tau_zero: true,
        };
        ctx.init_mu(&mut st.mu);
        let nj = m.n_judgments().max(1) as f64;
        let mut report = FitReport::default();
        for it in 1..=self.max_iter {
            progress.check()?;
            if self.learn_prior {
                let mut lp = std::mem::take(&mut st.log_prior);
                ctx.learned_log_prior(&st.mu, &mut lp);
                st.log_prior = lp;
            }
            ctx.worker_step(&mut st);
            let sums = ctx.item_step(&mut st);
            st.tau_zero = false;
            let objective = (sums.ll - ctx.penalty(&st)) / nj;
            if !objective.is_finite() {
                return Err(Error::Numerical {
                    context: ctx.method().into(),
                    iteration: Some(it),
                    message: format!(
                        "the penalised log-likelihood is not finite ({objective}); \
                         check for extreme penalties"
                    ),
                });
            }
            report.objective.push(objective);
            report.iterations = it;
            progress.advance(1);
            if sums.diff < self.tol {
                report.stop(StopReason::Converged);
                break;
            }
        }
        let (conf, acc) = ctx.worker_confusion(&st);
        let kf = m.n_classes();
        let mut confusion = Array3::zeros((nw, kf, kf));
        for w in 0..nw {
            for r in 0..k {
                for c in 0..k {
                    confusion[[
                        w,
                        active.to_matrix[r] as usize,
                        active.to_matrix[c] as usize,
                    ]] = conf[w * k * k + r * k + c];
                }
            }
        }
        let mut prior = Array1::zeros(kf);
        for r in 0..k {
            prior[active.to_matrix[r] as usize] = st.log_prior[r].exp();
        }
        let s: f64 = prior.sum();
        prior.mapv_inplace(|v| v / s);
        let posteriors: Array2<f64> = active.expand_rows(&st.mu, n);
        Ok(MinimaxModel {
            ordinal,
            posteriors,
            confusion,
            accuracy: Array1::from(acc),
            class_prior: prior,
            worker_penalty: lw,
            item_penalty: li,
            class_names: m.classes().iter().map(|l| l.to_string()).collect(),
            report,
        })
    }
}
