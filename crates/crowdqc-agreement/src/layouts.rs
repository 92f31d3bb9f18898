//! The contingency-table and counts-table layouts read from Arrow record batches
//! (e.g. from `crowdqc_io::read_table` or any Arrow source).

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, UInt32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use crowdqc_core::{Error, Result};

use crate::counts::ItemCounts;
use crate::pairwise::Contingency;

/// The text of every cell of column `col` (nulls as `None`).
fn column_strings(batch: &RecordBatch, col: usize, name: &str) -> Result<Vec<Option<String>>> {
    let a = batch.column(col);
    let n = a.len();
    let get = |i: usize| !a.is_null(i);
    Ok(match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            (0..n)
                .map(|i| get(i).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            (0..n)
                .map(|i| get(i).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::Int64 => {
            let s = a.as_primitive::<Int64Type>();
            (0..n)
                .map(|i| get(i).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::Int32 => {
            let s = a.as_primitive::<Int32Type>();
            (0..n)
                .map(|i| get(i).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::UInt32 => {
            let s = a.as_primitive::<UInt32Type>();
            (0..n)
                .map(|i| get(i).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::UInt64 => {
            let s = a.as_primitive::<UInt64Type>();
            (0..n)
                .map(|i| get(i).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::Float64 => {
            let s = a.as_primitive::<Float64Type>();
            (0..n)
                .map(|i| get(i).then(|| s.value(i).to_string()))
                .collect()
        }
        other => {
            return Err(Error::Schema {
                column: name.into(),
                expected: "text or numbers".into(),
                found: other.to_string(),
            });
        }
    })
}

/// A non-negative whole count; `None` (blank) is 0.
fn parse_count(v: Option<&str>, column: &str, row: u64) -> Result<u64> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(0);
    };
    v.parse::<u64>()
        .ok()
        .or_else(|| {
            v.parse::<f64>()
                .ok()
                .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 9.0e15)
                .map(|x| x as u64)
        })
        .ok_or_else(|| {
            Error::value(
                column,
                Some(row),
                format!("`{v}` is not a non-negative whole count"),
            )
        })
}

impl Contingency {
    /// A table from record batches with columns `label_a`, `label_b` (text or numbers)
    /// and `count` (whole non-negative numbers); categories in order of first
    /// appearance, as [`Contingency::from_rows`].
    ///
    /// # Errors
    /// A missing column, an unsupported column type, an empty label, a count that is
    /// not a whole non-negative number (naming the column and row), no row.
    pub fn from_batches(batches: &[RecordBatch]) -> Result<Contingency> {
        let mut rows: Vec<(String, String, u64)> = Vec::new();
        for batch in batches {
            let schema = batch.schema();
            let idx = |name: &str| {
                schema.index_of(name).map_err(|_| Error::MissingColumn {
                    wanted: name.into(),
                    tried: vec![name.into()],
                    found: schema.fields().iter().map(|f| f.name().clone()).collect(),
                })
            };
            let a = column_strings(batch, idx("label_a")?, "label_a")?;
            let b = column_strings(batch, idx("label_b")?, "label_b")?;
            let c = column_strings(batch, idx("count")?, "count")?;
            for i in 0..batch.num_rows() {
                let row = rows.len() as u64;
                let label = |v: &Option<String>, col: &str| {
                    v.clone()
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| Error::value(col, Some(row), "empty label"))
                };
                rows.push((
                    label(&a[i], "label_a")?,
                    label(&b[i], "label_b")?,
                    parse_count(c[i].as_deref(), "count", row)?,
                ));
            }
        }
        Contingency::from_rows(&rows)
    }
}

impl ItemCounts {
    /// Counts from record batches in the Fleiss layout `item,<class…>`: the first
    /// column names the item (ignored), every other column is a category (column
    /// order = category order) holding whole non-negative counts; nulls are 0.
    ///
    /// # Errors
    /// Fewer than two columns, an unsupported column type, a count that is not a whole
    /// non-negative number (naming the column and row), as [`ItemCounts::from_table`].
    pub fn from_batches(batches: &[RecordBatch]) -> Result<ItemCounts> {
        let mut names: Option<Vec<String>> = None;
        let mut rows: Vec<Vec<u64>> = Vec::new();
        for batch in batches {
            let schema = batch.schema();
            let fields: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
            if fields.len() < 2 {
                return Err(Error::param(
                    "counts",
                    "needs an item column followed by one count column per category",
                ));
            }
            names.get_or_insert_with(|| fields[1..].to_vec());
            let cols: Vec<Vec<Option<String>>> = (1..fields.len())
                .map(|k| column_strings(batch, k, &fields[k]))
                .collect::<Result<_>>()?;
            for i in 0..batch.num_rows() {
                let row = rows.len() as u64;
                rows.push(
                    cols.iter()
                        .zip(&fields[1..])
                        .map(|(c, name)| parse_count(c[i].as_deref(), name, row))
                        .collect::<Result<_>>()?,
                );
            }
        }
        let names = names.ok_or_else(|| Error::param("counts", "the table has no column"))?;
        ItemCounts::from_table(&names, &rows)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Float64Array, Int64Array, StringArray};

    use super::*;

    #[test]
    fn counts_parse() {
        assert_eq!(parse_count(None, "c", 0).expect("blank"), 0);
        assert_eq!(parse_count(Some("12"), "c", 0).expect("int"), 12);
        assert_eq!(parse_count(Some("3.0"), "c", 0).expect("float"), 3);
        let e = parse_count(Some("-1"), "c", 4).expect_err("neg");
        assert!(e.to_string().contains("row 4"), "{e}");
    }

    #[test]
    fn contingency_from_batches() {
        let b = RecordBatch::try_from_iter([
            ("label_a", Arc::new(Int64Array::from(vec![2, 2, 1])) as _),
            (
                "label_b",
                Arc::new(StringArray::from(vec!["2", "1", "1"])) as _,
            ),
            ("count", Arc::new(Int64Array::from(vec![5, 1, 4])) as _),
        ])
        .expect("batch");
        let t = Contingency::from_batches(&[b]).expect("table");
        assert_eq!(t.category_names(), ["2", "1"]);
        assert_eq!(
            (t.count(0, 0), t.count(0, 1), t.count(1, 1)),
            (5.0, 1.0, 4.0)
        );
        let bad = RecordBatch::try_from_iter([
            ("label_a", Arc::new(StringArray::from(vec!["x"])) as _),
            ("label_b", Arc::new(StringArray::from(vec!["y"])) as _),
            ("count", Arc::new(Float64Array::from(vec![1.5])) as _),
        ])
        .expect("batch");
        let e = Contingency::from_batches(&[bad]).expect_err("fraction");
        assert!(e.to_string().contains("column `count`"), "{e}");
        let missing =
            RecordBatch::try_from_iter([("label_a", Arc::new(StringArray::from(vec!["x"])) as _)])
                .expect("batch");
        let e = Contingency::from_batches(&[missing]).expect_err("missing");
        assert!(e.to_string().contains("label_b"), "{e}");
    }

    #[test]
    fn counts_from_batches() {
        let b = RecordBatch::try_from_iter([
            ("item", Arc::new(StringArray::from(vec!["i1", "i2"])) as _),
            ("yes", Arc::new(Int64Array::from(vec![Some(2), None])) as _),
            ("no", Arc::new(Int64Array::from(vec![1, 3])) as _),
        ])
        .expect("batch");
        let c = ItemCounts::from_batches(&[b]).expect("counts");
        assert_eq!(c.category_names(), ["yes", "no"]);
        assert_eq!(c.n_items(), 2);
        assert_eq!(c.category_totals(), [2, 4]);
        let one =
            RecordBatch::try_from_iter([("item", Arc::new(StringArray::from(vec!["i1"])) as _)])
                .expect("batch");
        let e = ItemCounts::from_batches(&[one]).expect_err("columns");
        assert!(e.to_string().contains("`counts`"), "{e}");
    }
}
