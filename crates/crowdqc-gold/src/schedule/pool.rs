//! [`GoldPool`]: the gold items a scheduler may serve, with their answers, and the
//! exposure-ordered structure behind "least-exposed gold first".

use crowdqc_core::{Error, Gold, Result};
use hashbrown::HashMap;

/// The gold items a scheduler may serve (by the caller's item id) and their answers.
///
/// ```
/// use crowdqc_gold::GoldPool;
/// let pool = GoldPool::new([(7, 1), (3, 0), (7, 1)]).expect("no conflict");
/// assert_eq!(pool.len(), 2);
/// assert_eq!(pool.answer(7), Some(1));
/// assert!(GoldPool::new([(7, 1), (7, 2)]).is_err()); // conflicting gold answers
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldPool {
    /// Item ids in first-appearance order; the position is the pool index.
    items: Vec<u32>,
    answers: Vec<u32>,
    index: HashMap<u32, u32>,
}

impl GoldPool {
    /// A pool from `(item, answer class)` pairs. Repeated identical pairs are merged.
    ///
    /// # Errors
    /// [`Error::Conflict`] when an item is given two different answers;
    /// [`Error::InsufficientData`] when there are no pairs.
    pub fn new(pairs: impl IntoIterator<Item = (u32, u32)>) -> Result<Self> {
        let mut pool = GoldPool {
            items: Vec::new(),
            answers: Vec::new(),
            index: HashMap::new(),
        };
        for (item, answer) in pairs {
            match pool.index.get(&item) {
                Some(&k) if pool.answers[k as usize] != answer => {
                    return Err(Error::Conflict(format!(
                        "gold item {item} has conflicting answers ({} and {answer}); \
                         fix the gold file so each item has one answer",
                        pool.answers[k as usize]
                    )));
                }
                Some(_) => {}
                None => {
                    pool.index.insert(item, pool.items.len() as u32);
                    pool.items.push(item);
                    pool.answers.push(answer);
                }
            }
        }
        if pool.items.is_empty() {
            return Err(Error::insufficient("the gold pool is empty"));
        }
        Ok(pool)
    }

    /// The most items of a [`synthetic`](Self::synthetic) pool.
    pub const MAX_SYNTHETIC: u64 = 1_000_000;
    /// The most pool entries a simulation may copy in all (pool size × simulated
    /// workers, each of which gets its own scheduler and pool): the work estimate that
    /// refuses a simulation that would not finish.
    pub const MAX_SYNTHETIC_COPIES: u64 = 20_000_000_000;

    /// A simulation's pool: items `0..size`, item `i` answered by class `i mod classes`,
    /// for `workers` simulated workers (each copies the pool).
    ///
    /// ```
    /// use crowdqc_gold::GoldPool;
    /// let pool = GoldPool::synthetic(5, 2, 1000).expect("small");
    /// assert_eq!((pool.len(), pool.answer(3)), (5, Some(1)));
    /// assert!(GoldPool::synthetic(4_000_000_000, 2, 1).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`gold_pool`) for an empty pool, one above
    /// [`MAX_SYNTHETIC`](Self::MAX_SYNTHETIC) items, or size × workers above
    /// [`MAX_SYNTHETIC_COPIES`](Self::MAX_SYNTHETIC_COPIES); (`classes`) below 2.
    pub fn synthetic(size: u64, classes: u32, workers: u64) -> Result<Self> {
        if classes < 2 {
            return Err(Error::param(
                "classes",
                format!("must be >= 2, got {classes}"),
            ));
        }
        if size == 0 || size > Self::MAX_SYNTHETIC {
            return Err(Error::param(
                "gold_pool",
                format!(
                    "must be between 1 and {} gold items, got {size}: a simulated worker \
                     is served each gold item at most once, and a million distinct items \
                     outlast any simulated career",
                    Self::MAX_SYNTHETIC
                ),
            ));
        }
        let copies = u128::from(size) * u128::from(workers);
        if copies > u128::from(Self::MAX_SYNTHETIC_COPIES) {
            return Err(Error::param(
                "gold_pool",
                format!(
                    "gold pool × simulated workers = {size} × {workers} = {copies} pool \
                     entries to copy (each simulated worker has its own scheduler), above \
                     the limit of {}; lower the pool size or the runs",
                    Self::MAX_SYNTHETIC_COPIES
                ),
            ));
        }
        // size <= 1e6 fits u32
        Self::new((0..size as u32).map(|i| (i, i % classes)))
    }

    /// A pool of every item of a [`Gold`] set (item indices of its matrix).
    ///
    /// # Errors
    /// When the gold set is empty.
    pub fn from_gold(gold: &Gold) -> Result<Self> {
        Self::new(
            gold.items()
                .iter()
                .map(|&i| (i, gold.as_slice()[i as usize])),
        )
    }

