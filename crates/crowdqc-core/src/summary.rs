//! [`MatrixSummary`]: what a loaded judgment matrix holds (counts, classes, redundancy,
//! duplicates, gold join) and what deserves a look before scoring; the report behind
//! `crowdqc inspect`.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};

use crate::classes::ClassOrder;
use crate::columns::id_array;
use crate::dict::Id;
use crate::error::Result;
use crate::gold::GoldReport;
use crate::matrix::JudgmentMatrix;
use crate::options::DuplicatePolicy;

/// Minimum, median, maximum and mean of a count distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Spread {
    /// Smallest count.
    pub min: u64,
    /// Median (mean of the two middle values for an even number).
    pub median: f64,
    /// Largest count.
    pub max: u64,
    /// Mean.
    pub mean: f64,
}

impl Spread {
    /// The spread of the differences of consecutive CSR offsets (judgments per item or
    /// per worker); `None` when there are none.
    pub fn of_offsets(offsets: &[usize]) -> Option<Spread> {
        let mut counts: Vec<u64> = offsets.windows(2).map(|w| (w[1] - w[0]) as u64).collect();
        if counts.is_empty() {
            return None;
        }
        counts.sort_unstable();
        let n = counts.len();
        let median = if n % 2 == 1 {
            counts[n / 2] as f64
        } else {
            (counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0
        };
        let sum: u64 = counts.iter().sum();
        Some(Spread {
            min: counts[0],
            median,
            max: counts[n - 1],
            mean: sum as f64 / n as f64,
        })
    }
}

/// One class and how often it is used.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ClassCount {
    /// The label, in its input type (a number for integer labels).
    pub label: Id,
    /// Judgments with this label.
    pub count: u64,
    /// Gold items with this label (when gold was given).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub gold: Option<u64>,
}

/// Everything known about a loaded matrix before any method runs.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MatrixSummary {
    /// Rows read from the input.
    pub rows_read: u64,
    /// Judgments kept (after the duplicate policy).
    pub judgments: u64,
    /// Items with at least one judgment.
    pub items: u64,
    /// Workers with at least one judgment.
    pub workers: u64,
    /// Classes in class order, with their counts.
    pub classes: Vec<ClassCount>,
    /// How the class order was decided.
    pub class_order: ClassOrder,
    /// Judgments per item.
    pub judgments_per_item: Option<Spread>,
    /// Judgments per worker.
    pub judgments_per_worker: Option<Spread>,
    /// Distinct (item, worker) pairs judged more than once.
    pub duplicate_pairs: u64,
    /// Rows beyond the first of each duplicate pair.
    pub duplicate_extra_rows: u64,
    /// Duplicate pairs whose labels differ.
    pub conflicting_duplicate_pairs: u64,
    /// The duplicate policy applied.
    pub duplicate_policy: DuplicatePolicy,
    /// Rows dropped by the duplicate policy.
    pub dropped_duplicate_rows: u64,
    /// Whether a timestamp column was read.
    pub timestamps: bool,
    /// Whether a duration column was read.
    pub durations: bool,
    /// Gold join, when gold was given.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub gold: Option<GoldReport>,
    /// Groups of labels that differ only by surrounding spaces or letter case (e.g.
    /// `yes`, ` yes`, `Yes`): almost always one class written several ways.
    pub similar_labels: Vec<Vec<String>>,
    /// Things worth a look before scoring (gold that does not join, conflicting
    /// duplicates, similar labels, declared classes never used).
    pub warnings: Vec<String>,
}

/// Groups of labels that are equal once surrounding spaces are trimmed and letter case
/// is folded, each group in class order; labels without such a twin are left out.
pub fn similar_labels(labels: impl IntoIterator<Item = String>) -> Vec<Vec<String>> {
    // hashed, so 10^5 distinct labels take linear time (a scan per label is quadratic)
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for l in labels {
        let key = l.trim().to_lowercase();
        match index.get(&key) {
            Some(&g) => groups[g].1.push(l),
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((key, vec![l]));
            }
        }
    }
    groups
        .into_iter()
        .filter(|(_, g)| g.len() > 1)
        .map(|(_, g)| g)
        .collect()
}

