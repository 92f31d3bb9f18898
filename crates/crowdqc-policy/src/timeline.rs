//! Time units of timestamp columns and the replay's options.

use std::str::FromStr;

use arrow_schema::{DataType, Schema};
use crowdqc_core::columns::{self, Role};
use crowdqc_core::{Error, Result};
use serde::Serialize;

/// The unit of a plain integer timestamp column (seconds, milliseconds, microseconds
/// or nanoseconds since the Unix epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimeUnit {
    /// Seconds (`s`).
    Seconds,
    /// Milliseconds (`ms`).
    Milliseconds,
    /// Microseconds (`us`).
    Microseconds,
    /// Nanoseconds (`ns`).
    Nanoseconds,
}

impl TimeUnit {
    /// A value in this unit as milliseconds (saturating; sub-millisecond parts are
    /// floored).
    pub fn to_ms(self, v: i64) -> i64 {
        match self {
            TimeUnit::Seconds => v.saturating_mul(1000),
            TimeUnit::Milliseconds => v,
            TimeUnit::Microseconds => v.div_euclid(1000),
            TimeUnit::Nanoseconds => v.div_euclid(1_000_000),
        }
    }

    /// The short name (`s`, `ms`, `us`, `ns`).
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Milliseconds => "ms",
            TimeUnit::Microseconds => "us",
            TimeUnit::Nanoseconds => "ns",
        }
    }
}

impl FromStr for TimeUnit {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "s" => TimeUnit::Seconds,
            "ms" => TimeUnit::Milliseconds,
            "us" => TimeUnit::Microseconds,
            "ns" => TimeUnit::Nanoseconds,
            other => {
                return Err(Error::param(
                    "time_unit",
                    format!("unknown unit `{other}`; valid: s, ms, us, ns"),
                ));
            }
        })
    }
}

/// Options of [`replay_with`](crate::replay::replay_with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ReplayOptions {
    /// The unit of the timestamps when the column held plain integers (ingest keeps
    /// integers as they are); `None` when the column carried its unit (Arrow
    /// timestamps, RFC 3339 strings), which ingest already converted to milliseconds.
    pub integer_time_unit: Option<TimeUnit>,
}

impl ReplayOptions {
    /// The defaults: timestamps as ingested.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`ReplayOptions::integer_time_unit`].
    #[must_use]
    pub fn integer_time_unit(mut self, unit: Option<TimeUnit>) -> Self {
        self.integer_time_unit = unit;
        self
    }

    /// Options for the judgments' `schema` (before ingest): its timestamp column (the
    /// `column` given, or the default alias) checked by [`ReplayOptions::for_column`].
    ///
    /// # Errors
    /// Those of [`ReplayOptions::for_column`]; a `column` not in the schema; a `unit`
    /// when there is no timestamp column.
    pub fn for_schema(
        schema: &Schema,
        column: Option<&str>,
        unit: Option<TimeUnit>,
    ) -> Result<Self> {
        match columns::resolve_optional(schema, Role::Timestamp, column)? {
            Some(i) => {
                let f = schema.field(i);
                Self::for_column(f.name(), f.data_type(), unit)
            }
            None if unit.is_some() => Err(Error::param(
                "time_unit",
                "the judgments have no timestamp column (name it with --timestamp-column, \
                 or drop --time-unit)",
            )),
            None => Ok(Self::new()),
        }
    }

    /// Options for a timestamp column of Arrow type `data_type` (before ingest) and
    /// the unit the user gave for plain integers. Integers need a unit: epoch seconds
    /// read as milliseconds would put every judgment in January 1970 without a word.
    ///
    /// # Errors
    /// An integer column without `unit`; a `unit` for a column that carries its own
    /// (Arrow timestamp, string); a column of another type.
    pub fn for_column(column: &str, data_type: &DataType, unit: Option<TimeUnit>) -> Result<Self> {
        let dt = match data_type {
            DataType::Dictionary(_, v) => v.as_ref(),
            d => d,
        };
        match (dt, unit) {
            (d, None) if d.is_integer() => Err(Error::param(
                "time_unit",
                format!(
                    "timestamp column `{column}` holds plain integers ({d}): give their unit \
                     with --time-unit s|ms|us|ns (Arrow timestamp columns and RFC 3339 strings \
                     carry theirs)"
                ),
            )),
            (d, Some(u)) if d.is_integer() => Ok(Self::new().integer_time_unit(Some(u))),
            (DataType::Timestamp(..) | DataType::Utf8 | DataType::LargeUtf8, Some(u))
            | (DataType::Utf8View, Some(u)) => Err(Error::param(
                "time_unit",
                format!(
                    "--time-unit {} applies to integer columns; timestamp column `{column}` is \
                     {dt}, which carries its unit: drop --time-unit",
                    u.name()
                ),
            )),
            _ => Ok(Self::new()),
        }
    }
}
