//! CSV output: a header row, then one line per row; nulls are empty fields.
//!
//! Quoting is the `csv` crate's (RFC 4180, `QuoteStyle::Necessary`): a field is quoted
//! when it holds the delimiter, a quote, `\r` or `\n` (quotes doubled inside), and an
//! empty field is quoted when it is the only one of its record. Floats print as the
//! shorter of Rust's `Display` and `Debug` forms (the shortest digits that round-trip;
//! ties go to `Display`), computed from `ryu`'s digits. Rows are formatted in parallel
//! in fixed chunks and appended in order, so the bytes do not depend on the thread
//! count.

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, BooleanArray, GenericStringArray, PrimitiveArray, RecordBatch, StringViewArray,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Schema};
use crowdqc_core::{Error, Result};
use rayon::prelude::*;

use crate::errors;

/// Writes batches as CSV rows (see the module docs); at most [`CHUNKS_IN_FLIGHT`] chunks
/// of [`CHUNK_ROWS`] rows are held in memory at once.
pub(crate) struct CsvTableWriter<W: Write> {
    out: W,
    delimiter: u8,
    n_cols: usize,
}

/// Rows per parallel formatting chunk.
const CHUNK_ROWS: usize = 1 << 14;
/// Chunks formatted per round (bounds the memory held: ~2 MB per chunk of the items
/// table).
const CHUNKS_IN_FLIGHT: usize = 16;

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

