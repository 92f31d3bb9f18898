//! Two-pass reads (`set_two_pass`): the same matrix as one pass, bit for bit, and the
//! errors when the input changes between the passes.

use arrow_array::RecordBatch;
use crowdqc_core::{
    DuplicatePolicy, Error, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder,
};
use crowdqc_testkit::synth::{
    BatchOptions, IdFormat, LabelFormat, RowOrder, SynthConfig, SynthCrowd,
};

fn batches(crowd: &SynthCrowd, opts: BatchOptions) -> (Vec<RecordBatch>, Vec<RecordBatch>) {
    let j = crowd.batches(opts).expect("batches").collect();
    let g = crowd.gold_batches(opts).expect("gold").collect();
    (j, g)
}

fn one_pass(j: &[RecordBatch], g: &[RecordBatch], ingest: &IngestOptions) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(ingest.clone()).expect("builder");
    for x in j {
        b.push_batch(x).expect("push");
    }
    for x in g {
        b.push_gold_batch(x).expect("gold");
    }
    b.finish().expect("finish")
}

fn two_pass(j: &[RecordBatch], g: &[RecordBatch], ingest: &IngestOptions) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(ingest.clone()).expect("builder");
    b.set_two_pass().expect("two pass");
    for x in j {
        b.push_batch(x).expect("first pass");
    }
    for x in g {
        b.push_gold_batch(x).expect("gold");
    }
    b.start_second_pass().expect("second pass");
    for x in j {
        b.push_batch(x).expect("second pass");
    }
    b.finish().expect("finish")
}

/// Every column, dictionary, the gold and the report of two matrices are equal.
fn assert_same(a: &JudgmentMatrix, b: &JudgmentMatrix, what: &str) {
    let ids = |m: &JudgmentMatrix| -> (Vec<String>, Vec<String>, Vec<String>) {
        (
            m.items().iter().map(|x| x.to_string()).collect(),
            m.workers().iter().map(|x| x.to_string()).collect(),
            m.classes().iter().map(|x| x.to_string()).collect(),
        )
    };
    assert_eq!(ids(a), ids(b), "{what}: dictionaries");
    assert_eq!(a.item_offsets(), b.item_offsets(), "{what}: offsets");
    assert_eq!(
        a.judgment_workers(),
        b.judgment_workers(),
        "{what}: workers"
    );
    assert_eq!(
        a.judgment_classes(),
        b.judgment_classes(),
        "{what}: classes"
    );
    assert_eq!(a.class_codes().len(), b.class_codes().len(), "{what}");
    assert_eq!(
        matches!(a.class_codes(), crowdqc_core::ClassCodes::U8(_)),
        matches!(b.class_codes(), crowdqc_core::ClassCodes::U8(_)),
        "{what}: class width"
    );
    assert_eq!(a.timestamps(), b.timestamps(), "{what}: timestamps");
    let bits = |m: &JudgmentMatrix| {
        m.durations()
            .map(|d| d.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
    };
    assert_eq!(bits(a), bits(b), "{what}: durations");
    assert_eq!(a.gold(), b.gold(), "{what}: gold");
    assert_eq!(a.classes().counts(), b.classes().counts(), "{what}: counts");
    assert_eq!(a.report(), b.report(), "{what}: report");
    assert_eq!(
        a.worker_offsets(),
        b.worker_offsets(),
        "{what}: worker index"
    );
}

#[test]
fn two_passes_build_the_same_matrix_as_one() {
    for (seed, order, ids, labels, times, dups, policy) in [
        (
            1,
            RowOrder::Shuffled,
            IdFormat::Str,
            LabelFormat::Int,
            true,
            0.0,
            DuplicatePolicy::KeepAll,
        ),
        (
            2,
            RowOrder::ByItem,
            IdFormat::Int,
            LabelFormat::Str,
            false,
            0.0,
            DuplicatePolicy::KeepAll,
        ),
        (
            3,
            RowOrder::Shuffled,
            IdFormat::Int,
            LabelFormat::Str,
            true,
            0.1,
            DuplicatePolicy::First,
        ),
        (
            4,
            RowOrder::Shuffled,
            IdFormat::Str,
            LabelFormat::Int,
            false,
            0.1,
            DuplicatePolicy::Last,
        ),
        (
            5,
            RowOrder::ByItem,
            IdFormat::Str,
            LabelFormat::Int,
            false,
            0.1,
            DuplicatePolicy::KeepAll,
        ),
    ] {
        let cfg = SynthConfig {
            seed,
            n_items: 3_000,
            n_workers: 80,
            n_classes: 4,
            times,
            duplicate_rate: dups,
            row_order: order,
            gold_fraction: 0.1,
            ..SynthConfig::default()
        };
        let crowd = SynthCrowd::new(cfg).expect("config");
        let opts = BatchOptions {
            rows: 777,
            ids,
            labels,
        };
        let (j, g) = batches(&crowd, opts);
        let ingest = IngestOptions::default().with_duplicates(policy);
        let (a, b) = (one_pass(&j, &g, &ingest), two_pass(&j, &g, &ingest));
        assert!(
            a.n_judgments() > 10_000 && a.gold().len() > 100,
            "seed {seed}"
        );
        if dups > 0.0 && policy != DuplicatePolicy::KeepAll {
            assert!(a.report().dropped_duplicate_rows > 0, "seed {seed}");
        }
        assert_same(&a, &b, &format!("seed {seed}"));
    }
}

#[test]
fn declared_classes_and_wide_labels_match_one_pass() {
    // 300 distinct labels: classes stored as u32; declared classes keep their order
    let mut rows = Vec::new();
    for r in 0..5_000u32 {
        rows.push((
            format!("t{}", (r * 7919) % 1_000),
            format!("w{}", r % 37),
            (r * 31) % 300,
        ));
    }
    let push = |b: &mut JudgmentMatrixBuilder| {
        for (i, w, l) in &rows {
            b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Int(i64::from(*l)))
                .expect("row");
        }
    };
    let declared: Vec<String> = (0..300).rev().map(|c: u32| c.to_string()).collect();
    for ingest in [
        IngestOptions::default(),
        IngestOptions::default().with_classes(declared),
    ] {
        let mut a = JudgmentMatrixBuilder::new(ingest.clone()).expect("builder");
        push(&mut a);
        let a = a.finish().expect("one pass");
        let mut b = JudgmentMatrixBuilder::new(ingest.clone()).expect("builder");
        b.set_two_pass().expect("two pass");
        push(&mut b);
        b.start_second_pass().expect("second");
        push(&mut b);
        let b = b.finish().expect("two passes");
        assert!(matches!(a.class_codes(), crowdqc_core::ClassCodes::U32(_)));
        assert_same(&a, &b, "300 labels");
    }
}

