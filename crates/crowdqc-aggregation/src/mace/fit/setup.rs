//! The constants of a MACE fit ([`Ctx`]), built once before the restarts.

use crowdqc_core::{JudgmentMatrix, Result};
use rayon::prelude::*;

use super::super::params::{MaceMethod, MaceParams};
use super::Ctx;
use super::mstep::Consts;
use super::one::OneTable;

impl MaceParams {
    /// The constants of a fit; `tabulate`: the M-step of one-judgment workers from
    /// [`OneTable`] when it passes its check (variational Bayes).
    pub(super) fn ctx<'a>(&self, m: &'a JudgmentMatrix, tabulate: bool) -> Result<Ctx<'a>> {
        let (observed, k_obs) = crate::common::observed_classes(m, "mace")?;
        let (w, k) = (m.n_workers(), m.n_classes());
        let mut ctx = Ctx {
            m,
            k,
            log_prior: observed
                .iter()
                .map(|&o| {
                    if o {
                        -(k_obs as f64).ln()
                    } else {
                        f64::NEG_INFINITY
                    }
                })
                .collect(),
            observed,
            k_obs,
            estimate_priors: self.estimate_class_priors,
            method: self.method,
            a0: self.spam_prior,
            b0: self.competence_prior,
            g0: self.strategy_prior,
            smoothing: self.smoothing.unwrap_or(0.01 / k_obs as f64),
            given: {
                let classes = m.judgment_classes();
                let mut given = vec![false; w * k];
                given
                    .par_chunks_mut(k)
                    .enumerate()
                    .with_min_len(256)
                    .for_each(|(wk, row)| {
                        for &p in m.worker_judgments(wk as u32) {
                            row[classes[p as usize] as usize] = true;
                        }
                    });
                given
            },
            consts: Consts::new(
                self.spam_prior,
                self.competence_prior,
                self.strategy_prior,
                k_obs,
                self.smoothing.unwrap_or(0.01 / k_obs as f64),
            ),
            one: None,
        };
        if tabulate
            && self.method == MaceMethod::VariationalBayes
            && (0..w).any(|wk| m.worker_count(wk as u32) == 1)
        {
            ctx.one = OneTable::build(|u| ctx.one_judgment_direct(u));
        }
        Ok(ctx)
    }
}
