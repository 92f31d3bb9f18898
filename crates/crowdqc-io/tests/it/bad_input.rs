//! Every kind of bad input is an error naming the file and the column / row / line.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, ListArray, RecordBatch, StringArray, types::Int64Type};
use crowdqc_core::{ColumnMap, Error, IngestOptions};
use crowdqc_io::{check_output_path, read_table, write_table};

use crate::util::{fails, file, judgments, read, tmp};

#[test]
fn missing_column_lists_found_columns_and_aliases_tried() {
    let dir = tmp();
    let p = file(dir.path(), "j.csv", "task,user,label\nt1,a,x\n");
    let (e, s) = fails(&p);
    assert!(
        matches!(e.innermost(), Error::MissingColumn { .. }),
        "{e:?}"
    );
    assert!(s.contains("j.csv"), "{s}");
    assert!(
        s.contains("missing column `worker`")
            && s.contains("tried worker, performer, annotator")
            && s.contains("found columns [task, user, label]"),
        "{s}"
    );
    assert!(e.is_user_error());
    // an explicit mapping is the only name tried
    let mut opts = IngestOptions {
        columns: ColumnMap::default().with_worker("annotator_id"),
        ..IngestOptions::default()
    };
    let s = crowdqc_io::read_judgments(&p, &opts, None)
        .expect_err("must fail")
        .to_string();
    assert!(s.contains("tried annotator_id;"), "{s}");
    // with the mapping right, it loads
    opts.columns.worker = Some("user".into());
    let m = crowdqc_io::read_judgments(&p, &opts, None).expect("mapped");
    assert_eq!(m.n_judgments(), 1);
}

#[test]
fn missing_gold_label_column_names_the_gold_file() {
    let dir = tmp();
    let j = file(dir.path(), "j.csv", "item,worker,label\nt1,a,x\n");
    let g = file(dir.path(), "g.csv", "item,answer\nt1,x\n");
    let s = read(&j, Some(&g)).expect_err("must fail").to_string();
    assert!(
        s.contains("g.csv") && s.contains("tried label, true_label, gold"),
        "{s}"
    );
    // a null gold label names the gold file, row and line
    let g = file(dir.path(), "g3.csv", "item,label\nt1,x\nt2,\n");
    let s = read(&j, Some(&g)).expect_err("null gold").to_string();
    assert!(
        s.contains("g3.csv: row 2, column `label`: null") && s.contains("(line 3)"),
        "{s}"
    );
    // crowd-kit's true_label is accepted
    let g = file(dir.path(), "g2.csv", "task,true_label\nt1,x\n");
    let m = read(&j, Some(&g)).expect("true_label");
    assert_eq!(m.gold().label(0), Some(0));
}

fn float_label_batch() -> RecordBatch {
    RecordBatch::try_from_iter([
        (
            "item",
            Arc::new(StringArray::from(vec!["t1", "t2"])) as ArrayRef,
        ),
        (
            "worker",
            Arc::new(StringArray::from(vec!["a", "a"])) as ArrayRef,
        ),
        (
            "label",
            Arc::new(Float64Array::from(vec![0.5, 1.0])) as ArrayRef,
        ),
    ])
    .expect("batch")
}

#[test]
fn unsupported_column_type_names_column_and_type() {
    let dir = tmp();
    for name in ["f.parquet", "f.arrow"] {
        // float labels are accepted (pandas writes integer labels with NaN as float64)
        let p = dir.path().join(name);
        write_table(&p, &float_label_batch()).expect("write");
        let m = read(&p, None).expect("float labels read");
        let labels: Vec<String> = m.classes().iter().map(|l| l.to_string()).collect();
        assert_eq!(labels, ["0.5", "1"]);
    }
    let list = ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
        Some(vec![Some(1)]),
        Some(vec![Some(2), Some(3)]),
    ]);
    let batch = RecordBatch::try_from_iter([
        ("item", Arc::new(list) as ArrayRef),
        (
            "worker",
            Arc::new(StringArray::from(vec!["a", "a"])) as ArrayRef,
        ),
        (
            "label",
            Arc::new(StringArray::from(vec!["x", "y"])) as ArrayRef,
        ),
    ])
    .expect("batch");
    for name in ["l.parquet", "l.ipc"] {
        let p = dir.path().join(name);
        write_table(&p, &batch).expect("write");
        let s = fails(&p).1;
        assert!(
            s.contains(name) && s.contains("column `item` has type List"),
            "{s}"
        );
    }
}

