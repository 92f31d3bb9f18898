//! The constants of a MACE fit ([`Ctx`]), built once before the restarts.

use crowdqc_core::{JudgmentMatrix, Result};
use rayon::prelude::*;

use super::super::params::{MaceMethod, MaceParams};
use super::mstep::Consts;
use super::one::OneTable;
use super::{BLOCK, CHUNK, Ctx, NO_SLOT, Ones};

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
            given: Vec::new(),
            consts: Consts::new(
                self.spam_prior,
                self.competence_prior,
                self.strategy_prior,
                k_obs,
                self.smoothing.unwrap_or(0.01 / k_obs as f64),
            ),
            one: None,
            ones: None,
            busy: Vec::new(),
            busy_block: Vec::new(),
        };
        if tabulate
            && self.method == MaceMethod::VariationalBayes
            && (0..w).any(|wk| m.worker_count(wk as u32) == 1)
        {
            ctx.one = OneTable::build(|u| ctx.one_judgment_direct(u));
        }
        if ctx.one.is_some() {
            ctx.ones = Some(Ones::new(m));
        }
        let slot = |wk: usize| ctx.ones.as_ref().map_or(NO_SLOT, |o| o.slot[wk]);
        let busy: Vec<u32> = (0..w)
            .filter(|&wk| slot(wk) == NO_SLOT)
            .map(|wk| wk as u32)
            .collect();
        let busy_block = (0..=w.div_ceil(BLOCK))
            .map(|b| busy.partition_point(|&wk| (wk as usize) < b * BLOCK))
            .collect();
        // the labels each worker of the worker pass gave
        let classes = m.judgment_classes();
        let mut given = vec![false; w * k];
        given
            .par_chunks_mut(k)
            .enumerate()
            .with_min_len(256)
            .filter(|&(wk, _)| slot(wk) == NO_SLOT)
            .for_each(|(wk, row)| {
                for &p in m.worker_judgments(wk as u32) {
                    row[classes[p as usize] as usize] = true;
                }
            });
        (ctx.given, ctx.busy, ctx.busy_block) = (given, busy, busy_block);
        Ok(ctx)
    }
}

impl Ones {
    /// The one-judgment workers of `m` and their slots in position order.
    fn new(m: &JudgmentMatrix) -> Ones {
        let (workers, offsets) = (m.judgment_workers(), m.item_offsets());
        let single: Vec<bool> = workers
            .par_iter()
            .with_min_len(4096)
            .map(|&wk| m.worker_count(wk) == 1)
            .collect();
        let mut slot = vec![NO_SLOT; m.n_workers()];
        let n_chunks = m.n_items().div_ceil(CHUNK);
        let mut chunk_start = Vec::with_capacity(n_chunks + 1);
        let mut j = 0u32;
        for ci in 0..n_chunks {
            chunk_start.push(j as usize);
            let end = offsets[((ci + 1) * CHUNK).min(m.n_items())];
            for p in offsets[ci * CHUNK]..end {
                if single[p] {
                    slot[workers[p] as usize] = j;
                    j += 1;
                }
            }
        }
        chunk_start.push(j as usize);
        Ones {
            single,
            slot,
            chunk_start,
        }
    }
}