/// What ingest found that a user should be told (the CLI prints these on stderr after
/// every load): duplicate `(item, worker)` pairs and what was done with them, and
/// labels that differ only by surrounding spaces or case (`trimmed`: whether labels
/// were already trimmed, which changes the suggested fix). Empty when all is well.
pub fn ingest_notes(m: &JudgmentMatrix, trimmed: bool) -> Vec<String> {
    let r = m.report();
    let mut notes = Vec::new();
    if r.duplicate_pairs > 0 {
        let done = match r.duplicate_policy {
            DuplicatePolicy::KeepAll => {
                "all rows kept (--duplicates first or last keeps one)".to_string()
            }
            p => format!(
                "kept the {} row of each pair, dropped {} rows",
                p.as_str(),
                r.dropped_duplicate_rows
            ),
        };
        notes.push(format!(
            "note: {} duplicate (item, worker) pairs ({} extra rows), {} with conflicting labels; {done}",
            r.duplicate_pairs, r.duplicate_extra_rows, r.conflicting_duplicate_pairs
        ));
    }
    let similar = similar_labels(m.classes().iter().map(|l| l.to_string()));
    if !similar.is_empty() {
        let shown: Vec<String> = similar
            .iter()
            .take(3)
            .map(|g| {
                g.iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .collect();
        let fix = if trimmed {
            "they differ by case: fix the labels"
        } else {
            "use --trim-labels to trim spaces, or fix the labels"
        };
        notes.push(format!(
            "warning: {} groups of labels differ only by surrounding spaces or case and are separate classes (e.g. {}); {fix}",
            similar.len(),
            shown.join(", ")
        ));
    }
    notes
}

impl MatrixSummary {
    /// Summarises a loaded matrix.
    pub fn of(m: &JudgmentMatrix) -> MatrixSummary {
        let r = m.report();
        let gold_counts = r.gold.as_ref().map(|_| {
            let mut c = vec![0u64; m.n_classes()];
            for &i in m.gold().items() {
                if let Some(l) = m.gold().label(i) {
                    c[l as usize] += 1;
                }
            }
            c
        });
        let mut warnings = Vec::new();
        if let Some(g) = &r.gold {
            if g.joined == 0 && g.given > 0 {
                warnings.push(format!(
                    "none of the {} gold items has a judgment: check that the gold file's item ids \
                     match the judgments'",
                    g.given
                ));
            } else if g.unknown_items > 0 {
                warnings.push(format!(
                    "{} of {} gold items have no judgment and are not used",
                    g.unknown_items, g.given
                ));
            }
        }
        if r.conflicting_duplicate_pairs > 0 && r.dropped_duplicate_rows == 0 {
            warnings.push(format!(
                "{} (item, worker) pairs were judged more than once with different labels; \
                 all are kept (choose --duplicates first or last to keep one)",
                r.conflicting_duplicate_pairs
            ));
        }
        let similar = similar_labels(m.classes().iter().map(|l| l.to_string()));
        for g in similar.iter().take(5) {
            let shown: Vec<String> = g.iter().map(|l| format!("`{l}`")).collect();
            warnings.push(format!(
                "labels {} differ only by surrounding spaces or case and are separate classes \
                 (use --trim-labels to trim spaces, or fix the labels)",
                shown.join(", ")
            ));
        }
        let unseen = m.classes().unseen();
        if !unseen.is_empty() {
            let shown: Vec<String> = unseen
                .iter()
                .take(10)
                .map(|&c| m.classes().label(c).to_string())
                .collect();
            warnings.push(format!(
                "{} classes never used by a judgment: {}{}",
                unseen.len(),
                shown.join(", "),
                if unseen.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                }
            ));
        }
        let classes = m
            .classes()
            .iter()
            .zip(m.classes().counts())
            .enumerate()
            .map(|(k, (label, &count))| ClassCount {
                label: label.into(),
                count,
                gold: gold_counts.as_ref().map(|g| g[k]),
            })
            .collect();
        MatrixSummary {
            rows_read: r.rows_read,
            judgments: m.n_judgments() as u64,
            items: m.n_items() as u64,
            workers: m.n_workers() as u64,
            classes,
            class_order: m.classes().order(),
            judgments_per_item: Spread::of_offsets(m.item_offsets()),
            judgments_per_worker: Spread::of_offsets(m.worker_offsets()),
            duplicate_pairs: r.duplicate_pairs,
            duplicate_extra_rows: r.duplicate_extra_rows,
            conflicting_duplicate_pairs: r.conflicting_duplicate_pairs,
            duplicate_policy: r.duplicate_policy,
            dropped_duplicate_rows: r.dropped_duplicate_rows,
            timestamps: m.timestamps().is_some(),
            durations: m.durations().is_some(),
            gold: r.gold.clone(),
            similar_labels: similar,
            warnings,
        }
    }

    /// The classes as a table: `label` (in its input type), `judgments` (int64),
    /// `share` of all judgments, and `gold_items` (int64) when gold was given.
    ///
    /// # Errors
    /// None in practice (the columns have equal lengths).
    pub fn classes_table(&self, m: &JudgmentMatrix) -> Result<RecordBatch> {
        let total: u64 = self.classes.iter().map(|c| c.count).sum();
        let n = self.classes.len() as u32;
        let mut cols: Vec<(&str, ArrayRef)> = vec![
            ("label", id_array(m.classes().dictionary(), 0..n)),
            (
                "judgments",
                Arc::new(Int64Array::from_iter_values(
                    self.classes.iter().map(|c| c.count as i64),
                )),
            ),
            (
                "share",
                Arc::new(Float64Array::from_iter_values(self.classes.iter().map(
                    |c| {
                        if total > 0 {
                            c.count as f64 / total as f64
                        } else {
                            0.0
                        }
                    },
                ))),
            ),
        ];
        if self.gold.is_some() {
            cols.push((
                "gold_items",
                Arc::new(Int64Array::from_iter_values(
                    self.classes.iter().map(|c| c.gold.unwrap_or(0) as i64),
                )),
            ));
        }
        Ok(RecordBatch::try_from_iter(cols)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_offsets() {
        let s = Spread::of_offsets(&[0, 3, 4, 8, 10]).expect("non-empty");
        assert_eq!((s.min, s.median, s.max), (1, 2.5, 4));
        assert!((s.mean - 2.5).abs() < 1e-12);
        let s = Spread::of_offsets(&[0, 3, 4, 9]).expect("non-empty");
        assert_eq!((s.min, s.median, s.max), (1, 3.0, 5));
        assert_eq!(Spread::of_offsets(&[0]), None);
    }

    #[test]
    fn summary_and_classes_table_of_a_small_matrix() {
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Float64Type, Int64Type};
        use arrow_schema::DataType;

        use crate::{IdRef, IngestOptions, JudgmentMatrixBuilder};
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
        for (i, w, l) in [(1, 7, 10), (1, 8, 2), (2, 7, 2), (2, 7, 2)] {
            b.push_row(IdRef::Int(i), IdRef::Int(w), IdRef::Int(l))
                .expect("row");
        }
        b.push_gold_row(IdRef::Int(2), IdRef::Int(2)).expect("gold");
        let m = b.finish().expect("matrix");
        let s = MatrixSummary::of(&m);
        assert_eq!((s.judgments, s.items, s.workers), (4, 2, 2));
        assert_eq!((s.duplicate_pairs, s.conflicting_duplicate_pairs), (1, 0));
        assert_eq!(s.class_order, ClassOrder::Numeric);
        assert_eq!(s.classes[0].label, Id::Int(2));
        let t = s.classes_table(&m).expect("table");
        let types: Vec<&DataType> = t
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.data_type())
            .collect();
        assert_eq!(
            types,
            [
                &DataType::Int64,
                &DataType::Int64,
                &DataType::Float64,
                &DataType::Int64
            ]
        );
        let labels = t.column(0).as_primitive::<Int64Type>();
        assert_eq!((labels.value(0), labels.value(1)), (2, 10));
        let counts = t.column(1).as_primitive::<Int64Type>();
        assert_eq!((counts.value(0), counts.value(1)), (3, 1));
        assert_eq!(t.column(2).as_primitive::<Float64Type>().value(0), 0.75);
        assert_eq!(t.column(3).as_primitive::<Int64Type>().value(0), 1);
    }

    #[test]
    fn similar_labels_group_spaces_and_case_only() {
        let g = similar_labels(
            [" yes", "No", "maybe", "no", "yes", "Yes ", "no "]
                .iter()
                .map(|s| s.to_string()),
        );
        assert_eq!(
            g,
            vec![
                vec![" yes".to_string(), "yes".into(), "Yes ".into()],
                vec!["No".to_string(), "no".into(), "no ".into()],
            ]
        );
        assert!(similar_labels(["a", "b"].iter().map(|s| s.to_string())).is_empty());
    }

    #[test]
    fn ingest_notes_say_what_was_done_with_duplicates_and_similar_labels() {
        use crate::{IdRef, IngestOptions, JudgmentMatrixBuilder};
        let build = |opts: IngestOptions| {
            let mut b = JudgmentMatrixBuilder::new(opts).expect("opts");
            for (i, w, l) in [("t1", "a", "yes"), ("t1", "a", "no"), ("t2", "a", " yes")] {
                b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
                    .expect("row");
            }
            b.finish().expect("matrix")
        };
        let m = build(IngestOptions::default());
        assert_eq!(
            ingest_notes(&m, false),
            [
                "note: 1 duplicate (item, worker) pairs (1 extra rows), 1 with conflicting \
                 labels; all rows kept (--duplicates first or last keeps one)",
                "warning: 1 groups of labels differ only by surrounding spaces or case and are \
                 separate classes (e.g. ` yes` / `yes`); use --trim-labels to trim spaces, or \
                 fix the labels",
            ]
        );
        let m = build(
            IngestOptions::default()
                .with_duplicates(DuplicatePolicy::First)
                .with_trim_labels(true),
        );
        assert_eq!(
            ingest_notes(&m, true),
            [
                "note: 1 duplicate (item, worker) pairs (1 extra rows), 1 with conflicting \
              labels; kept the first row of each pair, dropped 1 rows"
            ]
        );
    }
}
