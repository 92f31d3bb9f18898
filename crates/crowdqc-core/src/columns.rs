//! The one column layer: the names each logical column goes by, one resolver from a
//! schema to a column, and one reader of ids and one of numbers over any Arrow column.
//!
//! Every input of crowdqc — judgments, gold, evaluation gold, weights, worker stats,
//! task lists — finds its columns with [`resolve`] (or [`resolve_optional`],
//! [`resolve_named`]) and reads cells with [`IdColumn`] and [`NumberColumn`], so the
//! same aliases and the same Arrow types (Utf8, LargeUtf8 from pandas, Utf8View from
//! polars, dictionaries with any key type, integers) are accepted everywhere, and
//! errors name the column and the 1-based row.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{RecordBatch, LargeStringArray, Float64Array};
//! use crowdqc_core::columns::{self, IdColumn, NumberColumn, Role};
//! use crowdqc_core::IdRef;
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let batch = RecordBatch::try_from_iter([
//!     ("annotator", Arc::new(LargeStringArray::from(vec!["a", "b"])) as _),
//!     ("weight", Arc::new(Float64Array::from(vec![0.5, 2.0])) as _),
//! ])?;
//! let w = columns::resolve(&batch.schema(), Role::Worker, None)?;
//! let v = columns::resolve(&batch.schema(), Role::Weight, None)?;
//! let ids = IdColumn::new(batch.column(w), "annotator", 0)?;
//! let weights = NumberColumn::new(batch.column(v), "weight", 0)?;
//! assert_eq!(ids.get(1)?, IdRef::Str("b"));
//! assert_eq!(weights.get(1)?, 2.0);
//! # Ok(()) }
//! ```

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, GenericStringArray, Int64Array, StringArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Schema};

use crate::dict::{IdDictionary, IdKind, IdRef};
use crate::error::{Error, Result};
use crate::options::ColumnMap;

/// Default names of the item column.
pub const ITEM_ALIASES: &[&str] = &["item", "task"];
/// Default names of the worker column.
pub const WORKER_ALIASES: &[&str] = &["worker", "performer", "annotator"];
/// Default names of the label column of judgments.
pub const LABEL_ALIASES: &[&str] = &["label"];
/// Default names of the label column of gold files (gold, `--eval` files).
pub const GOLD_LABEL_ALIASES: &[&str] = &["label", "true_label", "gold"];
/// Default names of the optional timestamp column.
pub const TIMESTAMP_ALIASES: &[&str] = &["timestamp"];
/// Default names of the optional duration column (milliseconds).
pub const DURATION_ALIASES: &[&str] = &["duration_ms"];
/// Default names of the weight column of per-worker weights (`skill` as in crowd-kit).
pub const WEIGHT_ALIASES: &[&str] = &["weight", "skill"];
/// Default names of the left item column of pairwise comparisons.
pub const LEFT_ALIASES: &[&str] = &["left"];
/// Default names of the right item column of pairwise comparisons.
pub const RIGHT_ALIASES: &[&str] = &["right"];
/// Default names of the outcome column of pairwise comparisons (crowd-kit calls it
/// `label`: the id of the winning item).
pub const WINNER_ALIASES: &[&str] = &["winner", "label"];
/// Default names of the losing item column of comparisons given as `winner, loser`.
pub const LOSER_ALIASES: &[&str] = &["loser"];

/// A logical column and the names it goes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// The item (task) id.
    Item,
    /// The worker (performer, annotator) id.
    Worker,
    /// The label of a judgment.
    Label,
    /// The true label of a gold or evaluation file.
    GoldLabel,
    /// The optional timestamp of a judgment.
    Timestamp,
    /// The optional duration of a judgment, in milliseconds.
    Duration,
    /// A per-worker weight.
    Weight,
    /// The left item of a pairwise comparison.
    Left,
    /// The right item of a pairwise comparison.
    Right,
    /// The outcome of a pairwise comparison (the winner's id or a tie marker).
    Winner,
    /// The losing item of a comparison given as `winner, loser`.
    Loser,
}

