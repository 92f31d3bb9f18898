//! Per-worker weights (for weighted majority vote) read from a `worker, weight` table.

use arrow_array::RecordBatch;
use crowdqc_core::columns::{self, IdColumn, NumberColumn, Role};
use crowdqc_core::{ColumnMap, Error, JudgmentMatrix, Result};

/// One weight per worker of `m`, from batches of a table with a worker column (the
/// mapped name of `map` when present, else `worker`, `performer`, `annotator`) and a
/// weight column (`weight`, `skill`); each
/// batch comes with the zero-based row of its first row in the file. Rows for workers
/// that have no judgment are ignored.
///
/// # Errors
/// A missing column, a null or non-numeric weight (naming the row), a negative or
/// non-finite weight, a worker given two different weights, or workers of `m` with no
/// weight (naming some of them).
pub fn worker_weights<'a>(
    m: &JudgmentMatrix,
    batches: impl IntoIterator<Item = (u64, &'a RecordBatch)>,
    map: &ColumnMap,
) -> Result<Vec<f64>> {
    let mut w = vec![f64::NAN; m.n_workers()];
    for (row0, b) in batches {
        let schema = b.schema();
        let wi = columns::resolve_fallback(&schema, Role::Worker, map.worker.as_deref())?;
        let vi = columns::resolve(&schema, Role::Weight, None)?;
        let (wname, vname) = (schema.field(wi).name(), schema.field(vi).name());
        let ids = IdColumn::new(b.column(wi), wname, row0)?;
        let vals = NumberColumn::new(b.column(vi), vname, row0)?;
        for r in 0..b.num_rows() {
            let id = ids.get(r)?;
            let v = vals.get(r)?;
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::value(
                    vname,
                    Some(row0 + r as u64),
                    format!("weight {v} of worker `{id}` must be finite and >= 0"),
                ));
            }
            if let Some(i) = m.workers().lookup(id) {
                let old = std::mem::replace(&mut w[i as usize], v);
                if !old.is_nan() && old != v {
                    return Err(Error::value(
                        vname,
                        Some(row0 + r as u64),
                        format!(
                            "worker `{id}` is given two weights, {old} and {v}; keep one row per worker"
                        ),
                    ));
                }
            }
        }
    }
    let missing: Vec<String> = (0..m.n_workers() as u32)
        .filter(|&i| w[i as usize].is_nan())
        .map(|i| m.workers().get(i).to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Error::value(
            "weight",
            None,
            format!(
                "{} workers of the judgments have no weight (e.g. {}); give every worker one",
                missing.len(),
                missing
                    .iter()
                    .take(3)
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};

    use super::*;

    fn matrix() -> JudgmentMatrix {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
        for (i, w) in [("t1", 7), ("t1", 8), ("t2", 9)] {
            b.push_row(IdRef::Str(i), IdRef::Int(w), IdRef::Str("x"))
                .expect("row");
        }
        b.finish().expect("matrix")
    }

    fn table(workers: ArrayRef, weights: Vec<Option<f64>>) -> RecordBatch {
        RecordBatch::try_from_iter([
            ("annotator", workers),
            ("skill", Arc::new(Float64Array::from(weights)) as ArrayRef),
        ])
        .expect("batch")
    }

    #[test]
    fn weights_join_by_worker_id_and_every_worker_needs_one() {
        let m = matrix();
        // rows in any order; worker 42 has no judgment and is ignored
        let t = table(
            Arc::new(Int64Array::from(vec![9, 7, 42, 8])),
            vec![Some(3.0), Some(1.0), Some(5.0), Some(0.5)],
        );
        assert_eq!(
            worker_weights(&m, [(0, &t)], &ColumnMap::default()).expect("weights"),
            [1.0, 0.5, 3.0]
        );
        let t = table(
            Arc::new(Int64Array::from(vec![9, 7])),
            vec![Some(3.0), Some(1.0)],
        );
        let e = worker_weights(&m, [(0, &t)], &ColumnMap::default()).expect_err("missing");
        assert!(
            e.to_string()
                .contains("1 workers of the judgments have no weight (e.g. `8`)"),
            "{e}"
        );
        let t = table(
            Arc::new(Int64Array::from(vec![9, 9])),
            vec![Some(3.0), Some(1.0)],
        );
        let e = worker_weights(&m, [(0, &t)], &ColumnMap::default()).expect_err("two weights");
        assert!(
            e.to_string()
                .starts_with("row 2, column `skill`: worker `9` is given two weights"),
            "{e}"
        );
        let t = table(Arc::new(StringArray::from(vec!["9"])), vec![None]);
        let e = worker_weights(&m, [(4, &t)], &ColumnMap::default()).expect_err("null");
        assert!(
            e.to_string()
                .starts_with("row 5, column `skill`: null value"),
            "{e}"
        );
    }
}
