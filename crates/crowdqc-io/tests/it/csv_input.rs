//! CSV type inference, quoting, line numbers and batching; IPC stream input; Parquet
//! projection and dictionary reads.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, StringArray};
use arrow_schema::DataType;
use crowdqc_core::{ColumnMap, IdRef, IngestOptions};
use crowdqc_io::{BatchReader, read_table, write_table};

use crate::util::{fails, file, judgments, read, tmp};

fn types(batches: &[RecordBatch]) -> Vec<DataType> {
    batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect()
}

#[test]
fn integer_columns_only_when_every_value_parses() {
    let dir = tmp();
    let p = file(
        dir.path(),
        "t.csv",
        "a,b,c,d,e,f\n1,1,007,1,,0.5\n-2,x,-0,,,1\n3,3,00,99999999999999999999,,2e3\n",
    );
    let t = read_table(&p).expect("read");
    assert_eq!(
        types(&t),
        [
            DataType::Int64,   // all integers
            DataType::Utf8,    // one `x` makes the whole column text
            DataType::Int64,   // 007, -0 and 00 are the integers 7, 0, 0
            DataType::Utf8,    // beyond i64: text
            DataType::Utf8,    // all empty: text, all null
            DataType::Float64, // generic tables infer floats
        ]
    );
    let b = &t[0];
    assert_eq!(
        b.column(0).as_primitive::<Int64Type>().values(),
        &[1, -2, 3]
    );
    assert_eq!(b.column(2).as_primitive::<Int64Type>().values(), &[7, 0, 0]);
    let s = b.column(1).as_string::<i32>();
    assert_eq!(
        s.iter().collect::<Vec<_>>(),
        [Some("1"), Some("x"), Some("3")]
    );
    let d = b.column(3).as_string::<i32>();
    assert!(d.is_null(1));
    assert_eq!(d.value(2), "99999999999999999999");
    assert_eq!(b.column(4).null_count(), 3);
}

#[test]
fn judgment_labels_are_integers_or_text_never_floats() {
    let dir = tmp();
    // integer labels: numeric class order and integer ids
    let p = file(
        dir.path(),
        "i.csv",
        "item,worker,label\n1,7,10\n1,8,9\n2,7,10\n",
    );
    let m = read(&p, None).expect("ints");
    assert_eq!(m.classes().label(0), IdRef::Int(9));
    assert_eq!(m.items().get(0), IdRef::Int(1));
    // one non-integer label makes them all text (still ordered numerically by core)
    let p = file(
        dir.path(),
        "f.csv",
        "item,worker,label\n1,7,0.5\n1,8,10\n2,7,2\n",
    );
    let m = read(&p, None).expect("text labels");
    let labels: Vec<String> = m.classes().iter().map(|l| l.to_string()).collect();
    assert_eq!(labels, ["0.5", "2", "10"]);
    assert_eq!(m.classes().label(1), IdRef::Str("2"));
    // a mixed id column is text: `01` and `1` are different items
    let p = file(
        dir.path(),
        "m.csv",
        "item,worker,label\n01,a,x\n1,a,x\nq,a,x\n",
    );
    assert_eq!(read(&p, None).expect("mixed").n_items(), 3);
}

#[test]
fn quoting_crlf_bom_and_multiline_fields() {
    let dir = tmp();
    let p = file(
        dir.path(),
        "q.csv",
        "\u{feff}item,worker,label\r\n\"http://a.com/x,y\",w1,\"say \"\"hi\"\"\"\r\n\"multi\nline\",w2,b\r\nplain,w1,b\r\n",
    );
    let m = read(&p, None).expect("quoted");
    assert_eq!(m.n_items(), 3);
    assert_eq!(m.items().get(0), IdRef::Str("http://a.com/x,y"));
    assert_eq!(m.items().get(1), IdRef::Str("multi\nline"));
    assert_eq!(m.classes().label(1), IdRef::Str("say \"hi\""));
    // an error after a multi-line field names the right line
    let p = file(
        dir.path(),
        "q2.csv",
        "item,worker,label\n\"multi\nline\",w2,b\nt2,,b\n",
    );
    let s = fails(&p).1;
    assert!(
        s.contains("row 2, column `worker`: null") && s.contains("(line 4)"),
        "{s}"
    );
}

