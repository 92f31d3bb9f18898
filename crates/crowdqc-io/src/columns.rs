//! Resolution of logical columns (item, worker, label, ...) against a file's schema,
//! with the same explicit names and default aliases as `crowdqc-core`, so that only
//! the needed columns are read (projection).

use arrow_schema::Schema;
use crowdqc_core::{ColumnMap, Error, Result};

/// Default names tried for the item column.
pub const ITEM_ALIASES: &[&str] = &["item", "task"];
/// Default names tried for the worker column.
pub const WORKER_ALIASES: &[&str] = &["worker", "performer", "annotator"];
/// Default names tried for the judgment label column.
pub const LABEL_ALIASES: &[&str] = &["label"];
/// Default names tried for the gold label column.
pub const GOLD_LABEL_ALIASES: &[&str] = &["label", "true_label", "gold"];
/// Default names tried for the optional timestamp column.
pub const TIMESTAMP_ALIASES: &[&str] = &["timestamp"];
/// Default names tried for the optional duration column (milliseconds).
pub const DURATION_ALIASES: &[&str] = &["duration_ms"];

/// Which kind of file is being read: it decides the columns needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Judgments,
    Gold,
}

/// The indices (in file order) of the columns to read, and which one holds durations.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// Indices of the selected fields, ascending.
    pub indices: Vec<usize>,
    /// Indices of the id columns (item, worker and label), which may be read as
    /// dictionaries.
    pub ids: Vec<usize>,
    /// Index of the duration column (read as a number from CSV).
    pub duration: Option<usize>,
    /// Indices of the item and worker columns: read from CSV as integers only when
    /// every value is written canonically (`7`, not `007`), so ids keep their text.
    pub keys: Vec<usize>,
}

fn find(
    schema: &Schema,
    wanted: &str,
    explicit: Option<&str>,
    aliases: &[&str],
    required: bool,
) -> Result<Option<usize>> {
    let tried: Vec<&str> = explicit.map_or_else(|| aliases.to_vec(), |n| vec![n]);
    if let Some(i) = tried.iter().find_map(|n| schema.index_of(n).ok()) {
        return Ok(Some(i));
    }
    if required || explicit.is_some() {
        return Err(Error::MissingColumn {
            wanted: wanted.into(),
            tried: tried.iter().map(|s| (*s).to_string()).collect(),
            found: schema.fields().iter().map(|f| f.name().clone()).collect(),
        });
    }
    Ok(None)
}

/// A gold column: the mapped name when present, else the first alias present (gold
/// files often keep the default names when the judgments' columns are mapped).
fn find_gold(
    schema: &Schema,
    wanted: &str,
    explicit: Option<&str>,
    aliases: &[&str],
) -> Result<Option<usize>> {
    let tried: Vec<&str> = explicit
        .into_iter()
        .chain(aliases.iter().copied())
        .collect();
    match tried.iter().find_map(|n| schema.index_of(n).ok()) {
        Some(i) => Ok(Some(i)),
        None => Err(Error::MissingColumn {
            wanted: wanted.into(),
            tried: tried.iter().map(|s| (*s).to_string()).collect(),
            found: schema.fields().iter().map(|f| f.name().clone()).collect(),
        }),
    }
}

/// Selects the columns of `schema` needed for `role`.
///
/// # Errors
/// [`Error::MissingColumn`] naming the columns found and the names tried.
pub(crate) fn select(schema: &Schema, columns: &ColumnMap, role: Role) -> Result<Selection> {
    let item = match role {
        Role::Judgments => find(schema, "item", columns.item.as_deref(), ITEM_ALIASES, true)?,
        Role::Gold => find_gold(schema, "item", columns.item.as_deref(), ITEM_ALIASES)?,
    };
    let mut sel = Selection::default();
    match role {
        Role::Judgments => {
            let worker = find(
                schema,
                "worker",
                columns.worker.as_deref(),
                WORKER_ALIASES,
                true,
            )?;
            let label = find(
                schema,
                "label",
                columns.label.as_deref(),
                LABEL_ALIASES,
                true,
            )?;
            let timestamp = find(
                schema,
                "timestamp",
                columns.timestamp.as_deref(),
                TIMESTAMP_ALIASES,
                false,
            )?;
            let duration = find(
                schema,
                "duration",
                columns.duration.as_deref(),
                DURATION_ALIASES,
                false,
            )?;
            sel.ids = [item, worker, label].into_iter().flatten().collect();
            sel.keys = [item, worker].into_iter().flatten().collect();
            sel.indices = [item, worker, label, timestamp, duration]
                .into_iter()
                .flatten()
                .collect();
            sel.duration = duration;
        }
        Role::Gold => {
            // As in core: the mapped label column when the gold file has it, else the
            // gold aliases (`label`, `true_label`, `gold`).
            let label = find_gold(
                schema,
                "label",
                columns.label.as_deref(),
                GOLD_LABEL_ALIASES,
            )?;
            sel.ids = [item, label].into_iter().flatten().collect();
            sel.keys = item.into_iter().collect();
            sel.indices = sel.ids.clone();
        }
    }
    sel.indices.sort_unstable();
    sel.indices.dedup();
    sel.ids.sort_unstable();
    sel.ids.dedup();
    Ok(sel)
}
