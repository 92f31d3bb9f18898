//! Ingest options and the conversion of Arrow columns to dense codes.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType, DurationSecondType,
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};

use crate::dict::IdDictionary;
use crate::error::{Error, Result};

/// What to do with repeated `(item, worker)` pairs. They are always counted and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum DuplicatePolicy {
    /// Keep every judgment (crowd-kit's behaviour; the 1979 Dawid–Skene data rates
    /// patients repeatedly). The default.
    #[default]
    KeepAll,
    /// Keep the first judgment of each pair in input order.
    First,
    /// Keep the last judgment of each pair in input order.
    Last,
    /// Fail on the first repeated pair, naming the item, the worker and both rows.
    Error,
}

impl std::str::FromStr for DuplicatePolicy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "keep-all" => Ok(Self::KeepAll),
            "first" => Ok(Self::First),
            "last" => Ok(Self::Last),
            "error" => Ok(Self::Error),
            other => Err(Error::param(
                "duplicates",
                format!("must be one of keep-all, first, last, error; got `{other}`"),
            )),
        }
    }
}

impl DuplicatePolicy {
    /// The policy's name as accepted by [`str::parse`].
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::KeepAll => "keep-all",
            Self::First => "first",
            Self::Last => "last",
            Self::Error => "error",
        }
    }
}

/// Column names for judgments and gold. `None` means "use the default aliases".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Item column (default aliases: `item`, `task`).
    pub item: Option<String>,
    /// Worker column (default aliases: `worker`, `performer`, `annotator`).
    pub worker: Option<String>,
    /// Label column (default aliases: `label`; for gold also `true_label`, `gold`).
    pub label: Option<String>,
    /// Optional timestamp column (default alias: `timestamp`).
    pub timestamp: Option<String>,
    /// Optional duration column in milliseconds (default alias: `duration_ms`).
    pub duration: Option<String>,
}

pub(crate) const ITEM_ALIASES: &[&str] = &["item", "task"];
pub(crate) const WORKER_ALIASES: &[&str] = &["worker", "performer", "annotator"];
pub(crate) const LABEL_ALIASES: &[&str] = &["label"];
pub(crate) const GOLD_LABEL_ALIASES: &[&str] = &["label", "true_label", "gold"];
pub(crate) const TIMESTAMP_ALIASES: &[&str] = &["timestamp"];
pub(crate) const DURATION_ALIASES: &[&str] = &["duration_ms"];

/// Options for building a [`JudgmentMatrix`](crate::JudgmentMatrix).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestOptions {
    /// Column names.
    pub columns: ColumnMap,
    /// Duplicate `(item, worker)` policy.
    pub duplicates: DuplicatePolicy,
    /// The declared class set, in class order. Labels are matched by their text
    /// (`1` matches integer label 1). A judgment label outside it is an error.
    pub classes: Option<Vec<String>>,
    /// Let gold labels outside the class set extend it (appended after declared
    /// classes, or sorted in with the observed ones). Off by default: such a gold
    /// label is an error.
    pub extend_classes_with_gold: bool,
}

/// Finds a column by explicit name or by the first matching alias.
pub(crate) fn resolve_column(
    batch: &RecordBatch,
    wanted: &str,
    explicit: Option<&str>,
    aliases: &[&str],
    required: bool,
) -> Result<Option<usize>> {
    let schema = batch.schema();
    let tried: Vec<&str> = match explicit {
        Some(name) => vec![name],
        None => aliases.to_vec(),
    };
    for name in &tried {
        if let Ok(i) = schema.index_of(name) {
            return Ok(Some(i));
        }
    }
    if required || explicit.is_some() {
        return Err(Error::MissingColumn {
            wanted: wanted.into(),
            tried: tried.iter().map(|s| s.to_string()).collect(),
            found: schema.fields().iter().map(|f| f.name().clone()).collect(),
        });
    }
    Ok(None)
}

fn first_null(arr: &dyn Array) -> Option<usize> {
    let nulls = arr.logical_nulls()?;
    if nulls.null_count() == 0 {
        return None;
    }
    (0..arr.len()).find(|&i| nulls.is_null(i))
}

const ID_TYPES: &str = "a string, integer or boolean column (or a dictionary of those)";

/// Appends the codes of `arr` (interned into `dict`) to `out`.
pub(crate) fn encode_ids(
    arr: &dyn Array,
    dict: &mut IdDictionary,
    out: &mut Vec<u32>,
    column: &str,
    row0: u64,
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
            let mut prev: Option<(&str, u32)> = None;
            for i in 0..a.len() {
                let s = a.value(i);
                let code = match prev {
                    Some((p, c)) if p == s => c,
                    _ => dict.intern_str(s),
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
            let mut cache = vec![u32::MAX; values.len()];
            let mut one = Vec::with_capacity(1);
            for (i, k) in any.normalized_keys().into_iter().enumerate() {
                if k >= values.len() {
                    return Err(Error::value(
                        column,
                        Some(row0 + i as u64),
                        "dictionary key out of range",
                    ));
                }
                if cache[k] == u32::MAX {
                    one.clear();
                    encode_ids(
                        values.slice(k, 1).as_ref(),
                        dict,
                        &mut one,
                        column,
                        row0 + i as u64,
                    )
                    .map_err(|e| match e {
                        Error::Schema { .. } => Error::Schema {
                            column: column.into(),
                            expected: ID_TYPES.into(),
                            found: format!("Dictionary(_, {value_type})"),
                        },
                        e => e,
                    })?;
                    cache[k] = one[0];
                }
                out.push(cache[k]);
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
