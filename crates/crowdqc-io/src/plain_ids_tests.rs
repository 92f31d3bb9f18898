use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::reader::{FileReader, SerializedFileReader};
use proptest::prelude::*;

use super::*;

/// Plain pages of `ids` as the format lays them out (length, then bytes).
fn page(ids: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in ids {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s);
    }
    out
}

/// Keys in order of first appearance, as a map from id to its first index gives them.
fn first_appearance(ids: &[Vec<u8>]) -> (Vec<Vec<u8>>, Vec<i32>) {
    let mut seen: HashMap<&[u8], i32> = HashMap::new();
    let mut values = Vec::new();
    let keys = ids
        .iter()
        .map(|s| {
            *seen.entry(s.as_slice()).or_insert_with(|| {
                values.push(s.clone());
                values.len() as i32 - 1
            })
        })
        .collect();
    (values, keys)
}

fn distinct_keys(ids: &[Vec<u8>], expect: usize, per_page: usize) -> (Distinct, Vec<i32>) {
    let mut d = Distinct::with_expected(expect);
    let mut keys = Vec::new();
    for chunk in ids.chunks(per_page.max(1)) {
        let refs: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        let bytes = page(&refs);
        let end = d.keys_of(&bytes, chunk.len() as u32, &mut keys);
        assert_eq!(end, Some(bytes.len()));
    }
    (d, keys)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Ids of every length class (empty, 1-3, 4-7, 8-16 and longer bytes) drawn from
    /// a small pool so that they repeat, in pages of any size, into a table started
    /// at its smallest size (so it grows several times): keys and values are those of
    /// first appearance.
    #[test]
    fn keys_number_ids_in_order_of_first_appearance(
        pool in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..300),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..12_000),
        per_page in 1usize..5000,
    ) {
        let ids: Vec<Vec<u8>> = picks.iter().map(|i| pool[i.index(pool.len())].clone()).collect();
        let (d, keys) = distinct_keys(&ids, 0, per_page);
        let (values, want) = first_appearance(&ids);
        prop_assert_eq!(keys, want);
        prop_assert_eq!(d.len(), values.len());
        for (k, v) in values.iter().enumerate() {
            prop_assert_eq!(d.get(k), v.as_slice());
        }
    }

    /// The word comparison of short ids is byte equality.
    #[test]
    fn same_is_equality(
        a in prop::collection::vec(0u8..3, 0..20),
        b in prop::collection::vec(0u8..3, 0..20),
    ) {
        prop_assert_eq!(same(&a, &b), a == b);
        prop_assert!(same(&a, &a.clone()));
    }
}

/// 200,000 distinct ids (the table grows from its smallest size, 8,192 slots, past
/// 262,144), each seen twice: every id keeps its key, and a value that is not UTF-8
/// makes the values unreadable (`None`: the row group is then read by the parquet crate).
#[test]
fn many_ids_grow_the_table_and_keep_their_keys() {
    let ids: Vec<Vec<u8>> = (0..400_000u32)
        .map(|r| format!("i{:07}", (r % 200_000) * 7919 % 1_000_003).into_bytes())
        .collect();
    let (d, keys) = distinct_keys(&ids, 0, 20_480);
    let (values, want) = first_appearance(&ids);
    assert_eq!(values.len(), 200_000);
    assert_eq!(keys, want);
    let arr = d.into_values().expect("utf-8");
    let arr = arr.as_string::<i32>();
    assert_eq!(arr.len(), 200_000);
    assert_eq!(arr.value(0).as_bytes(), ids[0].as_slice());
    assert_eq!(arr.value(199_999).as_bytes(), ids[199_999].as_slice());
    let (bad, _) = distinct_keys(&[b"ok".to_vec(), vec![0xff, 0xfe]], 0, 10);
    assert!(bad.into_values().is_none());
}

/// A page whose last value runs past its end, or whose values end before it does, is
/// declined (`None`).
#[test]
fn malformed_pages_are_declined() {
    let mut d = Distinct::with_expected(0);
    let mut keys = Vec::new();
    let bytes = page(&[b"abc", b"de"]);
    assert_eq!(d.keys_of(&bytes, 2, &mut keys), Some(bytes.len()));
    assert_eq!(d.keys_of(&bytes[..bytes.len() - 1], 2, &mut keys), None);
    assert_eq!(d.keys_of(&bytes, 3, &mut keys), None);
    assert_eq!(values_of(&bytes, 1, |_| Some(())), Some(7));
}

