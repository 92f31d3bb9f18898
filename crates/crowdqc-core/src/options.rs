//! Ingest options: column names, the duplicate policy, declared classes, label trimming.

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

/// Column names for judgments and gold. `None` means "use the default aliases" of
/// [`columns`](crate::columns). Build it with the `with_*` methods:
///
/// ```
/// use crowdqc_core::{ColumnMap, IngestOptions};
/// let opts = IngestOptions::default()
///     .with_columns(ColumnMap::default().with_item("question").with_label("answer"))
///     .with_trim_labels(true);
/// assert_eq!(opts.columns.item.as_deref(), Some("question"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
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

impl ColumnMap {
    /// Sets the item column.
    #[must_use]
    pub fn with_item(mut self, name: impl Into<String>) -> Self {
        self.item = Some(name.into());
        self
    }

    /// Sets the worker column.
    #[must_use]
    pub fn with_worker(mut self, name: impl Into<String>) -> Self {
        self.worker = Some(name.into());
        self
    }

    /// Sets the label column.
    #[must_use]
    pub fn with_label(mut self, name: impl Into<String>) -> Self {
        self.label = Some(name.into());
        self
    }

    /// Sets the timestamp column.
    #[must_use]
    pub fn with_timestamp(mut self, name: impl Into<String>) -> Self {
        self.timestamp = Some(name.into());
        self
    }

    /// Sets the duration column.
    #[must_use]
    pub fn with_duration(mut self, name: impl Into<String>) -> Self {
        self.duration = Some(name.into());
        self
    }
}

/// Options for building a [`JudgmentMatrix`](crate::JudgmentMatrix); build it with the
/// `with_*` methods (see [`ColumnMap`]).
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
    /// Trim surrounding whitespace from string labels (judgments, gold and declared
    /// classes), so that `yes` and ` yes ` are one class. Off by default.
    pub trim_labels: bool,
}

impl IngestOptions {
    /// Sets the column names.
    #[must_use]
    pub fn with_columns(mut self, columns: ColumnMap) -> Self {
        self.columns = columns;
        self
    }

    /// Sets the duplicate policy.
    #[must_use]
    pub fn with_duplicates(mut self, duplicates: DuplicatePolicy) -> Self {
        self.duplicates = duplicates;
        self
    }

    /// Declares the class set, in class order.
    #[must_use]
    pub fn with_classes<S: Into<String>>(mut self, classes: impl IntoIterator<Item = S>) -> Self {
        self.classes = Some(classes.into_iter().map(Into::into).collect());
        self
    }

    /// Lets gold labels outside the class set extend it.
    #[must_use]
    pub fn with_extend_classes_with_gold(mut self, on: bool) -> Self {
        self.extend_classes_with_gold = on;
        self
    }

    /// Trims surrounding whitespace from string labels.
    #[must_use]
    pub fn with_trim_labels(mut self, on: bool) -> Self {
        self.trim_labels = on;
        self
    }
}
