//! `crowdqc gold plan`: tasks laid out into pages with gold mixed in.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::DataType;
use crowdqc::gold::{GoldPool, PageParams, RowKind, plan_pages};
use crowdqc::{Error, Result};
use serde_json::json;

use super::PlanArgs;
use crate::common::{self, Format};

/// The strings of the first column found among `names` (ids as text).
fn column_strings(batches: &[RecordBatch], names: &[&str], file: &Path) -> Result<Vec<String>> {
    let Some(first) = batches.first() else {
        return Ok(Vec::new());
    };
    let schema = first.schema();
    let Some(idx) = names.iter().find_map(|n| schema.index_of(n).ok()) else {
        return Err(Error::MissingColumn {
            wanted: names[0].into(),
            tried: names.iter().map(|s| (*s).to_string()).collect(),
            found: schema.fields().iter().map(|f| f.name().clone()).collect(),
        }
        .in_file(file));
    };
    let name = schema.field(idx).name().clone();
    let mut out = Vec::new();
    let mut row = 0u64;
    for b in batches {
        let col = b.column(idx);
        for i in 0..col.len() {
            if col.is_null(i) {
                return Err(Error::value(&name, Some(row), "null value").in_file(file));
            }
            out.push(value_string(col.as_ref(), i).ok_or_else(|| {
                Error::Schema {
                    column: name.clone(),
                    expected: "strings or integers".into(),
                    found: col.data_type().to_string(),
                }
                .in_file(file)
            })?);
            row += 1;
        }
    }
    Ok(out)
}

fn value_string(col: &dyn Array, i: usize) -> Option<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{
        Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
    };
    Some(match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => col.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => col.as_string_view().value(i).to_string(),
        DataType::Int8 => col.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::Int16 => col.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => col.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt8 => col.as_primitive::<UInt8Type>().value(i).to_string(),
        DataType::UInt16 => col.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt32 => col.as_primitive::<UInt32Type>().value(i).to_string(),
        DataType::UInt64 => col.as_primitive::<UInt64Type>().value(i).to_string(),
        DataType::Boolean => col.as_boolean().value(i).to_string(),
        _ => return None,
    })
}

fn read_strings(path: &Path, names: &[&str]) -> Result<Vec<String>> {
    let batches = crowdqc_io::read_table(path)?;
    column_strings(&batches, names, path)
}

