//! Item and worker columns of plain string pages (no dictionary page), which the
//! parallel read decodes from the pages itself (`plain_ids`): the matrix is the one read
//! from the parquet crate's plain strings, for one, two and three threads, required and
//! optional columns, data pages v1 and v2, ids of any length, and columns switched to
//! plain string arrays once most of a row group's ids are distinct.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use crowdqc_core::{IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, Result};
use crowdqc_io::read_judgments;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Encoding;
use parquet::file::properties::{WriterProperties, WriterVersion};
use proptest::prelude::*;

struct Layout {
    group: usize,
    page: usize,
    nullable: bool,
    v2: bool,
    /// Dictionary pages for the worker column (the item column never has one).
    worker_dictionary: bool,
}

fn write(path: &std::path::Path, rows: &[(String, String, u8)], l: &Layout) {
    let items: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.0)));
    let workers: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.1)));
    let labels: ArrayRef = Arc::new(Int64Array::from_iter_values(
        rows.iter().map(|r| i64::from(r.2)),
    ));
    let schema = Arc::new(Schema::new(vec![
        Field::new("item", DataType::Utf8, l.nullable),
        Field::new("worker", DataType::Utf8, l.nullable),
        Field::new("label", DataType::Int64, false),
    ]));
    let batch = RecordBatch::try_new(schema.clone(), vec![items, workers, labels]).expect("batch");
    let worker = parquet::schema::types::ColumnPath::from("worker");
    let version = if l.v2 {
        WriterVersion::PARQUET_2_0
    } else {
        WriterVersion::PARQUET_1_0
    };
    let props = WriterProperties::builder()
        .set_writer_version(version)
        .set_max_row_group_row_count(Some(l.group))
        .set_data_page_row_count_limit(l.page)
        .set_write_batch_size(l.page)
        .set_dictionary_enabled(false)
        .set_encoding(Encoding::PLAIN)
        .set_column_dictionary_enabled(worker.clone(), l.worker_dictionary)
        .build();
    let file = std::fs::File::create(path).expect("create");
    let mut w = ArrowWriter::try_new(file, schema, Some(props)).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// Every batch of the file decoded by the parquet crate as plain strings, pushed in
/// order.
fn strings(path: &std::path::Path, opts: &IngestOptions) -> Result<JudgmentMatrix> {
    let file = std::fs::File::open(path).expect("open");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("footer")
        .with_batch_size(65_536)
        .build()
        .expect("reader");
    let mut b = JudgmentMatrixBuilder::new(opts.clone())?;
    for batch in reader {
        b.push_batch(&batch.expect("decode"))?;
    }
    b.finish()
}

fn digest(m: &JudgmentMatrix) -> String {
    let ids = |d: &crowdqc_core::IdDictionary| d.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        ids(m.items()),
        ids(m.workers()),
        m.item_offsets(),
        m.judgment_workers(),
        m.judgment_classes(),
        m.report(),
    )
}

fn threads_read(path: &std::path::Path, opts: &IngestOptions, want: &str) {
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let got = pool.install(|| read_judgments(path, opts, None).expect("read"));
        assert_eq!(digest(&got), want, "{threads} threads");
    }
}

/// An id of any length class (empty, short, 8-16 bytes, long, non-ASCII).
fn id(tag: char, v: u16, class: u8) -> String {
    match class % 5 {
        0 => format!("{tag}{v}"),
        1 => format!("{tag}{v:08}"),
        2 => format!("{tag}-{v:030}"),
        3 => format!("{tag}é{v}"),
        _ if v.is_multiple_of(7) => String::new(),
        _ => format!("{v}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn plain_pages_read_as_from_strings(
        rows in prop::collection::vec((0u16..400, 0u16..60, 0u8..4, any::<u8>()), 1..3000),
        group in 50usize..1500,
        page in 1usize..300,
        nullable in any::<bool>(),
        v2 in any::<bool>(),
        worker_dictionary in any::<bool>(),
    ) {
        let rows: Vec<(String, String, u8)> = rows
            .into_iter()
            .map(|(i, w, l, c)| (id('i', i, c), id('w', w, c / 5), l))
            .collect();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.parquet");
        let layout = Layout { group, page, nullable, v2, worker_dictionary };
        write(&path, &rows, &layout);
        let opts = IngestOptions::default();
        let want = digest(&strings(&path, &opts).expect("strings"));
        threads_read(&path, &opts, &want);
    }
}

/// Row groups of 6,000 rows whose workers are all distinct (the decoding threads read
/// them as plain string arrays from their second row group on) and whose items repeat:
/// the matrix read from strings.
#[test]
fn mostly_distinct_columns_switched_to_plain_arrays_read_as_from_strings() {
    let rows: Vec<(String, String, u8)> = (0..30_000u32)
        .map(|r| {
            let mix = (u64::from(r).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as u32;
            (
                format!("i{:05}", (r / 5) ^ (mix % 3)),
                format!("w{r:06}"),
                (mix % 3) as u8,
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.parquet");
    let layout = Layout {
        group: 6000,
        page: 1000,
        nullable: true,
        v2: false,
        worker_dictionary: false,
    };
    write(&path, &rows, &layout);
    let opts = IngestOptions::default();
    let want = strings(&path, &opts).expect("strings");
    assert_eq!(want.n_workers(), 30_000);
    threads_read(&path, &opts, &digest(&want));
}
