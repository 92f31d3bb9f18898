//! [`GoldParams`]: how gold scores are computed.

use crowdqc_core::{Error, Gold, JudgmentMatrix, Result};
use ndarray::ArrayView2;

use super::GoldScores;
use crate::interval::{IntervalMethod, check_confidence};

/// Parameters of gold scoring. Build with [`GoldParams::new`] and the consuming setters;
/// [`score`](Self::score) validates first.
///
/// ```
/// use crowdqc_gold::{GoldParams, IntervalMethod};
/// let p = GoldParams::new().interval(IntervalMethod::Jeffreys).confidence(0.9);
/// assert!(p.validate().is_ok());
/// assert!(GoldParams::new().confidence(1.0).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct GoldParams {
    interval: IntervalMethod,
    confidence: f64,
    contest_confidence: f64,
    contest_min_answers: u64,
}

impl Default for GoldParams {
    fn default() -> Self {
        GoldParams {
            interval: IntervalMethod::Wilson,
            confidence: 0.95,
            contest_confidence: 0.8,
            contest_min_answers: 3,
        }
    }
}

impl GoldParams {
    /// The defaults: Wilson intervals at 95%, contested when a consensus of at least
    /// 0.8 disagrees with gold on an item with at least 3 answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Interval method for per-worker gold accuracy (default Wilson).
    #[must_use]
    pub fn interval(mut self, method: IntervalMethod) -> Self {
        self.interval = method;
        self
    }

    /// Two-sided confidence level of the intervals, in (0, 1) (default 0.95).
    #[must_use]
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// A gold item is *contested* when the consensus picks another class with at least
    /// this probability (in (0.5, 1]; default 0.8).
    #[must_use]
    pub fn contest_confidence(mut self, p: f64) -> Self {
        self.contest_confidence = p;
        self
    }

    /// ...and has at least this many answers (≥ 1; default 3).
    #[must_use]
    pub fn contest_min_answers(mut self, n: u64) -> Self {
        self.contest_min_answers = n;
        self
    }

    /// The interval method.
    pub fn interval_method(&self) -> IntervalMethod {
        self.interval
    }

    /// The confidence level.
    pub fn confidence_level(&self) -> f64 {
        self.confidence
    }

    /// The contest confidence.
    pub fn contest_confidence_level(&self) -> f64 {
        self.contest_confidence
    }

    /// The minimum answers for a contest.
    pub fn contest_min_answer_count(&self) -> u64 {
        self.contest_min_answers
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `confidence`, `contest_confidence` or
    /// `contest_min_answers`.
    pub fn validate(&self) -> Result<()> {
        check_confidence(self.confidence)?;
        let c = self.contest_confidence;
        if !(c.is_finite() && c > 0.5 && c <= 1.0) {
            return Err(Error::param(
                "contest_confidence",
                format!("must be in (0.5, 1], got {c}"),
            ));
        }
        if self.contest_min_answers == 0 {
            return Err(Error::param("contest_min_answers", "must be >= 1, got 0"));
        }
        Ok(())
    }

    /// Scores every worker on the matrix's own gold ([`JudgmentMatrix::gold`]), with
    /// vote shares as the consensus for the contested flag.
    ///
    /// # Errors
    /// Invalid parameters; no gold item has a judgment
    /// ([`Error::InsufficientData`]).
    pub fn score(&self, matrix: &JudgmentMatrix) -> Result<GoldScores> {
        self.score_with(matrix, matrix.gold(), None)
    }

    /// Scores every worker on `gold` (e.g. an edited gold set), with `consensus` as
    /// the per-item class probabilities for the contested flag — shape
    /// `(n_items, n_classes)`, rows summing to 1, from any aggregation method (fit it
    /// *without* clamping gold, or every gold item agrees with itself). `None` uses
    /// vote shares: the fraction of an item's judgments for each class.
    ///
    /// # Errors
    /// Invalid parameters; `gold` sized for another matrix or naming a class out of
    /// range; `consensus` of the wrong shape or with a gold row that is not a
    /// probability vector; no gold item has a judgment.
    pub fn score_with(
        &self,
        matrix: &JudgmentMatrix,
        gold: &Gold,
        consensus: Option<ArrayView2<'_, f64>>,
    ) -> Result<GoldScores> {
        self.validate()?;
        check_gold(matrix, gold)?;
        if let Some(c) = &consensus {
            check_consensus(matrix, gold, c)?;
        }
        GoldScores::compute(self.clone(), matrix, gold.clone(), consensus)
    }
}

/// Gold must match the matrix and have at least one judged item.
pub(crate) fn check_gold(matrix: &JudgmentMatrix, gold: &Gold) -> Result<()> {
    if gold.as_slice().len() != matrix.n_items() {
        return Err(Error::param(
            "gold",
            format!(
                "covers {} items but the matrix has {}",
                gold.as_slice().len(),
                matrix.n_items()
            ),
        ));
    }
    let k = matrix.n_classes();
    if let Some(&i) = gold
        .items()
        .iter()
        .find(|&&i| gold.as_slice()[i as usize] as usize >= k)
    {
        return Err(Error::param(
            "gold",
            format!(
                "item `{}` has class index {} but there are {k} classes",
                matrix.items().get(i),
                gold.as_slice()[i as usize]
            ),
        ));
    }
    if !gold.items().iter().any(|&i| matrix.item_count(i) > 0) {
        return Err(Error::insufficient(
            "no gold item has a judgment; give gold labels for items in the judgments",
        ));
    }
    Ok(())
}

fn check_consensus(matrix: &JudgmentMatrix, gold: &Gold, c: &ArrayView2<'_, f64>) -> Result<()> {
    let want = (matrix.n_items(), matrix.n_classes());
    if c.dim() != want {
        return Err(Error::param(
            "consensus",
            format!(
                "must have shape (n_items, n_classes) = {want:?}, got {:?}",
                c.dim()
            ),
        ));
    }
    for &i in gold.items() {
        let row = c.row(i as usize);
        let sum: f64 = row.iter().sum();
        if row.iter().any(|&p| !(p.is_finite() && p >= 0.0)) || (sum - 1.0).abs() > 1e-6 {
            return Err(Error::param(
                "consensus",
                format!(
                    "row of item `{}` is not a probability vector (sum {sum})",
                    matrix.items().get(i)
                ),
            ));
        }
    }
    Ok(())
}
