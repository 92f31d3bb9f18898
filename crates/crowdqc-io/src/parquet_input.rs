//! Parquet input: row-group streaming with column projection, and dictionary-preserving
//! reads of string id columns stored with dictionary pages.

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
use crate::plain_ids;
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

/// True when the first row group stores column `leaf` with a dictionary page (its data
/// pages may still fall back to plain pages once the dictionary is full).
fn has_dictionary_page(meta: &ParquetMetaData, leaf: usize) -> bool {
    meta.row_groups()
        .first()
        .is_some_and(|rg| rg.column(leaf).dictionary_page_offset().is_some())
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
/// instead of hashing every row. Larger dictionaries are decoded to plain strings (the
/// judgments read of [`prepare_judgments`] keeps them).
pub(crate) fn open(
    path: &Path,
    role: Option<(&ColumnMap, Role)>,
    batch_size: usize,
) -> Result<Opened> {
    let prepared = prepare_with(path, role, batch_size, false)?;
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
    /// The file's own Arrow schema (before dictionary hints).
    plain: SchemaRef,
    mask: Option<ProjectionMask>,
    batch_size: usize,
    /// Rows the footer declares (a hint: never trusted for capacities).
    pub rows: u64,
    /// The selected columns (root indices, ascending), when a role chose them.
    indices: Vec<usize>,
    /// Item and worker columns of plain string pages the judgments read decodes itself
    /// ([`crate::plain_ids`]): root and leaf indices.
    pub fast: Vec<(usize, usize)>,
}

impl Prepared {
    /// Number of row groups the footer declares.
    pub fn row_groups(&self) -> usize {
        self.meta.metadata().num_row_groups()
    }

    /// A reader of row group `group` only, or of the whole file with `None`.
    pub fn reader(&self, group: Option<usize>) -> Result<ParquetRecordBatchReader> {
        self.reader_with(group, &[])
    }

    /// The Parquet footer.
    pub fn metadata(&self) -> &ParquetMetaData {
        self.meta.metadata()
    }

    /// The path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The selected columns' fields, in file order, with the types they are read with.
    pub fn selected_fields(&self) -> Vec<Arc<Field>> {
        let fields = self.meta.schema().fields();
        self.indices.iter().map(|&i| fields[i].clone()).collect()
    }

    /// The selected root indices, in file order.
    pub fn selected(&self) -> &[usize] {
        &self.indices
    }

    /// [`reader`](Self::reader), with the columns named in `plain` read with their own
    /// type (plain strings) instead of the dictionary type chosen for them.
    pub fn reader_with(
        &self,
        group: Option<usize>,
        plain: &[String],
    ) -> Result<ParquetRecordBatchReader> {
        self.reader_skipping(group, plain, &[])
    }

    /// [`reader_with`](Self::reader_with) without the selected root columns in `skip`
    /// (decoded otherwise: [`crate::plain_ids`]).
    pub fn reader_skipping(
        &self,
        group: Option<usize>,
        plain: &[String],
        skip: &[usize],
    ) -> Result<ParquetRecordBatchReader> {
        let meta = if plain.is_empty() {
            self.meta.clone()
        } else {
            let hinted = self.meta.schema();
            let fields: Vec<Arc<Field>> = hinted
                .fields()
                .iter()
                .zip(self.plain.fields())
                .map(|(h, p)| {
                    if plain.iter().any(|n| n == h.name()) {
                        p.clone()
                    } else {
                        h.clone()
                    }
                })
                .collect();
            let hint = Arc::new(Schema::new_with_metadata(fields, hinted.metadata().clone()));
            ArrowReaderMetadata::try_new(
                self.meta.metadata().clone(),
                ArrowReaderOptions::new().with_schema(hint),
            )
            .map_err(errors::parquet)?
        };
        // a reader of its own file handle: clones of one handle share the file
        // position, which readers on other threads would move under each other
        let file = match group {
            None => self.file.try_clone(),
            Some(_) => File::open(&self.path),
        }
        .map_err(|e| errors::io(&self.path, e))?;
        let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta)
            .with_batch_size(self.batch_size);
        if let Some(g) = group {
            builder = builder.with_row_groups(vec![g]);
        }
        if !skip.is_empty() {
            let leaves = self.meta.metadata().file_metadata().schema_descr();
            let roots = self.indices.iter().copied().filter(|i| !skip.contains(i));
            builder = builder.with_projection(ProjectionMask::roots(leaves, roots));
        } else if let Some(mask) = &self.mask {
            builder = builder.with_projection(mask.clone());
        }
        builder.build().map_err(errors::parquet)
    }
}

/// Reads the footer of the judgments file `path` for ingest into a matrix, with the
/// columns of [`open`], except that every string id column whose first row group has a
/// dictionary page comes back as `Dictionary(Int32, Utf8)`, whatever its size and even
/// when its pages fall back to plain pages once the dictionary is full (as writers do
/// for many distinct ids): ingest interns each dictionary entry once per column chunk
/// (the chunk's batches share the dictionary, and the builders keep its codes), and the
/// batches of plain pages come as a dictionary of the batch's distinct values, built by
/// the parquet crate. Other readers of [`BatchReader`](crate::BatchReader) keep plain
/// strings there. Item and worker string columns without a dictionary page, never
/// null, are listed in [`Prepared::fast`] for the parallel read to decode from their
/// pages ([`crate::plain_ids`]); they keep their `Utf8` type here.
pub(crate) fn prepare_judgments(
    path: &Path,
    columns: &ColumnMap,
    batch_size: usize,
) -> Result<Prepared> {
    prepare_with(path, Some((columns, Role::Judgments)), batch_size, true)
}