impl Role {
    /// The logical name used in messages (`item`, `worker`, `label`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Role::Item => "item",
            Role::Worker => "worker",
            Role::Label | Role::GoldLabel => "label",
            Role::Timestamp => "timestamp",
            Role::Duration => "duration",
            Role::Weight => "weight",
            Role::Left => "left",
            Role::Right => "right",
            Role::Winner => "winner",
            Role::Loser => "loser",
        }
    }

    /// The default names tried, in order.
    pub const fn aliases(self) -> &'static [&'static str] {
        match self {
            Role::Item => ITEM_ALIASES,
            Role::Worker => WORKER_ALIASES,
            Role::Label => LABEL_ALIASES,
            Role::GoldLabel => GOLD_LABEL_ALIASES,
            Role::Timestamp => TIMESTAMP_ALIASES,
            Role::Duration => DURATION_ALIASES,
            Role::Weight => WEIGHT_ALIASES,
            Role::Left => LEFT_ALIASES,
            Role::Right => RIGHT_ALIASES,
            Role::Winner => WINNER_ALIASES,
            Role::Loser => LOSER_ALIASES,
        }
    }

    /// The name a [`ColumnMap`] gives this role, if any (gold labels take the mapped
    /// label column).
    pub fn mapped(self, map: &ColumnMap) -> Option<&str> {
        match self {
            Role::Item => map.item.as_deref(),
            Role::Worker => map.worker.as_deref(),
            Role::Label | Role::GoldLabel => map.label.as_deref(),
            Role::Timestamp => map.timestamp.as_deref(),
            Role::Duration => map.duration.as_deref(),
            Role::Weight | Role::Left | Role::Right | Role::Winner | Role::Loser => None,
        }
    }
}

fn missing(schema: &Schema, wanted: &str, tried: &[&str]) -> Error {
    Error::MissingColumn {
        wanted: wanted.into(),
        tried: tried.iter().map(|s| (*s).to_string()).collect(),
        found: schema.fields().iter().map(|f| f.name().clone()).collect(),
    }
}

/// The index of the column playing `role`: the `explicit` name when given (and only
/// it), else the first of the role's aliases present.
///
/// # Errors
/// [`Error::MissingColumn`] listing the names tried and the columns found.
pub fn resolve(schema: &Schema, role: Role, explicit: Option<&str>) -> Result<usize> {
    match explicit {
        Some(n) => resolve_named(schema, role.name(), &[n]),
        None => resolve_named(schema, role.name(), role.aliases()),
    }
}

/// Like [`resolve`] for an optional column: `Ok(None)` when no alias is present, an
/// error only when an `explicit` name is given and absent.
///
/// # Errors
/// [`Error::MissingColumn`] for an explicit name that is not in the schema.
pub fn resolve_optional(
    schema: &Schema,
    role: Role,
    explicit: Option<&str>,
) -> Result<Option<usize>> {
    match explicit {
        Some(_) => resolve(schema, role, explicit).map(Some),
        None => find_unique(schema, role.aliases()),
    }
}

/// The column of a secondary file (gold, evaluation gold): the `mapped` name of the
/// judgments when this file has it, else the role's aliases (such files often keep the
/// default names when the judgments' columns are mapped).
///
/// # Errors
/// [`Error::MissingColumn`] listing every name tried.
pub fn resolve_fallback(schema: &Schema, role: Role, mapped: Option<&str>) -> Result<usize> {
    let tried: Vec<&str> = mapped
        .into_iter()
        .chain(role.aliases().iter().copied())
        .collect();
    resolve_named(schema, role.name(), &tried)
}

/// The first of `names` present in `schema`, for columns without a [`Role`] (e.g. the
/// `correct` column of a stats table); `wanted` names it in the error.
///
/// # Errors
/// [`Error::MissingColumn`] listing `names` and the columns found.
pub fn resolve_named(schema: &Schema, wanted: &str, names: &[&str]) -> Result<usize> {
    find_unique(schema, names)?.ok_or_else(|| missing(schema, wanted, names))
}

/// The first of `names` present in `schema`, refusing a name that more than one column
/// has (which of them holds the data would be a guess).
///
/// # Errors
/// [`Error::InvalidValue`] naming the column and how many times it appears.
pub fn find_unique(schema: &Schema, names: &[&str]) -> Result<Option<usize>> {
    for n in names {
        let hits = schema.fields().iter().filter(|f| f.name() == n).count();
        if hits > 1 {
            return Err(duplicate_column(n, hits));
        }
        if hits == 1 {
            return Ok(schema.index_of(n).ok());
        }
    }
    Ok(None)
}