    /// Number of gold items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Always false (a pool is never empty).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Gold item ids, in pool order.
    pub fn items(&self) -> &[u32] {
        &self.items
    }

    /// The answer of `item`, if it is in the pool.
    pub fn answer(&self, item: u32) -> Option<u32> {
        self.index.get(&item).map(|&k| self.answers[k as usize])
    }

    /// Answers, in pool order.
    pub(crate) fn answers(&self) -> &[u32] {
        &self.answers
    }

    /// The pool index of `item`.
    pub(crate) fn index_of(&self, item: u32) -> Option<u32> {
        self.index.get(&item).copied()
    }

    /// The item id at pool index `k`.
    pub(crate) fn item_at(&self, k: u32) -> u32 {
        self.items[k as usize]
    }
}

/// Pool indices kept sorted by exposure (number of distinct workers served) with O(1)
/// increments: `order` is ascending by exposure, and `start[e]` is the first position
/// of exposure ≥ `e`. Incrementing an item swaps it to the end of its bucket and moves
/// the boundary.
#[derive(Debug, Clone)]
pub(crate) struct ExposureOrder {
    order: Vec<u32>,
    pos: Vec<u32>,
    count: Vec<u32>,
    start: Vec<u32>,
}

impl ExposureOrder {
    /// All items at exposure 0, in the given initial order (a seeded shuffle).
    pub(crate) fn new(initial: Vec<u32>) -> Self {
        let n = initial.len();
        let mut pos = vec![0u32; n];
        for (p, &k) in initial.iter().enumerate() {
            pos[k as usize] = p as u32;
        }
        ExposureOrder {
            order: initial,
            pos,
            count: vec![0; n],
            // start[0] = 0; start[1] = n (nothing has exposure >= 1 yet)
            start: vec![0, n as u32],
        }
    }

    /// `(order, count, start)`, for saving.
    pub(crate) fn parts(&self) -> (&[u32], &[u32], &[u32]) {
        (&self.order, &self.count, &self.start)
    }

    /// Rebuilds from [`parts`](Self::parts); None when they are inconsistent (not a
    /// permutation, not sorted by exposure, bucket starts that do not match).
    pub(crate) fn from_parts(order: Vec<u32>, count: Vec<u32>, start: Vec<u32>) -> Option<Self> {
        let n = order.len();
        if count.len() != n {
            return None;
        }
        let mut pos = vec![u32::MAX; n];
        for (p, &k) in order.iter().enumerate() {
            let slot = pos.get_mut(k as usize)?;
            if *slot != u32::MAX {
                return None;
            }
            *slot = p as u32;
        }
        let along: Vec<u32> = order.iter().map(|&k| count[k as usize]).collect();
        if along.windows(2).any(|w| w[0] > w[1]) {
            return None;
        }
        let max = along.last().copied().unwrap_or(0) as usize;
        if start.len() < max + 2 {
            return None;
        }
        for (e, &s) in start.iter().enumerate() {
            if along.partition_point(|&c| (c as usize) < e) != s as usize {
                return None;
            }
        }
        Some(ExposureOrder {
            order,
            pos,
            count,
            start,
        })
    }

    pub(crate) fn exposure(&self, k: u32) -> u32 {
        self.count[k as usize]
    }

    /// Items in ascending exposure order.
    pub(crate) fn order(&self) -> &[u32] {
        &self.order
    }

    /// Positions `0..limit(e)` hold the items with exposure < `e`.
    pub(crate) fn below(&self, e: u32) -> usize {
        self.start
            .get(e as usize)
            .map_or(self.order.len(), |&s| s as usize)
    }

    pub(crate) fn increment(&mut self, k: u32) {
        let e = self.count[k as usize] as usize;
        if self.start.len() < e + 3 {
            self.start.push(self.order.len() as u32);
        }
        // the last position of bucket e
        let last = self.start[e + 1] as usize - 1;
        let p = self.pos[k as usize] as usize;
        let other = self.order[last];
        self.order.swap(p, last);
        self.pos[other as usize] = p as u32;
        self.pos[k as usize] = last as u32;
        self.start[e + 1] -= 1;
        self.count[k as usize] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_order_stays_sorted() {
        let mut x = ExposureOrder::new(vec![2, 0, 3, 1]);
        for k in [3, 3, 1, 0, 3, 2, 2] {
            x.increment(k);
            let counts: Vec<u32> = x.order().iter().map(|&k| x.exposure(k)).collect();
            assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
            for e in 0..5u32 {
                let b = x.below(e);
                assert!(x.order()[..b].iter().all(|&k| x.exposure(k) < e));
                assert!(x.order()[b..].iter().all(|&k| x.exposure(k) >= e));
            }
        }
        assert_eq!(
            (0..4).map(|k| x.exposure(k)).collect::<Vec<_>>(),
            [1, 1, 2, 3]
        );
    }
}
