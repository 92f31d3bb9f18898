//! The contingency-table and counts-table layouts read from Arrow record batches
//! (e.g. from `crowdqc_io::read_table` or any Arrow source). Every cell is read
//! through [`crowdqc_core::columns`], so labels may be Utf8, LargeUtf8, Utf8View,
//! integers or dictionaries of those, and counts any number type or numeric text.

use arrow_array::RecordBatch;

use crowdqc_core::columns::{self, IdColumn, NumberColumn};
use crowdqc_core::{Error, Result};

use crate::counts::ItemCounts;
use crate::pairwise::{Contingency, MAX_COUNT};

/// Row `i` of `col` as a non-negative whole count; null (or blank) is 0.
fn count(col: &NumberColumn, i: usize, name: &str, row: u64) -> Result<u64> {
    let Some(x) = col.get_opt(i) else {
        return Ok(0);
    };
    if x >= 0.0 && x.fract() == 0.0 && x <= MAX_COUNT as f64 {
        Ok(x as u64)
    } else if x > MAX_COUNT as f64 && x.is_finite() {
        Err(Error::value(
            name,
            Some(row),
            format!(
                "count `{x}` is above 2^53 = {MAX_COUNT}, the largest count the coefficients \
                 compute with exactly; scale the counts down (coefficients depend only on \
                 proportions, standard errors on the total)"
            ),
        ))
    } else {
        Err(Error::value(
            name,
            Some(row),
            format!("`{x}` is not a non-negative whole count"),
        ))
    }
}

/// Row `i` of a label column as text; null or empty is an error.
fn label(col: &IdColumn<'_>, i: usize) -> Result<String> {
    let v = col.get(i)?.to_string();
    if v.is_empty() {
        return Err(Error::value(
            col.name(),
            Some(col.file_row(i)),
            "empty label; fill it or drop the row",
        ));
    }
    Ok(v)
}

impl Contingency {
    /// A table from record batches with columns `label_a`, `label_b` (text, integers or
    /// dictionaries of those) and `count` (whole non-negative numbers; null is 0);
    /// categories in order of first appearance, as [`Contingency::from_rows`]. Rows
    /// in errors are zero-based data rows across the batches (shown one-based).
    ///
    /// # Errors
    /// A missing column, an unsupported column type, an empty or null label, a count
    /// that is not a whole non-negative number (naming the column and row), no row.
    pub fn from_batches<'b>(
        batches: impl IntoIterator<Item = &'b RecordBatch>,
    ) -> Result<Contingency> {
        let mut rows: Vec<(String, String, u64)> = Vec::new();
        for batch in batches {
            let schema = batch.schema();
            let row0 = rows.len() as u64;
            let col =
                |name: &str| -> Result<usize> { columns::resolve_named(&schema, name, &[name]) };
            let a = IdColumn::new(batch.column(col("label_a")?), "label_a", row0)?;
            let b = IdColumn::new(batch.column(col("label_b")?), "label_b", row0)?;
            let c = NumberColumn::new(batch.column(col("count")?), "count", row0)?;
            for i in 0..batch.num_rows() {
                rows.push((
                    label(&a, i)?,
                    label(&b, i)?,
                    count(&c, i, "count", row0 + i as u64)?,
                ));
            }
        }
        Contingency::from_rows(&rows)
    }
}

