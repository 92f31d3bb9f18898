//! Issue 12: declared sizes are never trusted (F1), bad files are bad-input errors
//! (F6), duplicate column names are refused (F7).

use std::sync::Arc;

use crowdqc_core::Error;
use crowdqc_io::write_table;
use parquet::file::metadata::{FileMetaData, ParquetMetaData, ParquetMetaDataWriter};
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::util::{file, judgments, read, tmp};

/// A valid Parquet file of `judgments()` whose footer declares `rows` rows in all.
fn parquet_declaring(rows: i64) -> Vec<u8> {
    let dir = tmp();
    let p = dir.path().join("ok.parquet");
    write_table(&p, &judgments()).expect("write");
    let bytes = std::fs::read(&p).expect("read");
    let reader =
        SerializedFileReader::new(std::fs::File::open(&p).expect("open")).expect("parquet");
    let meta = reader.metadata();
    let f = meta.file_metadata();
    let claimed = FileMetaData::new(
        f.version(),
        rows,
        f.created_by().map(str::to_string),
        f.key_value_metadata().cloned(),
        f.schema_descr_ptr(),
        f.column_orders().cloned(),
    );
    let meta = ParquetMetaData::new(claimed, meta.row_groups().to_vec());
    // the footer is the last 8 bytes (length + magic) and the metadata before them
    let footer_len = u32::from_le_bytes(
        bytes[bytes.len() - 8..bytes.len() - 4]
            .try_into()
            .expect("4 bytes"),
    );
    let body = &bytes[..bytes.len() - 8 - footer_len as usize];
    let mut out = body.to_vec();
    ParquetMetaDataWriter::new(&mut out, &meta)
        .finish()
        .expect("footer");
    out
}

#[test]
fn parquet_footer_claiming_1e11_rows_reads_the_rows_it_has() {
    // F1: before the fix the reader reserved what the footer said: 1e11 rows × 12 bytes
    // (`memory allocation of 1200000000000 bytes failed`, abort).
    let dir = tmp();
    let p = file(
        dir.path(),
        "claims.parquet",
        parquet_declaring(100_000_000_000),
    );
    let m = read(&p, None).expect("the five rows that are there");
    assert_eq!(m.n_judgments(), 5);
    // the largest count an i64 footer can declare, too
    let p = file(dir.path(), "max.parquet", parquet_declaring(i64::MAX));
    assert_eq!(read(&p, None).expect("rows").n_judgments(), 5);
}

#[test]
fn builder_reserve_is_a_bounded_hint() {
    // F1 (core): a declared size never decides an allocation on its own
    let mut b = crowdqc_core::JudgmentMatrixBuilder::new(Default::default()).expect("builder");
    b.reserve(usize::MAX);
    b.reserve(400_000_000_000);
    b.push_batch(&judgments()).expect("push");
    assert_eq!(b.finish().expect("matrix").n_judgments(), 5);
}

#[test]
fn a_directory_is_a_bad_input_naming_it() {
    // F6: "Is a directory" was a runtime failure (exit 1)
    let dir = tmp();
    for name in ["x.csv", "x.parquet", "x.arrow", "x.tsv"] {
        let d = dir.path().join(name);
        std::fs::create_dir(&d).expect("mkdir");
        let e = read(&d, None).expect_err("a directory");
        let s = e.to_string();
        assert!(e.is_user_error(), "{name}: {s}");
        assert!(s.contains(name) && s.contains("directory"), "{s}");
        let e = crowdqc_io::read_table_with_lines(&d).expect_err("a directory");
        assert!(e.is_user_error(), "{e}");
    }
}

#[test]
fn ipc_files_cut_to_a_few_bytes_are_bad_input() {
    // F6: cut to 6-9 bytes the IPC reader seeked before the start ("Invalid argument
    // (os error 22)", exit 1)
    let dir = tmp();
    let p = dir.path().join("ok.arrow");
    write_table(&p, &judgments()).expect("write");
    let bytes = std::fs::read(&p).expect("read");
    for cut in 1..=24 {
        let t = file(dir.path(), "cut.arrow", &bytes[..cut]);
        let e = read(&t, None).expect_err("truncated");
        let s = e.to_string();
        assert!(e.is_user_error(), "cut to {cut}: {s}");
        assert!(
            s.contains("cut.arrow") && !s.contains("os error"),
            "cut to {cut}: {s}"
        );
    }
}

