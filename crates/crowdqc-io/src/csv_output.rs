//! CSV output: a header row, then one line per row; nulls are empty fields.

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use crowdqc_core::{Error, Result};

use crate::errors;

/// Writes batches as CSV rows through the `csv` crate (RFC 4180 quoting).
pub(crate) struct CsvTableWriter<W: Write> {
    w: csv::Writer<W>,
    n_cols: usize,
}

fn unsupported(column: &str, dt: &DataType) -> Error {
    Error::Schema {
        column: column.into(),
        expected: "a string, integer, float or boolean column to write CSV (write .parquet for other types)"
            .into(),
        found: dt.to_string(),
    }
}

fn check_type(column: &str, dt: &DataType) -> Result<()> {
    match dt {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => Ok(()),
        DataType::Dictionary(_, v) => check_type(column, v),
        other => Err(unsupported(column, other)),
    }
}

/// Appends the text of `arr[i]` to `out` (empty for null).
fn format_value(arr: &dyn Array, i: usize, out: &mut String) {
    use std::fmt::Write as _;
    if arr.is_null(i) {
        return;
    }
    macro_rules! prim {
        ($t:ty) => {{
            let _ = write!(out, "{}", arr.as_primitive::<$t>().value(i));
        }};
    }
    match arr.data_type() {
        DataType::Boolean => out.push_str(if arr.as_boolean().value(i) {
            "true"
        } else {
            "false"
        }),
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        // the shortest text that parses back to the same value: plain decimals (`1`,
        // `0.25`), an exponent for very large or small magnitudes (`1e-300`, not 300
        // digits)
        DataType::Float32 => shortest(out, arr.as_primitive::<Float32Type>().value(i)),
        DataType::Float64 => shortest(out, arr.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => out.push_str(arr.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => out.push_str(arr.as_string::<i64>().value(i)),
        DataType::Utf8View => out.push_str(arr.as_string_view().value(i)),
        _ => {}
    }
}

/// Appends the shorter of `v`'s plain decimal form and its exponent form (both are the
/// shortest digits that round-trip; ties go to the plain form).
fn shortest<T: std::fmt::Display + std::fmt::Debug>(out: &mut String, v: T) {
    let plain = v.to_string();
    let debug = format!("{v:?}");
    out.push_str(if debug.len() < plain.len() {
        &debug
    } else {
        &plain
    });
}

impl<W: Write> CsvTableWriter<W> {
    /// Writes the header.
    pub(crate) fn try_new(inner: W, schema: &Schema, delimiter: u8) -> Result<Self> {
        for f in schema.fields() {
            check_type(f.name(), f.data_type())?;
        }
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(inner);
        w.write_record(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(|e| errors::write("CSV", e))?;
        Ok(CsvTableWriter {
            w,
            n_cols: schema.fields().len(),
        })
    }

    /// Writes the rows of `batch`.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_columns() != self.n_cols {
            return Err(Error::param(
                "batch",
                format!(
                    "has {} columns, the table has {}",
                    batch.num_columns(),
                    self.n_cols
                ),
            ));
        }
        let schema = batch.schema();
        for (f, c) in schema.fields().iter().zip(batch.columns()) {
            check_type(f.name(), c.data_type())?;
        }
        // Dictionary columns: normalise keys once per batch, not per value.
        let cols: Vec<(&dyn Array, Option<Vec<usize>>)> = batch
            .columns()
            .iter()
            .map(|c| match c.as_any_dictionary_opt() {
                Some(d) => (d.values().as_ref(), Some(d.normalized_keys())),
                None => (c.as_ref(), None),
            })
            .collect();
        let mut fields: Vec<String> = vec![String::new(); self.n_cols];
        for i in 0..batch.num_rows() {
            for ((buf, (arr, keys)), col) in fields.iter_mut().zip(&cols).zip(batch.columns()) {
                buf.clear();
                match keys {
                    Some(_) if col.is_null(i) => {}
                    Some(k) => format_value(*arr, k[i], buf),
                    None => format_value(*arr, i, buf),
                }
            }
            self.w
                .write_record(fields.iter())
                .map_err(|e| errors::write("CSV", e))?;
        }
        Ok(())
    }

    /// Flushes and returns the inner writer.
    pub(crate) fn finish(self) -> Result<W> {
        self.w
            .into_inner()
            .map_err(|e| errors::write("CSV", e.into_error()))
    }
}