#[test]
fn a_changed_input_or_a_misuse_is_an_error() {
    let crowd = SynthCrowd::new(SynthConfig {
        n_items: 500,
        ..SynthConfig::default()
    })
    .expect("config");
    let (j, _) = batches(
        &crowd,
        BatchOptions {
            rows: 100,
            ..BatchOptions::default()
        },
    );
    let first = |j: &[RecordBatch]| {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("builder");
        b.set_two_pass().expect("two pass");
        for x in j {
            b.push_batch(x).expect("first pass");
        }
        b
    };
    // fewer rows in the second pass
    let mut b = first(&j);
    b.start_second_pass().expect("second");
    for x in &j[1..] {
        b.push_batch(x).expect("push");
    }
    let e = b.finish().expect_err("fewer rows");
    assert!(
        e.to_string().contains("changed between the two passes"),
        "{e}"
    );
    // the same rows in another order
    let mut b = first(&j);
    b.start_second_pass().expect("second");
    for x in j.iter().rev() {
        b.push_batch(x).expect("same ids");
    }
    let e = b.finish().expect_err("other order");
    assert!(e.to_string().contains("the rows differ"), "{e}");
    // more rows
    let mut b = first(&j);
    b.start_second_pass().expect("second");
    for x in &j {
        b.push_batch(x).expect("push");
    }
    let e = b.push_batch(&j[0]).expect_err("more rows");
    assert!(
        e.to_string().contains("more rows than the first pass"),
        "{e}"
    );
    // an id the first pass did not see
    let mut b = first(&j[1..]);
    b.start_second_pass().expect("second");
    let r = j.iter().try_for_each(|x| b.push_batch(x));
    assert!(r.is_err() || b.finish().is_err());
    // misuse: finish in the first pass, two passes after a row, a second pass of one
    let b = first(&j);
    let e = b.finish().expect_err("first pass only");
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("builder");
    b.push_batch(&j[0]).expect("push");
    assert!(b.set_two_pass().is_err());
    assert!(b.start_second_pass().is_err());
}
