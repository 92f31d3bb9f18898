//! Accuracy of a model's labels against evaluation gold that was never used to fit.

use std::collections::HashMap;

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch};
use crowdqc_core::columns::{self, IdColumn, Role};
use crowdqc_core::{ColumnMap, Error, Id, JudgmentMatrix, Result};

/// Evaluation gold `(item, label)`, validated like gold given for fitting: no null
/// item or label, and no item with two different labels (accuracy would then depend on
/// row order). Rows repeating an item with the same label are counted and kept once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalGold {
    /// Distinct `(item, label)` pairs in order of first appearance.
    pairs: Vec<(Id, Id)>,
    /// Rows read.
    rows: u64,
    /// Rows that repeat an item with the same label.
    repeated_rows: u64,
}

impl EvalGold {
    /// Reads evaluation gold from batches (each with the zero-based row of its first
    /// row in the file) with an item column and a label column, found as for gold: the
    /// mapped names of `map` when present, else `item`/`task` and
    /// `label`/`true_label`/`gold`.
    ///
    /// # Errors
    /// A missing column, a null item or label, or an item given two different labels
    /// (naming the item and both rows).
    pub fn from_batches<'a>(
        batches: impl IntoIterator<Item = (u64, &'a RecordBatch)>,
        map: &ColumnMap,
    ) -> Result<EvalGold> {
        let mut g = EvalGold::default();
        let mut seen: HashMap<Id, (usize, u64)> = HashMap::new();
        for (row0, b) in batches {
            let schema = b.schema();
            let ii = columns::resolve_fallback(&schema, Role::Item, map.item.as_deref())?;
            let li = columns::resolve_fallback(&schema, Role::GoldLabel, map.label.as_deref())?;
            let items = IdColumn::new(b.column(ii), schema.field(ii).name(), row0)?;
            let lname = schema.field(li).name();
            let labels = IdColumn::new(b.column(li), lname, row0)?;
            for r in 0..b.num_rows() {
                let (item, label) = (Id::from(items.get(r)?), Id::from(labels.get(r)?));
                g.rows += 1;
                let row = row0 + r as u64;
                match seen.get(&item) {
                    Some(&(k, first)) => {
                        if g.pairs[k].1 != label {
                            return Err(Error::value(
                                lname,
                                Some(row),
                                format!(
                                    "evaluation gold gives item `{item}` two labels: `{}` (row {}) \
                                     and `{label}`; keep one row per item",
                                    g.pairs[k].1,
                                    first + 1
                                ),
                            ));
                        }
                        g.repeated_rows += 1;
                    }
                    None => {
                        seen.insert(item.clone(), (g.pairs.len(), row));
                        g.pairs.push((item, label));
                    }
                }
            }
        }
        Ok(g)
    }

    /// Distinct items with an evaluation label.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there is no evaluation label.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The `(item, label)` pairs in order of first appearance.
    pub fn pairs(&self) -> &[(Id, Id)] {
        &self.pairs
    }

    /// Accuracy of `labels` (one class index per item of `m`). When `fit_gold` is true
    /// the model was fitted with the gold of `m`, and items that are also gold of `m`
    /// are left out of the score (counted in
    /// [`Evaluation::excluded_fit_gold`]): the accuracy is on held-out items only.
    pub fn evaluate(&self, m: &JudgmentMatrix, labels: &[u32], fit_gold: bool) -> Evaluation {
        let mut e = Evaluation {
            rows: self.rows,
            repeated_rows: self.repeated_rows,
            items: self.pairs.len() as u64,
            ..Evaluation::default()
        };
        for (item, label) in &self.pairs {
            let Some(i) = m.items().lookup(item.as_ref()) else {
                e.unknown_items += 1;
                continue;
            };
            if fit_gold && m.gold().label(i).is_some() {
                e.excluded_fit_gold += 1;
                continue;
            }
            e.scored += 1;
            match m.classes().index_of(label.as_ref()) {
                Some(c) => e.correct += u64::from(labels[i as usize] == c),
                None => e.labels_outside_classes += 1,
            }
        }
        e.accuracy = (e.scored > 0).then(|| e.correct as f64 / e.scored as f64);
        e.held_out_only = fit_gold && e.excluded_fit_gold > 0;
        e
    }
}

