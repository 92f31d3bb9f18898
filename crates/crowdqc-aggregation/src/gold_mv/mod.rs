//! Gold majority vote: workers weighted by their accuracy on gold items.
//!
//! Checked against crowd-kit 1.4.2's `GoldMajorityVote`. crowd-kit fails when a worker
//! has no judgment on gold; here [`MissingSkill`] decides (default: the mean skill).

use crowdqc_core::estimator::{Estimator, FitReport, WorkerColumn};
use crowdqc_core::{Error, Gold, JudgmentMatrix, Result};

use crate::common::{NONE, TieRule, accuracy_against, require_two_classes};
use crate::mv::VoteModel;

/// Gold majority vote: namespace for [`GoldMajorityVote::params`].
#[derive(Debug, Clone, Copy)]
pub struct GoldMajorityVote;

impl GoldMajorityVote {
    /// Default parameters.
    pub fn params() -> GoldMajorityVoteParams {
        GoldMajorityVoteParams::default()
    }
}

/// What weight a worker without any judgment on a gold item gets.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum MissingSkill {
    /// The mean gold accuracy of the workers that have one. The default.
    #[default]
    Mean,
    /// A fixed weight (finite, `>= 0`).
    Value(f64),
    /// Fail, as crowd-kit does (`on_missing_skill="error"`).
    Error,
}

/// Parameters of [`GoldMajorityVote`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GoldMajorityVoteParams {
    missing_skill: MissingSkill,
}

impl GoldMajorityVoteParams {
    /// Weight of workers without gold judgments. Default [`MissingSkill::Mean`].
    #[must_use]
    pub fn missing_skill(mut self, v: MissingSkill) -> Self {
        self.missing_skill = v;
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// `missing_skill` value negative or not finite.
    pub fn validate(&self) -> Result<()> {
        if let MissingSkill::Value(v) = self.missing_skill
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(Error::param(
                "missing_skill",
                format!("must be finite and >= 0, got {v}"),
            ));
        }
        Ok(())
    }

    /// Fits with explicit gold instead of the matrix's.
    ///
    /// # Errors
    /// As [`Estimator::fit`].
    pub fn fit_with_gold(&self, m: &JudgmentMatrix, gold: &Gold) -> Result<VoteModel> {
        self.validate()?;
        require_two_classes(m, "gold majority vote")?;
        if gold.is_empty() {
            return Err(Error::insufficient(
                "gold majority vote needs gold labels for some items (none given)",
            ));
        }
        let truth: Vec<u32> = (0..m.n_items() as u32)
            .map(|i| gold.label(i).unwrap_or(NONE))
            .collect();
        let acc = accuracy_against(m, &truth);
        let known: Vec<f64> = acc.iter().copied().filter(|v| !v.is_nan()).collect();
        let missing = acc.iter().filter(|v| v.is_nan()).count();
        let fill = match self.missing_skill {
            MissingSkill::Mean => known.iter().sum::<f64>() / known.len().max(1) as f64,
            MissingSkill::Value(v) => v,
            MissingSkill::Error if missing > 0 => {
                return Err(Error::insufficient(format!(
                    "{missing} workers have no judgment on a gold item; \
                     give them a weight with missing_skill"
                )));
            }
            MissingSkill::Error => 0.0,
        };
        let skills: Vec<f64> = acc
            .iter()
            .map(|&v| if v.is_nan() { fill } else { v })
            .collect();
        // dense shares, or sparse ones for very many classes (same numbers)
        let (shares, labels) = crate::mv::vote(m, |w| skills[w as usize], TieRule::LowestIndex);
        let columns = vec![
            WorkerColumn {
                name: "skill".into(),
                values: skills,
            },
            WorkerColumn {
                name: "gold_judgments".into(),
                values: gold_counts(m, &truth),
            },
        ];
        Ok(VoteModel::new(
            "gold-mv",
            shares,
            labels,
            acc,
            columns,
            FitReport::closed_form(),
        ))
    }
}

fn gold_counts(m: &JudgmentMatrix, truth: &[u32]) -> Vec<f64> {
    let mut n = vec![0.0; m.n_workers()];
    for (p, &w) in m.judgment_workers().iter().enumerate() {
        if truth[m.judgment_items()[p] as usize] != NONE {
            n[w as usize] += 1.0;
        }
    }
    n
}

impl Estimator for GoldMajorityVoteParams {
    type Model = VoteModel;

    /// Uses the matrix's gold ([`JudgmentMatrix::gold`]). Worker accuracy is the
    /// accuracy on gold (NaN without gold judgments); the `skill` column is the weight
    /// used.
    ///
    /// # Errors
    /// No gold ([`Error::InsufficientData`]); fewer than two classes; with
    /// [`MissingSkill::Error`], a worker without gold judgments.
    fn fit(&self, m: &JudgmentMatrix) -> Result<VoteModel> {
        self.fit_with_gold(m, m.gold())
    }
}
