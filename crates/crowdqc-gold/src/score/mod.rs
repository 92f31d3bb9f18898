//! Gold scoring: per-worker gold accuracy with intervals and confusion, per-gold-item
//! exposure, miss rate and contested flag; forgive; gold-vs-model comparison.
//!
//! **Duplicates.** Every judgment on a gold item counts as one gold answer
//! ([`DUPLICATE_RULE`], through `crowdqc_core::votes`), so with the `keep-all` duplicate
//! policy a worker who answered the same gold item twice has two gold answers (unlike
//! crowd-kit's `get_accuracy`, which drops identical rows first). Choose the `first` or
//! `last` policy at ingest to count one answer per `(item, worker)`. An item's
//! *exposure* counts distinct workers, its *answers* count judgments.

mod compare;
mod forgive;
mod misses;
mod params;

pub use compare::{DivergenceDirection, ModelComparison};
pub use forgive::{Forgive, Forgiven};
pub use params::GoldParams;

use crowdqc_core::votes::{self, DuplicateRule};
use crowdqc_core::{Gold, JudgmentMatrix, Result};

/// The duplicate rule of gold scoring: every judgment on a gold item is one gold
/// answer ([`DuplicateRule::CountAll`]), so a worker who answered the same gold item
/// twice has two gold answers. crowd-kit's `get_accuracy` instead drops identical
/// `(task, worker, label)` rows ([`DuplicateRule::DropIdenticalRows`]); ingest with the
/// `first` or `last` duplicate policy to count one answer per `(item, worker)`.
pub const DUPLICATE_RULE: DuplicateRule = DuplicateRule::CountAll;
use ndarray::{Array3, ArrayView2, ArrayView3};
use rayon::prelude::*;

use crate::interval::{Interval, IntervalMethod, interval_unchecked, two_sided_z, wilson_z};

/// One worker's gold score (a row of [`GoldScores`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WorkerGold {
    /// Worker index.
    pub worker: u32,
    /// Gold answers (judgments on gold items).
    pub answered: u64,
    /// Correct gold answers.
    pub correct: u64,
    /// `correct / answered`; NaN without gold answers.
    pub accuracy: f64,
    /// Confidence interval of the accuracy (`[0, 1]` without gold answers).
    pub interval: Interval,
}

/// The report on one gold item.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GoldItem {
    /// Item index.
    pub item: u32,
    /// The gold class index.
    pub gold_class: u32,
    /// Judgments on the item.
    pub answers: u64,
    /// Distinct workers who answered it.
    pub exposure: u64,
    /// Judgments that differ from the gold class.
    pub misses: u64,
    /// `misses / answers` (NaN without answers).
    pub miss_rate: f64,
    /// The consensus class (largest consensus probability; ties to the lowest index).
    pub consensus_class: u32,
    /// Consensus probability of `consensus_class`.
    pub consensus_confidence: f64,
    /// Consensus probability of the gold class.
    pub gold_support: f64,
    /// The consensus confidently disagrees with gold: `consensus_class != gold_class`,
    /// `consensus_confidence >= contest_confidence` and `answers >=
    /// contest_min_answers`. Likely bad gold: review it and [forgive](Forgive) it.
    pub contested: bool,
    /// Misses expected if every answer were right with the answering worker's own
    /// gold accuracy on the *other* gold items (Beta(1, 1)-smoothed).
    pub expected_misses: f64,
    /// `P(misses >= observed)` under that model (Poisson-binomial, exact up to 2,000
    /// answers): a small value means the item is missed more than its workers'
    /// accuracy explains — bad or ambiguous gold (Appen's "missed %", made a test).
    /// 1 when nothing was missed.
    pub miss_p_value: f64,
}