/// Reads the footer of `path` and chooses the columns and their types (see [`open`];
/// with `any_dictionary`, see [`prepare_judgments`]).
fn prepare_with(
    path: &Path,
    role: Option<(&ColumnMap, Role)>,
    batch_size: usize,
    any_dictionary: bool,
) -> Result<Prepared> {
    let file = File::open(path).map_err(|e| errors::io(path, e))?;
    let mut meta =
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(errors::parquet)?;
    let schema = meta.schema().clone();
    let selection = match role {
        Some((columns, role)) => Some(select(&schema, columns, role)?),
        None => None,
    };
    let mut fast = Vec::new();
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
                if let Some(l) = leaf
                    && any_dictionary
                    && sel.keys.contains(&i)
                    && !fast.iter().any(|&(r, _)| r == i)
                    && f.data_type() == &DataType::Utf8
                    && pq
                        .row_groups()
                        .iter()
                        .all(|rg| plain_ids::eligible(rg.column(l)))
                {
                    // decoded by the judgments read itself, never by the Arrow reader
                    fast.push((i, l));
                    return f.clone();
                }
                match leaf {
                    Some(l)
                        if sel.ids.contains(&i)
                            && (any_dictionary && has_dictionary_page(&pq, l)
                                || all_dictionary_encoded(&pq, l)
                                    && dictionary_entries(&file, &pq, l).is_some_and(|n| {
                                        n.saturating_mul(DICTIONARY_ROWS_PER_ENTRY) <= batch_size
                                    })) =>
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
        plain: schema,
        mask,
        batch_size,
        rows,
        indices: selection.map(|s| s.indices).unwrap_or_default(),
        fast,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::*;

    /// A file whose item and worker chunks start with a dictionary page and fall back
    /// to plain pages (a 64-byte dictionary page limit).
    fn mixed(path: &Path) {
        let n = 2000u32;
        let items: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..n).map(|r| format!("i{:04}", r * 7 % 900)),
        ));
        let workers: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..n).map(|r| format!("w{}", r * 13 % 97)),
        ));
        let labels: ArrayRef = Arc::new(Int64Array::from_iter_values(
            (0..n).map(|r| i64::from(r % 3)),
        ));
        let batch =
            RecordBatch::try_from_iter([("item", items), ("worker", workers), ("label", labels)])
                .expect("batch");
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(700))
            .set_dictionary_page_size_limit(64)
            .set_data_page_row_count_limit(16)
            .set_write_batch_size(16)
            .build();
        let file = File::create(path).expect("create");
        let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
    }

    /// Only the judgments read lists plain-paged item and worker columns as decoded
    /// from their pages: not columns with dictionary pages, nor the label column.
    #[test]
    fn plain_item_and_worker_columns_are_decoded_from_their_pages() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.parquet");
        mixed(&path);
        let columns = ColumnMap::default();
        assert!(
            prepare_judgments(&path, &columns, 1024)
                .expect("prepare")
                .fast
                .is_empty()
        );
        let n = 100u32;
        let ids = |tag: &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|r| format!("{tag}{r}")),
            ))
        };
        let batch = RecordBatch::try_from_iter([
            ("label", ids("l")),
            ("worker", ids("w")),
            ("item", ids("i")),
        ])
        .expect("batch");
        let props = WriterProperties::builder()
            .set_dictionary_enabled(false)
            .build();
        let file = File::create(&path).expect("create");
        let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
        let p = prepare_judgments(&path, &columns, 1024).expect("prepare");
        assert_eq!(p.fast, vec![(1, 1), (2, 2)]);
        assert_eq!(p.selected(), &[0, 1, 2]);
        let other =
            prepare_with(&path, Some((&columns, Role::Judgments)), 1024, false).expect("prepare");
        assert!(other.fast.is_empty());
    }

    #[test]
    fn the_judgments_read_keeps_dictionaries_whose_pages_fall_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.parquet");
        mixed(&path);
        let columns = ColumnMap::default();
        let types = |p: &Prepared| -> Vec<DataType> {
            let mut r = p.reader(Some(1)).expect("reader");
            let b = r.next().expect("a batch").expect("decoded");
            b.columns().iter().map(|c| c.data_type().clone()).collect()
        };
        let ingest = prepare_judgments(&path, &columns, 1024).expect("prepare");
        assert_eq!(ingest.row_groups(), 3);
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        assert_eq!(
            types(&ingest),
            [dict.clone(), dict, DataType::Int64],
            "the ingest read"
        );
        let other =
            prepare_with(&path, Some((&columns, Role::Judgments)), 1024, false).expect("prepare");
        assert_eq!(
            types(&other),
            [DataType::Utf8, DataType::Utf8, DataType::Int64],
            "other readers"
        );
    }
}
