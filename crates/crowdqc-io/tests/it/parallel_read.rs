//! Parquet files read row group by row group on several threads (`read_judgments`) give
//! the matrix, or the error, of the plain path: every batch of the file pushed in order
//! with `push_batch`. Random files with several row groups, dictionary pages that fall
//! back to plain pages, sorted and unsorted items, nulls and labels outside the declared
//! classes.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use crowdqc_core::{IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, Result};
use crowdqc_io::{BatchReader, read_judgments};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;
use proptest::prelude::*;

fn write(path: &std::path::Path, rows: &[(Option<u16>, Option<u8>, u8)], group: usize, dict: bool) {
    let items: ArrayRef = Arc::new(StringArray::from(
        rows.iter()
            .map(|r| r.0.map(|i| format!("i{i:04}")))
            .collect::<Vec<_>>(),
    ));
    let workers: ArrayRef = Arc::new(StringArray::from(
        rows.iter()
            .map(|r| r.1.map(|w| format!("w{w}")))
            .collect::<Vec<_>>(),
    ));
    let labels: ArrayRef = Arc::new(Int64Array::from_iter_values(
        rows.iter().map(|r| i64::from(r.2)),
    ));
    let batch =
        RecordBatch::try_from_iter([("item", items), ("worker", workers), ("label", labels)])
            .expect("batch");
    // a tiny dictionary page limit: dictionary pages fall back to plain pages within
    // a column chunk, as 2e6 distinct item ids do at the default limit
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .set_dictionary_enabled(dict)
        .set_dictionary_page_size_limit(64)
        .set_data_page_row_count_limit(16)
        .set_write_batch_size(16)
        .build();
    let file = std::fs::File::create(path).expect("create");
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

fn plain(path: &std::path::Path, opts: &IngestOptions) -> Result<JudgmentMatrix> {
    let mut b = JudgmentMatrixBuilder::new(opts.clone())?;
    for batch in BatchReader::open_judgments(path, &opts.columns)? {
        b.push_batch(&batch?).map_err(|e| e.in_file(path))?;
    }
    b.finish().map_err(|e| e.in_file(path))
}

/// The plain path on plain strings: batches decoded by the parquet crate without the
/// dictionary hint `read_judgments` and `BatchReader` give id columns that have
/// dictionary pages (so every id column arrives as `Utf8`), pushed in order.
fn strings(path: &std::path::Path, opts: &IngestOptions) -> Result<JudgmentMatrix> {
    let file = std::fs::File::open(path).expect("open");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("footer")
        .with_batch_size(65_536)
        .build()
        .expect("reader");
    let mut b = JudgmentMatrixBuilder::new(opts.clone())?;
    for batch in reader {
        let batch = batch.expect("decode");
        for f in batch.schema().fields() {
            assert!(!matches!(f.data_type(), DataType::Dictionary(..)));
        }
        b.push_batch(&batch).map_err(|e| e.in_file(path))?;
    }
    b.finish().map_err(|e| e.in_file(path))
}

fn digest(m: &JudgmentMatrix) -> String {
    let ids = |d: &crowdqc_core::IdDictionary| d.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        ids(m.items()),
        ids(m.workers()),
        m.classes()
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>(),
        m.item_offsets(),
        m.judgment_workers(),
        m.judgment_classes(),
        m.report(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn row_groups_on_threads_read_what_the_plain_path_reads(
        mut rows in prop::collection::vec(
            (
                prop_oneof![40 => (0u16..3000).prop_map(Some), 1 => Just(None)],
                prop_oneof![40 => (0u8..=255).prop_map(Some), 1 => Just(None)],
                0u8..5,
            ),
            1..600,
        ),
        group in 1usize..200,
        dict in any::<bool>(),
        sorted in any::<bool>(),
        declared in any::<bool>(),
    ) {
        if sorted {
            rows.sort_by_key(|r| r.0);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.parquet");
        write(&path, &rows, group, dict);
        let opts = if declared {
            IngestOptions::default().with_classes(["0", "1", "2", "3"])
        } else {
            IngestOptions::default()
        };
        // dictionary pages read as Arrow dictionaries (item and worker chunks fall back
        // to plain pages): the same codes, matrix and errors as plain strings
        match (strings(&path, &opts), plain(&path, &opts)) {
            (Ok(s), Ok(w)) => prop_assert_eq!(digest(&s), digest(&w)),
            (Err(s), Err(w)) => prop_assert_eq!(s.to_string(), w.to_string()),
            (s, w) => prop_assert!(
                false,
                "strings {:?} but plain {:?}",
                s.map(|m| m.n_judgments()),
                w.map(|m| m.n_judgments())
            ),
        }
        // one and three decoding threads read what the default pool reads
        let digest_or_error = |r: Result<JudgmentMatrix>| r.map_or_else(|e| e.to_string(), |m| digest(&m));
        let default = digest_or_error(read_judgments(&path, &opts, None));
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            let got = pool.install(|| digest_or_error(read_judgments(&path, &opts, None)));
            prop_assert_eq!(&got, &default, "{} threads", threads);
        }
        match (plain(&path, &opts), read_judgments(&path, &opts, None)) {
            (Ok(w), Ok(g)) => prop_assert_eq!(digest(&w), digest(&g)),
            (Err(w), Err(g)) => prop_assert_eq!(w.to_string(), g.to_string()),
            (w, g) => prop_assert!(
                false,
                "plain {:?} but parallel {:?}",
                w.map(|m| m.n_judgments()),
                g.map(|m| m.n_judgments())
            ),
        }
    }
}

/// Id columns whose chunks start with a dictionary page and fall back to plain pages:
/// `BatchReader` gives other readers plain strings as before (the ingest read takes them
/// as Arrow dictionaries, see `parquet_input`'s unit test), and `read_judgments` gives
/// the matrix read from plain strings.
#[test]
fn id_columns_with_dictionary_pages_falling_back_read_as_from_strings() {
    let rows: Vec<(Option<u16>, Option<u8>, u8)> = (0..3000u32)
        .map(|r| {
            (
                Some((r * 7 % 1000) as u16),
                Some((r * 13 % 251) as u8),
                (r % 3) as u8,
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.parquet");
    write(&path, &rows, 1000, true);
    let opts = IngestOptions::default();
    let mut seen = 0;
    for batch in BatchReader::open_judgments(&path, &opts.columns).expect("open") {
        let batch = batch.expect("batch");
        for name in ["item", "worker"] {
            let col = batch.column_by_name(name).expect("column");
            assert_eq!(col.data_type(), &DataType::Utf8, "{name}");
        }
        seen += batch.num_rows();
    }
    assert_eq!(seen, 3000);
    let want = strings(&path, &opts).expect("strings");
    let got = read_judgments(&path, &opts, None).expect("read");
    assert_eq!(digest(&got), digest(&want));
    assert_eq!(got.n_items(), 1000);
    assert_eq!(got.n_workers(), 251);
}

/// Row groups of several 65,536-row batches whose worker column falls back to plain
/// pages with mostly distinct ids per batch (the decoding threads then read it as plain
/// strings from their next row group on, and intern batches of 4,096+ strings in bucket
/// order) while items repeat within batches: one, two and three threads read the matrix
/// read from plain strings.
#[test]
fn dense_dictionary_columns_switched_to_strings_read_as_from_strings() {
    let n = 400_000u64;
    let mix = |r: u64| r.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    let items: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..n).map(|r| format!("i{:06}", (r / 5) ^ (mix(r) % 3))),
    ));
    let workers: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..n).map(|r| format!("w{:07}", mix(r) % 300_000)),
    ));
    let labels: ArrayRef = Arc::new(Int64Array::from_iter_values((0..n).map(|r| (r % 3) as i64)));
    let batch =
        RecordBatch::try_from_iter([("item", items), ("worker", workers), ("label", labels)])
            .expect("batch");
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(140_000))
        .set_dictionary_page_size_limit(4096)
        .build();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.parquet");
    let file = std::fs::File::create(&path).expect("create");
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
    // per 65,536-row batch ~59k distinct workers of 300k (dense) and ~13k items
    let opts = IngestOptions::default();
    let want = digest(&strings(&path, &opts).expect("strings"));
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let got = pool.install(|| read_judgments(&path, &opts, None).expect("read"));
        assert_eq!(digest(&got), want, "{threads} threads");
        assert_eq!(got.n_judgments(), n as usize);
    }
}
