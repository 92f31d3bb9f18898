//! Gold scoring counts that merge across shards (data partitioned by item): per-worker
//! gold answers, correct answers and confusion on gold.
//!
//! Each shard adds the judgments of its gold items ([`GoldCounts::add_item`], worker
//! and label codes of the global dictionaries); the driver merges the integer counts
//! ([`GoldCounts::merge`], exact in any order) and finishes: accuracy and intervals
//! are computed from the merged counts by the same functions as
//! [`GoldParams::score`](crate::GoldParams::score), so they have the same bits.
//! Per-item reports (exposure, misses, contested flags) stay with the shard that holds
//! the item.

use std::collections::BTreeMap;

use crowdqc_core::{Error, Result};

use crate::interval::Interval;
use crate::score::{GoldParams, intervals_for};

/// Mergeable gold counts (see the module docs). Every judgment on a gold item is one
/// gold answer ([`DUPLICATE_RULE`](crate::DUPLICATE_RULE)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldCounts {
    k: usize,
    answered: Vec<u64>,
    correct: Vec<u64>,
    /// `(worker, gold class, observed class)` → judgments.
    confusion: BTreeMap<(u32, u32, u32), u64>,
}

impl GoldCounts {
    /// Empty counts over `n_workers` workers and `k` classes (global codes).
    pub fn new(n_workers: usize, k: usize) -> GoldCounts {
        GoldCounts {
            k,
            answered: vec![0; n_workers],
            correct: vec![0; n_workers],
            confusion: BTreeMap::new(),
        }
    }

    /// Adds the judgments `(worker, label)` of one gold item whose gold class is
    /// `gold`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `gold` or `judgments` for a code out of range.
    pub fn add_item(&mut self, gold: u32, judgments: &[(u32, u32)]) -> Result<()> {
        let (nw, k) = (self.answered.len(), self.k);
        if gold as usize >= k {
            return Err(Error::param(
                "gold",
                format!("class {gold} is out of range for {k} classes"),
            ));
        }
        if let Some(&(w, l)) = judgments
            .iter()
            .find(|&&(w, l)| w as usize >= nw || l as usize >= k)
        {
            return Err(Error::param(
                "judgments",
                format!("(worker {w}, label {l}) is out of range for {nw} workers x {k} classes"),
            ));
        }
        for &(w, l) in judgments {
            self.answered[w as usize] += 1;
            self.correct[w as usize] += u64::from(l == gold);
            *self.confusion.entry((w, gold, l)).or_default() += 1;
        }
        Ok(())
    }

    /// Adds `other` into `self`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the numbers of workers or classes differ.
    pub fn merge(&mut self, other: &GoldCounts) -> Result<()> {
        if (self.answered.len(), self.k) != (other.answered.len(), other.k) {
            return Err(Error::param(
                "counts",
                format!(
                    "cannot merge gold counts over {} workers x {} classes with {} x {}: code \
                     every shard with the same global dictionaries",
                    self.answered.len(),
                    self.k,
                    other.answered.len(),
                    other.k
                ),
            ));
        }
        for (a, b) in self.answered.iter_mut().zip(&other.answered) {
            *a += b;
        }
        for (a, b) in self.correct.iter_mut().zip(&other.correct) {
            *a += b;
        }
        for (&key, &n) in &other.confusion {
            *self.confusion.entry(key).or_default() += n;
        }
        Ok(())
    }

    /// Gold answers per worker.
    pub fn answered(&self) -> &[u64] {
        &self.answered
    }

    /// Correct gold answers per worker.
    pub fn correct(&self) -> &[u64] {
        &self.correct
    }

    /// Gold accuracy per worker (NaN for a worker without gold answers), as
    /// [`GoldScores::accuracy`](crate::GoldScores::accuracy).
    pub fn accuracy(&self) -> Vec<f64> {
        self.answered
            .iter()
            .zip(&self.correct)
            .map(|(&n, &c)| {
                if n == 0 {
                    f64::NAN
                } else {
                    c as f64 / n as f64
                }
            })
            .collect()
    }

    /// Per-worker intervals of the gold accuracy with `params`' method and level, as
    /// [`GoldScores::intervals`](crate::GoldScores::intervals).
    ///
    /// # Errors
    /// Invalid `params`.
    pub fn intervals(&self, params: &GoldParams) -> Result<Vec<Interval>> {
        params.validate()?;
        Ok(intervals_for(params, &self.answered, &self.correct))
    }

    /// Judgments of `worker` on gold items of class `gold` answered `observed`.
    pub fn confusion_count(&self, worker: u32, gold: u32, observed: u32) -> u64 {
        self.confusion
            .get(&(worker, gold, observed))
            .copied()
            .unwrap_or(0)
    }

    /// The non-zero confusion cells `(worker, gold, observed, count)`, sorted.
    pub fn confusion_cells(&self) -> Vec<(u32, u32, u32, u64)> {
        self.confusion
            .iter()
            .map(|(&(w, g, o), &n)| (w, g, o, n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IntervalMethod;
    use crowdqc_core::IngestOptions;
    use crowdqc_testkit::fixtures::{dataset_dir, load_dataset};

    /// Gold items split into 1, 3 and 8 shards give the single-machine scores.
    #[test]
    fn merged_gold_counts_give_the_single_machine_scores() {
        let Some(dir) = dataset_dir("zhou2012-dogs") else {
            return;
        };
        let m = load_dataset(&dir, IngestOptions::default(), true);
        for params in [
            GoldParams::new(),
            GoldParams::new()
                .interval(IntervalMethod::ClopperPearson)
                .confidence(0.9),
        ] {
            let single = params.score(&m).expect("score");
            let (nw, k) = (m.n_workers(), m.n_classes());
            for shards in [1usize, 3, 8] {
                let mut parts = vec![GoldCounts::new(nw, k); shards];
                for &i in m.gold().items() {
                    let g = m.gold().label(i).expect("gold");
                    let js: Vec<(u32, u32)> = m
                        .item_range(i)
                        .map(|p| (m.judgment_workers()[p], m.judgment_classes()[p]))
                        .collect();
                    parts[i as usize * 7 % shards]
                        .add_item(g, &js)
                        .expect("add");
                }
                let mut merged = parts.pop().expect("one");
                for p in &parts {
                    merged.merge(p).expect("merge");
                }
                assert_eq!(merged.answered(), single.answered());
                assert_eq!(merged.correct(), single.correct());
                let got = merged.intervals(&params).expect("intervals");
                for (a, b) in got.iter().zip(single.intervals()) {
                    assert_eq!(a.low.to_bits(), b.low.to_bits());
                    assert_eq!(a.high.to_bits(), b.high.to_bits());
                }
                for w in 0..nw as u32 {
                    for g in 0..k as u32 {
                        for o in 0..k as u32 {
                            assert_eq!(
                                merged.confusion_count(w, g, o),
                                single.confusion_count(w, g, o)
                            );
                        }
                    }
                }
                assert!(merged.answered().iter().sum::<u64>() > 0);
            }
        }
        let mut c = GoldCounts::new(2, 2);
        assert!(c.add_item(2, &[]).is_err());
        assert!(c.add_item(0, &[(2, 0)]).is_err());
        assert!(c.merge(&GoldCounts::new(3, 2)).is_err());
    }
}
