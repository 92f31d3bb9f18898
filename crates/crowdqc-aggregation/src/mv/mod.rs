//! Majority vote, unweighted or with caller weights.
//!
//! Checked against crowd-kit 1.4.2's `MajorityVote` (vote shares, duplicates counted;
//! worker accuracy against the majority labels with exact duplicate rows counted once).
//!
//! **Very many classes.** Vote shares are kept as a dense `(n_items, n_classes)` table
//! up to [`MAX_DENSE_SHARE_CELLS`] cells (and while it fits the memory budget of
//! [`crowdqc_core::memory`]); beyond that a [`VoteModel`] keeps, per item, only the
//! classes it was voted for, so majority vote on 10⁵ labels takes memory linear in
//! the judgments. Such a model says so with
//! [`has_dense_posteriors`](FittedModel::has_dense_posteriors) = false: its
//! [`posteriors`](FittedModel::posteriors) is an empty `(n_items, 0)` view and
//! [`posterior_row`](FittedModel::posterior_row) gives each item's shares; labels,
//! worker accuracy and every number are the same as in the dense form.

mod sparse;

pub use sparse::MAX_DENSE_SHARE_CELLS;
use sparse::SparseShares;
pub(crate) use sparse::{Shares, vote};

use crowdqc_core::estimator::{Estimator, FitReport, FittedModel, WorkerColumn};
use crowdqc_core::{Error, JudgmentMatrix, Result};
use ndarray::{Array1, Array2, ArrayView2};

use crate::common::{TieRule, accuracy_against, require_two_classes};

/// Majority vote: namespace for [`MajorityVote::params`].
///
/// # Examples
/// ```
/// use crowdqc_aggregation::MajorityVote;
/// use crowdqc_core::estimator::{Estimator, FittedModel};
/// # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
/// # fn main() -> crowdqc_core::Result<()> {
/// # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
/// # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y")] {
/// #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
/// # }
/// # let matrix = b.finish()?;
/// let model = MajorityVote::params().fit(&matrix)?;
/// assert_eq!(model.labels(), [0]); // class 0 = "x"
/// assert!((model.posteriors()[[0, 0]] - 2.0 / 3.0).abs() < 1e-12);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MajorityVote;

impl MajorityVote {
    /// Default parameters: unweighted, ties to the lowest class index.
    pub fn params() -> MajorityVoteParams {
        MajorityVoteParams::default()
    }
}

/// Parameters of [`MajorityVote`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MajorityVoteParams {
    tie_rule: TieRule,
    weights: Option<Vec<f64>>,
}

impl MajorityVoteParams {
    /// How ties are broken. Default [`TieRule::LowestIndex`].
    #[must_use]
    pub fn tie_rule(mut self, rule: TieRule) -> Self {
        self.tie_rule = rule;
        self
    }

    /// Per-worker vote weights, indexed by worker index (weighted majority vote);
    /// finite and `>= 0`, one per worker of the matrix. Default: none (every vote 1).
    /// An item whose voters all have weight 0 gets uniform posteriors.
    #[must_use]
    pub fn weights(mut self, weights: Vec<f64>) -> Self {
        self.weights = Some(weights);
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `weights` when a weight is negative or not
    /// finite.
    pub fn validate(&self) -> Result<()> {
        if let Some(w) = &self.weights
            && let Some((i, v)) = w
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err(Error::param(
                "weights",
                format!("must be finite and >= 0, got {v} for worker index {i}"),
            ));
        }
        Ok(())
    }
}

impl Estimator for MajorityVoteParams {
    type Model = VoteModel;

