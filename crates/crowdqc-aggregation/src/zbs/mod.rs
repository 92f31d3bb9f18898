//! Zero-based skill: worker skills learnt by repeatedly moving each skill toward the
//! worker's agreement with the current skill-weighted vote, with a decaying step.
//!
//! Checked against crowd-kit 1.4.2's `ZeroBasedSkill` (same defaults and schedule).

use crowdqc_core::estimator::{Estimator, FitReport, StopReason, WorkerColumn};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{JudgmentMatrix, Result};

use crate::common::{ActiveClasses, TieRule, check_max_iter, check_range};
use crate::mv::VoteModel;

/// Zero-based skill: namespace for [`ZeroBasedSkill::params`].
#[derive(Debug, Clone, Copy)]
pub struct ZeroBasedSkill;

impl ZeroBasedSkill {
    /// crowd-kit's defaults.
    pub fn params() -> ZeroBasedSkillParams {
        ZeroBasedSkillParams::default()
    }
}

/// Parameters of [`ZeroBasedSkill`].
#[derive(Debug, Clone, PartialEq)]
pub struct ZeroBasedSkillParams {
    n_iter: usize,
    lr_init: f64,
    lr_steps_to_reduce: usize,
    lr_reduce_factor: f64,
    eps: f64,
}

impl Default for ZeroBasedSkillParams {
    fn default() -> Self {
        ZeroBasedSkillParams {
            n_iter: 100,
            lr_init: 1.0,
            lr_steps_to_reduce: 20,
            lr_reduce_factor: 0.5,
            eps: 1e-5,
        }
    }
}

impl ZeroBasedSkillParams {
    /// Number of updates (always all run; no stopping rule). Default 100, `>= 1`.
    #[must_use]
    pub fn n_iter(mut self, v: usize) -> Self {
        self.n_iter = v;
        self
    }

    /// Initial step size. Default 1.0, in `(0, 1]`.
    #[must_use]
    pub fn lr_init(mut self, v: f64) -> Self {
        self.lr_init = v;
        self
    }

    /// The step is multiplied by `lr_reduce_factor` every this many updates.
    /// Default 20, `>= 1`.
    #[must_use]
    pub fn lr_steps_to_reduce(mut self, v: usize) -> Self {
        self.lr_steps_to_reduce = v;
        self
    }

    /// Step decay factor. Default 0.5, in `(0, 1]`.
    #[must_use]
    pub fn lr_reduce_factor(mut self, v: f64) -> Self {
        self.lr_reduce_factor = v;
        self
    }

    /// Initial skill is `1 / K + eps`. Default 1e-5, in `[0, 1]`.
    #[must_use]
    pub fn eps(mut self, v: f64) -> Self {
        self.eps = v;
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`crowdqc_core::Error::InvalidParameter`] naming the parameter out of range.
    pub fn validate(&self) -> Result<()> {
        check_max_iter("n_iter", self.n_iter)?;
        check_max_iter("lr_steps_to_reduce", self.lr_steps_to_reduce)?;
        check_range("lr_init", self.lr_init, f64::MIN_POSITIVE, 1.0)?;
        check_range(
            "lr_reduce_factor",
            self.lr_reduce_factor,
            f64::MIN_POSITIVE,
            1.0,
        )?;
        check_range("eps", self.eps, 0.0, 1.0)
    }
}

impl Estimator for ZeroBasedSkillParams {
    type Model = VoteModel;

    /// Worker accuracy is the learnt skill.
    ///
    /// # Errors
    /// Invalid parameters; fewer than two classes.
    fn fit(&self, m: &JudgmentMatrix) -> Result<VoteModel> {
        self.fit_with_progress(m, &NoProgress)
    }

