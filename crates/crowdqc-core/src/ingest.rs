//! The conversion of Arrow columns to dense codes (the hot path of ingest).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType, DurationSecondType,
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, StringArray};
use arrow_schema::{DataType, TimeUnit};

use crate::dict::IdDictionary;
use crate::error::{Error, Result};

/// `arr` with surrounding whitespace trimmed from every string (plain string columns
/// and dictionaries of strings); other columns are returned as they are.
pub(crate) fn trim_strings(arr: &ArrayRef) -> Result<ArrayRef> {
    fn trimmed<'a>(it: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
        Arc::new(StringArray::from_iter(it.map(|v| v.map(str::trim))))
    }
    Ok(match arr.data_type() {
        DataType::Utf8 => trimmed(arr.as_string::<i32>().iter()),
        DataType::LargeUtf8 => trimmed(arr.as_string::<i64>().iter()),
        DataType::Utf8View => trimmed(arr.as_string_view().iter()),
        DataType::Dictionary(..) => match arr.as_any_dictionary_opt() {
            Some(d) => {
                let values = trim_strings(d.values())?;
                if Arc::ptr_eq(&values, d.values()) {
                    return Ok(Arc::clone(arr));
                }
                d.with_values(values)
            }
            None => Arc::clone(arr),
        },
        _ => Arc::clone(arr),
    })
}

fn first_null(arr: &dyn Array) -> Option<usize> {
    let nulls = arr.logical_nulls()?;
    if nulls.null_count() == 0 {
        return None;
    }
    (0..arr.len()).find(|&i| nulls.is_null(i))
}

const ID_TYPES: &str = "a string, integer, float or boolean column (or a dictionary of those)";

/// The codes of a dictionary array's values, kept across batches that share the same
/// values array (one per id column of a builder).
#[derive(Debug, Default)]
pub(crate) struct DictCache {
    values: Option<ArrayRef>,
    /// Code of each dictionary value, `u32::MAX` until first used.
    codes: Vec<u32>,
    /// Recently seen string ids, in front of the dictionary's hash table.
    recent: Recent,
}

/// Slots of the [`Recent`] cache (2^14 × 8 bytes: 128 KiB, L2-resident).
const RECENT_SLOTS: usize = 1 << 14;

/// A direct-mapped cache of recently seen string ids (`hash → code`), so that ids that
/// recur within a window of rows (an item's judgments spread over nearby rows, busy
/// workers) are found without touching the dictionary's large hash table. A hit is
/// verified against the dictionary's own string, so codes are exactly those of
/// [`IdDictionary::intern_str`].
#[derive(Debug, Default)]
struct Recent {
    /// `(hash, code + 1)` (the dictionary's 32-bit hash); code 0 marks an empty slot.
    slots: Vec<(u32, u32)>,
}

impl Recent {
    #[inline]
    fn intern(&mut self, dict: &mut IdDictionary, s: &str) -> u32 {
        let Some(h) = dict.str_hash(s) else {
            return dict.intern_str(s);
        };
        if self.slots.is_empty() {
            self.slots = vec![(0, 0); RECENT_SLOTS];
        }
        let slot = (h as usize) & (RECENT_SLOTS - 1);
        let (sh, sc) = self.slots[slot];
        if sh == h && sc != 0 && dict.str_at(sc - 1) == Some(s) {
            return sc - 1;
        }
        let c = dict.intern_str_hashed(s, h);
        self.slots[slot] = (h, c + 1);
        c
    }
}

/// Plain string batches at least this long into a hashed dictionary are interned as one
/// batch ([`IdDictionary::intern_strs`]).
const BATCH_STRS: usize = 4096;

/// A dictionary value's code while its batch is being interned.
const PENDING: u32 = u32::MAX - 1;