/// The error for a column name that appears `hits` times in a file's header.
pub fn duplicate_column(name: &str, hits: usize) -> Error {
    Error::value(
        name,
        None,
        format!(
            "the name appears {hits} times in the header; rename or drop the extra \
             columns so that it is clear which one to read"
        ),
    )
}

/// The first of `names` present in `schema` (the first column of that name: see
/// [`find_unique`] to refuse repeated names).
pub fn find(schema: &Schema, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| schema.index_of(n).ok())
}

/// The keys of a dictionary array as indices into its values. Arrow's
/// `normalized_keys` panics on a dictionary without values (found by fuzzing the
/// builder); every key of one is out of range, given here as `usize::MAX` so that
/// callers report it like any other out-of-range key.
pub(crate) fn dictionary_keys(d: &dyn arrow_array::AnyDictionaryArray) -> Vec<usize> {
    if d.values().is_empty() {
        vec![usize::MAX; d.len()]
    } else {
        d.normalized_keys()
    }
}

/// The accepted id types, for messages.
const ID_TYPES: &str = "strings or integers (Utf8, LargeUtf8, Utf8View, any integer, boolean, \
                        or a dictionary of those)";

enum IdValues<'a> {
    Utf8(&'a GenericStringArray<i32>),
    Large(&'a GenericStringArray<i64>),
    View(&'a StringViewArray),
    /// Integers (and integral floats), widened to i64.
    Int(Vec<i64>),
    /// Booleans and non-integral floats, as text.
    Text(Vec<String>),
}

impl IdValues<'_> {
    fn get(&self, i: usize) -> IdRef<'_> {
        match self {
            IdValues::Utf8(a) => IdRef::Str(a.value(i)),
            IdValues::Large(a) => IdRef::Str(a.value(i)),
            IdValues::View(a) => IdRef::Str(a.value(i)),
            IdValues::Int(v) => IdRef::Int(v[i]),
            IdValues::Text(v) => IdRef::Str(&v[i]),
        }
    }
}

/// Reads ids (or labels) from an Arrow column of any accepted type: Utf8, LargeUtf8,
/// Utf8View, any integer (unsigned 64-bit up to `i64::MAX`), boolean, floats whose
/// values are integral (pandas' integer columns with missing values) and
/// dictionaries of those with any key type.
pub struct IdColumn<'a> {
    name: String,
    first_row: u64,
    nulls: Option<NullBuffer>,
    keys: Option<Vec<usize>>,
    values: IdValues<'a>,
    len: usize,
}

impl std::fmt::Debug for IdColumn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdColumn")
            .field("name", &self.name)
            .field("first_row", &self.first_row)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

fn values_of<'a>(arr: &'a dyn Array, name: &str, first_row: u64) -> Result<IdValues<'a>> {
    macro_rules! ints {
        ($t:ty) => {
            IdValues::Int(
                arr.as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| i64::from(v))
                    .collect(),
            )
        };
    }
    let floats = |v: Vec<f64>| -> Result<IdValues<'a>> {
        let nulls = arr.logical_nulls();
        let valid = |i: usize| nulls.as_ref().is_none_or(|n| n.is_valid(i));
        if v.iter()
            .enumerate()
            .all(|(i, x)| !valid(i) || (x.fract() == 0.0 && x.abs() < 9.0e15))
        {
            return Ok(IdValues::Int(v.iter().map(|&x| x as i64).collect()));
        }
        let mut text = Vec::with_capacity(v.len());
        for (i, x) in v.into_iter().enumerate() {
            if valid(i) && !x.is_finite() {
                return Err(Error::value(
                    name,
                    Some(first_row + i as u64),
                    format!("value {x} is not a finite number; drop or fill such rows"),
                ));
            }
            text.push(if x.fract() == 0.0 && x.abs() < 9.0e15 {
                (x as i64).to_string()
            } else {
                x.to_string()
            });
        }
        Ok(IdValues::Text(text))
    };
    Ok(match arr.data_type() {
        DataType::Utf8 => IdValues::Utf8(arr.as_string::<i32>()),
        DataType::LargeUtf8 => IdValues::Large(arr.as_string::<i64>()),
        DataType::Utf8View => IdValues::View(arr.as_string_view()),
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => ints!(Int64Type),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => {
            let a = arr.as_primitive::<UInt64Type>();
            let mut out = Vec::with_capacity(a.len());
            for (i, &v) in a.values().iter().enumerate() {
                if a.is_valid(i) {
                    out.push(i64::try_from(v).map_err(|_| {
                        Error::value(
                            name,
                            Some(first_row + i as u64),
                            format!("id {v} exceeds i64::MAX"),
                        )
                    })?);
                } else {
                    out.push(0);
                }
            }
            IdValues::Int(out)
        }
        DataType::Float16 => floats(
            arr.as_primitive::<Float16Type>()
                .values()
                .iter()
                .map(|v| v.to_f64())
                .collect(),
        )?,
        DataType::Float32 => floats(
            arr.as_primitive::<Float32Type>()
                .values()
                .iter()
                .map(|&v| f64::from(v))
                .collect(),
        )?,
        DataType::Float64 => floats(arr.as_primitive::<Float64Type>().values().to_vec())?,
        DataType::Boolean => {
            let a = arr.as_boolean();
            IdValues::Text((0..a.len()).map(|i| a.value(i).to_string()).collect())
        }
        other => {
            return Err(Error::Schema {
                column: name.into(),
                expected: ID_TYPES.into(),
                found: other.to_string(),
            });
        }
    })
}