    /// One progress unit per iteration (`n_iter` announced); interruption is checked before each iteration.
    ///
    /// # Errors
    /// As [`fit`](Estimator::fit), plus
    /// [`Error::Interrupted`](crowdqc_core::Error::Interrupted).
    fn fit_with_progress(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<VoteModel> {
        self.validate()?;
        progress.start("zbs", Some(self.n_iter as u64));
        let r = self.fit_run(m, progress);
        progress.finish();
        r
    }
}

impl ZeroBasedSkillParams {
    /// The fit of [`Estimator::fit_with_progress`] (parameters already validated).
    fn fit_run(&self, m: &JudgmentMatrix, progress: &dyn Progress) -> Result<VoteModel> {
        let k = ActiveClasses::new(m, None, "zero-based skill")?.len();
        let n_classes = m.n_classes();
        let (ws, cs) = (m.judgment_workers(), m.judgment_classes());
        // distinct (item, worker, class) triples, as crowd-kit's accuracy counts them
        let mut uniq: Vec<(u32, u32, u32)> = Vec::with_capacity(ws.len());
        for i in 0..m.n_items() as u32 {
            let start = uniq.len();
            uniq.extend(m.item_range(i).map(|p| (i, ws[p], cs[p])));
            if m.report().duplicate_pairs > 0 {
                uniq[start..].sort_unstable();
                let mut tail = uniq.split_off(start);
                tail.dedup();
                uniq.extend(tail);
            }
        }
        let mut skills = vec![1.0 / k as f64 + self.eps; m.n_workers()];
        let mut lr = self.lr_init;
        let mut labels = vec![0u32; m.n_items()];
        let mut scores = vec![0.0; n_classes];
        // the classes voted on the current item: only they are reset and scanned, so
        // an iteration is linear in the judgments whatever the number of classes
        let mut touched: Vec<u32> = Vec::new();
        let mut seen = vec![false; n_classes];
        let (mut hits, mut total) = (vec![0.0; m.n_workers()], vec![0u64; m.n_workers()]);
        for it in 1..=self.n_iter {
            progress.check()?;
            progress.advance(1);
            if it % self.lr_steps_to_reduce == 0 {
                lr *= self.lr_reduce_factor;
            }
            // skill-weighted vote, ties to the lowest class index
            for (i, label) in labels.iter_mut().enumerate() {
                let mut sum = 0.0;
                for p in m.item_range(i as u32) {
                    let v = skills[ws[p] as usize];
                    let c = cs[p];
                    if !seen[c as usize] {
                        seen[c as usize] = true;
                        touched.push(c);
                    }
                    scores[c as usize] += v;
                    sum += v;
                }
                // the largest share, ties to the lowest class index (unvoted classes
                // have share 0 and skills are >= 0, so they never win when sum > 0)
                let mut best = (f64::NEG_INFINITY, 0u32);
                for &c in &touched {
                    let s = scores[c as usize] / sum;
                    if s > best.0 || (s == best.0 && c < best.1) {
                        best = (s, c);
                    }
                    scores[c as usize] = 0.0;
                    seen[c as usize] = false;
                }
                touched.clear();
                *label = if sum > 0.0 { best.1 } else { 0 };
            }
            hits.fill(0.0);
            total.fill(0);
            for &(i, w, c) in &uniq {
                total[w as usize] += 1;
                if labels[i as usize] == c {
                    hits[w as usize] += 1.0;
                }
            }
            for ((s, &h), &t) in skills.iter_mut().zip(&hits).zip(&total) {
                if t > 0 {
                    *s += lr * (h / t as f64 - *s);
                }
            }
        }
        // dense shares, or sparse ones for very many classes (same numbers)
        let (shares, labels) = crate::mv::vote(m, |w| skills[w as usize], TieRule::LowestIndex);
        let columns = vec![WorkerColumn {
            name: "skill".into(),
            values: skills.clone(),
        }];
        // crowd-kit's zero-based skill runs `n_iter` steps without a stopping rule
        let report = FitReport::new(self.n_iter, Vec::new(), StopReason::MaxIterations);
        Ok(VoteModel::new(
            "zbs", shares, labels, skills, columns, report,
        ))
    }
}