impl ItemCounts {
    /// Counts from record batches in the Fleiss layout `item,<class…>`: the first
    /// column names the item (ignored), every other column is a category (column
    /// order = category order) holding whole non-negative counts (any number type or
    /// numeric text); nulls are 0.
    ///
    /// # Errors
    /// Fewer than two columns, an unsupported column type, a count that is not a whole
    /// non-negative number (naming the column and row), as [`ItemCounts::from_table`].
    pub fn from_batches<'b>(
        batches: impl IntoIterator<Item = &'b RecordBatch>,
    ) -> Result<ItemCounts> {
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
            let row0 = rows.len() as u64;
            let cols: Vec<NumberColumn> = (1..fields.len())
                .map(|k| NumberColumn::new(batch.column(k), &fields[k], row0))
                .collect::<Result<_>>()?;
            for i in 0..batch.num_rows() {
                let row = row0 + i as u64;
                rows.push(
                    cols.iter()
                        .zip(&fields[1..])
                        .map(|(c, name)| count(c, i, name, row))
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

    use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};

    use super::*;

    #[test]
    fn counts_parse() {
        let arr: ArrayRef = Arc::new(StringArray::from(vec![
            Some(""),
            None,
            Some("12"),
            Some("3.0"),
            Some("-1"),
            Some("x"),
        ]));
        let e = NumberColumn::new(&arr, "c", 0).expect_err("text");
        assert!(e.to_string().contains("row 6"), "{e}");
        let arr: ArrayRef = Arc::new(Float64Array::from(vec![
            None,
            Some(12.0),
            Some(3.0),
            Some(-1.0),
            Some(0.5),
        ]));
        let c = NumberColumn::new(&arr, "c", 0).expect("numbers");
        assert_eq!(count(&c, 0, "c", 0).expect("null"), 0);
        assert_eq!(count(&c, 1, "c", 1).expect("int"), 12);
        assert_eq!(count(&c, 2, "c", 2).expect("float"), 3);
        let e = count(&c, 3, "c", 3).expect_err("neg");
        assert!(e.to_string().contains("row 4"), "{e}");
        assert!(count(&c, 4, "c", 4).is_err());
    }

    #[test]
    fn labels_of_every_string_and_dictionary_type() {
        use arrow_array::types::Int8Type;
        use arrow_array::{DictionaryArray, LargeStringArray, StringViewArray};
        // pandas sends LargeUtf8, polars Utf8View, Parquet often dictionaries.
        let dict: DictionaryArray<Int8Type> = vec!["yes", "no", "no"].into_iter().collect();
        let b = RecordBatch::try_from_iter([
            ("label_a", Arc::new(dict) as ArrayRef),
            (
                "label_b",
                Arc::new(StringViewArray::from(vec!["yes", "yes", "no"])) as _,
            ),
            (
                "count",
                Arc::new(StringArray::from(vec!["4", " 2 ", "3"])) as _,
            ),
        ])
        .expect("batch");
        let t = Contingency::from_batches(&[b]).expect("table");
        assert_eq!(t.category_names(), ["yes", "no"]);
        assert_eq!(
            (t.count(0, 0), t.count(1, 0), t.count(1, 1)),
            (4.0, 2.0, 3.0)
        );
        let large = RecordBatch::try_from_iter([
            (
                "label_a",
                Arc::new(LargeStringArray::from(vec!["a", "b"])) as ArrayRef,
            ),
            (
                "label_b",
                Arc::new(LargeStringArray::from(vec!["a", ""])) as _,
            ),
            ("count", Arc::new(Int64Array::from(vec![1, 1])) as _),
        ])
        .expect("batch");
        // The second batch starts at data row 3: the empty label is on row 5 (1-based).
        let first = RecordBatch::try_from_iter([
            (
                "label_a",
                Arc::new(StringArray::from(vec!["a", "a", "b"])) as ArrayRef,
            ),
            (
                "label_b",
                Arc::new(StringArray::from(vec!["a", "b", "b"])) as _,
            ),
            ("count", Arc::new(Int64Array::from(vec![1, 2, 3])) as _),
        ])
        .expect("batch");
        let e = Contingency::from_batches(&[first, large]).expect_err("empty");
        assert!(
            e.to_string().contains("row 5") && e.to_string().contains("`label_b`"),
            "{e}"
        );
        let dict: DictionaryArray<Int8Type> = vec!["2", "1"].into_iter().collect();
        let counts = RecordBatch::try_from_iter([
            (
                "item",
                Arc::new(LargeStringArray::from(vec!["i1", "i2"])) as ArrayRef,
            ),
            ("yes", Arc::new(dict) as _),
            ("no", Arc::new(StringViewArray::from(vec!["1", ""])) as _),
        ])
        .expect("batch");
        let c = ItemCounts::from_batches(&[counts]).expect("counts");
        assert_eq!(c.category_totals(), [3, 1]);
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