#[test]
fn nulls_name_column_and_row() {
    let dir = tmp();
    let batch = RecordBatch::try_from_iter([
        (
            "item",
            Arc::new(StringArray::from(vec![Some("t1"), Some("t2"), Some("t3")])) as ArrayRef,
        ),
        (
            "worker",
            Arc::new(StringArray::from(vec![Some("a"), Some("a"), None])) as ArrayRef,
        ),
        (
            "label",
            Arc::new(StringArray::from(vec!["x", "y", "z"])) as ArrayRef,
        ),
    ])
    .expect("batch");
    let p = dir.path().join("n.parquet");
    write_table(&p, &batch).expect("write");
    let (e, s) = fails(&p);
    assert!(matches!(e.innermost(), Error::InvalidValue { .. }), "{e:?}");
    assert!(s.contains("n.parquet: row 3, column `worker`: null"), "{s}");
    // CSV: empty field is null; the message adds the line
    let p = file(dir.path(), "n.csv", "item,worker,label\nt1,a,x\nt2,b,\n");
    let s = fails(&p).1;
    assert!(
        s.contains("n.csv: row 2, column `label`: null") && s.contains("(line 3)"),
        "{s}"
    );
    let p = file(dir.path(), "n2.csv", "item,worker,label\n,a,x\n");
    let s = fails(&p).1;
    assert!(s.contains("row 1, column `item`: null"), "{s}");
}

#[test]
fn empty_inputs_are_errors() {
    let dir = tmp();
    let p = file(dir.path(), "e.csv", "");
    let (e, s) = fails(&p);
    assert!(e.is_user_error());
    assert!(s.contains("e.csv") && s.contains("empty file"), "{s}");
    let p = file(dir.path(), "h.csv", "item,worker,label\n");
    let s = fails(&p).1;
    assert!(s.contains("h.csv: line 2: no data rows"), "{s}");
    // zero-row Parquet
    let p = dir.path().join("z.parquet");
    write_table(&p, &judgments().slice(0, 0)).expect("write");
    let (e, s) = fails(&p);
    assert!(matches!(e.innermost(), Error::InsufficientData(_)), "{e:?}");
    assert!(s.contains("z.parquet") && s.contains("no judgments"), "{s}");
    let p = file(dir.path(), "e.parquet", "");
    assert!(fails(&p).1.contains("e.parquet"));
    let p = file(dir.path(), "e.arrow", "");
    assert!(fails(&p).1.contains("e.arrow: empty file"));
}

#[test]
fn corrupt_and_truncated_parquet_are_errors_not_panics() {
    let dir = tmp();
    let p = dir.path().join("ok.parquet");
    write_table(&p, &judgments()).expect("write");
    let bytes = std::fs::read(&p).expect("read");
    // every truncation point, and every single-byte corruption of the footer region
    for cut in (0..bytes.len()).step_by(7) {
        let t = file(dir.path(), "t.parquet", &bytes[..cut]);
        let e = read(&t, None).expect_err("truncated");
        assert!(e.to_string().contains("t.parquet"), "{e}");
        assert!(e.is_user_error(), "{e}");
    }
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for k in 0..200 {
        let mut b = bytes.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % b.len();
            b[i] ^= (state >> 32) as u8 | 1;
        }
        let t = file(dir.path(), "c.parquet", &b);
        // may succeed (a flipped byte in unused padding) but must not panic
        let _ =
            read(&t, None).map_err(|e| assert!(e.to_string().contains("c.parquet"), "{k}: {e}"));
        let _ = read_table(&t);
    }
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let t = file(dir.path(), "r.parquet", &junk);
    let s = read(&t, None).expect_err("random bytes").to_string();
    assert!(s.contains("r.parquet") && s.contains("Parquet"), "{s}");
    let t = file(dir.path(), "r.arrow", &junk);
    assert!(read(&t, None).is_err());
}