#[test]
fn large_csv_is_read_in_batches_with_right_rows_and_lines() {
    let dir = tmp();
    let n = 150_000;
    let mut text = String::from("item,worker,label\n");
    for i in 0..n {
        let _ = writeln!(text, "i{},w{},{}", i / 3, i % 101, i % 2);
    }
    let p = file(dir.path(), "big.csv", &text);
    let r = BatchReader::open_judgments(&p, &ColumnMap::default()).expect("open");
    assert_eq!(r.total_rows(), Some(n));
    let sizes: Vec<usize> = r.map(|b| b.expect("batch").num_rows()).collect();
    assert_eq!(sizes, [65_536, 65_536, 18_928]);
    let progress = Recorder::default();
    let m =
        crowdqc_io::read_judgments_with_progress(&p, &IngestOptions::default(), None, &progress)
            .expect("read");
    let seen = progress.seen();
    assert_eq!(
        (m.n_items(), m.n_workers(), m.n_judgments()),
        (50_000, 101, 150_000)
    );
    let total = Some(150_000);
    assert_eq!(seen, [(65_536, total), (131_072, total), (150_000, total)]);
    // a bad value in the third batch: row and line across batches
    text.push_str("i1,w1,\n");
    let p = file(dir.path(), "big2.csv", &text);
    let s = fails(&p).1;
    assert!(
        s.contains("row 150001, column `label`: null") && s.contains("(line 150002)"),
        "{s}"
    );
}

#[test]
fn timestamps_and_durations_are_carried() {
    let dir = tmp();
    let p = file(
        dir.path(),
        "t.csv",
        "item,worker,label,timestamp,duration_ms,comment\n\
         t1,a,x,2024-05-01T12:00:00Z,1500.5,ok\n\
         t1,b,y,2024-05-01 12:00:01,20,\"x,y\"\n",
    );
    let m = read(&p, None).expect("read");
    assert_eq!(
        m.timestamps(),
        Some([1_714_564_800_000, 1_714_564_801_000].as_slice())
    );
    assert_eq!(m.durations(), Some([1500.5, 20.0].as_slice()));
    let r = BatchReader::open_judgments(&p, &ColumnMap::default()).expect("open");
    let names: Vec<String> = r
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        ["item", "worker", "label", "timestamp", "duration_ms"]
    );
}

#[test]
fn ipc_stream_format_is_detected() {
    let dir = tmp();
    let batch = judgments();
    let p = dir.path().join("s.arrow");
    let mut buf = Vec::new();
    {
        let mut w =
            arrow_ipc::writer::StreamWriter::try_new(&mut buf, &batch.schema()).expect("writer");
        w.write(&batch).expect("write");
        w.write(&batch).expect("write");
        w.finish().expect("finish");
    }
    std::fs::write(&p, &buf).expect("write");
    let m = read(&p, None).expect("stream");
    assert_eq!((m.n_items(), m.n_judgments()), (3, 10));
    assert_eq!(m.report().duplicate_pairs, 5);
    let t = read_table(&p).expect("table");
    assert_eq!(t, [batch.clone(), batch]);
    // a truncated stream is an error, not a panic
    let t = file(dir.path(), "t.arrow", &buf[..buf.len() / 2]);
    assert!(read(&t, None).is_err());
}

#[test]
fn parquet_reads_only_the_needed_columns() {
    let dir = tmp();
    let j = judgments();
    // an extra column of a type ingest cannot use is never read
    let list =
        ListArray::from_iter_primitive::<Int64Type, _, _>((0..5).map(|i| Some(vec![Some(i)])));
    let mut cols: Vec<(&str, ArrayRef)> = vec![("meta", Arc::new(list) as ArrayRef)];
    let schema = j.schema();
    for (f, c) in schema.fields().iter().zip(j.columns()) {
        cols.push((f.name().as_str(), c.clone()));
    }
    let batch = RecordBatch::try_from_iter(cols).expect("batch");
    let p = dir.path().join("p.parquet");
    write_table(&p, &batch).expect("write");
    let r = BatchReader::open_judgments(&p, &ColumnMap::default()).expect("open");
    assert_eq!(r.total_rows(), Some(5));
    let names: Vec<String> = r
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["item", "worker", "label"]);
    assert_eq!(read(&p, None).expect("read").n_judgments(), 5);
}