/// Appends the codes of `arr` (interned into `dict`) to `out`.
pub(crate) fn encode_ids(
    arr: &dyn Array,
    dict: &mut IdDictionary,
    out: &mut Vec<u32>,
    column: &str,
    row0: u64,
    cache: &mut DictCache,
) -> Result<()> {
    if let Some(i) = first_null(arr) {
        return Err(Error::value(
            column,
            Some(row0 + i as u64),
            "null value; every judgment needs an item, a worker and a label (drop or fill such rows)",
        ));
    }
    out.reserve(arr.len());
    macro_rules! strings {
        ($a:expr) => {{
            let a = $a;
            if a.len() >= BATCH_STRS && dict.str_hash("").is_some() {
                // a hashed dictionary: the batch is interned in bucket order
                let vals: Vec<&str> = (0..a.len()).map(|i| a.value(i)).collect();
                dict.intern_strs(&vals, out);
                return Ok(());
            }
            let recent = &mut cache.recent;
            let mut prev: Option<(&str, u32)> = None;
            for i in 0..a.len() {
                let s = a.value(i);
                let code = match prev {
                    Some((p, c)) if p == s => c,
                    _ => recent.intern(dict, s),
                };
                prev = Some((s, code));
                out.push(code);
            }
        }};
    }
    macro_rules! ints {
        ($t:ty) => {{
            let a = arr.as_primitive::<$t>();
            let mut prev: Option<(i64, u32)> = None;
            for &v in a.values().iter() {
                let v = v as i64;
                let code = match prev {
                    Some((p, c)) if p == v => c,
                    _ => dict.intern_int(v),
                };
                prev = Some((v, code));
                out.push(code);
            }
        }};
    }
    match arr.data_type() {
        DataType::Utf8 => strings!(arr.as_string::<i32>()),
        DataType::LargeUtf8 => strings!(arr.as_string::<i64>()),
        DataType::Utf8View => strings!(arr.as_string_view()),
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => ints!(Int64Type),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => {
            let a = arr.as_primitive::<UInt64Type>();
            for (i, &v) in a.values().iter().enumerate() {
                let v = i64::try_from(v).map_err(|_| {
                    Error::value(
                        column,
                        Some(row0 + i as u64),
                        format!("id {v} exceeds i64::MAX"),
                    )
                })?;
                out.push(dict.intern_int(v));
            }
        }
        DataType::Float32 | DataType::Float64 => {
            // pandas writes integer labels with missing values as float64: integral values
            // are integers; others keep their shortest decimal form (still ordered
            // numerically as classes); NaN and infinities are rejected.
            let vals: Vec<f64> = match arr.data_type() {
                DataType::Float32 => arr
                    .as_primitive::<Float32Type>()
                    .values()
                    .iter()
                    .map(|&v| v as f64)
                    .collect(),
                _ => arr.as_primitive::<Float64Type>().values().to_vec(),
            };
            for (i, v) in vals.into_iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::value(
                        column,
                        Some(row0 + i as u64),
                        format!("value {v} is not a finite number; drop or fill such rows"),
                    ));
                }
                let code = if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    dict.intern_int(v as i64)
                } else {
                    dict.intern_str(&v.to_string())
                };
                out.push(code);
            }
        }
        DataType::Boolean => {
            let a = arr.as_boolean();
            for i in 0..a.len() {
                out.push(dict.intern_str(if a.value(i) { "true" } else { "false" }));
            }
        }
        DataType::Dictionary(_, value_type) => {
            let any = arr.as_any_dictionary_opt().ok_or_else(|| Error::Schema {
                column: column.into(),
                expected: ID_TYPES.into(),
                found: arr.data_type().to_string(),
            })?;
            let values = any.values();
            // Batches of one Parquet column chunk share their dictionary: keep the codes
            // of its values across batches (the cache holds the values array, so its
            // buffers cannot be freed and reused while compared by address).
            let same = cache
                .values
                .as_ref()
                .is_some_and(|v| Arc::ptr_eq(v, values) || v.to_data().ptr_eq(&values.to_data()));
            if !same {
                cache.values = Some(Arc::clone(values));
                cache.codes.clear();
                cache.codes.resize(values.len(), u32::MAX);
            }
            let codes = &mut cache.codes;
            let mut one = Vec::with_capacity(1);
            macro_rules! by_key {
                ($intern:expr) => {{
                    let mut intern = $intern;
                    for (i, k) in crate::columns::dictionary_keys(any).into_iter().enumerate() {
                        if k >= codes.len() {
                            return Err(Error::value(
                                column,
                                Some(row0 + i as u64),
                                "dictionary key out of range",
                            ));
                        }
                        if codes[k] == u32::MAX {
                            codes[k] = intern(k, i)?;
                        }
                        out.push(codes[k]);
                    }
                }};
            }
            macro_rules! int_values {
                ($t:ty) => {{
                    let v = values.as_primitive::<$t>();
                    by_key!(|k: usize, _i: usize| -> Result<u32> {
                        Ok(dict.intern_int(v.value(k) as i64))
                    })
                }};
            }
            // String values: the keys' new values are collected in order of first
            // appearance and interned as one batch (the same codes as one by one).
            macro_rules! str_values {
                ($v:expr) => {{
                    let v = $v;
                    let keys = crate::columns::dictionary_keys(any);
                    let mut pending: Vec<&str> = Vec::new();
                    let mut slots: Vec<usize> = Vec::new();
                    for (i, &k) in keys.iter().enumerate() {
                        if k >= codes.len() {
                            // the keys before it are interned, as one by one
                            let mut got = Vec::with_capacity(pending.len());
                            dict.intern_strs(&pending, &mut got);
                            for (&k, &c) in slots.iter().zip(&got) {
                                codes[k] = c;
                            }
                            return Err(Error::value(
                                column,
                                Some(row0 + i as u64),
                                "dictionary key out of range",
                            ));
                        }
                        if codes[k] == u32::MAX {
                            codes[k] = PENDING;
                            pending.push(v.value(k));
                            slots.push(k);
                        }
                    }
                    let mut got = Vec::with_capacity(pending.len());
                    dict.intern_strs(&pending, &mut got);
                    for (&k, &c) in slots.iter().zip(&got) {
                        codes[k] = c;
                    }
                    out.extend(keys.iter().map(|&k| codes[k]));
                }};
            }
            match values.data_type() {
                DataType::Utf8 => str_values!(values.as_string::<i32>()),
                DataType::LargeUtf8 => str_values!(values.as_string::<i64>()),
                DataType::Utf8View => str_values!(values.as_string_view()),
                DataType::Int8 => int_values!(Int8Type),
                DataType::Int16 => int_values!(Int16Type),
                DataType::Int32 => int_values!(Int32Type),
                DataType::Int64 => int_values!(Int64Type),
                DataType::UInt8 => int_values!(UInt8Type),
                DataType::UInt16 => int_values!(UInt16Type),
                DataType::UInt32 => int_values!(UInt32Type),
                _ => by_key!(|k: usize, i: usize| -> Result<u32> {
                    one.clear();
                    encode_ids(
                        values.slice(k, 1).as_ref(),
                        dict,
                        &mut one,
                        column,
                        row0 + i as u64,
                        &mut DictCache::default(),
                    )
                    .map_err(|e| match e {
                        Error::Schema { .. } => Error::Schema {
                            column: column.into(),
                            expected: ID_TYPES.into(),
                            found: format!("Dictionary(_, {value_type})"),
                        },
                        e => e,
                    })?;
                    Ok(one[0])
                }),
            }
        }
        other => {
            return Err(Error::Schema {
                column: column.into(),
                expected: ID_TYPES.into(),
                found: other.to_string(),
            });
        }
    }
    Ok(())
}