/// Writes `ids` (one string column `id`, nullable or not) without dictionary, in
/// pages of 64 rows and row groups of 700, data pages of format `version` and values
/// encoded with `encoding` (the writer's default for that version when `None`).
fn write(
    path: &std::path::Path,
    ids: &[String],
    nullable: bool,
    version: WriterVersion,
    encoding: Option<Encoding>,
) {
    let arr: ArrayRef = Arc::new(StringArray::from_iter_values(ids));
    let field = arrow_schema::Field::new("id", arrow_schema::DataType::Utf8, nullable);
    let schema = Arc::new(arrow_schema::Schema::new(vec![field]));
    let batch = RecordBatch::try_new(schema.clone(), vec![arr]).expect("batch");
    let mut props = WriterProperties::builder();
    if let Some(e) = encoding {
        props = props.set_encoding(e);
    }
    let props = props
        .set_dictionary_enabled(false)
        .set_max_row_group_row_count(Some(700))
        .set_data_page_row_count_limit(64)
        .set_write_batch_size(64)
        .set_writer_version(version)
        .build();
    let file = File::create(path).expect("create");
    let mut w = ArrowWriter::try_new(file, schema, Some(props)).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// Column chunks written by the Arrow writer (required and optional columns without
/// nulls, data pages v1 and v2, several pages per chunk) decode to their rows in both
/// modes; a dictionary-encoded chunk and one with nulls are not eligible.
#[test]
fn written_chunks_decode_to_their_rows() {
    let ids: Vec<String> = (0..2000u32)
        .map(|r| match r % 4 {
            0 => format!("i{}", r * 7 % 300),
            1 => format!("long-id-number-{:030}", r % 50),
            2 => format!("é{}", r % 13),
            _ => String::new(),
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    for nullable in [false, true] {
        for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
            let path = dir.path().join("ids.parquet");
            write(&path, &ids, nullable, version, Some(Encoding::PLAIN));
            let reader =
                SerializedFileReader::new(File::open(&path).expect("open")).expect("footer");
            let meta = reader.metadata();
            assert_eq!(meta.num_row_groups(), 3);
            let file = Arc::new(File::open(&path).expect("open"));
            let mut row = 0;
            for rg in meta.row_groups() {
                let col = rg.column(0);
                assert!(eligible(col), "nullable {nullable} {version:?}");
                let rows = rg.num_rows() as usize;
                let want = &ids[row..row + rows];
                for mode in [Mode::Distinct(0), Mode::Distinct(5000), Mode::Plain] {
                    let got = decode(&file, col, rows, mode)
                        .unwrap_or_else(|| panic!("{mode:?} nullable {nullable} {version:?}"));
                    assert_eq!(got.rows(), rows);
                    let arr = got.slice(0, rows).expect("slice");
                    let strings = arrow_cast_strings(&arr);
                    assert_eq!(strings, want, "{mode:?} nullable {nullable} {version:?}");
                    if let Mode::Distinct(_) = mode {
                        let mut seen = want.to_vec();
                        seen.sort();
                        seen.dedup();
                        assert_eq!(got.distinct(), Some(seen.len()));
                    }
                }
                row += rows;
            }
        }
    }
    // pages of another encoding (the v2 writer's default, delta byte arrays): declined
    let path = dir.path().join("delta.parquet");
    write(&path, &ids, false, WriterVersion::PARQUET_2_0, None);
    let reader = SerializedFileReader::new(File::open(&path).expect("open")).expect("footer");
    let rg = reader.metadata().row_group(0);
    let file = Arc::new(File::open(&path).expect("open"));
    assert!(decode(&file, rg.column(0), rg.num_rows() as usize, Mode::Plain).is_none());
    // nulls, and dictionary pages: not eligible
    let path = dir.path().join("nulls.parquet");
    let arr: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("b")]));
    let batch = RecordBatch::try_from_iter([("id", arr)]).expect("batch");
    for dictionary in [false, true] {
        let props = WriterProperties::builder()
            .set_dictionary_enabled(dictionary)
            .build();
        let mut w = ArrowWriter::try_new(
            File::create(&path).expect("create"),
            batch.schema(),
            Some(props),
        )
        .expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
        let reader = SerializedFileReader::new(File::open(&path).expect("open")).expect("footer");
        assert!(!eligible(reader.metadata().row_group(0).column(0)));
    }
}

/// The strings of a `Utf8` or `Dictionary(Int32, Utf8)` array, row by row.
fn arrow_cast_strings(arr: &ArrayRef) -> Vec<String> {
    match arr.as_any_dictionary_opt() {
        Some(d) => {
            let values = d.values().as_string::<i32>();
            let keys = d.keys().as_primitive::<Int32Type>();
            keys.values()
                .iter()
                .map(|&k| values.value(k as usize).to_string())
                .collect()
        }
        None => arr
            .as_string::<i32>()
            .iter()
            .map(|s| s.unwrap_or_default().to_string())
            .collect(),
    }
}
