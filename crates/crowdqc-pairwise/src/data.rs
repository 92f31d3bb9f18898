//! The comparison data model: [`Comparisons`], built once by
//! [`ComparisonsBuilder`](crate::ComparisonsBuilder), read by every method.

use crowdqc_core::{IdDictionary, IdRef};

/// The outcome of one comparison, seen from its left item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The left item won.
    Left,
    /// The right item won.
    Right,
    /// Neither item won (a tie marker, see [`TIE_MARKERS`](crate::TIE_MARKERS)).
    Tie,
}

impl Outcome {
    /// The outcome with left and right swapped.
    pub const fn flipped(self) -> Self {
        match self {
            Outcome::Left => Outcome::Right,
            Outcome::Right => Outcome::Left,
            Outcome::Tie => Outcome::Tie,
        }
    }

    /// The left item's share of the win: 1, 0 or ½ for a tie.
    pub const fn left_score(self) -> f64 {
        match self {
            Outcome::Left => 1.0,
            Outcome::Right => 0.0,
            Outcome::Tie => 0.5,
        }
    }
}

/// One connected component of the comparison graph (items linked by any comparison).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Component {
    /// Number of items in the component.
    pub items: usize,
    /// Up to three of its items (ids in order of first appearance), for messages.
    pub examples: Vec<String>,
}

/// What ingest did: rows read and kept, duplicates, ties, and the connected components
/// of the comparison graph (scores are only comparable within one component).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ComparisonsReport {
    /// Rows read.
    pub rows: u64,
    /// Comparisons kept (rows minus duplicates dropped by the policy).
    pub comparisons: u64,
    /// Rows that repeat an earlier `(worker, {left, right})` pair (either order).
    pub duplicate_rows: u64,
    /// Rows dropped by the duplicate policy (`first`/`last`); 0 under `keep-all`.
    pub duplicates_dropped: u64,
    /// The duplicate policy applied (`keep-all`, `first`, `last`, `error`).
    pub duplicate_policy: String,
    /// Comparisons kept whose outcome is a tie.
    pub ties: u64,
    /// Connected components, largest first (ties broken by first appearance).
    pub components: Vec<Component>,
}

impl ComparisonsReport {
    /// A warning naming the components when the comparison graph is disconnected,
    /// `None` when it is connected.
    pub fn disconnected_warning(&self) -> Option<String> {
        if self.components.len() <= 1 {
            return None;
        }
        let shown: Vec<String> = self
            .components
            .iter()
            .take(5)
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "#{} {} item{} ({}{})",
                    i + 1,
                    c.items,
                    if c.items == 1 { "" } else { "s" },
                    c.examples.join(", "),
                    if c.items > c.examples.len() {
                        ", …"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        let more = self.components.len().saturating_sub(5);
        Some(format!(
            "warning: the comparison graph has {} disconnected components: {}{}; scores are \
             only comparable within one component (compare items across them to link them)",
            self.components.len(),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ))
    }
}

/// Pairwise comparisons `(worker, left, right, outcome)` with ids dictionary-encoded to
/// dense `u32` codes (in order of first appearance), stored as flat columns in input
/// order. Build it with [`ComparisonsBuilder`](crate::ComparisonsBuilder) or
/// [`Comparisons::from_codes`].
#[derive(Debug, Clone)]
pub struct Comparisons {
    pub(crate) items: IdDictionary,
    pub(crate) workers: IdDictionary,
    pub(crate) left: Vec<u32>,
    pub(crate) right: Vec<u32>,
    pub(crate) worker: Vec<u32>,
    pub(crate) outcome: Vec<Outcome>,
    pub(crate) report: ComparisonsReport,
}

impl Comparisons {
    /// Comparisons from codes, for callers (and tests) that encode ids themselves: item
    /// `c` is named `c`, worker `w` is named `w` (integer ids).
    ///
    /// # Errors
    /// [`Error::InvalidValue`](crowdqc_core::Error::InvalidValue) for a self-comparison
    /// (naming the row).
    pub fn from_codes(
        rows: impl IntoIterator<Item = (u32, u32, u32, Outcome)>,
    ) -> crowdqc_core::Result<Self> {
        let mut b = crate::ComparisonsBuilder::new(crate::PairwiseOptions::default())?;
        for (w, l, r, o) in rows {
            b.push_ids(
                IdRef::Int(i64::from(w)),
                IdRef::Int(i64::from(l)),
                IdRef::Int(i64::from(r)),
                o,
            )?;
        }
        b.finish()
    }

    /// Number of distinct items.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Number of distinct workers.
    pub fn n_workers(&self) -> usize {
        self.workers.len()
    }

    /// Number of comparisons kept.
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// True when no comparison was kept.
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }

    /// Item ids by code.
    pub fn items(&self) -> &IdDictionary {
        &self.items
    }

    /// Worker ids by code.
    pub fn workers(&self) -> &IdDictionary {
        &self.workers
    }

    /// Left item code of each comparison.
    pub fn left(&self) -> &[u32] {
        &self.left
    }

    /// Right item code of each comparison.
    pub fn right(&self) -> &[u32] {
        &self.right
    }

    /// Worker code of each comparison.
    pub fn worker(&self) -> &[u32] {
        &self.worker
    }

    /// Outcome of each comparison.
    pub fn outcome(&self) -> &[Outcome] {
        &self.outcome
    }

    /// What ingest did (duplicates, ties, components).
    pub fn report(&self) -> &ComparisonsReport {
        &self.report
    }

    /// Comparisons per worker, by worker code.
    pub fn worker_counts(&self) -> Vec<u64> {
        let mut c = vec![0u64; self.n_workers()];
        for &w in &self.worker {
            c[w as usize] += 1;
        }
        c
    }

    /// Comparisons per item, by item code.
    pub fn item_counts(&self) -> Vec<u64> {
        let mut c = vec![0u64; self.n_items()];
        for (&l, &r) in self.left.iter().zip(&self.right) {
            c[l as usize] += 1;
            c[r as usize] += 1;
        }
        c
    }

    /// Component index of each item (components ordered as in the report).
    pub fn component_of(&self) -> Vec<u32> {
        crate::graph::components(self.n_items(), &self.left, &self.right).0
    }
}
