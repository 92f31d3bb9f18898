//! Small side tables (weights, evaluation gold, stats) read with their CSV lines, CSV
//! floats in the shortest round-trip form, and output directories probed before work.

use std::sync::Arc;

use arrow_array::{Float64Array, RecordBatch};
use crowdqc_core::columns::{self, NumberColumn, Role};
use crowdqc_io::{check_output_path, read_table, read_table_with_lines, write_table};

use crate::util::tmp;

#[test]
fn csv_floats_are_the_shortest_text_that_reads_back_the_same() {
    let dir = tmp();
    let values = vec![1e-300, 0.1, 1.0 / 3.0, 123_456_789.0, -2.5e20, 0.0];
    let batch =
        RecordBatch::try_from_iter([("p", Arc::new(Float64Array::from(values.clone())) as _)])
            .expect("batch");
    let p = dir.path().join("f.csv");
    write_table(&p, &batch).expect("write");
    let text = std::fs::read_to_string(&p).expect("read");
    assert_eq!(
        text,
        "p\n1e-300\n0.1\n0.3333333333333333\n123456789\n-2.5e20\n0\n"
    );
    let back = read_table(&p).expect("read back");
    let col = NumberColumn::new(back[0].column(0), "p", 0).expect("numbers");
    let got: Vec<f64> = (0..col.len()).map(|i| col.get(i).expect("v")).collect();
    assert_eq!(got, values, "every value reads back bit for bit");
}

#[test]
fn table_errors_name_the_file_the_row_and_the_csv_line() {
    let dir = tmp();
    let p = dir.path().join("w.csv");
    // the quoted worker spans two lines, so row 3 is on line 5
    std::fs::write(&p, "worker,weight\na,0.5\n\"b\nc\",1\nd,\n").expect("write");
    let t = read_table_with_lines(&p).expect("read");
    assert_eq!(t.num_rows(), 3);
    assert_eq!(
        (t.line(0), t.line(1), t.line(2)),
        (Some(2), Some(3), Some(5))
    );
    let (row0, b) = t.batches().next().expect("batch");
    let i = columns::resolve(&b.schema(), Role::Weight, None).expect("weight");
    let w = NumberColumn::new(b.column(i), "weight", row0).expect("numbers");
    let e = t.locate(w.get(2).expect_err("null"));
    let s = e.to_string();
    assert!(
        s.contains("w.csv: row 3, column `weight`: null value") && s.ends_with("(line 5)"),
        "{s}"
    );
}

#[test]
fn an_output_directory_that_cannot_hold_files_fails_before_work() {
    // /proc exists and is a directory, but no file can be created in it (even as root)
    let e = check_output_path("/proc/crowdqc-out.csv".as_ref()).expect_err("not writable");
    assert!(
        e.to_string()
            .contains("cannot create files in the output directory"),
        "{e}"
    );
}