impl<'a> IdColumn<'a> {
    /// A reader over `arr`, the column `name`, whose first element is data row
    /// `first_row` (zero-based) of its file; errors name the column and the row.
    ///
    /// # Errors
    /// [`Error::Schema`] for a type that cannot hold ids; [`Error::InvalidValue`] for an
    /// unsigned id above `i64::MAX` or a non-finite float.
    pub fn new(arr: &'a ArrayRef, name: &str, first_row: u64) -> Result<Self> {
        let nulls = arr.logical_nulls().filter(|n| n.null_count() > 0);
        let (keys, values) = match arr.as_any_dictionary_opt() {
            Some(d) => {
                let values =
                    values_of(d.values().as_ref(), name, first_row).map_err(|e| match e {
                        Error::Schema {
                            column, expected, ..
                        } => Error::Schema {
                            column,
                            expected,
                            found: arr.data_type().to_string(),
                        },
                        e => e,
                    })?;
                let keys = dictionary_keys(d);
                let null = |i: usize| nulls.as_ref().is_some_and(|n| n.is_null(i));
                if let Some(i) =
                    (0..keys.len()).position(|i| keys[i] >= d.values().len() && !null(i))
                {
                    return Err(Error::value(
                        name,
                        Some(first_row + i as u64),
                        "dictionary key out of range",
                    ));
                }
                (Some(keys), values)
            }
            None => (None, values_of(arr.as_ref(), name, first_row)?),
        };
        Ok(IdColumn {
            name: name.into(),
            first_row,
            nulls,
            keys,
            values,
            len: arr.len(),
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True when row `i` is null.
    pub fn is_null(&self, i: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| n.is_null(i))
    }

    /// The id at row `i`, `None` when null.
    ///
    /// # Panics
    /// When `i >= len()`.
    pub fn get_opt(&self, i: usize) -> Option<IdRef<'_>> {
        if self.is_null(i) {
            return None;
        }
        Some(match &self.keys {
            Some(k) => self.values.get(k[i]),
            None => self.values.get(i),
        })
    }

    /// The id at row `i`.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] naming the column and the row when it is null.
    ///
    /// # Panics
    /// When `i >= len()`.
    pub fn get(&self, i: usize) -> Result<IdRef<'_>> {
        self.get_opt(i).ok_or_else(|| {
            Error::value(
                &self.name,
                Some(self.first_row + i as u64),
                "null value; fill it or drop the row",
            )
        })
    }

    /// The zero-based row of the file that row `i` of this column is.
    pub fn file_row(&self, i: usize) -> u64 {
        self.first_row + i as u64
    }
}

/// Reads numbers from an Arrow column: any integer or float type, strings that parse
/// as numbers (surrounding spaces allowed), and dictionaries of those with any key
/// type. Values are converted once, on construction.
#[derive(Debug, Clone)]
pub struct NumberColumn {
    name: String,
    first_row: u64,
    values: Vec<Option<f64>>,
}

