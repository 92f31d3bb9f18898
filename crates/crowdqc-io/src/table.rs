//! Small tables read whole (weights, evaluation gold, worker stats, task lists), with
//! the CSV line of every row so that errors can name it.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use crowdqc_core::{ColumnMap, Error, Result};

use crate::batch_reader::BatchReader;
use crate::errors::with_line;

/// A whole table read from a file, batch by batch, remembering for CSV input the
/// one-based line of every row.
///
/// Read cells with [`crowdqc_core::columns`], giving each batch's first row from
/// [`batches`](Self::batches), and pass errors through [`locate`](Self::locate) to add
/// the file and the line:
///
/// ```no_run
/// use crowdqc_core::columns::{self, NumberColumn, Role};
/// # fn main() -> crowdqc_core::Result<()> {
/// let table = crowdqc_io::read_table_with_lines("weights.csv".as_ref())?;
/// let mut total = 0.0;
/// for (row0, batch) in table.batches() {
///     let i = columns::resolve(&batch.schema(), Role::Weight, None).map_err(|e| table.locate(e))?;
///     let w = NumberColumn::new(batch.column(i), "weight", row0).map_err(|e| table.locate(e))?;
///     for r in 0..w.len() {
///         total += w.get(r).map_err(|e| table.locate(e))?;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    lines: Option<Vec<u64>>,
}

impl Table {
    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The table's schema.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Number of data rows.
    pub fn num_rows(&self) -> u64 {
        self.batches.iter().map(|b| b.num_rows() as u64).sum()
    }

    /// The batches, each with the zero-based data row of its first row.
    pub fn batches(&self) -> impl Iterator<Item = (u64, &RecordBatch)> {
        let mut row0 = 0u64;
        self.batches.iter().map(move |b| {
            let r = row0;
            row0 += b.num_rows() as u64;
            (r, b)
        })
    }

    /// The batches, taken out of the table.
    pub fn into_batches(self) -> Vec<RecordBatch> {
        self.batches
    }

    /// The one-based line in the file of zero-based data row `row` (CSV only).
    pub fn line(&self, row: u64) -> Option<u64> {
        self.lines
            .as_ref()?
            .get(usize::try_from(row).ok()?)
            .copied()
    }

    /// `e` with the file's line of the row it names (CSV) and the file's path.
    #[must_use]
    pub fn locate(&self, e: Error) -> Error {
        with_line(e, self.lines.as_deref(), 0).in_file(&self.path)
    }
}

/// Reads a whole (small) table, e.g. a contingency table or counts file, as batches of
/// at most [`BATCH_SIZE`](crate::BATCH_SIZE) rows. CSV columns are integers when every
/// value parses as one, else floats when every value parses as one, else text.
///
/// # Errors
/// Unreadable or malformed files, wrapped with the path.
pub fn read_table(path: &Path) -> Result<Vec<RecordBatch>> {
    BatchReader::open(path)?.collect()
}

/// [`read_table`], keeping the path and (for CSV) the line of every row: see [`Table`].
///
/// # Errors
/// As [`read_table`].
pub fn read_table_with_lines(path: &Path) -> Result<Table> {
    collect(BatchReader::open(path)?, path)
}

/// A gold-like table (gold, evaluation gold): only the item and gold label columns,
/// found as for gold (the mapped names of `columns`, else the aliases), with CSV item
/// ids read as text unless every one is a canonical integer (`7`, not `007`), exactly
/// as judgment item ids are, so that they join.
///
/// # Errors
/// As [`read_table`], plus [`Error::MissingColumn`](crowdqc_core::Error::MissingColumn).
pub fn read_gold_table(path: &Path, columns: &ColumnMap) -> Result<Table> {
    collect(BatchReader::open_gold(path, columns)?, path)
}

/// A table of per-worker weights: only the worker column (the mapped name of
/// `columns` when present, else the aliases; CSV ids typed as judgment worker ids are, so that they
/// join) and the weight column (`weight` or `skill`).
///
/// # Errors
/// As [`read_table`], plus [`Error::MissingColumn`](crowdqc_core::Error::MissingColumn).
pub fn read_weights_table(path: &Path, columns: &ColumnMap) -> Result<Table> {
    collect(BatchReader::open_weights(path, columns)?, path)
}

fn collect(mut reader: BatchReader, path: &Path) -> Result<Table> {
    let schema = reader.schema();
    let mut batches = Vec::new();
    let mut lines: Option<Vec<u64>> = None;
    while let Some(b) = reader.next() {
        batches.push(b?);
        if let Some(l) = reader.take_lines() {
            lines.get_or_insert_with(Vec::new).extend(l);
        }
    }
    Ok(Table {
        path: path.to_path_buf(),
        schema,
        batches,
        lines,
    })
}
