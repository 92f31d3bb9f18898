//! Owned ids and the Arrow columns of the policy reports.

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
use crowdqc_core::IdRef;
use serde::Serialize;

/// An owned worker id that keeps its input type: integers stay integers in every
/// output (JSON numbers, Arrow `Int64`), strings stay strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Id {
    /// An integer id.
    Int(i64),
    /// A string id.
    Str(String),
}

impl From<IdRef<'_>> for Id {
    fn from(id: IdRef<'_>) -> Self {
        match id {
            IdRef::Int(v) => Id::Int(v),
            IdRef::Str(s) => Id::Str(s.to_string()),
        }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Id::Int(v) => write!(f, "{v}"),
            Id::Str(s) => f.write_str(s),
        }
    }
}

/// An id column: `Int64` when every id is an integer, `Utf8` otherwise.
pub(crate) fn id_column<'a>(ids: impl Iterator<Item = &'a Id> + Clone) -> ArrayRef {
    let all_int: Option<Vec<i64>> = ids
        .clone()
        .map(|i| match i {
            Id::Int(v) => Some(*v),
            Id::Str(_) => None,
        })
        .collect();
    match all_int {
        Some(v) => Arc::new(Int64Array::from(v)),
        None => Arc::new(StringArray::from_iter_values(ids.map(Id::to_string))),
    }
}

pub(crate) fn strings<S: AsRef<str>>(v: impl Iterator<Item = S>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(v))
}

pub(crate) fn opt_strings<S: AsRef<str>>(v: impl Iterator<Item = Option<S>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(v))
}

pub(crate) fn ints(v: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(v))
}

pub(crate) fn opt_ints(v: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(Int64Array::from_iter(v))
}

pub(crate) fn floats(v: impl Iterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(Float64Array::from_iter(v))
}

pub(crate) fn bools(v: impl Iterator<Item = bool>) -> ArrayRef {
    Arc::new(BooleanArray::from_iter(v.map(Some)))
}

/// A count as Arrow `Int64` (saturating; counts never reach 2^63).
pub(crate) fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