    /// # Errors
    /// Invalid parameters; a weight vector whose length differs from the number of
    /// workers; fewer than two classes ([`Error::InsufficientData`]).
    fn fit(&self, m: &JudgmentMatrix) -> Result<VoteModel> {
        self.validate()?;
        require_two_classes(m, "majority vote")?;
        let (name, (shares, labels)) = match &self.weights {
            None => ("mv", vote(m, |_| 1.0, self.tie_rule)),
            Some(w) => {
                if w.len() != m.n_workers() {
                    return Err(Error::param(
                        "weights",
                        format!(
                            "needs one weight per worker ({}), got {}",
                            m.n_workers(),
                            w.len()
                        ),
                    ));
                }
                ("wmv", vote(m, |k| w[k as usize], self.tie_rule))
            }
        };
        let accuracy = accuracy_against(m, &labels);
        let mut columns = Vec::new();
        if let Some(w) = &self.weights {
            columns.push(WorkerColumn {
                name: "weight".into(),
                values: w.clone(),
            });
        }
        Ok(VoteModel::new(
            name,
            shares,
            labels,
            accuracy,
            columns,
            FitReport::closed_form(),
        ))
    }
}

/// A fitted vote-based model (majority vote, weighted majority vote, Wawa, zero-based
/// skill, gold majority vote): vote shares as posteriors, labels with the tie rule of
/// the params, per-worker accuracy. Shares are dense or, for very many classes,
/// sparse (see [`MAX_DENSE_SHARE_CELLS`]).
#[derive(Debug, Clone)]
pub struct VoteModel {
    method: &'static str,
    /// The shares when kept sparsely.
    sparse: Option<SparseShares>,
    /// The dense shares, or an empty `(n_items, 0)` array when they are sparse.
    posteriors: Array2<f64>,
    labels: Vec<u32>,
    accuracy: Array1<f64>,
    columns: Vec<WorkerColumn>,
    report: FitReport,
}

impl VoteModel {
    pub(crate) fn new(
        method: &'static str,
        shares: impl Into<Shares>,
        labels: Vec<u32>,
        accuracy: Vec<f64>,
        columns: Vec<WorkerColumn>,
        report: FitReport,
    ) -> Self {
        let (posteriors, sparse) = match shares.into() {
            Shares::Dense(a) => (a, None),
            Shares::Sparse(s) => (Array2::zeros((s.n_items(), 0)), Some(s)),
        };
        VoteModel {
            method,
            sparse,
            posteriors,
            labels,
            accuracy: Array1::from(accuracy),
            columns,
            report,
        }
    }
}

impl FittedModel for VoteModel {
    fn method(&self) -> &'static str {
        self.method
    }

    /// (Weighted) vote shares, `(n_items, n_classes)`; an empty `(n_items, 0)` view
    /// when the shares are kept sparsely (see
    /// [`has_dense_posteriors`](FittedModel::has_dense_posteriors)).
    fn posteriors(&self) -> ArrayView2<'_, f64> {
        self.posteriors.view()
    }

    fn has_dense_posteriors(&self) -> bool {
        self.sparse.is_none()
    }

    fn posterior_row(&self, item: usize) -> Vec<(u32, f64)> {
        match &self.sparse {
            Some(s) => {
                let (cs, ps) = s.row(item);
                cs.iter().copied().zip(ps.iter().copied()).collect()
            }
            None => self
                .posteriors
                .row(item)
                .iter()
                .enumerate()
                .filter(|&(_, &p)| p != 0.0)
                .map(|(c, &p)| (c as u32, p))
                .collect(),
        }
    }

    /// Labels chosen with the params' [`TieRule`] (majority vote) or the lowest class
    /// index (weighted methods, as crowd-kit's weighted vote).
    fn labels(&self) -> Vec<u32> {
        self.labels.clone()
    }

    /// Majority vote and Wawa: agreement with the majority labels (crowd-kit's
    /// `skills_`); zero-based skill: the learnt skill; gold majority vote: accuracy on
    /// gold. NaN for a worker with nothing to score.
    fn worker_accuracy(&self) -> Array1<f64> {
        self.accuracy.clone()
    }

    fn worker_columns(&self) -> Vec<WorkerColumn> {
        self.columns.clone()
    }

    fn fit_report(&self) -> &FitReport {
        &self.report
    }
}