#[test]
fn ragged_csv_names_the_line() {
    let dir = tmp();
    let p = file(
        dir.path(),
        "r.csv",
        "item,worker,label\nt1,a,x\n\"t,2\",b,y\nt3,c\n",
    );
    let (e, s) = fails(&p);
    assert!(e.is_user_error());
    assert!(
        s.contains("r.csv: line 4: found 2 fields but the header has 3"),
        "{s}"
    );
}

#[test]
fn non_utf8_bytes_name_the_line_and_column() {
    let dir = tmp();
    let p = file(
        dir.path(),
        "u.csv",
        b"item,worker,label\nt1,a,x\nt2,b\xff\xfe,y\n".as_slice(),
    );
    let (e, s) = fails(&p);
    assert!(e.is_user_error());
    assert!(
        s.contains("u.csv: line 3: column `worker` (field 2) is not valid UTF-8"),
        "{s}"
    );
}

#[test]
fn output_path_checked_before_work() {
    let dir = tmp();
    let missing = dir.path().join("no/such/out.parquet");
    let e = check_output_path(&missing).expect_err("missing dir");
    assert!(e.is_user_error());
    assert!(
        e.to_string().contains("output directory does not exist"),
        "{e}"
    );
    let e = check_output_path(&dir.path().join("out.xlsx")).expect_err("extension");
    assert!(
        e.to_string().contains("unsupported file extension `.xlsx`"),
        "{e}"
    );
    assert!(check_output_path(dir.path()).is_err());
    assert!(check_output_path(&dir.path().join("out.csv")).is_ok());
    assert!(write_table(&missing, &judgments()).is_err());
    let p = dir.path().join("j.bin");
    let e = read(&p, None).expect_err("extension");
    assert!(e.to_string().contains("unsupported file extension"), "{e}");
    let p = dir.path().join("absent.csv");
    let e = read(&p, None).expect_err("absent");
    assert!(
        e.is_user_error() && e.to_string().contains("absent.csv"),
        "{e}"
    );
}

#[test]
fn label_outside_declared_classes_names_row_and_line() {
    let dir = tmp();
    let p = file(
        dir.path(),
        "c.csv",
        "item,worker,label\nt1,a,yes\nt1,b,maybe\n",
    );
    let opts = IngestOptions {
        classes: Some(vec!["no".into(), "yes".into()]),
        ..IngestOptions::default()
    };
    let e = crowdqc_io::read_judgments(&p, &opts, None).expect_err("unknown label");
    assert!(e.is_user_error());
    let s = e.to_string();
    assert!(
        s.contains(
            "c.csv: row 2, column `label`: label `maybe` is not in the declared class set [no, yes]"
        ) && s.contains("(line 3)"),
        "{s}"
    );
}

#[test]
fn corrupt_and_truncated_arrow_ipc_are_errors_not_panics() {
    let dir = tmp();
    let p = dir.path().join("ok.arrow");
    write_table(&p, &judgments()).expect("write");
    let bytes = std::fs::read(&p).expect("read");
    for cut in (0..bytes.len()).step_by(13) {
        let t = file(dir.path(), "t.arrow", &bytes[..cut]);
        let e = read(&t, None).expect_err("truncated");
        assert!(e.to_string().contains("t.arrow"), "{e}");
    }
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut decoder_failures = 0;
    for _ in 0..100 {
        let mut b = bytes.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % b.len();
            b[i] ^= (state >> 32) as u8 | 1;
        }
        let t = file(dir.path(), "c.arrow", &b);
        if let Err(e) = read(&t, None) {
            let s = e.to_string();
            assert!(s.contains("c.arrow"), "{s}");
            decoder_failures += usize::from(s.contains("the decoder failed"));
        }
        let _ = read_table(&t);
    }
    // arrow-ipc panics on some of these; each was caught and reported as a bad file
    assert!(decoder_failures > 0);
}
