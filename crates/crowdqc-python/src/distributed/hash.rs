//! The stable item hash of `crowdqc.distributed.partition_by_item`.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_pyarrow::FromPyArrow;
use arrow_schema::DataType;
use crowdqc_core::Error;
use pyo3::prelude::*;

use crate::arrow_out::u32s;
use crate::errors::{IntoPy, to_py};

/// FNV-1a, 64 bit, over `bytes`.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64's finaliser: spreads FNV's weak low bits before the modulo.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The shard of one id's text (see [`shard_of`]).
fn shard_of_text(text: &[u8], n: u64) -> u32 {
    (mix(fnv1a(text)) % n) as u32
}

/// The shard of an integer id: the hash of its decimal text, so `7` and `"7"` agree.
fn shard_of_int(v: i128, n: u64) -> u32 {
    shard_of_text(v.to_string().as_bytes(), n)
}

/// Shard indices of one Arrow array of ids (see [`shard_of`]).
fn shards_of_array(a: &dyn Array, n: u64, out: &mut Vec<u32>) -> crowdqc_core::Result<()> {
    if a.null_count() > 0 {
        return Err(Error::value(
            "item",
            None,
            format!(
                "{} null item id(s); every judgment needs an item id: drop or fill them",
                a.null_count()
            ),
        ));
    }
    macro_rules! ints {
        ($t:ty) => {
            out.extend(
                a.as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| shard_of_int(v as i128, n)),
            )
        };
    }
    let text = |s: Option<&str>| shard_of_text(s.unwrap_or("").as_bytes(), n);
    match a.data_type() {
        DataType::Utf8 => out.extend(a.as_string::<i32>().iter().map(text)),
        DataType::LargeUtf8 => out.extend(a.as_string::<i64>().iter().map(text)),
        DataType::Utf8View => out.extend(a.as_string_view().iter().map(text)),
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => ints!(Int64Type),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => ints!(UInt64Type),
        other => {
            return Err(Error::Schema {
                column: "item".into(),
                expected: "strings or integers (decode dictionaries first)".into(),
                found: other.to_string(),
            });
        }
    }
    Ok(())
}

/// Stable shard index in `0..n_shards` of every row of column `column` of an Arrow C
/// stream (strings, large strings, string views or integers; no nulls):
/// `splitmix64(fnv1a64(text)) % n_shards`, where `text` is the id's UTF-8 text (the
/// decimal text for integers, so an id read as a number or as a string goes to the
/// same shard). The same on every machine, Python version and run, unlike Python's
/// salted `hash()`. Returns pyarrow `uint32`, one per row; the GIL is released.
#[pyfunction]
pub fn shard_of<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    column: String,
    n_shards: u32,
) -> PyResult<Bound<'py, PyAny>> {
    if n_shards == 0 {
        return Err(to_py(Error::param("n_shards", "must be at least 1")));
    }
    let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
    let n = u64::from(n_shards);
    let out = py
        .detach(move || -> crowdqc_core::Result<Vec<u32>> {
            let mut out = Vec::new();
            for batch in reader {
                let batch = batch.map_err(|e| Error::External {
                    context: "reading the ids to partition".into(),
                    message: e.to_string(),
                })?;
                let col = batch
                    .column_by_name(&column)
                    .ok_or_else(|| Error::MissingColumn {
                        wanted: column.clone(),
                        tried: vec![column.clone()],
                        found: batch
                            .schema()
                            .fields()
                            .iter()
                            .map(|f| f.name().clone())
                            .collect(),
                    })?;
                shards_of_array(col.as_ref(), n, &mut out)?;
            }
            Ok(out)
        })
        .py_err()?;
    u32s(py, out)
}
