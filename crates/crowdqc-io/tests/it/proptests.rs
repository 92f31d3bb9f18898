//! Property tests: any table round-trips exactly through Parquet and Arrow IPC, and
//! through CSV up to its documented conversions; judgments load the same from every
//! format.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use crowdqc_core::IngestOptions;
use crowdqc_io::{read_judgments, read_table, write_table};
use proptest::prelude::*;

type Row = (Option<String>, Option<i64>, f64);

fn table(rows: &[Row]) -> RecordBatch {
    RecordBatch::try_from_iter([
        (
            "s",
            Arc::new(rows.iter().map(|r| r.0.clone()).collect::<StringArray>()) as ArrayRef,
        ),
        (
            "n",
            Arc::new(rows.iter().map(|r| r.1).collect::<Int64Array>()) as ArrayRef,
        ),
        (
            "x",
            Arc::new(rows.iter().map(|r| r.2).collect::<Float64Array>()) as ArrayRef,
        ),
    ])
    .expect("batch")
}

fn rows() -> impl Strategy<Value = Vec<Row>> {
    proptest::collection::vec(
        (
            proptest::option::of("[a-zé,\"\n ]{0,6}"),
            proptest::option::of(any::<i64>()),
            any::<f64>().prop_filter("finite", |x| x.is_finite()),
        ),
        1..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn parquet_and_ipc_round_trip_exactly(rows in rows()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let batch = table(&rows);
        for name in ["t.parquet", "t.arrow"] {
            let p = dir.path().join(name);
            write_table(&p, &batch).expect("write");
            let back = read_table(&p).expect("read");
            prop_assert_eq!(back.len(), 1);
            prop_assert_eq!(&back[0], &batch);
        }
    }

    #[test]
    fn csv_round_trips_text_integers_and_floats(rows in rows()) {
        let dir = tempfile::tempdir().expect("tempdir");
        // a letter prefix keeps the text column text; empty text reads back as null
        let rows: Vec<Row> = rows
            .into_iter()
            .map(|(s, n, x)| (s.map(|s| format!("k{s}")), n, x))
            .collect();
        let batch = table(&rows);
        let p = dir.path().join("t.csv");
        write_table(&p, &batch).expect("write");
        let back = read_table(&p).expect("read");
        let b = &back[0];
        prop_assert_eq!(b.num_rows(), rows.len());
        let s = b.column(0).as_string::<i32>();
        for (i, r) in rows.iter().enumerate() {
            prop_assert_eq!(s.is_valid(i).then(|| s.value(i).to_string()), r.0.clone());
        }
        if rows.iter().any(|r| r.1.is_some()) {
            let n = b.column(1).as_primitive::<Int64Type>();
            for (i, r) in rows.iter().enumerate() {
                prop_assert_eq!(n.is_valid(i).then(|| n.value(i)), r.1);
            }
        }
        // floats print their shortest round-trip form (integral ones may read as Int64)
        if let Some(x) = b.column(2).as_primitive_opt::<Float64Type>() {
            for (i, r) in rows.iter().enumerate() {
                prop_assert_eq!(x.value(i).to_bits(), r.2.to_bits());
            }
        }
    }

    #[test]
    fn judgments_load_the_same_from_every_format(
        rows in proptest::collection::vec((0u8..6, 0u8..4, 0i64..3), 1..60)
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let batch = RecordBatch::try_from_iter([
            ("item", Arc::new(rows.iter().map(|r| Some(format!("i{}", r.0))).collect::<StringArray>()) as ArrayRef),
            ("worker", Arc::new(rows.iter().map(|r| Some(format!("w{}", r.1))).collect::<StringArray>()) as ArrayRef),
            ("label", Arc::new(rows.iter().map(|r| r.2).collect::<Int64Array>()) as ArrayRef),
        ])
        .expect("batch");
        let mut b = crowdqc_core::JudgmentMatrixBuilder::new(IngestOptions::default()).expect("b");
        b.push_batch(&batch).expect("push");
        let direct = b.finish().expect("finish");
        for name in ["j.parquet", "j.csv", "j.arrow"] {
            let p = dir.path().join(name);
            write_table(&p, &batch).expect("write");
            let m = read_judgments(&p, &IngestOptions::default(), None).expect("read");
            prop_assert_eq!(m.item_offsets(), direct.item_offsets());
            prop_assert_eq!(m.judgment_workers(), direct.judgment_workers());
            prop_assert_eq!(m.judgment_classes(), direct.judgment_classes());
            prop_assert_eq!(m.report(), direct.report());
        }
    }
}