#[test]
fn dictionary_encoded_parquet_ids_are_read_as_dictionaries() {
    let dir = tmp();
    // few distinct workers: dictionary pages only; 200k distinct long item ids overflow
    // the 1 MB dictionary page limit, so that column falls back to plain pages.
    let n = 200_000;
    let items: Vec<String> = (0..n)
        .map(|i| format!("item-with-a-long-name-{i:08}"))
        .collect();
    let workers: Vec<String> = (0..n).map(|i| format!("w{}", i % 50)).collect();
    let labels: Vec<&str> = (0..n).map(|i| if i % 3 == 0 { "a" } else { "b" }).collect();
    let batch = RecordBatch::try_from_iter([
        ("item", Arc::new(StringArray::from(items)) as ArrayRef),
        ("worker", Arc::new(StringArray::from(workers)) as ArrayRef),
        ("label", Arc::new(StringArray::from(labels)) as ArrayRef),
    ])
    .expect("batch");
    let p = dir.path().join("d.parquet");
    write_table(&p, &batch).expect("write");
    let r = BatchReader::open_judgments(&p, &ColumnMap::default()).expect("open");
    let schema = r.schema();
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    assert_eq!(
        schema.field(0).data_type(),
        &DataType::Utf8,
        "plain fallback"
    );
    assert_eq!(schema.field(1).data_type(), &dict);
    assert_eq!(schema.field(2).data_type(), &dict);
    let m = read(&p, None).expect("read");
    assert_eq!((m.n_items(), m.n_workers(), m.n_classes()), (n, 50, 2));
    assert_eq!(m.classes().counts(), &[66_667, 133_333]);
    assert_eq!(m.workers().get(7), IdRef::Str("w7"));
    // same matrix as from the in-memory batch
    let mut b = crowdqc_core::JudgmentMatrixBuilder::new(IngestOptions::default()).expect("b");
    b.push_batch(&batch).expect("push");
    let direct = b.finish().expect("finish");
    assert_eq!(m.judgment_workers(), direct.judgment_workers());
    assert_eq!(m.judgment_classes(), direct.judgment_classes());
    assert_eq!(m.item_offsets(), direct.item_offsets());
}

#[test]
fn tsv_reads_and_writes_like_csv() {
    let dir = tmp();
    let p = file(
        dir.path(),
        "j.tsv",
        "item\tworker\tlabel\nt1\ta,b\t1\nt2\tc\t2\n",
    );
    let m = read(&p, None).expect("tsv");
    assert_eq!(m.workers().get(0), IdRef::Str("a,b"));
    assert_eq!(m.classes().label(1), IdRef::Int(2));
    let out = dir.path().join("out.tsv");
    write_table(&out, &judgments()).expect("write");
    let text = std::fs::read_to_string(&out).expect("read");
    assert!(
        text.starts_with("item\tworker\tlabel\nt1\ta\t1\n"),
        "{text}"
    );
    assert_eq!(read(&out, None).expect("back").n_judgments(), 5);
}

/// Records what a read reports: `(rows so far, total)` after every batch.
#[derive(Default)]
struct Recorder {
    total: std::sync::Mutex<Option<u64>>,
    rows: std::sync::Mutex<Vec<u64>>,
}

impl Recorder {
    fn seen(&self) -> Vec<(u64, Option<u64>)> {
        let total = *self.total.lock().expect("lock");
        let rows = self.rows.lock().expect("lock");
        rows.iter().map(|&r| (r, total)).collect()
    }
}

impl crowdqc_core::progress::Progress for Recorder {
    fn start(&self, _what: &str, total: Option<u64>) {
        *self.total.lock().expect("lock") = total;
    }

    fn advance(&self, n: u64) {
        let mut rows = self.rows.lock().expect("lock");
        let last = rows.last().copied().unwrap_or(0);
        rows.push(last + n);
    }
}

#[test]
fn a_read_stops_between_batches_when_interrupted() {
    let dir = tmp();
    let mut text = String::from("item,worker,label\n");
    for i in 0..150_000 {
        let _ = writeln!(text, "i{},w{},{}", i / 3, i % 101, i % 2);
    }
    let p = file(dir.path(), "big.csv", &text);
    let flag = crowdqc_core::progress::InterruptFlag::new();
    flag.handle()
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let e = crowdqc_io::read_judgments_with_progress(&p, &IngestOptions::default(), None, &flag)
        .expect_err("interrupted");
    assert!(matches!(e, crowdqc_core::Error::Interrupted), "{e}");
}
