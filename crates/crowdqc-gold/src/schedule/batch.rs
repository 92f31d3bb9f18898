//! Batch form: lay tasks out into pages with gold mixed in (Appen's page model).

use crowdqc_core::{Error, Result};
use hashbrown::HashSet;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::pool::{ExposureOrder, GoldPool};

/// Parameters of [`plan_pages`].
///
/// ```
/// use crowdqc_gold::PageParams;
/// assert!(PageParams::new(10, 1).validate().is_ok());
/// assert!(PageParams::new(10, 10).validate().is_err()); // no room for work
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct PageParams {
    page_size: u32,
    gold_per_page: u32,
    redundancy: u32,
    quiz: u32,
    max_exposure: u32,
    seed: u64,
}

impl PageParams {
    /// Judgments per task.
    pub fn redundancy_count(&self) -> u32 {
        self.redundancy
    }

    /// Pages of `page_size` rows of which `gold_per_page` are gold (Appen's default is
    /// 1 gold per page for 1–19 rows, 2 for 20–29); redundancy 1, no quiz, no
    /// retirement, seed 0.
    pub fn new(page_size: u32, gold_per_page: u32) -> Self {
        PageParams {
            page_size,
            gold_per_page,
            redundancy: 1,
            quiz: 0,
            max_exposure: 0,
            seed: 0,
        }
    }

    /// Judgments per task, each by a distinct worker (default 1; at most the number of
    /// workers).
    #[must_use]
    pub fn redundancy(mut self, r: u32) -> Self {
        self.redundancy = r;
        self
    }

    /// A quiz page of `q` gold rows before each worker's work (0 = none; default 0).
    #[must_use]
    pub fn quiz(mut self, q: u32) -> Self {
        self.quiz = q;
        self
    }

    /// Stop using a gold item in work pages once this many workers have it (0 = never).
    #[must_use]
    pub fn max_exposure(mut self, n: u32) -> Self {
        self.max_exposure = n;
        self
    }

    /// Seed of the task order, the gold tie order and the positions within pages.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The largest page accepted ([`PageParams::new`]'s `page_size`).
    pub const MAX_PAGE_SIZE: u32 = 100_000;

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `page_size` (0, or above
    /// [`MAX_PAGE_SIZE`](Self::MAX_PAGE_SIZE)), `gold_per_page` or `redundancy`.
    pub fn validate(&self) -> Result<()> {
        if self.page_size == 0 {
            return Err(Error::param("page_size", "must be >= 1, got 0"));
        }
        if self.page_size > Self::MAX_PAGE_SIZE {
            return Err(Error::param(
                "page_size",
                format!(
                    "at most {} rows per page, got {}: a page is what one worker is shown \
                     at once (Appen's default is 10), and a page is laid out in memory",
                    Self::MAX_PAGE_SIZE,
                    self.page_size
                ),
            ));
        }
        if self.gold_per_page >= self.page_size {
            return Err(Error::param(
                "gold_per_page",
                format!(
                    "must be < page_size ({}) to leave room for work, got {}",
                    self.page_size, self.gold_per_page
                ),
            ));
        }
        if self.redundancy == 0 {
            return Err(Error::param("redundancy", "must be >= 1, got 0"));
        }
        Ok(())
    }
}

/// What a row of a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RowKind {
    /// A quiz gold item (page 0 when the quiz is on).
    Quiz,
    /// A gold item mixed into a work page.
    Gold,
    /// A regular task.
    Task,
}

impl RowKind {
    /// `quiz`, `gold` or `task`.
    pub fn name(self) -> &'static str {
        match self {
            RowKind::Quiz => "quiz",
            RowKind::Gold => "gold",
            RowKind::Task => "task",
        }
    }
}

/// One row of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PlanRow {
    /// Worker index (`0..n_workers`).
    pub worker: u32,
    /// Page number of this worker, from 0 (the quiz page when the quiz is on).
    pub page: u32,
    /// Position on the page, from 0.
    pub position: u32,
    /// Task or gold item id.
    pub item: u32,
    /// What it is.
    pub kind: RowKind,
}

/// The layout produced by [`plan_pages`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PagePlan {
    /// Rows ordered by worker, page, position.
    pub rows: Vec<PlanRow>,
    /// Gold rows that could not be filled because the worker had seen every usable
    /// gold item (the worker "maxes out"; add gold or lower the gold per page).
    pub gold_shortfall: u64,
    /// Distinct workers per gold item, in pool order.
    pub exposure: Vec<(u32, u32)>,
}

impl PagePlan {
    /// Share of rows that are gold (quiz included).
    pub fn gold_share(&self) -> f64 {
        let gold = self.rows.iter().filter(|r| r.kind != RowKind::Task).count();
        gold as f64 / self.rows.len().max(1) as f64
    }
}

