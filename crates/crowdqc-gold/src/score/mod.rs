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
mod confusion;
mod forgive;
mod misses;
mod params;

pub use compare::{DivergenceDirection, ModelComparison};
pub use confusion::{ConfusionCell, MAX_DENSE_CONFUSION_CELLS};
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
use ndarray::{ArrayView2, ArrayView3};

use confusion::Confusion;
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
    pub(crate) confusion: Confusion,
    pub(crate) items: Vec<GoldItem>,
    /// Consensus rows of the gold items, aligned with `items`: the non-zero
    /// `(class, probability)` entries in class order; empty = uniform.
    pub(crate) consensus: Vec<Vec<(u32, f64)>>,
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
        // dense up to MAX_DENSE_CONFUSION_CELLS, else sparse (10^5 classes)
        let mut confusion = Confusion::new(nw, k);
        let workers = matrix.judgment_workers();
        let classes = matrix.judgment_classes();
        // Pass 1 (serial, integer counts): per-worker confusion on gold.
        for &i in gold.items() {
            let g = gold.as_slice()[i as usize];
            for p in matrix.item_range(i) {
                confusion.add(workers[p], g, classes[p]);
            }
        }
        // Pass 2 (parallel over gold items; each item depends only on its own
        // judgments and the finished worker counts, so the result does not depend on
        // the thread count): exposure, misses, consensus, contested flag, miss test.
        let (items, rows): (Vec<GoldItem>, Vec<Vec<(u32, f64)>>) = gold
            .items()
            .par_iter()
            .with_min_len(256)
            .map_init(misses::Scratch::default, |scratch, &i| {
                let g = gold.as_slice()[i as usize];
                let range = matrix.item_range(i);
                let (exposure, misses) = misses::prepare(matrix, i, g, scratch);
                let row = match &consensus {
                    Some(c) => c
                        .row(i as usize)
                        .iter()
                        .enumerate()
                        .filter(|&(_, &p)| p != 0.0)
                        .map(|(c, &p)| (c as u32, p))
                        .collect(),
                    None => sparse_vote_shares(&classes[range.clone()]),
                };
                let mut report =
                    item_report(&params, i, g, range.len() as u64, exposure, misses, &row, k);
                misses::finish(&answered, &correct, &mut report, scratch);
                (report, row)
            })
            .unzip();
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
    /// indexed `[worker, true (gold) class, observed class]`; `None` when that table
    /// would exceed [`MAX_DENSE_CONFUSION_CELLS`] or the memory budget (very many
    /// classes), in which case the counts are kept sparsely: read them with
    /// [`confusion_cells`](Self::confusion_cells) or
    /// [`confusion_count`](Self::confusion_count), which work in both cases.
    pub fn confusion(&self) -> Option<ArrayView3<'_, u64>> {
        self.confusion.dense()
    }

    /// The non-zero gold confusion cells, in `(worker, gold, observed)` order.
    pub fn confusion_cells(&self) -> Vec<ConfusionCell> {
        self.confusion.cells()
    }

    /// Gold answers of `worker` on gold items of class `gold` that answered
    /// `observed` (0 for indices out of range).
    pub fn confusion_count(&self, worker: u32, gold: u32, observed: u32) -> u64 {
        self.confusion.get(worker, gold, observed)
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

    /// The consensus class probabilities of the `g`-th gold item of [`Self::items`]
    /// that are not zero, as `(class, probability)` in class order (sparse, so that
    /// 10⁵ classes cost nothing); empty when the consensus is uniform over every class
    /// (vote shares of an item without judgment).
    ///
    /// # Panics
    /// If `g >= items().len()`.
    pub fn consensus(&self, g: usize) -> &[(u32, f64)] {
        &self.consensus[g]
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

/// Vote shares of one item's judged classes (as [`votes::item_vote_shares`]), sparse:
/// `(class, share)` in class order; empty (uniform) without judgments.
fn sparse_vote_shares(classes: &[u32]) -> Vec<(u32, f64)> {
    let mut sorted = classes.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<(u32, f64)> = Vec::new();
    for c in sorted {
        match out.last_mut() {
            Some((last, n)) if *last == c => *n += 1.0,
            _ => out.push((c, 1.0)),
        }
    }
    let n = classes.len() as f64;
    out.iter_mut().for_each(|(_, v)| *v /= n);
    out
}

/// The report of one gold item from its sparse consensus row (`(class, p)` in class
/// order, empty = uniform over `k` classes): the consensus class is the largest
/// probability, ties to the lowest class index.
#[expect(clippy::too_many_arguments, reason = "one item's counts and its row")]
pub(crate) fn item_report(
    params: &GoldParams,
    item: u32,
    gold_class: u32,
    answers: u64,
    exposure: u64,
    misses: u64,
    consensus: &[(u32, f64)],
    k: usize,
) -> GoldItem {
    let (top, top_p, gold_support) = if consensus.is_empty() {
        let u = 1.0 / k.max(1) as f64;
        (0, u, u)
    } else {
        let (mut top, mut top_p) = (0u32, f64::NEG_INFINITY);
        for &(c, p) in consensus {
            if p > top_p {
                (top, top_p) = (c, p);
            }
        }
        let gold = consensus
            .iter()
            .find(|&&(c, _)| c == gold_class)
            .map_or(0.0, |&(_, p)| p);
        (top, top_p, gold)
    };
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
