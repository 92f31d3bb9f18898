//! Majority vote over shards: one pass; items are local to their shard, so only the
//! per-worker agreement counts merge.

use crowdqc_core::{Error, Result};

use super::shard::Shard;

/// One shard's majority vote: vote shares and labels of its items (rows in the shard's
/// item order) and its workers' agreement counts.
#[derive(Debug, Clone, PartialEq)]
pub struct MvShard {
    /// Vote shares `(n_items, k)` row-major (every judgment votes, duplicates
    /// included), as [`MajorityVote`](crate::MajorityVote)'s posteriors.
    pub shares: Vec<f64>,
    /// Majority label per item; ties go to the lowest class index
    /// ([`TieRule::LowestIndex`](crate::TieRule::LowestIndex), the default).
    pub labels: Vec<u32>,
    /// Per-worker agreement with the majority labels.
    pub stats: MvStats,
}

/// Per-worker agreement with the majority labels (crowd-kit's `skills_` rule: identical
/// `(item, worker, label)` rows count once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MvStats {
    /// Judgments matching the item's majority label, per global worker code.
    pub correct: Vec<u64>,
    /// Judgments scored, per global worker code.
    pub answered: Vec<u64>,
}

impl MvStats {
    /// Adds `other` into `self`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the worker counts differ.
    pub fn merge(&mut self, other: &MvStats) -> Result<()> {
        if self.correct.len() != other.correct.len() {
            return Err(Error::param(
                "stats",
                format!(
                    "cannot merge vote statistics over {} workers with {}: code every shard \
                     with the same global dictionaries",
                    self.correct.len(),
                    other.correct.len()
                ),
            ));
        }
        self.correct
            .iter_mut()
            .zip(&other.correct)
            .for_each(|(a, b)| *a += b);
        self.answered
            .iter_mut()
            .zip(&other.answered)
            .for_each(|(a, b)| *a += b);
        Ok(())
    }

    /// Accuracy per worker (`correct / answered`, NaN for a worker with nothing
    /// scored), as [`MajorityVote`](crate::MajorityVote)'s worker accuracy.
    pub fn accuracy(&self) -> Vec<f64> {
        self.correct
            .iter()
            .zip(&self.answered)
            .map(|(&h, &t)| {
                if t == 0 {
                    f64::NAN
                } else {
                    h as f64 / t as f64
                }
            })
            .collect()
    }
}

/// Majority vote on one shard.
pub fn mv_shard(shard: &Shard) -> MvShard {
    let k = shard.k;
    let n = shard.n_items();
    let mut shares = vec![0.0; n * k];
    let mut labels = vec![0u32; n];
    let mut correct = vec![0u64; shard.n_workers];
    let mut answered = vec![0u64; shard.n_workers];
    for t in 0..n {
        let (s, e) = (shard.offsets[t], shard.offsets[t + 1]);
        let row = &mut shares[t * k..(t + 1) * k];
        if s == e {
            row.fill(1.0 / k as f64);
            continue;
        }
        let mut total = 0.0;
        for p in s..e {
            row[shard.labels[p] as usize] += 1.0;
            total += 1.0;
        }
        row.iter_mut().for_each(|v| *v /= total);
        let best = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let label = row.iter().position(|&v| v == best).unwrap_or(0) as u32;
        labels[t] = label;
        // judgments are sorted by (worker, label): identical rows are adjacent
        for p in s..e {
            let pair = (shard.workers[p], shard.labels[p]);
            if p > s && (shard.workers[p - 1], shard.labels[p - 1]) == pair {
                continue;
            }
            answered[pair.0 as usize] += 1;
            correct[pair.0 as usize] += u64::from(pair.1 == label);
        }
    }
    MvShard {
        shares,
        labels,
        stats: MvStats { correct, answered },
    }
}
