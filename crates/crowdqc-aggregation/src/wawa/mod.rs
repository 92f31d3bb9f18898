//! Wawa ("worker agreement with aggregate"): majority vote, then each worker's
//! agreement with it, then a vote weighted by those agreements.
//!
//! Checked against crowd-kit 1.4.2's `Wawa` (the weighted vote breaks ties to the
//! lowest class index, as crowd-kit's sorted `groupby` does under every pandas).

use crowdqc_core::estimator::{Estimator, FitReport, WorkerColumn};
use crowdqc_core::{JudgmentMatrix, Result};

use crate::common::{TieRule, accuracy_against, require_two_classes};
use crate::mv::VoteModel;

/// Wawa: namespace for [`Wawa::params`].
#[derive(Debug, Clone, Copy)]
pub struct Wawa;

impl Wawa {
    /// Default parameters.
    pub fn params() -> WawaParams {
        WawaParams::default()
    }
}

/// Parameters of [`Wawa`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WawaParams {
    mv_tie_rule: TieRule,
}

impl WawaParams {
    /// Tie rule of the first (unweighted) majority vote, whose labels define the worker
    /// weights. Default [`TieRule::LowestIndex`]. The final weighted vote always breaks
    /// ties to the lowest class index.
    #[must_use]
    pub fn mv_tie_rule(mut self, rule: TieRule) -> Self {
        self.mv_tie_rule = rule;
        self
    }

    /// Checks the parameters (every value is valid).
    ///
    /// # Errors
    /// None today; kept for API uniformity.
    pub fn validate(&self) -> Result<()> {
        Ok(())
    }
}

impl Estimator for WawaParams {
    type Model = VoteModel;

    /// # Errors
    /// Fewer than two classes ([`crowdqc_core::Error::InsufficientData`]).
    fn fit(&self, m: &JudgmentMatrix) -> Result<VoteModel> {
        self.validate()?;
        require_two_classes(m, "wawa")?;
        // dense shares, or sparse ones for very many classes (same numbers)
        let (_, mv_labels) = crate::mv::vote(m, |_| 1.0, self.mv_tie_rule);
        let skills = accuracy_against(m, &mv_labels);
        let (weighted, labels) = crate::mv::vote(m, |w| skills[w as usize], TieRule::LowestIndex);
        let columns = vec![WorkerColumn {
            name: "skill".into(),
            values: skills.clone(),
        }];
        Ok(VoteModel::new(
            "wawa",
            weighted,
            labels,
            skills,
            columns,
            FitReport::closed_form(),
        ))
    }
}