/// Lays out `tasks` for `n_workers` workers into pages of `page_size` rows with
/// `gold_per_page` gold rows each (and an optional quiz page first).
///
/// Tasks are shuffled (seeded), and copy `c` of the `t`-th task goes to worker
/// `(t + c) mod n_workers`, so each task gets `redundancy` distinct workers and loads
/// differ by at most one task per copy. Each worker's tasks fill pages of
/// `page_size − gold_per_page`; gold is then given page round by page round, worker by
/// worker, always the least-exposed gold item the worker has not seen (no worker sees
/// a gold item twice), and rows are shuffled within each page so gold sits at random
/// positions. The last page may hold fewer tasks.
///
/// # Errors
/// Invalid parameters; no task or no worker; `redundancy > n_workers`; a task that
/// is also a gold item; a pool smaller than the quiz.
///
/// # Examples
/// ```
/// use crowdqc_gold::{GoldPool, PageParams, RowKind, plan_pages};
/// # fn main() -> crowdqc_core::Result<()> {
/// let pool = GoldPool::new((1000..1020).map(|i| (i, 0)))?;
/// let tasks: Vec<u32> = (0..90).collect();
/// let plan = plan_pages(&PageParams::new(10, 1).seed(3), &tasks, &pool, 3)?;
/// // 90 tasks / 3 workers = 30 each = 4 pages of 9 (the last with 3) + 1 gold per page
/// assert_eq!(plan.rows.iter().filter(|r| r.kind == RowKind::Gold).count(), 12);
/// assert_eq!(plan.gold_shortfall, 0);
/// # Ok(()) }
/// ```
pub fn plan_pages(
    params: &PageParams,
    tasks: &[u32],
    pool: &GoldPool,
    n_workers: u32,
) -> Result<PagePlan> {
    params.validate()?;
    if tasks.is_empty() {
        return Err(Error::insufficient("no tasks to lay out"));
    }
    if n_workers == 0 {
        return Err(Error::param("workers", "need at least one worker, got 0"));
    }
    if params.redundancy > n_workers {
        return Err(Error::param(
            "redundancy",
            format!(
                "each task needs {} distinct workers but there are {n_workers}",
                params.redundancy
            ),
        ));
    }
    if (pool.len() as u64) < u64::from(params.quiz) {
        return Err(Error::param(
            "quiz",
            format!(
                "the quiz needs {} distinct gold items but the pool has {}",
                params.quiz,
                pool.len()
            ),
        ));
    }
    let mut distinct = HashSet::with_capacity(tasks.len());
    for &t in tasks {
        if pool.index_of(t).is_some() {
            return Err(Error::value(
                "item",
                None,
                format!("task {t} is also a gold item; list it in one file only"),
            ));
        }
        if !distinct.insert(t) {
            return Err(Error::value(
                "item",
                None,
                format!("task {t} is listed twice"),
            ));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let mut order = tasks.to_vec();
    order.shuffle(&mut rng);
    let nw = n_workers as usize;
    let mut per_worker: Vec<Vec<u32>> = vec![Vec::new(); nw];
    for (t, &task) in order.iter().enumerate() {
        for c in 0..params.redundancy as usize {
            per_worker[(t + c) % nw].push(task);
        }
    }
    let work = (params.page_size - params.gold_per_page) as usize;
    let pages: Vec<usize> = per_worker.iter().map(|v| v.len().div_ceil(work)).collect();
    let max_pages = pages.iter().copied().max().unwrap_or(0);

    let mut initial: Vec<u32> = (0..pool.len() as u32).collect();
    initial.shuffle(&mut rng);
    let mut exposure = ExposureOrder::new(initial);
    let mut seen: Vec<Vec<u32>> = vec![Vec::new(); nw];
    let mut shortfall = 0u64;
    let q = params.quiz as usize;
    let offset = usize::from(q > 0);
    // gold[w][page] = gold pool indices on that page (page 0 = quiz when on)
    let mut gold: Vec<Vec<Vec<u32>>> = pages
        .iter()
        .map(|&p| vec![Vec::new(); p + offset])
        .collect();
    let mut take = |w: usize, limit: usize, exposure: &mut ExposureOrder| -> Option<u32> {
        let s = &mut seen[w];
        let k = exposure.order()[..limit]
            .iter()
            .copied()
            .find(|k| s.binary_search(k).is_err())?;
        let at = s.binary_search(&k).unwrap_or_else(|e| e);
        s.insert(at, k);
        exposure.increment(k);
        Some(k)
    };
    if q > 0 {
        for _ in 0..q {
            for (w, g) in gold.iter_mut().enumerate() {
                let all = pool.len();
                let k = take(w, all, &mut exposure).expect("the pool holds at least Q items");
                g[0].push(k);
            }
        }
    }
    for page in 0..max_pages {
        for _ in 0..params.gold_per_page {
            for (w, g) in gold.iter_mut().enumerate() {
                if page >= pages[w] {
                    continue;
                }
                let limit = if params.max_exposure == 0 {
                    pool.len()
                } else {
                    exposure.below(params.max_exposure)
                };
                match take(w, limit, &mut exposure) {
                    Some(k) => g[page + offset].push(k),
                    None => shortfall += 1,
                }
            }
        }
    }
    let mut rows = Vec::new();
    let mut page_rows: Vec<(u32, RowKind)> = Vec::with_capacity(params.page_size as usize);
    for w in 0..nw {
        let chunks = per_worker[w].chunks(work);
        let quiz_page = (q > 0).then(|| (gold[w][0].as_slice(), &[][..]));
        let work_pages = chunks
            .enumerate()
            .map(|(p, c)| (gold[w][p + offset].as_slice(), c));
        for (page, (g, c)) in quiz_page.into_iter().chain(work_pages).enumerate() {
            page_rows.clear();
            let kind = if q > 0 && page == 0 {
                RowKind::Quiz
            } else {
                RowKind::Gold
            };
            page_rows.extend(g.iter().map(|&k| (pool.item_at(k), kind)));
            page_rows.extend(c.iter().map(|&t| (t, RowKind::Task)));
            page_rows.shuffle(&mut rng);
            for (position, &(item, kind)) in page_rows.iter().enumerate() {
                rows.push(PlanRow {
                    worker: w as u32,
                    page: page as u32,
                    position: position as u32,
                    item,
                    kind,
                });
            }
        }
    }
    let exposure = (0..pool.len() as u32)
        .map(|k| (pool.item_at(k), exposure.exposure(k)))
        .collect();
    Ok(PagePlan {
        rows,
        gold_shortfall: shortfall,
        exposure,
    })
}
