//! Gold comparisons → per-worker [`WorkerEvidence`], so access policies can judge
//! pairwise workers exactly as classification workers.
//!
//! A gold comparison is one whose true order is known: either from known item levels
//! (the pair's levels differ) or from a known winner of the pair. A worker's answer on
//! it is correct when it names the known winner (a tie answer is wrong; on a pair whose
//! known outcome is a tie only a tie answer is right).

use arrow_array::RecordBatch;
use crowdqc_core::columns::{self, IdColumn, NumberColumn, Role};
use crowdqc_core::evidence::WorkerEvidence;
use crowdqc_core::{Error, Id, IdRef, Result};
use hashbrown::HashMap;

use crate::data::{Comparisons, Outcome};
use crate::ingest::{ComparisonsBuilder, PairwiseOptions, same_id, self_comparison};
use crate::model::PairwiseFit;

/// Names of the level column of a gold levels table, in the order tried.
pub const LEVEL_ALIASES: &[&str] = &["level", "gold", "label", "true_label"];

/// `(item, level)` rows of gold level tables: an item column (core's aliases) and a
/// numeric level column ([`LEVEL_ALIASES`]). `batches` pairs each batch with the data
/// row of its first row (for error messages).
///
/// # Errors
/// [`Error::MissingColumn`] naming the columns tried; [`Error::InvalidValue`] naming
/// the row of a null or non-numeric value.
pub fn levels_from_batches<'b>(
    batches: impl IntoIterator<Item = (u64, &'b RecordBatch)>,
) -> Result<Vec<(Id, f64)>> {
    let mut out = Vec::new();
    for (row0, batch) in batches {
        let schema = batch.schema();
        let ii = columns::resolve(&schema, Role::Item, None)?;
        let li = columns::resolve_named(&schema, "level", LEVEL_ALIASES)?;
        let ids = IdColumn::new(batch.column(ii), schema.field(ii).name(), row0)?;
        let lv = NumberColumn::new(batch.column(li), schema.field(li).name(), row0)?;
        for i in 0..batch.num_rows() {
            out.push((Id::from(ids.get(i)?), lv.get(i)?));
        }
    }
    Ok(out)
}

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
            k.insert(data, l, r, o);
        }
        Ok(k)
    }

    /// Gold from tables in one of three layouts: known winners `left, right, winner`
    /// (the winner column read as in the comparisons: an item id, `left`, `right` or a
    /// tie marker of `opts`), known winners `winner, loser`, or known levels `item,
    /// level` ([`levels_from_batches`]). Column names follow `opts` (no worker column).
    /// `batches` pairs each batch with the data row of its first row.
    ///
    /// # Errors
    /// Missing columns (naming those tried), a self-comparison or an unreadable winner
    /// (naming the row and the accepted values), a non-finite level.
    pub fn from_batches<'b>(
        data: &Comparisons,
        batches: impl IntoIterator<Item = (u64, &'b RecordBatch)>,
        opts: &PairwiseOptions,
    ) -> Result<Self> {
        let batches: Vec<(u64, &RecordBatch)> = batches.into_iter().collect();
        let Some(&(_, first)) = batches.first() else {
            return Self::from_levels(data, []);
        };
        let schema = first.schema();
        let has = |role, name: &Option<String>| {
            columns::resolve_optional(&schema, role, name.as_deref()).map(|c| c.is_some())
        };
        if !has(Role::Left, &opts.left)? && !has(Role::Loser, &opts.loser)? {
            let levels = levels_from_batches(batches)?;
            return Self::from_levels(data, levels.iter().map(|(id, v)| (id.as_ref(), *v)));
        }
        let parser = ComparisonsBuilder::new(opts.clone())?;
        let mut k = KnownOrder {
            levels: vec![f64::NAN; data.n_items()],
            ..KnownOrder::default()
        };
        for (row0, b) in batches {
            let s = b.schema();
            let col = |role, name: &Option<String>| -> Result<IdColumn<'_>> {
                let i = columns::resolve(&s, role, name.as_deref())?;
                IdColumn::new(b.column(i), s.field(i).name(), row0)
            };
            let left = columns::resolve_optional(&s, Role::Left, opts.left.as_deref())?;
            let (lc, rc, oc) = match left {
                Some(_) => (
                    col(Role::Left, &opts.left)?,
                    col(Role::Right, &opts.right)?,
                    Some(col(Role::Winner, &opts.winner)?),
                ),
                None => (
                    col(Role::Winner, &opts.winner)?,
                    col(Role::Loser, &opts.loser)?,
                    None,
                ),
            };
            for i in 0..b.num_rows() {
                let (l, r) = (lc.get(i)?, rc.get(i)?);
                if same_id(l, r) {
                    return Err(self_comparison(lc.name(), lc.file_row(i), l));
                }
                let o = match &oc {
                    None => Outcome::Left,
                    Some(oc) => {
                        let v = oc.get(i)?;
                        parser.outcome_of(l, r, v).ok_or_else(|| {
                            Error::value(
                                oc.name(),
                                Some(oc.file_row(i)),
                                format!(
                                    "gold outcome `{v}` is neither the left item `{l}` nor \
                                     the right item `{r}`; accepted: {}",
                                    parser.accepted()
                                ),
                            )
                        })?
                    }
                };
                k.insert(data, l, r, o);
            }
        }
        Ok(k)
    }

    fn insert(&mut self, data: &Comparisons, l: IdRef<'_>, r: IdRef<'_>, o: Outcome) {
        match (data.items.lookup(l), data.items.lookup(r)) {
            (Some(a), Some(b)) => {
                let key = if a < b { (a, b) } else { (b, a) };
                let o = if a < b { o } else { o.flipped() };
                self.pairs.insert(key, o);
            }
            _ => self.unknown_items += 1,
        }
    }

    /// Pairs and items with a known order (levels count items, winners count pairs).
    pub fn len(&self) -> usize {
        self.pairs.len() + self.levels.iter().filter(|v| !v.is_nan()).count()
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// [`worker_evidence`] with each worker's id, in worker code order: the rows of a
/// policy evaluation (`crowdqc_policy::EvidenceTable::from_evidence`).
pub fn evidence_by_worker(
    data: &Comparisons,
    known: Option<&KnownOrder>,
    fit: Option<&PairwiseFit>,
) -> Vec<(Id, WorkerEvidence)> {
    worker_evidence(data, known, fit)
        .into_iter()
        .enumerate()
        .map(|(w, e)| (Id::from(data.workers.get(w as u32)), e))
        .collect()
}
