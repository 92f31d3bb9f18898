//! `gold plan` over tables: task, gold and worker ids read from Arrow batches, laid
//! out with [`plan_pages`], with ids resolved in the layout.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use crowdqc_core::{Error, Result};
use serde::Serialize;

use crate::schedule::{GoldPool, PageParams, RowKind, plan_pages};
use crate::table::{self, Id};

/// A named input table (the name, usually the file path, is put on its errors).
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    /// File (or other name) of the table.
    pub name: &'a Path,
    /// Its batches.
    pub batches: &'a [RecordBatch],
}

fn cell(c: &dyn Array, r: usize) -> Option<Id> {
    let int = |v: i64| Some(Id::Int(v));
    match c.data_type() {
        DataType::Utf8 => Some(Id::Str(c.as_string::<i32>().value(r).to_string())),
        DataType::LargeUtf8 => Some(Id::Str(c.as_string::<i64>().value(r).to_string())),
        DataType::Utf8View => Some(Id::Str(c.as_string_view().value(r).to_string())),
        DataType::Int8 => int(c.as_primitive::<Int8Type>().value(r).into()),
        DataType::Int16 => int(c.as_primitive::<Int16Type>().value(r).into()),
        DataType::Int32 => int(c.as_primitive::<Int32Type>().value(r).into()),
        DataType::Int64 => int(c.as_primitive::<Int64Type>().value(r)),
        DataType::UInt8 => int(c.as_primitive::<UInt8Type>().value(r).into()),
        DataType::UInt16 => int(c.as_primitive::<UInt16Type>().value(r).into()),
        DataType::UInt32 => int(c.as_primitive::<UInt32Type>().value(r).into()),
        DataType::UInt64 => i64::try_from(c.as_primitive::<UInt64Type>().value(r))
            .ok()
            .map(Id::Int),
        DataType::Dictionary(_, _) => {
            let d = c.as_any_dictionary();
            let k = *d.normalized_keys().get(r)?;
            cell(d.values().as_ref(), k)
        }
        _ => None,
    }
}

impl Table<'_> {
    /// The ids of the first column found among `names` (zero-based rows in errors).
    ///
    /// # Errors
    /// No such column; nulls; a column of another type than strings or integers.
    pub fn ids(&self, names: &[&str]) -> Result<Vec<Id>> {
        let mut out = Vec::new();
        let mut row0 = 0u64;
        for b in self.batches {
            let Some((name, col)) = names
                .iter()
                .find_map(|n| b.column_by_name(n).map(|c| (*n, c)))
            else {
                return Err(Error::MissingColumn {
                    wanted: names[0].into(),
                    tried: names.iter().map(|s| (*s).to_string()).collect(),
                    found: b
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .collect(),
                }
                .in_file(self.name));
            };
            for r in 0..col.len() {
                let row = Some(row0 + r as u64);
                if col.is_null(r) {
                    return Err(Error::value(name, row, "null value").in_file(self.name));
                }
                out.push(cell(col.as_ref(), r).ok_or_else(|| {
                    Error::Schema {
                        column: name.into(),
                        expected: "strings or integers".into(),
                        found: col.data_type().to_string(),
                    }
                    .in_file(self.name)
                })?);
            }
            row0 += b.num_rows() as u64;
        }
        Ok(out)
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

fn unique(ids: &[Id], t: &Table<'_>, column: &str, what: &str) -> Result<()> {
    let mut seen = HashSet::new();
    for (row, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            return Err(Error::value(
                column,
                Some(row as u64),
                format!("{what} `{id}` is listed twice"),
            )
            .in_file(t.name));
        }
    }
    Ok(())
}

impl PagePlanReport {
    /// Reads task ids (`item` or `task`), gold `(item, label)` rows (label: `label`,
    /// `true_label` or `gold`) and worker ids (`worker`, `performer`, `annotator`) and
    /// lays the tasks out with [`plan_pages`].
    ///
    /// # Errors
    /// Those of [`Table::ids`]; a task or worker listed twice; a gold item with two
    /// labels or also listed as a task; no gold; those of [`plan_pages`].
    pub fn build(
        tasks: Table<'_>,
        gold: Table<'_>,
        workers: Table<'_>,
        params: &PageParams,
    ) -> Result<Self> {
        params.validate()?;
        let task_ids = tasks.ids(&["item", "task"])?;
        unique(&task_ids, &tasks, "item", "task")?;
        let gold_items = gold.ids(&["item", "task"])?;
        let gold_labels = gold.ids(&["label", "true_label", "gold"])?;
        let worker_ids = workers.ids(&["worker", "performer", "annotator"])?;
        unique(&worker_ids, &workers, "worker", "worker")?;
        // ids: tasks get 0..n, gold items follow
        let mut ids: Vec<Id> = task_ids.clone();
        let index: HashSet<&Id> = task_ids.iter().collect();
        let mut labels: Vec<Id> = Vec::new();
        let mut label_idx: HashMap<Id, u32> = HashMap::new();
        let mut answer: HashMap<&Id, &Id> = HashMap::new();
        let mut pairs = Vec::new();
        for (row, (item, lab)) in gold_items.iter().zip(&gold_labels).enumerate() {
            if let Some(prev) = answer.get(item) {
                if *prev != lab {
                    return Err(Error::value(
                        "label",
                        Some(row as u64),
                        format!("gold item `{item}` has conflicting answers `{prev}` and `{lab}`"),
                    )
                    .in_file(gold.name));
                }
                continue;
            }
            if index.contains(item) {
                return Err(Error::value(
                    "item",
                    Some(row as u64),
                    format!("`{item}` is both a task and a gold item; list it in one file only"),
                )
                .in_file(gold.name));
            }
            answer.insert(item, lab);
            let next = labels.len() as u32;
            let li = *label_idx.entry(lab.clone()).or_insert(next);
            if li == next {
                labels.push(lab.clone());
            }
            pairs.push((ids.len() as u32, li));
            ids.push(item.clone());
        }
        if pairs.is_empty() {
            return Err(Error::insufficient("the gold file has no rows").in_file(gold.name));
        }
        let pool = GoldPool::new(pairs)?;
        let n_workers = u32::try_from(worker_ids.len())
            .map_err(|_| Error::param("workers", "too many workers (more than u32::MAX)"))?;
        let task_idx: Vec<u32> = (0..task_ids.len() as u32).collect();
        let layout = plan_pages(params, &task_idx, &pool, n_workers)?;
        let rows: Vec<LayoutRow> = layout
            .rows
            .iter()
            .map(|r| LayoutRow {
                worker: worker_ids[r.worker as usize].clone(),
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
            tasks: task_ids.len(),
            workers: worker_ids.len(),
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