/// The evaluation of a model's labels against evaluation gold.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// Rows of the evaluation file.
    pub rows: u64,
    /// Rows that repeat an item with the same label (counted once).
    pub repeated_rows: u64,
    /// Distinct evaluation items.
    pub items: u64,
    /// Evaluation items with no judgment (not scored).
    pub unknown_items: u64,
    /// Evaluation items that were also gold used to fit (not scored, see
    /// [`held_out_only`](Self::held_out_only)).
    pub excluded_fit_gold: u64,
    /// Items scored.
    pub scored: u64,
    /// Items whose label matches.
    pub correct: u64,
    /// Scored items whose evaluation label is not a class of the judgments (wrong).
    pub labels_outside_classes: u64,
    /// `correct / scored`, `None` when nothing was scored.
    pub accuracy: Option<f64>,
    /// True when items used to fit were left out: the accuracy is on held-out items.
    pub held_out_only: bool,
}

impl Evaluation {
    /// The evaluation as a one-row table, one column per field (counts as Int64,
    /// `accuracy` Float64 and null when nothing was scored, `held_out_only` Boolean).
    ///
    /// # Errors
    /// None in practice (the columns have equal lengths).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let int = |v: u64| Arc::new(Int64Array::from(vec![v as i64])) as ArrayRef;
        Ok(RecordBatch::try_from_iter([
            ("rows", int(self.rows)),
            ("repeated_rows", int(self.repeated_rows)),
            ("items", int(self.items)),
            ("unknown_items", int(self.unknown_items)),
            ("excluded_fit_gold", int(self.excluded_fit_gold)),
            ("scored", int(self.scored)),
            ("correct", int(self.correct)),
            ("labels_outside_classes", int(self.labels_outside_classes)),
            (
                "accuracy",
                Arc::new(Float64Array::from(vec![self.accuracy])) as ArrayRef,
            ),
            (
                "held_out_only",
                Arc::new(BooleanArray::from(vec![self.held_out_only])) as ArrayRef,
            ),
        ])?)
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};

    use super::*;

    fn batch(items: &[&str], labels: &[Option<&str>]) -> RecordBatch {
        RecordBatch::try_from_iter([
            (
                "task",
                Arc::new(arrow_array::StringArray::from(items.to_vec())) as ArrayRef,
            ),
            (
                "gold",
                Arc::new(arrow_array::StringArray::from(labels.to_vec())) as ArrayRef,
            ),
        ])
        .expect("batch")
    }

    #[test]
    fn held_out_accuracy_leaves_out_the_fitting_gold() {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
        for (i, w, l) in [("t1", "a", "x"), ("t2", "a", "y"), ("t3", "a", "x")] {
            b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
                .expect("row");
        }
        b.push_gold_row(IdRef::Str("t3"), IdRef::Str("x"))
            .expect("gold");
        let m = b.finish().expect("matrix");
        // labels: t1 -> x (right), t2 -> x (wrong), t3 -> x (right, but fitting gold)
        let labels = [0, 0, 0];
        let rows = batch(
            &["t1", "t2", "t3", "t9", "t1"],
            &[Some("x"), Some("y"), Some("x"), Some("x"), Some("x")],
        );
        let g = EvalGold::from_batches([(0, &rows)], &ColumnMap::default()).expect("eval");
        let all = g.evaluate(&m, &labels, false);
        assert_eq!(
            (
                all.scored,
                all.correct,
                all.unknown_items,
                all.repeated_rows
            ),
            (3, 2, 1, 1)
        );
        assert_eq!(all.accuracy, Some(2.0 / 3.0));
        let held = g.evaluate(&m, &labels, true);
        assert_eq!(
            (held.scored, held.correct, held.excluded_fit_gold),
            (2, 1, 1)
        );
        assert!(held.held_out_only);
        let t = held.to_record_batch().expect("table");
        assert_eq!(t.num_rows(), 1);
        assert_eq!(
            t.column_by_name("scored")
                .expect("col")
                .as_primitive::<Int64Type>()
                .value(0),
            2
        );
    }

    #[test]
    fn conflicting_and_null_evaluation_labels_are_errors() {
        let rows = batch(&["t1", "t2", "t1"], &[Some("x"), Some("y"), Some("y")]);
        let e = EvalGold::from_batches([(10, &rows)], &ColumnMap::default()).expect_err("conflict");
        assert_eq!(
            e.to_string(),
            "row 13, column `gold`: evaluation gold gives item `t1` two labels: `x` (row 11) and \
             `y`; keep one row per item"
        );
        let rows = batch(&["t1", "t2"], &[Some("x"), None]);
        let e = EvalGold::from_batches([(0, &rows)], &ColumnMap::default()).expect_err("null");
        assert!(
            e.to_string()
                .starts_with("row 2, column `gold`: null value"),
            "{e}"
        );
    }
}
