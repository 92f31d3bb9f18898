//! Parquet output with the columns of each row group encoded in parallel.
//!
//! `ArrowWriter` encodes and compresses one column after another on the calling thread;
//! for a wide table (the items table: item, label, confidence and one posterior column
//! per class) that is the whole cost of writing. Here each row group's columns are
//! encoded by rayon tasks (one per leaf column) and appended in column order, so the
//! file's bytes do not depend on the thread count.
//!
//! Writer properties, chosen for tables of results (measured on the items table,
//! `benches/benches/output.rs`):
//! - floating point columns: no dictionary (posteriors are almost all distinct) and no
//!   compression — zstd level 1 made them 6% smaller for 27% more CPU time;
//! - other columns: zstd level 1; a dictionary unless the first 4096 values of the
//!   first batch are mostly distinct (unique item ids: the dictionary would be built and
//!   then abandoned), so labels get one and item ids do not;
//! - row groups of 2^20 rows, page statistics as `ArrowWriter` writes them.
//!
//! The file starts at the first batch (whose values choose the dictionaries), so its
//! bytes depend only on the data.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use crowdqc_core::{Error, Result};
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::arrow::{ArrowSchemaConverter, add_encoded_arrow_schema_to_metadata};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use crate::errors;

/// Rows per row group of the Parquet output.
pub(crate) const ROW_GROUP_ROWS: usize = 1 << 20;

/// Rows of the first batch sampled to decide on dictionaries.
const DICTIONARY_SAMPLE: usize = 4096;

/// Whether the first `DICTIONARY_SAMPLE` values of an id-like column are mostly
/// distinct (then a dictionary is built only to be abandoned). Strings and integers;
/// other types keep the default.
fn mostly_distinct(col: &dyn Array) -> bool {
    let n = col.len().min(DICTIONARY_SAMPLE);
    if n < 64 {
        return false;
    }
    let distinct = match col.data_type() {
        DataType::Utf8 => {
            let a = col.as_string::<i32>();
            (0..n).map(|i| a.value(i)).collect::<HashSet<_>>().len()
        }
        DataType::LargeUtf8 => {
            let a = col.as_string::<i64>();
            (0..n).map(|i| a.value(i)).collect::<HashSet<_>>().len()
        }
        DataType::Int64 => {
            let a = col.as_primitive::<Int64Type>();
            a.values()[..n].iter().collect::<HashSet<_>>().len()
        }
        DataType::Int32 => {
            let a = col.as_primitive::<Int32Type>();
            a.values()[..n].iter().collect::<HashSet<_>>().len()
        }
        _ => return false,
    };
    distinct * 2 > n
}

/// The writer properties of a Parquet output (see the module docs), given the table's
/// first batch when there is one.
pub(crate) fn properties(schema: &SchemaRef, first: Option<&RecordBatch>) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    for (k, f) in schema.fields().iter().enumerate() {
        let path = ColumnPath::from(f.name().as_str());
        if matches!(f.data_type(), DataType::Float32 | DataType::Float64) {
            b = b
                .set_column_dictionary_enabled(path.clone(), false)
                .set_column_compression(path, Compression::UNCOMPRESSED);
        } else if first.is_some_and(|b| mostly_distinct(b.column(k).as_ref())) {
            b = b.set_column_dictionary_enabled(path, false);
        }
    }
    b.build()
}

/// The file writer and its row group factory, created at the first batch.
struct Started {
    writer: SerializedFileWriter<BufWriter<File>>,
    factory: ArrowRowGroupWriterFactory,
}

/// A Parquet file being written row group by row group.
pub(crate) struct ParallelParquet {
    /// The output until the first batch (or `finish`) starts the file.
    out: Option<BufWriter<File>>,
    started: Option<Started>,
    schema: SchemaRef,
    /// Column writers of the open row group and its rows so far.
    open: Option<(Vec<ArrowColumnWriter>, usize)>,
    row_groups: usize,
}

fn wrap(e: parquet::errors::ParquetError) -> Error {
    errors::write("Parquet", e)
}

impl ParallelParquet {
    /// Checks that `schema` can be written; the file starts at the first batch, whose
    /// values choose the dictionaries.
    pub(crate) fn try_new(out: BufWriter<File>, schema: SchemaRef) -> Result<Self> {
        ArrowSchemaConverter::new().convert(&schema).map_err(wrap)?;
        Ok(ParallelParquet {
            out: Some(out),
            started: None,
            schema,
            open: None,
            row_groups: 0,
        })
    }

