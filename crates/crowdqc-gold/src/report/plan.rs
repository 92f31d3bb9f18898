//! `gold plan` over tables: task, gold and worker ids read from Arrow batches, laid
//! out with [`plan_pages`], with ids resolved in the layout.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use arrow_array::RecordBatch;
use crowdqc_core::columns::{self, IdColumn, Role};
use crowdqc_core::{Error, Result};
use serde::Serialize;

use crate::schedule::{GoldPool, PageParams, RowKind, plan_pages};
use crate::table::{self, Id};

/// The ids of the column playing `role` (`crowdqc_core::columns`: aliases, any string
/// or integer Arrow type, dictionaries), one per row; with `unique`, an id listed
/// twice is an error naming its row.
///
/// # Errors
/// No such column; nulls; a column of another type; a repeated id.
pub fn read_ids(batches: &[RecordBatch], role: Role, unique: bool) -> Result<Vec<Id>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut row0 = 0u64;
    for b in batches {
        let schema = b.schema();
        let i = columns::resolve(&schema, role, None)?;
        let col = IdColumn::new(b.column(i), schema.field(i).name(), row0)?;
        for r in 0..col.len() {
            let id = Id::from(col.get(r)?);
            if unique && !seen.insert(id.clone()) {
                return Err(Error::value(
                    col.name(),
                    Some(col.file_row(r)),
                    format!("{} `{id}` is listed twice", role.name()),
                ));
            }
            out.push(id);
        }
        row0 += b.num_rows() as u64;
    }
    Ok(out)
}

/// Gold `(item, label)` rows (item: `item`/`task`; label: `label`, `true_label` or
/// `gold`). A repeated row is kept (and ignored by the plan).
///
/// # Errors
/// As [`read_ids`]; an item given two different labels, naming the second row.
pub fn read_gold_rows(batches: &[RecordBatch]) -> Result<Vec<(Id, Id)>> {
    let items = read_ids(batches, Role::Item, false)?;
    let labels = read_ids(batches, Role::GoldLabel, false)?;
    let mut answer: HashMap<&Id, &Id> = HashMap::new();
    for (row, (item, lab)) in items.iter().zip(&labels).enumerate() {
        if let Some(prev) = answer.insert(item, lab)
            && prev != lab
        {
            return Err(Error::value(
                "label",
                Some(row as u64),
                format!("gold item `{item}` has conflicting answers `{prev}` and `{lab}`"),
            ));
        }
    }
    Ok(items.into_iter().zip(labels).collect())
}

/// Checks that no gold row names a task.
///
/// # Errors
/// [`Error::InvalidValue`] naming the gold row of the first overlap.
pub fn check_disjoint(tasks: &[Id], gold: &[(Id, Id)]) -> Result<()> {
    let tasks: HashSet<&Id> = tasks.iter().collect();
    match gold.iter().position(|(item, _)| tasks.contains(item)) {
        Some(row) => Err(Error::value(
            "item",
            Some(row as u64),
            format!(
                "`{}` is both a task and a gold item; list it in one file only",
                gold[row].0
            ),
        )),
        None => Ok(()),
    }
}

/// One row of the layout, ids resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutRow {
    /// Worker id.
    pub worker: Id,
    /// Page of this worker, from 0 (the quiz page when there is a quiz).
    pub page: u32,
    /// Position on the page, from 0.
    pub position: u32,
    /// Task or gold item id.
    pub item: Id,
    /// `quiz`, `gold` or `task`.
    pub kind: &'static str,
    /// The gold label of a gold or quiz row.
    pub gold_label: Option<Id>,
}

/// The layout and its summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PagePlanReport {
    /// The layout: rows by worker, page, position.
    #[serde(skip)]
    pub layout: Vec<LayoutRow>,
    /// Rows of the layout.
    pub rows: usize,
    /// Tasks laid out.
    pub tasks: usize,
    /// Workers.
    pub workers: usize,
    /// Judgments per task.
    pub redundancy: u32,
    /// Pages over all workers.
    pub pages: usize,
    /// Gold (and quiz) rows.
    pub gold_rows: usize,
    /// Share of rows that are gold.
    pub gold_share: f64,
    /// Gold rows left empty: the worker had seen every usable gold item.
    pub gold_shortfall: u64,
    /// Gold items in the pool.
    pub gold_items: usize,
    /// Fewest workers a gold item went to.
    pub exposure_min: u32,
    /// Most workers a gold item went to.
    pub exposure_max: u32,
}