fn numbers(arr: &dyn Array, name: &str, first_row: u64) -> Result<Vec<Option<f64>>> {
    macro_rules! prim {
        ($t:ty) => {
            arr.as_primitive::<$t>()
                .iter()
                .map(|v| v.map(|v| v as f64))
                .collect()
        };
    }
    let parse = |s: Option<&str>, i: usize| -> Result<Option<f64>> {
        let Some(s) = s else { return Ok(None) };
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<f64>().map(Some).map_err(|_| {
            Error::value(
                name,
                Some(first_row + i as u64),
                format!("`{s}` is not a number"),
            )
        })
    };
    Ok(match arr.data_type() {
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float16 => arr
            .as_primitive::<Float16Type>()
            .iter()
            .map(|v| v.map(|v| v.to_f64()))
            .collect(),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float64 => arr.as_primitive::<Float64Type>().iter().collect(),
        DataType::Utf8 => {
            let a = arr.as_string::<i32>();
            (0..a.len())
                .map(|i| parse(a.is_valid(i).then(|| a.value(i)), i))
                .collect::<Result<_>>()?
        }
        DataType::LargeUtf8 => {
            let a = arr.as_string::<i64>();
            (0..a.len())
                .map(|i| parse(a.is_valid(i).then(|| a.value(i)), i))
                .collect::<Result<_>>()?
        }
        DataType::Utf8View => {
            let a = arr.as_string_view();
            (0..a.len())
                .map(|i| parse(a.is_valid(i).then(|| a.value(i)), i))
                .collect::<Result<_>>()?
        }
        DataType::Dictionary(..) => {
            let d = arr.as_any_dictionary_opt().ok_or_else(|| Error::Schema {
                column: name.into(),
                expected: "numbers".into(),
                found: arr.data_type().to_string(),
            })?;
            let vals = numbers(d.values().as_ref(), name, 0).map_err(|e| match e {
                Error::InvalidValue { message, .. } => Error::value(name, None, message),
                e => e,
            })?;
            let nulls = arr.logical_nulls();
            dictionary_keys(d)
                .into_iter()
                .enumerate()
                .map(|(i, k)| {
                    if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                        Ok(None)
                    } else {
                        vals.get(k).copied().ok_or_else(|| {
                            Error::value(
                                name,
                                Some(first_row + i as u64),
                                "dictionary key out of range",
                            )
                        })
                    }
                })
                .collect::<Result<_>>()?
        }
        other => {
            return Err(Error::Schema {
                column: name.into(),
                expected: "numbers (any integer or float type, numeric strings, or a \
                           dictionary of those)"
                    .into(),
                found: other.to_string(),
            });
        }
    })
}

impl NumberColumn {
    /// A reader over `arr`, the column `name`, whose first element is data row
    /// `first_row` (zero-based) of its file.
    ///
    /// # Errors
    /// [`Error::Schema`] for a non-numeric type; [`Error::InvalidValue`] naming the row of
    /// a string that is not a number.
    pub fn new(arr: &ArrayRef, name: &str, first_row: u64) -> Result<Self> {
        Ok(NumberColumn {
            name: name.into(),
            first_row,
            values: numbers(arr.as_ref(), name, first_row)?,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value at row `i`, `None` when null (or an empty string).
    ///
    /// # Panics
    /// When `i >= len()`.
    pub fn get_opt(&self, i: usize) -> Option<f64> {
        self.values[i]
    }

    /// The value at row `i`.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] naming the column and the row when it is null.
    ///
    /// # Panics
    /// When `i >= len()`.
    pub fn get(&self, i: usize) -> Result<f64> {
        self.values[i].ok_or_else(|| {
            Error::value(
                &self.name,
                Some(self.first_row + i as u64),
                "null value; every row needs a number here",
            )
        })
    }
}

/// The ids of `codes` as an Arrow column in their input type: Int64 when every id of
/// `dict` is an integer, Utf8 otherwise. Every table crowdqc writes uses it, so an id
/// column has the same type in every output.
pub fn id_array(dict: &IdDictionary, codes: impl Iterator<Item = u32>) -> ArrayRef {
    match dict.kind() {
        IdKind::Int => Arc::new(Int64Array::from_iter_values(codes.map(|c| {
            match dict.get(c) {
                IdRef::Int(v) => v,
                // an integer dictionary holds integers only
                IdRef::Str(_) => unreachable!("string id in an integer dictionary"),
            }
        }))),
        IdKind::Str => Arc::new(StringArray::from_iter_values(
            codes.map(|c| dict.get(c).to_string()),
        )),
    }
}

#[cfg(test)]
#[path = "columns_tests.rs"]
mod tests;
