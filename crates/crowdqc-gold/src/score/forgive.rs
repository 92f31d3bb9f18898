//! Forgive: drop or correct gold items and re-score every affected worker
//! retroactively (Appen's "forgive" after reviewing missed / contested gold).

use crowdqc_core::{Error, JudgmentMatrix, Result};

use super::{GoldScores, item_report};
use crate::interval::interval_unchecked;

/// An edit to the gold set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Forgive {
    /// Drop the gold answer of `item` (the item becomes regular work): every answer
    /// to it stops counting, right or wrong.
    Drop {
        /// Item index.
        item: u32,
    },
    /// Replace the gold answer of `item` with `class` (a corrected gold answer): every
    /// answer to it is re-graded.
    Correct {
        /// Item index.
        item: u32,
        /// The corrected class index.
        class: u32,
    },
}

impl Forgive {
    fn item(self) -> u32 {
        match self {
            Forgive::Drop { item } | Forgive::Correct { item, .. } => item,
        }
    }
}

/// The result of [`GoldScores::forgive`].
#[derive(Debug, Clone)]
pub struct Forgiven {
    /// Scores against the edited gold (equal to a full re-score with it).
    pub scores: GoldScores,
    /// Workers whose gold counts changed, ascending.
    pub changed_workers: Vec<u32>,
}

impl GoldScores {
    /// Applies `edits` in order and re-scores retroactively. Only the judgments of the
    /// edited items are revisited (`O(answers to those items)`), and the result equals
    /// scoring from scratch against the edited gold with the same consensus.
    ///
    /// # Errors
    /// `matrix` is not the matrix these scores came from (size mismatch); an edit names
    /// an item out of range or without gold, or a class out of range
    /// ([`Error::InvalidParameter`] naming `forgive`); the edits leave no gold with a
    /// judgment ([`Error::InsufficientData`]).
    ///
    /// # Examples
    /// ```
    /// use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
    /// use crowdqc_gold::{Forgive, GoldParams};
    /// # fn main() -> crowdqc_core::Result<()> {
    /// let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
    /// for (i, w, l) in [("q1", "ann", "cat"), ("q1", "bob", "cat"), ("q2", "ann", "dog")] {
    ///     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
    /// }
    /// b.push_gold_row(IdRef::Str("q1"), IdRef::Str("dog"))?; // wrong gold
    /// b.push_gold_row(IdRef::Str("q2"), IdRef::Str("dog"))?;
    /// let m = b.finish()?;
    /// let scores = GoldParams::new().score(&m)?;
    /// assert_eq!(scores.worker(0).correct, 1); // ann: q1 "wrong", q2 right
    /// let cat = m.classes().index_of(IdRef::Str("cat")).expect("class");
    /// let fixed = scores.forgive(&m, &[Forgive::Correct { item: 0, class: cat }])?;
    /// assert_eq!(fixed.scores.worker(0).correct, 2);
    /// assert_eq!(fixed.changed_workers, vec![0, 1]);
    /// # Ok(()) }
    /// ```
    pub fn forgive(&self, matrix: &JudgmentMatrix, edits: &[Forgive]) -> Result<Forgiven> {
        let (nw, k) = (matrix.n_workers(), matrix.n_classes());
        if nw != self.n_workers()
            || matrix.n_items() != self.gold.as_slice().len()
            || self.confusion.k() != k
        {
            return Err(Error::param(
                "matrix",
                "is not the matrix these gold scores were computed from",
            ));
        }
        let mut out = self.clone();
        let mut touched: Vec<u32> = Vec::new();
        let workers = matrix.judgment_workers();
        let classes = matrix.judgment_classes();
        for (n, &edit) in edits.iter().enumerate() {
            let item = edit.item();
            if item as usize >= matrix.n_items() {
                return Err(Error::param(
                    "forgive",
                    format!(
                        "edit {n}: item index {item} out of range ({} items)",
                        matrix.n_items()
                    ),
                ));
            }
            let Some(old) = out.gold.label(item) else {
                return Err(Error::param(
                    "forgive",
                    format!(
                        "edit {n}: item `{}` has no gold to drop or correct",
                        matrix.items().get(item)
                    ),
                ));
            };
            let new = match edit {
                Forgive::Drop { .. } => None,
                Forgive::Correct { class, .. } => {
                    if class as usize >= k {
                        return Err(Error::param(
                            "forgive",
                            format!("edit {n}: class index {class} out of range ({k} classes)"),
                        ));
                    }
                    Some(class)
                }
            };
            let mut misses = 0u64;
            for p in matrix.item_range(item) {
                let (w, c) = (workers[p] as usize, classes[p]);
                out.answered[w] -= 1;
                out.correct[w] -= u64::from(c == old);
                out.confusion.remove(workers[p], old, c);
                if let Some(g) = new {
                    out.answered[w] += 1;
                    out.correct[w] += u64::from(c == g);
                    misses += u64::from(c != g);
                    out.confusion.add(workers[p], g, c);
                }
                touched.push(workers[p]);
            }
            let pos = out
                .items
                .binary_search_by_key(&item, |r| r.item)
                .expect("every gold item has a report");
            match new {
                None => {
                    out.items.remove(pos);
                    out.consensus.remove(pos);
                    out.gold = out.gold.without(item);
                }
                Some(g) => {
                    let r = &out.items[pos];
                    let fresh = item_report(
                        &out.params,
                        item,
                        g,
                        r.answers,
                        r.exposure,
                        misses,
                        &out.consensus[pos],
                        k,
                    );
                    out.items[pos] = fresh;
                    out.gold = out.gold.with_label(item, g)?;
                }
            }
        }
        if !out.gold.items().iter().any(|&i| matrix.item_count(i) > 0) {
            return Err(Error::insufficient(
                "forgiving these items leaves no gold item with a judgment",
            ));
        }
        // workers' leave-one-out accuracies changed: redo every item's miss test
        super::misses::miss_tests(
            matrix,
            &out.gold,
            &out.answered,
            &out.correct,
            &mut out.items,
        );
        touched.sort_unstable();
        touched.dedup();
        let (conf, method) = (out.params.confidence_level(), out.params.interval_method());
        let mut changed = Vec::new();
        for &w in &touched {
            let wi = w as usize;
            out.intervals[wi] = interval_unchecked(out.correct[wi], out.answered[wi], conf, method);
            if out.answered[wi] != self.answered[wi] || out.correct[wi] != self.correct[wi] {
                changed.push(w);
            }
        }
        Ok(Forgiven {
            scores: out,
            changed_workers: changed,
        })
    }
}