impl PagePlanReport {
    /// Lays `tasks` out for `workers` with gold from `gold` rows (see
    /// [`read_ids`], [`read_gold_rows`], [`check_disjoint`]) using [`plan_pages`].
    ///
    /// # Errors
    /// No gold; a task that is also gold; those of [`plan_pages`].
    pub fn build(
        tasks: &[Id],
        gold: &[(Id, Id)],
        workers: &[Id],
        params: &PageParams,
    ) -> Result<Self> {
        params.validate()?;
        check_disjoint(tasks, gold)?;
        // ids: tasks get 0..n, gold items follow
        let mut ids: Vec<Id> = tasks.to_vec();
        let mut labels: Vec<Id> = Vec::new();
        let mut label_idx: HashMap<&Id, u32> = HashMap::new();
        let mut seen: HashSet<&Id> = HashSet::new();
        let mut pairs = Vec::new();
        for (item, lab) in gold {
            if !seen.insert(item) {
                continue;
            }
            let next = labels.len() as u32;
            let li = *label_idx.entry(lab).or_insert(next);
            if li == next {
                labels.push(lab.clone());
            }
            pairs.push((ids.len() as u32, li));
            ids.push(item.clone());
        }
        if pairs.is_empty() {
            return Err(Error::insufficient("the gold file has no rows"));
        }
        let pool = GoldPool::new(pairs)?;
        let n_workers = u32::try_from(workers.len())
            .map_err(|_| Error::param("workers", "too many workers (more than u32::MAX)"))?;
        let task_idx: Vec<u32> = (0..tasks.len() as u32).collect();
        let layout = plan_pages(params, &task_idx, &pool, n_workers)?;
        let rows: Vec<LayoutRow> = layout
            .rows
            .iter()
            .map(|r| LayoutRow {
                worker: workers[r.worker as usize].clone(),
                page: r.page,
                position: r.position,
                item: ids[r.item as usize].clone(),
                kind: r.kind.name(),
                gold_label: (r.kind != RowKind::Task)
                    .then(|| pool.answer(r.item).map(|l| labels[l as usize].clone()))
                    .flatten(),
            })
            .collect();
        let pages: HashSet<(u32, u32)> = layout.rows.iter().map(|r| (r.worker, r.page)).collect();
        let (emin, emax) = layout
            .exposure
            .iter()
            .fold((u32::MAX, 0), |(lo, hi), &(_, e)| (lo.min(e), hi.max(e)));
        Ok(PagePlanReport {
            gold_rows: rows.iter().filter(|r| r.gold_label.is_some()).count(),
            rows: rows.len(),
            layout: rows,
            tasks: tasks.len(),
            workers: workers.len(),
            redundancy: params.redundancy_count(),
            pages: pages.len(),
            gold_share: layout.gold_share(),
            gold_shortfall: layout.gold_shortfall,
            gold_items: pool.len(),
            exposure_min: emin,
            exposure_max: emax,
        })
    }

    /// The layout table: `worker`, `page`, `position` (Int64), `item`, `kind`,
    /// `gold_label`.
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let r = &self.layout;
        let labels: Vec<Option<Id>> = r.iter().map(|x| x.gold_label.clone()).collect();
        let label_col = if labels.iter().flatten().all(|l| matches!(l, Id::Int(_))) {
            table::opt_ints(labels.iter().map(|l| match l {
                Some(Id::Int(v)) => Some(*v),
                _ => None,
            }))
        } else {
            table::opt_strings(labels.iter().map(|l| l.as_ref().map(Id::to_string)))
        };
        Ok(RecordBatch::try_from_iter([
            ("worker", table::id_column(r.iter().map(|x| &x.worker))),
            ("page", table::ints(r.iter().map(|x| i64::from(x.page)))),
            (
                "position",
                table::ints(r.iter().map(|x| i64::from(x.position))),
            ),
            ("item", table::id_column(r.iter().map(|x| &x.item))),
            ("kind", table::strings(r.iter().map(|x| x.kind))),
            ("gold_label", label_col),
        ])?)
    }

    /// The summary as text.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "{} rows on {} pages for {} workers: {} tasks x {} judgments, {} gold rows ({:.2}%)",
            self.rows,
            self.pages,
            self.workers,
            self.tasks,
            self.redundancy,
            self.gold_rows,
            100.0 * self.gold_share
        );
        let _ = writeln!(
            o,
            "gold pool {} items, exposure {}..{} workers per item",
            self.gold_items, self.exposure_min, self.exposure_max
        );
        if self.gold_shortfall > 0 {
            let _ = writeln!(
                o,
                "warning: {} gold rows left empty: workers saw every usable gold item \
                 (add gold, lower --gold-per-page or raise --max-exposure)",
                self.gold_shortfall
            );
        }
        o
    }
}
