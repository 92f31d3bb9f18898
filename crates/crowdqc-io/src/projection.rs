//! The columns a judgment or gold file needs, resolved against its schema with
//! [`crowdqc_core::columns`] (the same names and aliases as ingest), so that only
//! those columns are read (projection).

use arrow_schema::Schema;
use crowdqc_core::columns::{self, Role as Column};
use crowdqc_core::{ColumnMap, Result};

/// Which kind of file is being read: it decides the columns needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Judgments,
    Gold,
    /// Per-worker weights: a worker column and a weight column.
    Weights,
}

/// The indices (in file order) of the columns to read, and which one holds durations.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// Indices of the selected fields, ascending.
    pub indices: Vec<usize>,
    /// Indices of the id columns (item, worker and label), which may be read as
    /// dictionaries.
    pub ids: Vec<usize>,
    /// Index of the column read as a number (floats allowed) from CSV: durations, weights.
    pub number: Option<usize>,
    /// Indices of the item and worker columns: read from CSV as integers only when
    /// every value is written canonically (`7`, not `007`), so ids keep their text.
    pub keys: Vec<usize>,
}

/// Selects the columns of `schema` needed for `role`.
///
/// # Errors
/// [`crowdqc_core::Error::MissingColumn`] naming the columns found and the names tried.
pub(crate) fn select(schema: &Schema, map: &ColumnMap, role: Role) -> Result<Selection> {
    let mut sel = Selection::default();
    match role {
        Role::Judgments => {
            let required = |c: Column| columns::resolve(schema, c, c.mapped(map));
            let optional = |c: Column| columns::resolve_optional(schema, c, c.mapped(map));
            let item = required(Column::Item)?;
            let worker = required(Column::Worker)?;
            let label = required(Column::Label)?;
            let timestamp = optional(Column::Timestamp)?;
            let duration = optional(Column::Duration)?;
            sel.ids = vec![item, worker, label];
            sel.keys = vec![item, worker];
            sel.indices = [Some(item), Some(worker), Some(label), timestamp, duration]
                .into_iter()
                .flatten()
                .collect();
            sel.number = duration;
        }
        Role::Gold => {
            // As in core: the mapped name when the gold file has it, else the aliases.
            let item = columns::resolve_fallback(schema, Column::Item, map.item.as_deref())?;
            let label = columns::resolve_fallback(schema, Column::GoldLabel, map.label.as_deref())?;
            sel.ids = vec![item, label];
            sel.keys = vec![item];
            sel.indices = sel.ids.clone();
        }
        Role::Weights => {
            let worker = columns::resolve_fallback(schema, Column::Worker, map.worker.as_deref())?;
            let weight = columns::resolve(schema, Column::Weight, None)?;
            sel.ids = vec![worker];
            sel.keys = vec![worker];
            sel.indices = vec![worker, weight];
            sel.number = Some(weight);
        }
    }
    sel.indices.sort_unstable();
    sel.indices.dedup();
    sel.ids.sort_unstable();
    sel.ids.dedup();
    Ok(sel)
}
