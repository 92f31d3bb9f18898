//! The items and workers tables of a fitted model as Arrow record batches.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use crowdqc_core::columns::id_array;
use crowdqc_core::estimator::FittedModel;
use crowdqc_core::{JudgmentMatrix, Result};

/// Rows per batch of [`item_batches`].
pub const ITEM_BATCH_ROWS: u32 = 1 << 20;

/// The items `rows` of the model's items table: `item` (Int64 for integer ids, else
/// Utf8), `label` (the hard label, in the labels' input type), `confidence` (the
/// posterior of that label) and `p_<label>` (the posterior of each class, in class
/// order).
///
/// # Errors
/// None in practice (the columns have equal lengths).
///
/// # Panics
/// When `rows` goes beyond the matrix's items.
pub fn items_table(
    m: &JudgmentMatrix,
    model: &dyn FittedModel,
    rows: Range<u32>,
) -> Result<RecordBatch> {
    items_with_labels(m, model, &model.labels(), rows)
}

fn items_with_labels(
    m: &JudgmentMatrix,
    model: &dyn FittedModel,
    labels: &[u32],
    rows: Range<u32>,
) -> Result<RecordBatch> {
    let post = model.posteriors();
    let (lo, hi) = (rows.start as usize, rows.end as usize);
    let mut cols: Vec<(String, ArrayRef)> = vec![
        ("item".into(), id_array(m.items(), rows.clone())),
        (
            "label".into(),
            id_array(m.classes().dictionary(), labels[lo..hi].iter().copied()),
        ),
        (
            "confidence".into(),
            Arc::new(Float64Array::from_iter_values(
                (lo..hi).map(|i| post[[i, labels[i] as usize]]),
            )),
        ),
    ];
    for (c, l) in m.classes().iter().enumerate() {
        cols.push((
            format!("p_{l}"),
            Arc::new(Float64Array::from_iter_values(
                (lo..hi).map(|i| post[[i, c]]),
            )),
        ));
    }
    Ok(RecordBatch::try_from_iter(cols)?)
}

/// The whole items table as batches of at most [`ITEM_BATCH_ROWS`] rows, built one at
/// a time (for streaming writes of large outputs).
pub fn item_batches<'a>(
    m: &'a JudgmentMatrix,
    model: &'a dyn FittedModel,
) -> impl Iterator<Item = Result<RecordBatch>> + 'a {
    let labels = model.labels();
    let n = m.n_items() as u32;
    let starts = (0..n.max(1)).step_by(ITEM_BATCH_ROWS as usize);
    starts.map(move |s| {
        let end = n.min(s.saturating_add(ITEM_BATCH_ROWS));
        items_with_labels(m, model, &labels, s..end)
    })
}

/// The workers table: `worker` (Int64 for integer ids, else Utf8), `judgments` (Int64),
/// `accuracy` (the model's estimate, NaN when it cannot score a worker), then the
/// method's own per-worker columns (e.g. `spammer_score`, `skill`, `confusion_<true>_<observed>`).
///
/// # Errors
/// None in practice (the columns have equal lengths).
pub fn workers_table(m: &JudgmentMatrix, model: &dyn FittedModel) -> Result<RecordBatch> {
    let n = m.n_workers() as u32;
    let mut cols: Vec<(String, ArrayRef)> = vec![
        ("worker".into(), id_array(m.workers(), 0..n)),
        (
            "judgments".into(),
            Arc::new(Int64Array::from_iter_values(
                (0..n).map(|w| m.worker_count(w) as i64),
            )),
        ),
        (
            "accuracy".into(),
            Arc::new(Float64Array::from(model.worker_accuracy().to_vec())),
        ),
    ];
    for c in model.worker_columns() {
        if c.values.len() == m.n_workers() {
            cols.push((c.name, Arc::new(Float64Array::from(c.values))));
        }
    }
    Ok(RecordBatch::try_from_iter(cols)?)
}
