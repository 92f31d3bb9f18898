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
/// order). A model that keeps its posteriors sparsely (majority vote on very many
/// classes, [`FittedModel::has_dense_posteriors`] false) gets the top label only:
/// `item`, `label`, `confidence` and `voted_classes` (how many classes have a
/// non-zero posterior), no `p_` column.
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
    let (lo, hi) = (rows.start as usize, rows.end as usize);
    if !model.has_dense_posteriors() {
        let sparse: Vec<Vec<(u32, f64)>> = (lo..hi).map(|i| model.posterior_row(i)).collect();
        let k = m.n_classes().max(1) as f64;
        let confidence = sparse.iter().zip(&labels[lo..hi]).map(|(row, &l)| {
            if row.is_empty() {
                1.0 / k // uniform
            } else {
                row.iter().find(|&&(c, _)| c == l).map_or(0.0, |&(_, p)| p)
            }
        });
        let cols: Vec<(String, ArrayRef)> = vec![
            ("item".into(), id_array(m.items(), rows.clone())),
            (
                "label".into(),
                id_array(m.classes().dictionary(), labels[lo..hi].iter().copied()),
            ),
            (
                "confidence".into(),
                Arc::new(Float64Array::from_iter_values(confidence)),
            ),
            (
                "voted_classes".into(),
                Arc::new(Int64Array::from_iter_values(sparse.iter().map(|r| {
                    if r.is_empty() {
                        m.n_classes() as i64
                    } else {
                        r.len() as i64
                    }
                }))),
            ),
        ];
        return Ok(RecordBatch::try_from_iter(cols)?);
    }
    let post = model.posteriors();
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
/// method's own per-worker columns (e.g. `spammer_score`, `skill`,
/// `confusion_<true>_<observed>`). Methods without a confusion model get a
/// `spammer_score` too (Raykar & Yu's, see [`spammer_scores`](crate::spammer_scores)),
/// from each worker's answers against the model's posteriors: row `t` of the worker's
/// confusion is the distribution of its answers on items weighted by their posterior of
/// class `t`. It is left out when that table would exceed [`MAX_CONFUSION_CELLS`].
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
    let own = model.worker_columns();
    if !own.iter().any(|c| c.name == "spammer_score")
        && let Some(s) = posterior_spammer_scores(m, model)
    {
        cols.push(("spammer_score".into(), Arc::new(Float64Array::from(s))));
    }
    for c in own {
        if c.values.len() == m.n_workers() {
            cols.push((c.name, Arc::new(Float64Array::from(c.values))));
        }
    }
    Ok(RecordBatch::try_from_iter(cols)?)
}

/// Largest `workers × classes²` table for which [`workers_table`] estimates spammer
/// scores from posteriors (400 MB of f64).
pub const MAX_CONFUSION_CELLS: usize = 50_000_000;

/// Raykar & Yu's spammer score per worker from the worker's answers weighted by the
/// model's posteriors; `None` when the table would be too large.
fn posterior_spammer_scores(m: &JudgmentMatrix, model: &dyn FittedModel) -> Option<Vec<f64>> {
    let (n, k) = (m.n_workers(), m.n_classes());
    if !model.has_dense_posteriors() || n.checked_mul(k)?.checked_mul(k)? > MAX_CONFUSION_CELLS {
        return None;
    }
    let post = model.posteriors();
    let mut conf = ndarray::Array3::<f64>::zeros((n, k, k));
    let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
    for i in 0..m.n_items() as u32 {
        for p in m.item_range(i) {
            let (w, o) = (workers[p] as usize, classes[p] as usize);
            for t in 0..k {
                conf[[w, t, o]] += post[[i as usize, t]];
            }
        }
    }
    for mut row in conf.rows_mut() {
        let sum: f64 = row.sum();
        if sum > 0.0 {
            row /= sum;
        }
    }
    Some(crate::spammer_scores(conf.view()).to_vec())
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Float64Type;
    use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};

    use super::*;
    use crate::registry::{self, RunOptions};

    #[test]
    fn every_method_gets_a_spammer_score() {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
        let truth = ["x", "y", "x", "y", "x", "y"];
        for (i, t) in truth.iter().enumerate() {
            let item = format!("t{i}");
            for w in ["g1", "g2"] {
                b.push_row(IdRef::Str(&item), IdRef::Str(w), IdRef::Str(t))
                    .expect("row");
            }
            // always answers x, whatever the item
            b.push_row(IdRef::Str(&item), IdRef::Str("spam"), IdRef::Str("x"))
                .expect("row");
        }
        let m = b.finish().expect("matrix");
        for method in ["mv", "wawa", "glad", "ds"] {
            let model = registry::fit(method, &m, &RunOptions::default()).expect("fit");
            let t = workers_table(&m, model.as_ref()).expect("table");
            let names: Vec<&str> = t
                .schema_ref()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            assert_eq!(
                names.iter().filter(|n| **n == "spammer_score").count(),
                1,
                "{method}: {names:?}"
            );
            let s = t
                .column_by_name("spammer_score")
                .expect("column")
                .as_primitive::<Float64Type>();
            // every row of a constant answerer's confusion is the same: score 0
            assert!(s.value(2).abs() < 1e-12, "{method}: spammer {}", s.value(2));
            assert!(s.value(0) > 0.5, "{method}: good worker {}", s.value(0));
        }
    }
}