/// Runs `crowdqc gold plan`.
pub(super) fn run(a: PlanArgs) -> Result<()> {
    let params = PageParams::new(a.page_size, a.gold_per_page)
        .redundancy(a.redundancy)
        .quiz(a.quiz)
        .max_exposure(a.max_exposure)
        .seed(a.seed);
    params.validate()?;
    crowdqc_io::check_output_path(&a.out)?;
    let tasks = read_strings(&a.tasks, &["item", "task"])?;
    let gold_batches = crowdqc_io::read_table(&a.gold)?;
    let gold_items = column_strings(&gold_batches, &["item", "task"], &a.gold)?;
    let gold_labels = column_strings(&gold_batches, &["label", "true_label", "gold"], &a.gold)?;
    let workers = read_strings(&a.workers, &["worker", "performer", "annotator"])?;

    // ids: tasks get 0..n, gold items follow
    let mut ids: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut task_idx = Vec::with_capacity(tasks.len());
    for (row, t) in tasks.iter().enumerate() {
        if index.contains_key(t) {
            return Err(Error::value(
                "item",
                Some(row as u64),
                format!("task `{t}` is listed twice"),
            )
            .in_file(&a.tasks));
        }
        index.insert(t.clone(), ids.len() as u32);
        task_idx.push(ids.len() as u32);
        ids.push(t.clone());
    }
    let mut labels: Vec<String> = Vec::new();
    let mut label_idx: HashMap<String, u32> = HashMap::new();
    let mut gold_answer: HashMap<String, String> = HashMap::new();
    let mut pairs = Vec::with_capacity(gold_items.len());
    for (row, (item, lab)) in gold_items.iter().zip(&gold_labels).enumerate() {
        if let Some(prev) = gold_answer.get(item) {
            if prev != lab {
                return Err(Error::Conflict(format!(
                    "gold item `{item}` has conflicting answers `{prev}` and `{lab}` (row {row})"
                ))
                .in_file(&a.gold));
            }
            continue;
        }
        if index.contains_key(item) {
            return Err(Error::value(
                "item",
                Some(row as u64),
                format!("`{item}` is both a task and a gold item; list it in one file only"),
            )
            .in_file(&a.gold));
        }
        gold_answer.insert(item.clone(), lab.clone());
        let li = *label_idx.entry(lab.clone()).or_insert_with(|| {
            labels.push(lab.clone());
            labels.len() as u32 - 1
        });
        let k = ids.len() as u32;
        index.insert(item.clone(), k);
        ids.push(item.clone());
        pairs.push((k, li));
    }
    let mut seen_workers = HashMap::new();
    for (row, w) in workers.iter().enumerate() {
        if seen_workers.insert(w.clone(), row).is_some() {
            return Err(Error::value(
                "worker",
                Some(row as u64),
                format!("worker `{w}` is listed twice"),
            )
            .in_file(&a.workers));
        }
    }
    if pairs.is_empty() {
        return Err(Error::insufficient("the gold file has no rows").in_file(&a.gold));
    }
    let pool = GoldPool::new(pairs)?;
    let n_workers = u32::try_from(workers.len())
        .map_err(|_| Error::param("workers", "too many workers (more than u32::MAX)"))?;
    let layout = plan_pages(&params, &task_idx, &pool, n_workers)?;

    let rows = &layout.rows;
    let batch = RecordBatch::try_from_iter(vec![
        (
            "worker",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| workers[r.worker as usize].as_str()),
            )) as ArrayRef,
        ),
        (
            "page",
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.page))),
        ),
        (
            "position",
            Arc::new(UInt32Array::from_iter_values(
                rows.iter().map(|r| r.position),
            )),
        ),
        (
            "item",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| ids[r.item as usize].as_str()),
            )),
        ),
        (
            "kind",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.kind.name()),
            )),
        ),
        (
            "gold_label",
            Arc::new(StringArray::from_iter(rows.iter().map(|r| {
                (r.kind != RowKind::Task)
                    .then(|| pool.answer(r.item).map(|l| labels[l as usize].as_str()))
                    .flatten()
            }))),
        ),
    ])?;
    crowdqc_io::write_table(&a.out, &batch)?;

    let gold_rows = rows.iter().filter(|r| r.kind != RowKind::Task).count();
    let pages: HashSet<(u32, u32)> = rows.iter().map(|r| (r.worker, r.page)).collect();
    let (emin, emax) = layout
        .exposure
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), &(_, e)| (lo.min(e), hi.max(e)));
    let summary = json!({
        "rows": rows.len(),
        "tasks": tasks.len(),
        "workers": workers.len(),
        "pages": pages.len(),
        "gold_rows": gold_rows,
        "gold_share": layout.gold_share(),
        "gold_shortfall": layout.gold_shortfall,
        "gold_items": pool.len(),
        "exposure_min": emin,
        "exposure_max": emax,
        "out": a.out.display().to_string(),
    });
    let text = match a.format {
        Format::Json => common::to_json(&summary)?,
        Format::Text => {
            let mut o = String::new();
            let _ = writeln!(
                o,
                "{} rows on {} pages for {} workers: {} tasks x {} judgments, {} gold rows ({:.2}%)",
                rows.len(),
                pages.len(),
                workers.len(),
                tasks.len(),
                a.redundancy,
                gold_rows,
                100.0 * layout.gold_share()
            );
            let _ = writeln!(
                o,
                "gold pool {} items, exposure {emin}..{emax} workers per item",
                pool.len()
            );
            if layout.gold_shortfall > 0 {
                let _ = writeln!(
                    o,
                    "warning: {} gold rows left empty: workers saw every usable gold item \
                     (add gold, lower --gold-per-page or raise --max-exposure)",
                    layout.gold_shortfall
                );
            }
            let _ = writeln!(o, "layout written to {}", a.out.display());
            o
        }
    };
    common::print_out(&text)
}
