//! `gold schedule` over tables: a platform's task requests and gold answers, in order,
//! run through a [`GoldScheduler`], with a decision table out.

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use crowdqc_core::columns::{self, IdColumn, Role};
use crowdqc_core::{Error, IdRef, Result};
use hashbrown::HashMap;

use crate::schedule::{GoldPool, GoldReason, GoldScheduler, Slot};
use crate::table::{self, Id};

fn small_id(id: IdRef<'_>, column: &str, row: u64) -> Result<u32> {
    match id {
        IdRef::Int(v) => u32::try_from(v).map_err(|_| {
            Error::value(
                column,
                Some(row),
                format!("id {v} is outside 0..=4294967295 (the online scheduler's ids)"),
            )
        }),
        IdRef::Str(s) => Err(Error::value(
            column,
            Some(row),
            format!(
                "`{s}` is not an integer: the online gold scheduler takes the platform's \
                 integer ids"
            ),
        )),
    }
}

/// A scheduler's gold pool from gold rows (`read_gold_rows`): item ids must be
/// integers in `0..=u32::MAX`; labels are numbered in order of first appearance (the
/// same gold file gives the same pool, so a saved state resumes). Returns the pool and
/// the labels by number.
///
/// # Errors
/// A non-integer or out-of-range item id (naming the row); no gold.
pub fn pool_from_gold_rows(gold: &[(Id, Id)]) -> Result<(GoldPool, Vec<Id>)> {
    let mut labels: Vec<Id> = Vec::new();
    let mut number: HashMap<Id, u32> = HashMap::new();
    let mut pairs = Vec::with_capacity(gold.len());
    for (row, (item, label)) in gold.iter().enumerate() {
        let item = small_id(item.as_ref(), "item", row as u64)?;
        let n = *number.entry(label.clone()).or_insert_with(|| {
            labels.push(label.clone());
            labels.len() as u32 - 1
        });
        pairs.push((item, n));
    }
    Ok((GoldPool::new(pairs)?, labels))
}

/// Runs `events` through `s`, in row order. Columns: `worker` (integer ids), and
/// optionally `item` and `label`: a row with an item records the worker's answer
/// `label` to that gold item (graded against `labels`, from
/// [`pool_from_gold_rows`]); a row without one is a task request.
///
/// Returns the decisions: `row` (of the events, from 0), `worker`, `decision`
/// (`gold`, `regular`, `await_quiz`, `excluded` or `answer`), `item` (gold served or
/// answered), `reason` (`quiz`, `onboarding`, `adaptive`) and `correct` (answers).
///
/// # Errors
/// Missing or non-integer columns; an answer to an item not served to the worker, or
/// one too many (naming the row).
pub fn run_events(
    s: &mut GoldScheduler,
    labels: &[Id],
    events: &[RecordBatch],
) -> Result<RecordBatch> {
    let mut rows: Vec<i64> = Vec::new();
    let mut workers: Vec<i64> = Vec::new();
    let mut decisions: Vec<&'static str> = Vec::new();
    let mut items: Vec<Option<i64>> = Vec::new();
    let mut reasons: Vec<Option<&'static str>> = Vec::new();
    let mut correct: Vec<Option<bool>> = Vec::new();
    let mut row0 = 0u64;
    for b in events {
        let schema = b.schema();
        let wi = columns::resolve(&schema, Role::Worker, None)?;
        let wc = IdColumn::new(b.column(wi), schema.field(wi).name(), row0)?;
        let ii = columns::resolve_optional(&schema, Role::Item, None)?;
        let ic = ii
            .map(|i| IdColumn::new(b.column(i), schema.field(i).name(), row0))
            .transpose()?;
        let li = columns::resolve_optional(&schema, Role::Label, None)?;
        let lc = li
            .map(|i| IdColumn::new(b.column(i), schema.field(i).name(), row0))
            .transpose()?;
        for r in 0..b.num_rows() {
            let row = row0 + r as u64;
            let w = small_id(wc.get(r)?, wc.name(), row)?;
            rows.push(table::count(row));
            workers.push(i64::from(w));
            let answered = ic.as_ref().and_then(|c| c.get_opt(r));
            if let Some(item) = answered {
                let item = small_id(item, "item", row)?;
                let lc = lc.as_ref().ok_or_else(|| {
                    Error::value("label", Some(row), "an answer row needs a `label` column")
                })?;
                let given = Id::from(lc.get(r)?);
                let gold = s.pool().answer(item).ok_or_else(|| {
                    Error::value("item", Some(row), format!("{item} is not a gold item"))
                })?;
                let ok = labels.get(gold as usize) == Some(&given);
                s.record(w, item, ok).map_err(|e| match e {
                    Error::InvalidValue {
                        column, message, ..
                    } => Error::value(&column, Some(row), message),
                    e => e,
                })?;
                decisions.push("answer");
                items.push(Some(i64::from(item)));
                reasons.push(None);
                correct.push(Some(ok));
                continue;
            }
            let (d, item, reason) = match s.next(w) {
                Slot::Gold { item, reason } => (
                    "gold",
                    Some(i64::from(item)),
                    Some(match reason {
                        GoldReason::Quiz => "quiz",
                        GoldReason::Onboarding => "onboarding",
                        GoldReason::Adaptive => "adaptive",
                    }),
                ),
                Slot::Regular => ("regular", None, None),
                Slot::AwaitQuiz => ("await_quiz", None, None),
                Slot::Excluded => ("excluded", None, None),
            };
            decisions.push(d);
            items.push(item);
            reasons.push(reason);
            correct.push(None);
        }
        row0 += b.num_rows() as u64;
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("row", DataType::Int64, false),
        Field::new("worker", DataType::Int64, false),
        Field::new("decision", DataType::Utf8, false),
        Field::new("item", DataType::Int64, true),
        Field::new("reason", DataType::Utf8, true),
        Field::new("correct", DataType::Boolean, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        table::ints(rows.into_iter()),
        table::ints(workers.into_iter()),
        table::strings(decisions.into_iter()),
        table::opt_ints(items.into_iter()),
        table::opt_strings(reasons.into_iter()),
        Arc::new(BooleanArray::from(correct)),
    ];
    RecordBatch::try_new(schema, cols).map_err(|e| Error::library("gold decisions table", e))
}
