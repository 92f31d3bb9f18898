//! Gold comparisons → per-worker [`WorkerEvidence`], so access policies can judge
//! pairwise workers exactly as classification workers.
//!
//! A gold comparison is one whose true order is known: either from known item levels
//! (the pair's levels differ) or from a known winner of the pair. A worker's answer on
//! it is correct when it names the known winner (a tie answer is wrong; on a pair whose
//! known outcome is a tie only a tie answer is right).

use crowdqc_core::evidence::WorkerEvidence;
use crowdqc_core::{Error, IdRef, Result};
use hashbrown::HashMap;

use crate::data::{Comparisons, Outcome};
use crate::ingest::same_id;
use crate::model::PairwiseFit;

/// The known order of some item pairs.
#[derive(Debug, Clone, Default)]
pub struct KnownOrder {
    /// Known level of each item (by code), NaN when unknown.
    levels: Vec<f64>,
    /// Known outcome of pairs `(low code, high code)`, seen from the low code.
    pairs: HashMap<(u32, u32), Outcome>,
    /// Gold entries naming items that were never compared.
    pub unknown_items: usize,
}

impl KnownOrder {
    /// Known item levels (higher wins), e.g. expert reading levels. Items not in `data`
    /// are counted in [`unknown_items`](Self::unknown_items).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a non-finite level (naming the item).
    pub fn from_levels<'a>(
        data: &Comparisons,
        levels: impl IntoIterator<Item = (IdRef<'a>, f64)>,
    ) -> Result<Self> {
        let mut k = KnownOrder {
            levels: vec![f64::NAN; data.n_items()],
            ..KnownOrder::default()
        };
        for (id, v) in levels {
            if !v.is_finite() {
                return Err(Error::value(
                    "level",
                    None,
                    format!("gold level of item `{id}` is {v}; levels must be finite numbers"),
                ));
            }
            match data.items.lookup(id) {
                Some(c) => k.levels[c as usize] = v,
                None => k.unknown_items += 1,
            }
        }
        Ok(k)
    }

    /// Known winners of pairs: `(left, right, outcome)` as in the comparisons.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a gold pair of an item with itself.
    pub fn from_winners<'a>(
        data: &Comparisons,
        pairs: impl IntoIterator<Item = (IdRef<'a>, IdRef<'a>, Outcome)>,
    ) -> Result<Self> {
        let mut k = KnownOrder {
            levels: vec![f64::NAN; data.n_items()],
            ..KnownOrder::default()
        };
        for (row, (l, r, o)) in pairs.into_iter().enumerate() {
            if same_id(l, r) {
                return Err(Error::value(
                    "left",
                    Some(row as u64),
                    format!("gold pair compares `{l}` with itself; drop the row"),
                ));
            }
            match (data.items.lookup(l), data.items.lookup(r)) {
                (Some(a), Some(b)) => {
                    let key = if a < b { (a, b) } else { (b, a) };
                    let o = if a < b { o } else { o.flipped() };
                    k.pairs.insert(key, o);
                }
                _ => k.unknown_items += 1,
            }
        }
        Ok(k)
    }

    /// The known outcome of `(l, r)` seen from `l`, if any.
    pub fn outcome(&self, l: u32, r: u32) -> Option<Outcome> {
        let key = if l < r { (l, r) } else { (r, l) };
        if let Some(&o) = self.pairs.get(&key) {
            return Some(if l < r { o } else { o.flipped() });
        }
        let (a, b) = (
            self.levels.get(l as usize).copied().unwrap_or(f64::NAN),
            self.levels.get(r as usize).copied().unwrap_or(f64::NAN),
        );
        if a.is_nan() || b.is_nan() || a == b {
            None
        } else if a > b {
            Some(Outcome::Left)
        } else {
            Some(Outcome::Right)
        }
    }
}

/// Evidence per worker (indexed by worker code): every comparison counts as a
/// judgment; comparisons of pairs with a known order are gold answers, recorded in
/// input order (so sliding-window rules see the most recent last); with a `fit`,
/// `model_accuracy` is the method's reliability (Crowd-BT's η: the probability of
/// agreeing with the true order) and `peer_agreement` the share of the worker's answers
/// that agree with the fitted order.
pub fn worker_evidence(
    data: &Comparisons,
    known: Option<&KnownOrder>,
    fit: Option<&PairwiseFit>,
) -> Vec<WorkerEvidence> {
    let mut ev = vec![WorkerEvidence::default(); data.n_workers()];
    for k in 0..data.len() {
        let w = data.worker[k] as usize;
        ev[w].judgments += 1;
        if let Some(truth) = known.and_then(|g| g.outcome(data.left[k], data.right[k])) {
            ev[w].record_gold(data.outcome[k] == truth);
        }
    }
    if let Some(f) = fit {
        for (w, e) in ev.iter_mut().enumerate() {
            e.model_accuracy = f.reliability().map(|r| r[w]);
            let a = f.worker_agreement()[w];
            e.peer_agreement = a.is_finite().then_some(a);
        }
    }
    ev
}