/// Gold scores of every worker and every gold item of a matrix, computed by
/// [`GoldParams::score`].
#[derive(Debug, Clone)]
pub struct GoldScores {
    pub(crate) params: GoldParams,
    pub(crate) gold: Gold,
    pub(crate) answered: Vec<u64>,
    pub(crate) correct: Vec<u64>,
    pub(crate) intervals: Vec<Interval>,
    pub(crate) confusion: Array3<u64>,
    pub(crate) items: Vec<GoldItem>,
    /// Consensus rows of the gold items, aligned with `items`: `items.len() × k`.
    pub(crate) consensus: Vec<f64>,
}

impl GoldScores {
    pub(crate) fn compute(
        params: GoldParams,
        matrix: &JudgmentMatrix,
        gold: Gold,
        consensus: Option<ArrayView2<'_, f64>>,
    ) -> Result<Self> {
        let (nw, k) = (matrix.n_workers(), matrix.n_classes());
        // per-worker gold answers and hits: the shared votes module, every judgment
        // counted (see [`DUPLICATE_RULE`])
        let hits = votes::accuracy_against(matrix, gold.as_slice(), DUPLICATE_RULE);
        let (answered, correct) = (hits.answered, hits.correct);
        let mut confusion = Array3::<u64>::zeros((nw, k, k));
        let conf = confusion
            .as_slice_mut()
            .expect("a fresh Array3 is contiguous");
        let workers = matrix.judgment_workers();
        let classes = matrix.judgment_classes();
        // Pass 1 (serial, integer counts): per-worker confusion on gold.
        for &i in gold.items() {
            let g = gold.as_slice()[i as usize];
            for p in matrix.item_range(i) {
                let (w, c) = (workers[p] as usize, classes[p]);
                conf[(w * k + g as usize) * k + c as usize] += 1;
            }
        }
        // Pass 2 (parallel over gold items; each item depends only on its own
        // judgments and the finished worker counts, so the result does not depend on
        // the thread count): exposure, misses, consensus, contested flag, miss test.
        let mut rows = vec![0.0; gold.len() * k];
        let items: Vec<GoldItem> = gold
            .items()
            .par_iter()
            .zip(rows.par_chunks_mut(k.max(1)))
            .with_min_len(256)
            .map_init(misses::Scratch::default, |scratch, (&i, row)| {
                let g = gold.as_slice()[i as usize];
                let range = matrix.item_range(i);
                let (exposure, misses) = misses::prepare(matrix, i, g, scratch);
                match &consensus {
                    Some(c) => row
                        .iter_mut()
                        .zip(c.row(i as usize))
                        .for_each(|(r, v)| *r = *v),
                    None => votes::item_vote_shares(&classes[range.clone()], row),
                }
                let mut report =
                    item_report(&params, i, g, range.len() as u64, exposure, misses, row);
                misses::finish(&answered, &correct, &mut report, scratch);
                report
            })
            .collect();
        let intervals = intervals_for(&params, &answered, &correct);
        Ok(GoldScores {
            params,
            gold,
            answered,
            correct,
            intervals,
            confusion,
            items,
            consensus: rows,
        })
    }

    /// The parameters used.
    pub fn params(&self) -> &GoldParams {
        &self.params
    }

    /// The gold set scored against.
    pub fn gold(&self) -> &Gold {
        &self.gold
    }

    /// Number of workers (rows).
    pub fn n_workers(&self) -> usize {
        self.answered.len()
    }

    /// Gold answers per worker, indexed by worker index.
    pub fn answered(&self) -> &[u64] {
        &self.answered
    }

    /// Correct gold answers per worker, indexed by worker index.
    pub fn correct(&self) -> &[u64] {
        &self.correct
    }

    /// Gold accuracy per worker (`correct / answered`, NaN without gold answers).
    pub fn accuracy(&self) -> Vec<f64> {
        self.answered
            .iter()
            .zip(&self.correct)
            .map(|(&n, &c)| accuracy(c, n))
            .collect()
    }