/// A column's values, typed once per batch.
enum Values<'a> {
    Null,
    Bool(&'a BooleanArray),
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
    F32(&'a PrimitiveArray<Float32Type>),
    F64(&'a PrimitiveArray<Float64Type>),
    Str(&'a GenericStringArray<i32>),
    LargeStr(&'a GenericStringArray<i64>),
    View(&'a StringViewArray),
}

impl<'a> Values<'a> {
    fn of(arr: &'a dyn Array) -> Self {
        match arr.data_type() {
            DataType::Boolean => Values::Bool(arr.as_boolean()),
            DataType::Int8 => Values::I8(arr.as_primitive()),
            DataType::Int16 => Values::I16(arr.as_primitive()),
            DataType::Int32 => Values::I32(arr.as_primitive()),
            DataType::Int64 => Values::I64(arr.as_primitive()),
            DataType::UInt8 => Values::U8(arr.as_primitive()),
            DataType::UInt16 => Values::U16(arr.as_primitive()),
            DataType::UInt32 => Values::U32(arr.as_primitive()),
            DataType::UInt64 => Values::U64(arr.as_primitive()),
            DataType::Float32 => Values::F32(arr.as_primitive()),
            DataType::Float64 => Values::F64(arr.as_primitive()),
            DataType::Utf8 => Values::Str(arr.as_string()),
            DataType::LargeUtf8 => Values::LargeStr(arr.as_string()),
            DataType::Utf8View => Values::View(arr.as_string_view()),
            // checked by `check_type`
            _ => Values::Null,
        }
    }
}

/// A column to write: its own nulls, and its values (through normalised keys for a
/// dictionary).
struct Column<'a> {
    /// The column's nulls (the keys' for a dictionary).
    nulls: Option<&'a NullBuffer>,
    /// The dictionary values' nulls.
    value_nulls: Option<&'a NullBuffer>,
    values: Values<'a>,
    keys: Option<Vec<usize>>,
}

/// Appends `v`'s decimal text (the `Display` of an integer).
fn push_int(out: &mut Vec<u8>, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

/// Appends the shorter of `v`'s `Display` (plain decimal) and `Debug` forms, ties to
/// `Display`. `Debug` is a decimal (with `.0` when integral, so never shorter) unless
/// `0 < |v| < 1e-4` or `|v| ≥ 1e16`, where it is `d[.ddd]e±x`. Both carry the shortest
/// digits that round-trip, which `ryu` gives.
fn push_float<F: ryu::Float + std::fmt::Display + std::fmt::Debug + Into<f64> + Copy>(
    out: &mut Vec<u8>,
    buf: &mut ryu::Buffer,
    v: F,
) {
    let x: f64 = v.into();
    if x == 0.0 || !x.is_finite() {
        let _ = write!(out, "{v}");
        return;
    }
    let s = buf.format_finite(v).as_bytes();
    let (neg, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (mant, exp) = match s.iter().position(|&c| c == b'e') {
        Some(i) => (&s[..i], parse_exp(&s[i + 1..])),
        None => (s, 0),
    };
    // the digits without the point; the value is 0.d1d2… × 10^dp
    let mut digits = [0u8; 32];
    let (mut n, mut point) = (0usize, None);
    for &c in mant {
        if c == b'.' {
            point = Some(n);
        } else if n < digits.len() {
            digits[n] = c;
            n += 1;
        }
    }
    let mut dp = point.unwrap_or(n) as i32 + exp;
    let mut start = 0;
    while start + 1 < n && digits[start] == b'0' {
        start += 1;
        dp -= 1;
    }
    let mut end = n;
    while end > start + 1 && digits[end - 1] == b'0' {
        end -= 1;
    }
    let d = &digits[start..end];
    let len = d.len() as i32;
    if may_tie(x, len - dp) {
        push_float_std(out, v);
        return;
    }
    if neg {
        out.push(b'-');
    }
    let plain_len = if dp <= 0 {
        2 - dp + len
    } else if dp < len {
        len + 1
    } else {
        dp
    };
    let e = dp - 1;
    let exp_len = len + i32::from(len > 1) + 1 + i32::from(e < 0) + digit_count(e.unsigned_abs());
    if (dp <= -4 || dp >= 17) && exp_len < plain_len {
        out.push(d[0]);
        if len > 1 {
            out.push(b'.');
            out.extend_from_slice(&d[1..]);
        }
        out.push(b'e');
        if e < 0 {
            out.push(b'-');
        }
        push_digits(out, e.unsigned_abs());
    } else if dp <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-dp) as usize, b'0');
        out.extend_from_slice(d);
    } else if dp < len {
        out.extend_from_slice(&d[..dp as usize]);
        out.push(b'.');
        out.extend_from_slice(&d[dp as usize..]);
    } else {
        out.extend_from_slice(d);
        out.resize(out.len() + (dp - len) as usize, b'0');
    }
}

/// [`push_float`] for `f64`, taking `ryu`'s text as it is where it already is the
/// answer: `1e-4 ≤ |v| < 1e16` prints plain in both (`ryu` adds `.0` to integers,
/// `Display` does not), `|v| < 1e-5` as `d.ddde-x` in both (shorter than the plain
/// form there). Other magnitudes, and values that may sit on a tie (see
/// [`may_tie`]; checked here from the binary exponents alone, conservatively), go
/// through [`push_float`].
fn push_f64(out: &mut Vec<u8>, buf: &mut ryu::Buffer, v: f64) {
    let a = v.abs();
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 || biased == 0x7ff {
        return push_float(out, buf, v);
    }
    let m = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let e = biased - 1075;
    let low = e + m.trailing_zeros() as i32;
    // 2^(e + 52) ≤ |v| gives a lower bound on the decimal point position dp, hence
    // an upper bound 17 − dp on the digits after the point
    let dp_low = (f64::from(e + 52) * std::f64::consts::LOG10_2).floor() as i32;
    let after = 17 - dp_low + 1;
    if low + 1 + after >= 0 {
        return push_float(out, buf, v);
    }
    if (1e-4..1e16).contains(&a) {
        let s = buf.format_finite(v);
        out.extend_from_slice(s.strip_suffix(".0").unwrap_or(s).as_bytes());
    } else if a < 1e-5 {
        out.extend_from_slice(buf.format_finite(v).as_bytes());
    } else {
        push_float(out, buf, v);
    }
}

/// Whether `x` could lie exactly half-way between two candidates with `s` digits after
/// the decimal point (`2·x·10^s` an odd integer): only then may `ryu` (ties to even)
/// and Rust's `fmt` (ties away from zero) pick different shortest digits. `x = m·2^e`
/// with `m` odd needs `e + 1 + s ≥ 0` for that (or `s < 0`); probabilities, with their
/// full mantissas, never qualify.
fn may_tie(x: f64, s: i32) -> bool {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), biased - 1075)
    };
    let low = e + m.trailing_zeros() as i32;
    s < 0 || low + 1 + s >= 0
}

/// [`push_float`] through Rust's own formatting (both forms, the shorter).
fn push_float_std<F: std::fmt::Display + std::fmt::Debug>(out: &mut Vec<u8>, v: F) {
    let plain = v.to_string();
    let debug = format!("{v:?}");
    out.extend_from_slice(if debug.len() < plain.len() {
        debug.as_bytes()
    } else {
        plain.as_bytes()
    });
}