/// Appends timestamps (milliseconds since the Unix epoch) to `out`.
///
/// Accepts Arrow timestamps of any unit, integers (taken as milliseconds), and strings in
/// RFC 3339 (`2024-05-01T12:00:00Z`) or `YYYY-MM-DD HH:MM:SS[.fff]` (UTC) form.
pub(crate) fn encode_timestamps(
    arr: &dyn Array,
    out: &mut Vec<i64>,
    column: &str,
    row0: u64,
) -> Result<()> {
    if let Some(i) = first_null(arr) {
        return Err(Error::value(
            column,
            Some(row0 + i as u64),
            "null timestamp; fill it or drop the row",
        ));
    }
    let parse = |s: &str, i: usize| -> Result<i64> {
        let s = s.trim();
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
            return Ok(t.timestamp_millis());
        }
        for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
            if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
                return Ok(t.and_utc().timestamp_millis());
            }
        }
        if let Ok(v) = s.parse::<i64>() {
            return Ok(v);
        }
        Err(Error::value(
            column,
            Some(row0 + i as u64),
            format!(
                "cannot parse timestamp `{s}`; use RFC 3339 (2024-05-01T12:00:00Z) or milliseconds since the epoch"
            ),
        ))
    };
    match arr.data_type() {
        DataType::Timestamp(unit, _) => match unit {
            TimeUnit::Second => out.extend(
                arr.as_primitive::<TimestampSecondType>()
                    .values()
                    .iter()
                    .map(|&v| v.saturating_mul(1000)),
            ),
            TimeUnit::Millisecond => out.extend(
                arr.as_primitive::<TimestampMillisecondType>()
                    .values()
                    .iter()
                    .copied(),
            ),
            TimeUnit::Microsecond => out.extend(
                arr.as_primitive::<TimestampMicrosecondType>()
                    .values()
                    .iter()
                    .map(|&v| v.div_euclid(1000)),
            ),
            TimeUnit::Nanosecond => out.extend(
                arr.as_primitive::<TimestampNanosecondType>()
                    .values()
                    .iter()
                    .map(|&v| v.div_euclid(1_000_000)),
            ),
        },
        DataType::Int64 => out.extend(arr.as_primitive::<Int64Type>().values().iter().copied()),
        DataType::Int32 => out.extend(
            arr.as_primitive::<Int32Type>()
                .values()
                .iter()
                .map(|&v| v as i64),
        ),
        DataType::UInt32 => out.extend(
            arr.as_primitive::<UInt32Type>()
                .values()
                .iter()
                .map(|&v| v as i64),
        ),
        DataType::Utf8 => {
            let a = arr.as_string::<i32>();
            for i in 0..a.len() {
                out.push(parse(a.value(i), i)?);
            }
        }
        DataType::LargeUtf8 => {
            let a = arr.as_string::<i64>();
            for i in 0..a.len() {
                out.push(parse(a.value(i), i)?);
            }
        }
        DataType::Utf8View => {
            let a = arr.as_string_view();
            for i in 0..a.len() {
                out.push(parse(a.value(i), i)?);
            }
        }
        other => {
            return Err(Error::Schema {
                column: column.into(),
                expected: "a timestamp, integer (ms since epoch) or RFC 3339 string column".into(),
                found: other.to_string(),
            });
        }
    }
    Ok(())
}