    /// Confidence intervals of the accuracy per worker (`[0, 1]` without gold
    /// answers), by the method and at the confidence of [`Self::params`].
    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    /// Per-worker gold confusion counts, shape `(n_workers, n_classes, n_classes)`,
    /// indexed `[worker, true (gold) class, observed class]`.
    pub fn confusion(&self) -> ArrayView3<'_, u64> {
        self.confusion.view()
    }

    /// One worker's score.
    ///
    /// # Panics
    /// If `worker >= n_workers()`.
    pub fn worker(&self, worker: u32) -> WorkerGold {
        let w = worker as usize;
        WorkerGold {
            worker,
            answered: self.answered[w],
            correct: self.correct[w],
            accuracy: accuracy(self.correct[w], self.answered[w]),
            interval: self.intervals[w],
        }
    }

    /// Every worker's score, by worker index.
    pub fn workers(&self) -> impl ExactSizeIterator<Item = WorkerGold> + '_ {
        (0..self.n_workers() as u32).map(|w| self.worker(w))
    }

    /// One report per gold item, ascending by item index (an item without judgments
    /// has `answers == 0`).
    pub fn items(&self) -> &[GoldItem] {
        &self.items
    }

    /// The consensus class probabilities of the `g`-th gold item of [`Self::items`].
    ///
    /// # Panics
    /// If `g >= items().len()`.
    pub fn consensus(&self, g: usize) -> &[f64] {
        let k = self.confusion.dim().1;
        &self.consensus[g * k..(g + 1) * k]
    }

    /// The contested gold items.
    pub fn contested(&self) -> impl Iterator<Item = &GoldItem> + '_ {
        self.items.iter().filter(|i| i.contested)
    }

    /// Totals over all workers: `(answered, correct)`.
    pub fn totals(&self) -> (u64, u64) {
        (self.answered.iter().sum(), self.correct.iter().sum())
    }
}

pub(crate) fn accuracy(correct: u64, answered: u64) -> f64 {
    if answered == 0 {
        f64::NAN
    } else {
        correct as f64 / answered as f64
    }
}

/// Fraction of judgments per class (uniform for an item without judgments).
pub(crate) fn item_report(
    params: &GoldParams,
    item: u32,
    gold_class: u32,
    answers: u64,
    exposure: u64,
    misses: u64,
    consensus: &[f64],
) -> GoldItem {
    let top = crowdqc_core::numeric::argmax(consensus);
    let top_p = consensus.get(top as usize).copied().unwrap_or(f64::NAN);
    let gold_support = consensus
        .get(gold_class as usize)
        .copied()
        .unwrap_or(f64::NAN);
    let contested = top != gold_class
        && top_p >= params.contest_confidence_level()
        && answers >= params.contest_min_answer_count();
    GoldItem {
        item,
        gold_class,
        answers,
        exposure,
        misses,
        miss_rate: accuracy(misses, answers),
        consensus_class: top,
        consensus_confidence: top_p,
        gold_support,
        contested,
        expected_misses: f64::NAN,
        miss_p_value: 1.0,
    }
}

/// Intervals for every worker, in parallel (each entry depends only on its own counts,
/// so the result does not depend on the thread count).
pub(crate) fn intervals_for(
    params: &GoldParams,
    answered: &[u64],
    correct: &[u64],
) -> Vec<Interval> {
    let (conf, method) = (params.confidence_level(), params.interval_method());
    if method == IntervalMethod::Wilson {
        let z = two_sided_z(conf);
        return answered
            .iter()
            .zip(correct)
            .map(|(&n, &c)| wilson_z(c, n, z))
            .collect();
    }
    if answered.len() < 4096 {
        return answered
            .iter()
            .zip(correct)
            .map(|(&n, &c)| interval_unchecked(c, n, conf, method))
            .collect();
    }
    answered
        .par_iter()
        .zip(correct.par_iter())
        .map(|(&n, &c)| interval_unchecked(c, n, conf, method))
        .collect()
}