    /// Starts the file with the properties for `first`.
    fn start(&mut self, first: Option<&RecordBatch>) -> Result<()> {
        let Some(out) = self.out.take() else {
            return Ok(());
        };
        let mut props = properties(&self.schema, first);
        // the Arrow schema in the footer, as ArrowWriter writes it: readers get the
        // same Arrow types back (dictionaries, timestamps with their unit)
        add_encoded_arrow_schema_to_metadata(&self.schema, &mut props);
        let props = Arc::new(props);
        let parquet_schema = ArrowSchemaConverter::new()
            .with_coerce_types(props.coerce_types())
            .convert(&self.schema)
            .map_err(wrap)?;
        let writer = SerializedFileWriter::new(out, parquet_schema.root_schema_ptr(), props)
            .map_err(wrap)?;
        let factory = ArrowRowGroupWriterFactory::new(&writer, Arc::clone(&self.schema));
        self.started = Some(Started { writer, factory });
        Ok(())
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.schema().fields() != self.schema.fields() {
            return Err(Error::param(
                "batch",
                format!(
                    "has schema {:?}, the table was started with {:?}",
                    batch.schema().fields(),
                    self.schema.fields()
                ),
            ));
        }
        self.start(Some(batch))?;
        let Some(started) = self.started.as_mut() else {
            unreachable!("started above");
        };
        let mut start = 0;
        while start < batch.num_rows() {
            if self.open.is_none() {
                let w = started
                    .factory
                    .create_column_writers(self.row_groups)
                    .map_err(wrap)?;
                self.open = Some((w, 0));
            }
            let Some((writers, rows)) = self.open.as_mut() else {
                unreachable!("opened above");
            };
            let take = (ROW_GROUP_ROWS - *rows).min(batch.num_rows() - start);
            let part = batch.slice(start, take);
            let per_column: Vec<_> = self
                .schema
                .fields()
                .par_iter()
                .zip(part.columns().par_iter())
                .map(|(f, c)| compute_leaves(f, c))
                .collect::<std::result::Result<_, _>>()
                .map_err(wrap)?;
            let leaves: Vec<_> = per_column.into_iter().flatten().collect();
            writers
                .par_iter_mut()
                .zip(leaves.par_iter())
                .try_for_each(|(w, l)| w.write(l))
                .map_err(wrap)?;
            *rows += take;
            start += take;
            if *rows >= ROW_GROUP_ROWS {
                let (writers, _) = self.open.take().unwrap_or_default();
                Self::flush(started, writers)?;
                self.row_groups += 1;
            }
        }
        Ok(())
    }

    /// Closes a row group (columns closed in parallel, appended in order).
    fn flush(started: &mut Started, writers: Vec<ArrowColumnWriter>) -> Result<()> {
        let chunks: Vec<ArrowColumnChunk> = writers
            .into_par_iter()
            .map(ArrowColumnWriter::close)
            .collect::<std::result::Result<_, _>>()
            .map_err(wrap)?;
        let mut rg = started.writer.next_row_group().map_err(wrap)?;
        for c in chunks {
            c.append_to_row_group(&mut rg).map_err(wrap)?;
        }
        rg.close().map_err(wrap)?;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<BufWriter<File>> {
        self.start(None)?;
        let Some(mut started) = self.started else {
            unreachable!("started above");
        };
        if let Some((writers, _)) = self.open.take() {
            Self::flush(&mut started, writers)?;
        }
        started.writer.into_inner().map_err(wrap)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use parquet::basic::Encoding;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    use super::*;

    /// An items table: unique string ids, 3 labels, floats, and unique integers.
    fn items(n: usize) -> RecordBatch {
        RecordBatch::try_from_iter([
            (
                "item",
                Arc::new(StringArray::from_iter_values(
                    (0..n).map(|i| format!("it{i}")),
                )) as ArrayRef,
            ),
            (
                "label",
                Arc::new(StringArray::from_iter_values(
                    (0..n).map(|i| ["a", "b", "c"][i % 3]),
                )),
            ),
            (
                "p",
                Arc::new(Float64Array::from_iter_values(
                    (0..n).map(|i| (i as f64).sin().abs()),
                )),
            ),
            (
                "n",
                Arc::new(Int64Array::from_iter_values((0..n as i64).map(|i| i * 7))),
            ),
        ])
        .expect("batch")
    }

    fn write(batches: &[RecordBatch], threads: usize) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.parquet");
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| {
                let file = File::create(&path).expect("create");
                let mut w = ParallelParquet::try_new(BufWriter::new(file), batches[0].schema())
                    .expect("schema");
                for b in batches {
                    w.write(b).expect("write");
                }
                let mut out = w.finish().expect("finish");
                std::io::Write::flush(&mut out).expect("flush");
            });
        std::fs::read(&path).expect("read")
    }

    #[test]
    fn bytes_do_not_depend_on_threads_and_dictionaries_follow_the_data() {
        let t = items(ROW_GROUP_ROWS + 5000);
        let parts = [t.slice(0, 70_000), t.slice(70_000, t.num_rows() - 70_000)];
        let one = write(&parts, 1);
        assert_eq!(one, write(&parts, 3), "identical for any thread count");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("one.parquet");
        std::fs::write(&path, &one).expect("write");
        let r = SerializedFileReader::new(File::open(&path).expect("open")).expect("parquet");
        let md = r.metadata();
        assert_eq!(md.num_row_groups(), 2);
        assert_eq!(md.file_metadata().num_rows() as usize, t.num_rows());
        let rg = md.row_group(0);
        let dict = |c: usize| {
            rg.column(c)
                .encodings()
                .any(|e| e == Encoding::RLE_DICTIONARY || e == Encoding::PLAIN_DICTIONARY)
        };
        // unique ids and numbers: no dictionary; three labels: a dictionary
        assert!(!dict(0) && dict(1) && !dict(2) && !dict(3));
        assert_eq!(rg.column(2).compression(), Compression::UNCOMPRESSED);
        assert!(matches!(rg.column(1).compression(), Compression::ZSTD(_)));
    }

    #[test]
    fn an_empty_table_is_a_valid_file() {
        let t = items(0);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("e.parquet");
        let file = File::create(&path).expect("create");
        let w = ParallelParquet::try_new(BufWriter::new(file), t.schema()).expect("schema");
        let mut out = w.finish().expect("finish");
        std::io::Write::flush(&mut out).expect("flush");
        drop(out);
        let r = SerializedFileReader::new(File::open(&path).expect("open")).expect("parquet");
        assert_eq!(r.metadata().file_metadata().num_rows(), 0);
    }
}
