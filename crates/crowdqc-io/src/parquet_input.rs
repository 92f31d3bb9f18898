//! Parquet input: row-group streaming with column projection, and dictionary-preserving
//! reads of string id columns whose pages are all dictionary encoded.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use crowdqc_core::{ColumnMap, Result};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Encoding;
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::serialized_reader::SerializedPageReader;

use crate::dictionaries::DICTIONARY_ROWS_PER_ENTRY;
use crate::errors;
use crate::projection::{Role, select};

/// An open Parquet reader and what is known about it before reading.
pub(crate) struct Opened {
    pub reader: ParquetRecordBatchReader,
    pub schema: SchemaRef,
    pub rows: u64,
}

/// True when every row group stores column `leaf` with dictionary-encoded data pages only
/// (so reading it as an Arrow dictionary costs no hashing and no string copies).
fn all_dictionary_encoded(meta: &ParquetMetaData, leaf: usize) -> bool {
    meta.num_row_groups() > 0
        && meta.row_groups().iter().all(|rg| {
            let col = rg.column(leaf);
            col.dictionary_page_offset().is_some()
                && col.page_encoding_stats_mask().is_some_and(|m| {
                    m.is_only(Encoding::RLE_DICTIONARY) || m.is_only(Encoding::PLAIN_DICTIONARY)
                })
        })
}

/// Number of entries in the dictionary page of column `leaf` in the first row group, or
/// `None` when it cannot be read (then the column is read plainly).
fn dictionary_entries(file: &File, meta: &ParquetMetaData, leaf: usize) -> Option<usize> {
    let rg = meta.row_groups().first()?;
    let col = rg.column(leaf);
    // `byte_range` asserts on negative offsets: never hand it a corrupt footer.
    let valid = col.data_page_offset() >= 0
        && col.dictionary_page_offset().is_some_and(|o| o >= 0)
        && col.compressed_size() >= 0;
    if !valid {
        return None;
    }
    let file = Arc::new(file.try_clone().ok()?);
    let rows = usize::try_from(rg.num_rows()).ok()?;
    let mut pages = SerializedPageReader::new(file, col, rows, None).ok()?;
    match pages.get_next_page().ok()?? {
        Page::DictionaryPage { num_values, .. } => usize::try_from(num_values).ok(),
        _ => None,
    }
}

/// Opens `path`. With `role`, reads only the columns that role needs (resolved by name
/// with the default aliases), and string id columns whose pages are all dictionary
/// encoded, with a dictionary small compared with a batch (at most
/// `batch_size / DICTIONARY_ROWS_PER_ENTRY` entries in the first row group), come back
/// as `Dictionary(Int32, Utf8)` arrays: ingest then interns each entry once per batch
/// instead of hashing every row. Larger dictionaries are decoded to plain strings.
pub(crate) fn open(
    path: &Path,
    role: Option<(&ColumnMap, Role)>,
    batch_size: usize,
) -> Result<Opened> {
    let prepared = prepare(path, role, batch_size)?;
    let rows = prepared.rows;
    let reader = prepared.reader(None)?;
    let schema = arrow_array::RecordBatchReader::schema(&reader);
    Ok(Opened {
        reader,
        schema,
        rows,
    })
}

/// A Parquet file whose footer was read and whose columns were chosen, from which
/// readers of the whole file or of single row groups are built (see [`open`]).
pub(crate) struct Prepared {
    file: File,
    path: std::path::PathBuf,
    meta: ArrowReaderMetadata,
    mask: Option<ProjectionMask>,
    batch_size: usize,
    /// Rows the footer declares (a hint: never trusted for capacities).
    pub rows: u64,
}

impl Prepared {
    /// Number of row groups the footer declares.
    pub fn row_groups(&self) -> usize {
        self.meta.metadata().num_row_groups()
    }

    /// A reader of row group `group` only, or of the whole file with `None`.
    pub fn reader(&self, group: Option<usize>) -> Result<ParquetRecordBatchReader> {
        // a reader of its own file handle: clones of one handle share the file
        // position, which readers on other threads would move under each other
        let file = match group {
            None => self.file.try_clone(),
            Some(_) => File::open(&self.path),
        }
        .map_err(|e| errors::io(&self.path, e))?;
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
                .with_batch_size(self.batch_size);
        if let Some(g) = group {
            builder = builder.with_row_groups(vec![g]);
        }
        if let Some(mask) = &self.mask {
            builder = builder.with_projection(mask.clone());
        }
        builder.build().map_err(errors::parquet)
    }
}

/// Reads the footer of `path` and chooses the columns and their types (see [`open`]).
pub(crate) fn prepare(
    path: &Path,
    role: Option<(&ColumnMap, Role)>,
    batch_size: usize,
) -> Result<Prepared> {
    let file = File::open(path).map_err(|e| errors::io(path, e))?;
    let mut meta =
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(errors::parquet)?;
    let schema = meta.schema().clone();
    let selection = match role {
        Some((columns, role)) => Some(select(&schema, columns, role)?),
        None => None,
    };
    if let Some(sel) = &selection {
        let pq = meta.metadata().clone();
        let leaves = pq.file_metadata().schema_descr();
        let mut changed = false;
        let fields: Vec<Arc<Field>> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let is_string = matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8);
                // A flat string column is one root and one leaf; find its leaf index.
                let leaf = (0..leaves.num_columns())
                    .find(|&l| leaves.get_column_root_idx(l) == i)
                    .filter(|_| is_string);
                match leaf {
                    Some(l)
                        if sel.ids.contains(&i)
                            && all_dictionary_encoded(&pq, l)
                            && dictionary_entries(&file, &pq, l).is_some_and(|n| {
                                n.saturating_mul(DICTIONARY_ROWS_PER_ENTRY) <= batch_size
                            }) =>
                    {
                        changed = true;
                        let dt = DataType::Dictionary(
                            Box::new(DataType::Int32),
                            Box::new(f.data_type().clone()),
                        );
                        Arc::new(f.as_ref().clone().with_data_type(dt))
                    }
                    _ => f.clone(),
                }
            })
            .collect();
        if changed {
            let hint = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
            meta = ArrowReaderMetadata::try_new(pq, ArrowReaderOptions::new().with_schema(hint))
                .map_err(errors::parquet)?;
        }
    }
    let rows = u64::try_from(meta.metadata().file_metadata().num_rows()).unwrap_or(0);
    let mask = selection.as_ref().map(|sel| {
        ProjectionMask::roots(
            meta.metadata().file_metadata().schema_descr(),
            sel.indices.iter().copied(),
        )
    });
    Ok(Prepared {
        file,
        path: path.to_path_buf(),
        meta,
        mask,
        batch_size,
        rows,
    })
}
