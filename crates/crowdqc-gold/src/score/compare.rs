//! Gold accuracy vs model-implied accuracy, and conversion to the shared
//! [`WorkerEvidence`].

use crowdqc_core::evidence::{RecentGold, WorkerEvidence};
use crowdqc_core::{Error, JudgmentMatrix, Result};

use super::{GoldScores, accuracy};
use crate::interval::binomial_test;

/// Which way gold and model disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DivergenceDirection {
    /// Gold accuracy is above the model's: the worker does better on gold than on the
    /// rest of the work — possible *gold recognition* (gold-gaming, leaked gold).
    GoldHigher,
    /// Gold accuracy is below the model's: possible *bad gold* (wrong or ambiguous gold
    /// answers), or a model that over-rates the worker.
    GoldLower,
}

/// One worker's gold accuracy compared with a model-implied accuracy.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModelComparison {
    /// Worker index.
    pub worker: u32,
    /// Gold answers.
    pub gold_answered: u64,
    /// Correct gold answers.
    pub gold_correct: u64,
    /// Gold accuracy (NaN without gold answers).
    pub gold_accuracy: f64,
    /// The model-implied accuracy given (NaN when unknown).
    pub model_accuracy: f64,
    /// Exact two-sided binomial test of `gold accuracy = model accuracy`
    /// ([`binomial_test`]); 1 when either is unknown.
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value over all tested workers (controls the false
    /// discovery rate when many workers are screened at once).
    pub q_value: f64,
    /// Which way they disagree (by the point estimates).
    pub direction: Option<DivergenceDirection>,
    /// The model accuracy lies outside the worker's gold interval (method and
    /// confidence of the scores): a divergence worth a human look — "gold recognition
    /// or bad gold" — not grounds for automatic action.
    pub flagged: bool,
}

impl GoldScores {
    /// Compares each worker's gold accuracy with `model_accuracy` (one value per
    /// worker, e.g. the diagonal-weighted accuracy of a Dawid–Skene fit; NaN for "not
    /// scored").
    ///
    /// The test: the worker's gold answers are `x` of `n` Bernoulli trials; under the
    /// model the success probability is `m`. The worker is *flagged* when `m` lies
    /// outside the gold confidence interval (equivalently, for Clopper–Pearson, when the
    /// exact two-sided binomial test rejects at `1 − confidence`); the exact p-value and
    /// a Benjamini–Hochberg q-value are reported so a screen over many workers can
    /// control false discoveries. When the model was fitted with gold clamped, its
    /// accuracy already contains the gold answers, which makes the test conservative.
    ///
    /// # Errors
    /// `model_accuracy` has the wrong length, or a value outside [0, 1] that is not NaN
    /// ([`Error::InvalidParameter`] naming `model_accuracy`).
    pub fn compare_with_model(&self, model_accuracy: &[f64]) -> Result<Vec<ModelComparison>> {
        if model_accuracy.len() != self.n_workers() {
            return Err(Error::param(
                "model_accuracy",
                format!(
                    "needs one value per worker ({}), got {}",
                    self.n_workers(),
                    model_accuracy.len()
                ),
            ));
        }
        if let Some((w, m)) = model_accuracy
            .iter()
            .enumerate()
            .find(|&(_, &m)| !m.is_nan() && !(0.0..=1.0).contains(&m))
        {
            return Err(Error::param(
                "model_accuracy",
                format!("worker index {w}: must be in [0, 1] or NaN, got {m}"),
            ));
        }
        let mut out = Vec::with_capacity(self.n_workers());
        for (w, &m) in model_accuracy.iter().enumerate() {
            let (n, x) = (self.answered[w], self.correct[w]);
            let acc = accuracy(x, n);
            let tested = n > 0 && !m.is_nan();
            let p_value = if tested { binomial_test(x, n, m)? } else { 1.0 };
            let direction = if !tested || acc == m {
                None
            } else if acc > m {
                Some(DivergenceDirection::GoldHigher)
            } else {
                Some(DivergenceDirection::GoldLower)
            };
            out.push(ModelComparison {
                worker: w as u32,
                gold_answered: n,
                gold_correct: x,
                gold_accuracy: acc,
                model_accuracy: m,
                p_value,
                q_value: 1.0,
                direction,
                flagged: tested && !self.intervals[w].contains(m),
            });
        }
        benjamini_hochberg(&mut out);
        Ok(out)
    }

    /// Per-worker evidence for an access policy (the shared
    /// [`WorkerEvidence`] of `crowdqc-core`), indexed by worker index: gold counts,
    /// judgments, and — when the matrix has timestamps — the recent gold outcomes in
    /// time order (ties by input position) and first/last activity. Without
    /// timestamps `recent_gold` stays empty, because a sliding window over an
    /// arbitrary order would be meaningless.
    ///
    /// # Errors
    /// `matrix` is not the matrix these scores came from.
    pub fn to_evidence(&self, matrix: &JudgmentMatrix) -> Result<Vec<WorkerEvidence>> {
        if matrix.n_workers() != self.n_workers() || matrix.n_items() != self.gold.as_slice().len()
        {
            return Err(Error::param(
                "matrix",
                "is not the matrix these gold scores were computed from",
            ));
        }
        let gold = self.gold.as_slice();
        let (items, classes) = (matrix.judgment_items(), matrix.judgment_classes());
        let ts = matrix.timestamps();
        let mut buf: Vec<(i64, u32)> = Vec::new();
        let mut out = Vec::with_capacity(self.n_workers());
        for w in 0..self.n_workers() {
            let positions = matrix.worker_judgments(w as u32);
            let mut ev = WorkerEvidence {
                gold_answered: self.answered[w],
                gold_correct: self.correct[w],
                judgments: positions.len() as u64,
                ..WorkerEvidence::default()
            };
            if let Some(ts) = ts {
                buf.clear();
                for &p in positions {
                    let t = ts[p as usize];
                    ev.touch(t);
                    if gold[items[p as usize] as usize] != crowdqc_core::Gold::NONE {
                        buf.push((t, p));
                    }
                }
                buf.sort_unstable();
                ev.recent_gold = RecentGold::from_chronological(
                    buf.iter()
                        .map(|&(_, p)| classes[p as usize] == gold[items[p as usize] as usize]),
                );
            }
            out.push(ev);
        }
        Ok(out)
    }
}

/// Fills `q_value` (Benjamini–Hochberg step-up) over the tested comparisons.
fn benjamini_hochberg(rows: &mut [ModelComparison]) {
    let mut tested: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].gold_answered > 0 && !rows[i].model_accuracy.is_nan())
        .collect();
    let m = tested.len() as f64;
    tested.sort_by(|&a, &b| rows[a].p_value.total_cmp(&rows[b].p_value).then(a.cmp(&b)));
    let mut running = 1.0f64;
    for (rank, &i) in tested.iter().enumerate().rev() {
        let q = (rows[i].p_value * m / (rank + 1) as f64).min(1.0);
        running = running.min(q);
        rows[i].q_value = running;
    }
}
