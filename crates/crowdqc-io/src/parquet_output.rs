//! Parquet output with the columns of each row group encoded in parallel.
//!
//! `ArrowWriter` encodes and compresses one column after another on the calling thread;
//! for a wide table (the items table: item, label, confidence and one posterior column
//! per class) that is the whole cost of writing. Here each row group's columns are
//! encoded by rayon tasks (one per leaf column) and appended in column order, so the
//! file's bytes do not depend on the thread count.
//!
//! Writer properties, chosen for tables of results: zstd level 1 (most of the size
//! gain of the default level at a fraction of its time); no dictionary for floating
//! point columns (posteriors are almost all distinct, the dictionary is built and then
//! abandoned); dictionary kept for ids and labels (few distinct labels; unique item ids
//! fall back to plain pages after the first dictionary page); row groups of 2^20 rows.

use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;

use arrow_array::RecordBatch;
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

/// The writer properties of every Parquet output (see the module docs).
pub(crate) fn properties(schema: &SchemaRef) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    for f in schema.fields() {
        if matches!(f.data_type(), DataType::Float32 | DataType::Float64) {
            b = b.set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), false);
        }
    }
    b.build()
}

/// A Parquet file being written row group by row group.
pub(crate) struct ParallelParquet {
    writer: SerializedFileWriter<BufWriter<File>>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// Column writers of the open row group and its rows so far.
    open: Option<(Vec<ArrowColumnWriter>, usize)>,
    row_groups: usize,
}

fn wrap(e: parquet::errors::ParquetError) -> Error {
    errors::write("Parquet", e)
}

impl ParallelParquet {
    pub(crate) fn try_new(out: BufWriter<File>, schema: SchemaRef) -> Result<Self> {
        let mut props = properties(&schema);
        // the Arrow schema in the footer, as ArrowWriter writes it: readers get the
        // same Arrow types back (dictionaries, timestamps with their unit)
        add_encoded_arrow_schema_to_metadata(&schema, &mut props);
        let props = Arc::new(props);
        let parquet_schema = ArrowSchemaConverter::new()
            .with_coerce_types(props.coerce_types())
            .convert(&schema)
            .map_err(wrap)?;
        let writer = SerializedFileWriter::new(out, parquet_schema.root_schema_ptr(), props)
            .map_err(wrap)?;
        let factory = ArrowRowGroupWriterFactory::new(&writer, Arc::clone(&schema));
        Ok(ParallelParquet {
            writer,
            factory,
            schema,
            open: None,
            row_groups: 0,
        })
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
        let mut start = 0;
        while start < batch.num_rows() {
            if self.open.is_none() {
                let w = self
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
            let mut leaves = Vec::with_capacity(writers.len());
            for (f, c) in self.schema.fields().iter().zip(part.columns()) {
                leaves.extend(compute_leaves(f, c).map_err(wrap)?);
            }
            writers
                .par_iter_mut()
                .zip(leaves.par_iter())
                .try_for_each(|(w, l)| w.write(l))
                .map_err(wrap)?;
            *rows += take;
            start += take;
            if *rows >= ROW_GROUP_ROWS {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Closes the open row group (columns closed in parallel, appended in order).
    fn flush(&mut self) -> Result<()> {
        let Some((writers, _)) = self.open.take() else {
            return Ok(());
        };
        let chunks: Vec<ArrowColumnChunk> = writers
            .into_par_iter()
            .map(ArrowColumnWriter::close)
            .collect::<std::result::Result<_, _>>()
            .map_err(wrap)?;
        let mut rg = self.writer.next_row_group().map_err(wrap)?;
        for c in chunks {
            c.append_to_row_group(&mut rg).map_err(wrap)?;
        }
        rg.close().map_err(wrap)?;
        self.row_groups += 1;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<BufWriter<File>> {
        self.flush()?;
        self.writer.into_inner().map_err(wrap)
    }
}
