//! Written tables read back exactly; judgments load the same from every format.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, types::Int32Type,
};
use crowdqc_io::{TableWriter, read_table, write_table};

use crate::util::{judgments, read, tmp};

fn mixed() -> RecordBatch {
    let dict: DictionaryArray<Int32Type> = vec!["x", "y", "x", "z"].into_iter().collect();
    RecordBatch::try_from_iter([
        (
            "item",
            Arc::new(StringArray::from(vec![
                Some("a,b"),
                Some("q\"uote"),
                None,
                Some("é"),
            ])) as ArrayRef,
        ),
        (
            "n",
            Arc::new(Int64Array::from(vec![
                Some(-1),
                None,
                Some(i64::MAX),
                Some(0),
            ])) as ArrayRef,
        ),
        (
            "p",
            Arc::new(Float64Array::from(vec![0.1, 1.0 / 3.0, -2.5e-300, 7.0])) as ArrayRef,
        ),
        (
            "ok",
            Arc::new(BooleanArray::from(vec![true, false, true, false])) as ArrayRef,
        ),
        ("d", Arc::new(dict) as ArrayRef),
        (
            "i32",
            Arc::new(Int32Array::from(vec![1, 2, 3, 4])) as ArrayRef,
        ),
    ])
    .expect("batch")
}

#[test]
fn parquet_and_ipc_round_trips_are_exact() {
    let dir = tmp();
    let batch = mixed();
    for name in ["t.parquet", "t.arrow", "t.ipc"] {
        let p = dir.path().join(name);
        write_table(&p, &batch).expect(name);
        let back = read_table(&p).expect(name);
        assert_eq!(back.len(), 1, "{name}");
        assert_eq!(back[0], batch, "{name}");
    }
    // no temp files left behind
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn csv_round_trip_keeps_values_and_quoting() {
    let dir = tmp();
    let p = dir.path().join("t.csv");
    write_table(&p, &mixed()).expect("write");
    let text = std::fs::read_to_string(&p).expect("read");
    assert!(text.starts_with("item,n,p,ok,d,i32\n"), "{text}");
    assert!(text.contains("\"a,b\""), "{text}");
    let back = read_table(&p).expect("read back");
    let b = &back[0];
    let items = b
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("utf8");
    assert_eq!(items.value(0), "a,b");
    assert_eq!(items.value(1), "q\"uote");
    assert!(items.is_null(2));
    assert_eq!(items.value(3), "é");
    let n = b
        .column(1)
        .as_any()
        .downcast_ref::<Int64Array>()
        .expect("int64");
    assert_eq!(n.value(2), i64::MAX);
    assert!(n.is_null(1));
    // floats print their shortest round-trip form
    let p = b
        .column(2)
        .as_any()
        .downcast_ref::<Float64Array>()
        .expect("f64");
    assert_eq!(p.values().to_vec(), vec![0.1, 1.0 / 3.0, -2.5e-300, 7.0]);
    let d = b
        .column(4)
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("utf8");
    assert_eq!(d.iter().flatten().collect::<Vec<_>>(), ["x", "y", "x", "z"]);
}

#[test]
fn streaming_writer_many_batches() {
    let dir = tmp();
    let p = dir.path().join("big.parquet");
    let batch = judgments();
    let mut w = TableWriter::create(&p, batch.schema()).expect("create");
    for _ in 0..3 {
        w.write(&batch).expect("write");
    }
    assert!(!p.exists(), "output appears only on finish");
    w.finish().expect("finish");
    let rows: usize = read_table(&p)
        .expect("read")
        .iter()
        .map(RecordBatch::num_rows)
        .sum();
    assert_eq!(rows, 15);
}

#[test]
fn dropped_writer_leaves_nothing() {
    let dir = tmp();
    let p = dir.path().join("out.csv");
    std::fs::write(&p, "old").expect("write");
    let w = TableWriter::create(&p, judgments().schema()).expect("create");
    drop(w);
    assert_eq!(std::fs::read_to_string(&p).expect("read"), "old");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[test]
fn judgments_load_identically_from_every_format() {
    let dir = tmp();
    let batch = judgments();
    let mut reference = None;
    for name in ["j.parquet", "j.csv", "j.arrow"] {
        let p = dir.path().join(name);
        write_table(&p, &batch).expect(name);
        let m = read(&p, None).expect(name);
        assert_eq!(
            (m.n_items(), m.n_workers(), m.n_classes(), m.n_judgments()),
            (3, 2, 3, 5),
            "{name}"
        );
        // integer labels stay integers in every format: numeric class order 1 < 2 < 10
        let labels: Vec<String> = m.classes().iter().map(|l| l.to_string()).collect();
        assert_eq!(labels, ["1", "2", "10"], "{name}");
        let key = (
            m.judgment_classes().to_vec(),
            m.judgment_workers().to_vec(),
            m.item_offsets().to_vec(),
        );
        match &reference {
            None => reference = Some(key),
            Some(r) => assert_eq!(r, &key, "{name}"),
        }
    }
}

#[test]
fn compressed_arrow_ipc_files_are_read() {
    // pandas' `to_feather` writes LZ4-compressed IPC files by default
    use arrow_ipc::CompressionType;
    use arrow_ipc::writer::{FileWriter, IpcWriteOptions};
    let dir = tmp();
    let batch = mixed();
    for (name, c) in [
        ("lz4.feather", CompressionType::LZ4_FRAME),
        ("zstd.arrow", CompressionType::ZSTD),
    ] {
        let p = dir.path().join(name);
        let opts = IpcWriteOptions::default()
            .try_with_compression(Some(c))
            .expect("options");
        let file = std::fs::File::create(&p).expect("create");
        let mut w = FileWriter::try_new_with_options(file, &batch.schema(), opts).expect("writer");
        w.write(&batch).expect("write");
        w.finish().expect("finish");
        assert_eq!(
            read_table(&p).expect(name),
            std::slice::from_ref(&batch),
            "{name}"
        );
    }
}
