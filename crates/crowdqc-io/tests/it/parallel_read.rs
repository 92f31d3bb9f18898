//! Parquet files read row group by row group on several threads (`read_judgments`) give
//! the matrix, or the error, of the plain path: every batch of the file pushed in order
//! with `push_batch`. Random files with several row groups, dictionary pages that fall
//! back to plain pages, sorted and unsorted items, nulls and labels outside the declared
//! classes.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use crowdqc_core::{IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, Result};
use crowdqc_io::{BatchReader, read_judgments};
use parquet::arrow::ArrowWriter;
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