#[test]
fn duplicate_column_names_are_refused() {
    // F7: `item,worker,label,label` used the first `label` silently
    let dir = tmp();
    for (name, text) in [
        ("a.csv", "item,worker,label,label\n1,a,x,y\n"),
        ("b.csv", "item,worker,worker,label\n1,a,b,x\n"),
        ("c.csv", "item,task,worker,label,item\n1,2,a,x,3\n"),
    ] {
        let p = file(dir.path(), name, text);
        let e = read(&p, None).expect_err("duplicate column");
        let s = e.to_string();
        assert!(e.is_user_error(), "{s}");
        assert!(s.contains(name) && s.contains("appears 2 times"), "{s}");
    }
    // duplicates of a column that is not read are harmless
    let p = file(
        dir.path(),
        "d.csv",
        "item,worker,label,note,note\n1,a,x,,\n",
    );
    assert_eq!(read(&p, None).expect("ok").n_judgments(), 1);
    // and an Arrow batch with duplicate names is refused by the builder too
    let b = judgments();
    let mut fields: Vec<_> = b.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(arrow_schema::Field::new(
        "label",
        arrow_schema::DataType::Int64,
        true,
    )));
    let mut cols = b.columns().to_vec();
    cols.push(b.column(2).clone());
    let dup = arrow_array::RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols)
        .expect("batch");
    let mut builder =
        crowdqc_core::JudgmentMatrixBuilder::new(Default::default()).expect("builder");
    let e = builder.push_batch(&dup).expect_err("duplicate label");
    assert!(
        matches!(e, Error::InvalidParameter { .. } | Error::Schema { .. }) || e.is_user_error()
    );
    assert!(e.to_string().contains("`label`"), "{e}");
}

#[test]
fn ipc_footer_declaring_a_huge_block_is_refused_before_allocating() {
    // found by fuzzing: a 1,132-byte IPC file whose footer declares a 1.5 GB block took
    // 12 s and 1.5 GB of memory (arrow-ipc zero-fills the declared size) before failing
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/ipc_file/footer-declares-1.5gb-block");
    let dir = tmp();
    let p = file(
        dir.path(),
        "huge.arrow",
        std::fs::read(src).expect("regression input"),
    );
    let started = std::time::Instant::now();
    let e = read(&p, None).expect_err("declared block beyond the end");
    assert!(e.is_user_error(), "{e}");
    let s = e.to_string();
    assert!(
        s.contains("huge.arrow") && s.contains("beyond the file's 1132 bytes"),
        "{s}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

/// A valid Arrow IPC stream of `judgments()`, and the byte offset and value of its record
/// batch message's declared body length.
fn ipc_stream_with_body_length_at() -> (Vec<u8>, usize, i64) {
    let b = judgments();
    let mut bytes = Vec::new();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &b.schema()).expect("w");
    w.write(&b).expect("write");
    w.finish().expect("finish");
    drop(w);
    // walk the messages: [0xffffffff][i32 metadata length][metadata][body]
    let mut pos = 0;
    loop {
        let meta_len = i32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().expect("4"));
        let meta = &bytes[pos + 8..pos + 8 + meta_len as usize];
        let m = arrow_ipc::root_as_message(meta).expect("message");
        if m.header_type() == arrow_ipc::MessageHeader::RecordBatch {
            let needle = m.bodyLength().to_le_bytes();
            let at = meta
                .windows(8)
                .position(|w| w == needle)
                .expect("body length in the header");
            return (bytes.clone(), pos + 8 + at, m.bodyLength());
        }
        pos += 8 + meta_len as usize + m.bodyLength() as usize;
    }
}

#[test]
fn ipc_stream_declared_sizes_are_checked_before_allocating() {
    let dir = tmp();
    let (ok, at, body) = ipc_stream_with_body_length_at();
    let p = file(dir.path(), "ok.arrows", ok.clone());
    assert_eq!(read(&p, None).expect("valid stream").n_judgments(), 5);

    // a record batch declaring a 2 GB body in a file of a few hundred bytes
    let mut huge = ok.clone();
    huge[at..at + 8].copy_from_slice(&(2_000_000_000i64).to_le_bytes());
    let p = file(dir.path(), "huge.arrows", huge);
    let started = std::time::Instant::now();
    let e = read(&p, None).expect_err("declared body beyond the end");
    let s = e.to_string();
    assert!(e.is_user_error(), "{s}");
    assert!(
        s.contains("huge.arrows") && s.contains("2000000000-byte body beyond the file's"),
        "{s}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(body < 1_000, "the real body is small: {body}");

    // a metadata length running past the end
    let mut long_meta = ok.clone();
    long_meta[4..8].copy_from_slice(&i32::MAX.to_le_bytes());
    let p = file(dir.path(), "meta.arrows", long_meta);
    let s = read(&p, None)
        .expect_err("metadata beyond the end")
        .to_string();
    assert!(s.contains("metadata length 2147483647 runs beyond"), "{s}");

    // cut inside a message header
    let p = file(dir.path(), "cut.arrows", &ok[..6]);
    let s = read(&p, None).expect_err("cut").to_string();
    assert!(s.contains("cut short inside a message header"), "{s}");
}