fn parse_exp(s: &[u8]) -> i32 {
    let (neg, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let v = s
        .iter()
        .fold(0i32, |acc, &c| acc * 10 + i32::from(c - b'0'));
    if neg { -v } else { v }
}

/// Appends the decimal digits of `v`.
fn push_digits(out: &mut Vec<u8>, v: u32) {
    let mut buf = [0u8; 10];
    let mut k = buf.len();
    let mut v = v;
    loop {
        k -= 1;
        buf[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[k..]);
}

fn digit_count(mut v: u32) -> i32 {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// Appends a text field, quoted when it must be (see the module docs).
fn push_text(out: &mut Vec<u8>, text: &[u8], special: &[bool; 256]) {
    if text.iter().any(|&c| special[c as usize]) {
        out.push(b'"');
        for &c in text {
            if c == b'"' {
                out.push(b'"');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text);
    }
}

/// Appends the field of row `i` of `c` (nothing for a null).
fn push_field(
    out: &mut Vec<u8>,
    c: &Column<'_>,
    i: usize,
    buf: &mut ryu::Buffer,
    special: &[bool; 256],
) {
    if c.nulls.is_some_and(|n| n.is_null(i)) {
        return;
    }
    let i = match &c.keys {
        Some(k) if c.value_nulls.is_some_and(|n| n.is_null(k[i])) => return,
        Some(k) => k[i],
        None => i,
    };
    match &c.values {
        Values::Null => {}
        Values::Bool(a) => out.extend_from_slice(if a.value(i) { b"true" } else { b"false" }),
        Values::I8(a) => push_int(out, a.value(i)),
        Values::I16(a) => push_int(out, a.value(i)),
        Values::I32(a) => push_int(out, a.value(i)),
        Values::I64(a) => push_int(out, a.value(i)),
        Values::U8(a) => push_int(out, a.value(i)),
        Values::U16(a) => push_int(out, a.value(i)),
        Values::U32(a) => push_int(out, a.value(i)),
        Values::U64(a) => push_int(out, a.value(i)),
        Values::F32(a) => push_float(out, buf, a.value(i)),
        Values::F64(a) => push_f64(out, buf, a.value(i)),
        Values::Str(a) => push_text(out, a.value(i).as_bytes(), special),
        Values::LargeStr(a) => push_text(out, a.value(i).as_bytes(), special),
        Values::View(a) => push_text(out, a.value(i).as_bytes(), special),
    }
}

/// The CSV text of `rows`.
fn format_rows(delimiter: u8, cols: &[Column<'_>], rows: std::ops::Range<usize>) -> Vec<u8> {
    let mut special = [false; 256];
    for c in [delimiter, b'"', b'\r', b'\n'] {
        special[c as usize] = true;
    }
    let mut out = Vec::with_capacity(rows.len() * 24 * cols.len().max(1));
    let mut buf = ryu::Buffer::new();
    for i in rows {
        let start = out.len();
        for (j, c) in cols.iter().enumerate() {
            if j > 0 {
                out.push(delimiter);
            }
            push_field(&mut out, c, i, &mut buf, &special);
        }
        // a record of one empty field is written as `""` (else it reads as no record)
        if out.len() == start {
            out.extend_from_slice(b"\"\"");
        }
        out.push(b'\n');
    }
    out
}

impl<W: Write> CsvTableWriter<W> {
    /// Writes the header.
    pub(crate) fn try_new(mut out: W, schema: &Schema, delimiter: u8) -> Result<Self> {
        for f in schema.fields() {
            check_type(f.name(), f.data_type())?;
        }
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(Vec::new());
        w.write_record(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(|e| errors::write("CSV", e))?;
        let header = w
            .into_inner()
            .map_err(|e| errors::write("CSV", e.into_error()))?;
        out.write_all(&header)
            .map_err(|e| errors::write("CSV", e))?;
        Ok(CsvTableWriter {
            out,
            delimiter,
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
        // dictionary keys are normalised once per batch, not per value
        let cols: Vec<Column<'_>> = batch
            .columns()
            .iter()
            .map(|c| match c.as_any_dictionary_opt() {
                Some(d) => Column {
                    nulls: c.nulls(),
                    value_nulls: d.values().nulls(),
                    values: Values::of(d.values().as_ref()),
                    keys: Some(d.normalized_keys()),
                },
                None => Column {
                    nulls: c.nulls(),
                    value_nulls: None,
                    values: Values::of(c.as_ref()),
                    keys: None,
                },
            })
            .collect();
        let n = batch.num_rows();
        let chunks: Vec<usize> = (0..n).step_by(CHUNK_ROWS).collect();
        for round in chunks.chunks(CHUNKS_IN_FLIGHT) {
            let texts: Vec<Vec<u8>> = round
                .par_iter()
                .map(|&lo| format_rows(self.delimiter, &cols, lo..n.min(lo + CHUNK_ROWS)))
                .collect();
            for t in texts {
                self.out
                    .write_all(&t)
                    .map_err(|e| errors::write("CSV", e))?;
            }
        }
        Ok(())
    }

    /// Returns the inner writer.
    pub(crate) fn finish(self) -> Result<W> {
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float32Array, Float64Array, StringArray};

    use super::*;

    /// The rule as first written: format both, keep the shorter (ties: plain).
    fn reference<T: std::fmt::Display + std::fmt::Debug>(v: T) -> String {
        let (plain, debug) = (v.to_string(), format!("{v:?}"));
        if debug.len() < plain.len() {
            debug
        } else {
            plain
        }
    }

    #[test]
    fn floats_print_the_shorter_of_display_and_debug() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut values: Vec<f64> = vec![
            0.0,
            -0.0,
            1.0,
            0.25,
            1e-300,
            1e300,
            1e-4,
            1e16,
            2e-4,
            5e15,
            9.999e-5,
            1.0001e-4,
            9_999_999_999_999_998.0,
            1e15,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            123_456.0,
            0.999_999_999_999_9,
        ];
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x));
            // magnitudes around the bounds, where the choice changes
            values.push((x >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((x % 40) as i32 - 20));
        }
        let (mut out, mut buf) = (Vec::new(), ryu::Buffer::new());
        for v in values {
            for x in [v, -v] {
                out.clear();
                push_float(&mut out, &mut buf, x);
                assert_eq!(String::from_utf8_lossy(&out), reference(x), "{x:e}");
                out.clear();
                push_f64(&mut out, &mut buf, x);
                assert_eq!(String::from_utf8_lossy(&out), reference(x), "{x:e}");
                let f = x as f32;
                out.clear();
                push_float(&mut out, &mut buf, f);
                assert_eq!(String::from_utf8_lossy(&out), reference(f), "{f:e}");
            }
        }
    }

    #[test]
    fn chunked_parallel_text_equals_the_csv_crate() {
        let n = 3 * CHUNK_ROWS + 123;
        let f: Vec<Option<f64>> = (0..n)
            .map(|i| (i % 7 != 0).then(|| (i as f64 * 0.37).sin() * 10f64.powi(i as i32 % 30 - 15)))
            .collect();
        let s: Vec<Option<String>> = (0..n)
            .map(|i| (i % 5 != 0).then(|| format!("a,\"{i}\"")))
            .collect();
        let g: Vec<f32> = (0..n).map(|i| i as f32 / 3.0).collect();
        let batch = RecordBatch::try_from_iter([
            ("s", Arc::new(StringArray::from(s.clone())) as ArrayRef),
            ("f", Arc::new(Float64Array::from(f.clone())) as ArrayRef),
            ("g", Arc::new(Float32Array::from(g.clone())) as ArrayRef),
        ])
        .expect("batch");
        let write = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| {
                    let mut w =
                        CsvTableWriter::try_new(Vec::new(), &batch.schema(), b',').expect("header");
                    w.write(&batch).expect("rows");
                    w.write(&batch.slice(5, 10)).expect("rows");
                    w.finish().expect("done")
                })
        };
        // one csv writer over every row, the values formatted by the reference rule
        let mut want = csv::Writer::from_writer(Vec::new());
        want.write_record(["s", "f", "g"]).expect("header");
        let rows = (0..n).chain(5..15);
        for i in rows {
            want.write_record([
                s[i].clone().unwrap_or_default(),
                f[i].map(reference).unwrap_or_default(),
                reference(g[i]),
            ])
            .expect("row");
        }
        let want = want.into_inner().expect("bytes");
        let one = write(1);
        assert_eq!(one, write(3), "identical for any thread count");
        let (one, want) = (
            String::from_utf8(one).expect("utf8"),
            String::from_utf8(want).expect("utf8"),
        );
        for (k, (a, b)) in one.lines().zip(want.lines()).enumerate() {
            assert_eq!(a, b, "line {k}");
        }
        assert_eq!(one.len(), want.len());
    }
}