/// Appends durations in milliseconds to `out` (nulls become NaN; negative values are an error).
pub(crate) fn encode_durations(
    arr: &dyn Array,
    out: &mut Vec<f64>,
    column: &str,
    row0: u64,
) -> Result<()> {
    let start = out.len();
    macro_rules! prim {
        ($t:ty) => {
            out.extend(arr.as_primitive::<$t>().values().iter().map(|&v| v as f64))
        };
    }
    match arr.data_type() {
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float64 => prim!(Float64Type),
        DataType::Duration(TimeUnit::Second) => out.extend(
            arr.as_primitive::<DurationSecondType>()
                .values()
                .iter()
                .map(|&v| v as f64 * 1e3),
        ),
        DataType::Duration(TimeUnit::Millisecond) => prim!(DurationMillisecondType),
        DataType::Duration(TimeUnit::Microsecond) => out.extend(
            arr.as_primitive::<DurationMicrosecondType>()
                .values()
                .iter()
                .map(|&v| v as f64 * 1e-3),
        ),
        DataType::Duration(TimeUnit::Nanosecond) => out.extend(
            arr.as_primitive::<DurationNanosecondType>()
                .values()
                .iter()
                .map(|&v| v as f64 * 1e-6),
        ),
        other => {
            return Err(Error::Schema {
                column: column.into(),
                expected: "a numeric column of milliseconds (or an Arrow duration)".into(),
                found: other.to_string(),
            });
        }
    }
    if let Some(nulls) = arr.logical_nulls() {
        for i in 0..arr.len() {
            if nulls.is_null(i) {
                out[start + i] = f64::NAN;
            }
        }
    }
    if let Some(i) = out[start..]
        .iter()
        .position(|&v| v < 0.0 || v.is_infinite())
    {
        return Err(Error::value(
            column,
            Some(row0 + i as u64),
            format!(
                "duration {} is negative or infinite; durations are milliseconds >= 0",
                out[start + i]
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod tests;
