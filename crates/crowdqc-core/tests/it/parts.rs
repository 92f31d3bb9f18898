//! Parallel ingest (`EncodedPart` + `push_part`): the same matrix, or the same error
//! with the same row, as pushing the same batches one by one with `push_batch` — for
//! random inputs with string, integer and dictionary id columns, sorted and unsorted
//! items, nulls, labels outside the declared classes and bad timestamps, split into
//! random batches and parts, in one and two passes.

use std::sync::Arc;

use arrow_array::Array;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, Int64Array, RecordBatch, StringArray};
use crowdqc_core::{
    EncodedPart, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, PartStream, Result,
};
use proptest::prelude::*;

/// One generated judgment: item, worker, label, and a timestamp string.
#[derive(Debug, Clone)]
struct Row {
    item: Option<u16>,
    worker: Option<u8>,
    label: u8,
    time: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum IdCol {
    Str,
    Int,
    Dict,
}

fn id_col(values: &[Option<String>], kind: IdCol, shared: &ArrayRef) -> ArrayRef {
    match kind {
        IdCol::Str => Arc::new(StringArray::from(values.to_vec())),
        IdCol::Int => Arc::new(Int64Array::from(
            values
                .iter()
                .map(|v| v.as_ref().map(|s| s[1..].parse::<i64>().expect("digits")))
                .collect::<Vec<_>>(),
        )),
        IdCol::Dict => {
            // keys into a values array shared by all batches (as a Parquet column
            // chunk's dictionary is), holding every id of the input
            let dict = shared
                .as_any()
                .downcast_ref::<StringArray>()
                .expect("strings");
            let keys: Int32Array = values
                .iter()
                .map(|v| {
                    v.as_ref().map(|s| {
                        (0..dict.len())
                            .find(|&k| dict.value(k) == s)
                            .expect("in dictionary") as i32
                    })
                })
                .collect();
            Arc::new(DictionaryArray::<Int32Type>::try_new(keys, Arc::clone(shared)).expect("dict"))
        }
    }
}

fn batches(rows: &[Row], cuts: &[usize], kinds: (IdCol, IdCol), times: bool) -> Vec<RecordBatch> {
    let all_items: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..1000).map(|i| format!("i{i:03}")),
    ));
    let all_workers: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..256).map(|w| format!("w{w}")),
    ));
    let mut out = Vec::new();
    let mut start = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (rows.len() + 1)).collect();
    bounds.push(rows.len());
    bounds.sort_unstable();
    for end in bounds {
        if end <= start {
            continue;
        }
        let r = &rows[start..end];
        let items: Vec<Option<String>> = r
            .iter()
            .map(|x| x.item.map(|i| format!("i{i:03}")))
            .collect();
        let workers: Vec<Option<String>> = r
            .iter()
            .map(|x| x.worker.map(|w| format!("w{w}")))
            .collect();
        let labels = Int64Array::from_iter_values(r.iter().map(|x| i64::from(x.label)));
        let mut cols: Vec<(&str, ArrayRef)> = vec![
            ("item", id_col(&items, kinds.0, &all_items)),
            ("worker", id_col(&workers, kinds.1, &all_workers)),
            ("label", Arc::new(labels)),
        ];
        if times {
            let t: Vec<Option<String>> = r.iter().map(|x| x.time.clone()).collect();
            cols.push(("timestamp", Arc::new(StringArray::from(t))));
        }
        out.push(RecordBatch::try_from_iter(cols).expect("batch"));
        start = end;
    }
    out
}

fn by_batch(b: &[RecordBatch], opts: &IngestOptions, two: bool) -> Result<JudgmentMatrix> {
    let mut builder = JudgmentMatrixBuilder::new(opts.clone())?;
    if two {
        builder.set_two_pass()?;
    }
    for x in b {
        builder.push_batch(x)?;
    }
    if two {
        builder.start_second_pass()?;
        for x in b {
            builder.push_batch(x)?;
        }
    }
    builder.finish()
}

/// The batches cut into parts of the sizes `parts` (cycled), encoded on their own
/// (`streams == 0`) or by `streams` [`PartStream`]s taking the parts in turn (as the
/// threads of a parallel read do), merged in input order.
fn by_part(
    b: &[RecordBatch],
    parts: &[usize],
    opts: &IngestOptions,
    two: bool,
    parallel: bool,
    streams: usize,
) -> Result<JudgmentMatrix> {
    let mut builder = JudgmentMatrixBuilder::new(opts.clone())?;
    if two {
        builder.set_two_pass()?;
    }
    let run = |builder: &mut JudgmentMatrixBuilder| -> Result<()> {
        let mut k = 0;
        let mut sizes = parts.iter().cycle();
        let mut st: Vec<PartStream> = (0..streams).map(PartStream::new).collect();
        let mut p = 0;
        while k < b.len() {
            let n = (sizes.next().copied().unwrap_or(1)).max(1);
            let s = st.len().max(1);
            let mut part = match st.get_mut(p % s) {
                Some(stream) => stream.begin(opts, parallel),
                None => EncodedPart::new(opts, parallel),
            };
            for x in &b[k..(k + n).min(b.len())] {
                part.push(x);
            }
            if let Some(stream) = st.get_mut(p % s) {
                stream.end(&mut part);
            }
            builder.push_part(part)?;
            k += n;
            p += 1;
        }
        Ok(())
    };
    run(&mut builder)?;
    if two {
        builder.start_second_pass()?;
        run(&mut builder)?;
    }
    builder.finish()
}

fn digest(m: &JudgmentMatrix) -> String {
    let ids = |d: &crowdqc_core::IdDictionary| d.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        ids(m.items()),
        ids(m.workers()),
        m.classes()
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>(),
        m.items().kind(),
        m.item_offsets(),
        m.judgment_workers(),
        m.judgment_classes(),
        m.timestamps(),
        m.report(),
    )
}

fn row() -> impl Strategy<Value = Row> {
    (
        prop_oneof![20 => (0u16..1000).prop_map(Some), 1 => Just(None)],
        prop_oneof![20 => (0u8..=255).prop_map(Some), 1 => Just(None)],
        0u8..5,
        prop_oneof![
            20 => (0i64..1_000_000).prop_map(|t| Some(t.to_string())),
            1 => Just(Some("not a time".to_string())),
            1 => Just(None),
        ],
    )
        .prop_map(|(item, worker, label, time)| Row {
            item,
            worker,
            label,
            time,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn parts_build_what_batches_build(
        mut rows in prop::collection::vec(row(), 1..300),
        cuts in prop::collection::vec(0usize..400, 0..12),
        parts in prop::collection::vec(1usize..5, 1..4),
        sorted in any::<bool>(),
        kinds in (0u8..3, 0u8..3),
        times in any::<bool>(),
        declared in any::<bool>(),
        two in any::<bool>(),
        parallel in any::<bool>(),
        streams in 0usize..4,
    ) {
        if sorted {
            rows.sort_by_key(|r| r.item);
        }
        let kind = |k: u8| match k { 0 => IdCol::Str, 1 => IdCol::Int, _ => IdCol::Dict };
        let b = batches(&rows, &cuts, (kind(kinds.0), kind(kinds.1)), times);
        // labels 0..5 against a declared set of four: label 4 is a bad row
        let opts = if declared {
            IngestOptions::default().with_classes(["0", "1", "2", "3"])
        } else {
            IngestOptions::default()
        };
        let want = by_batch(&b, &opts, two);
        let got = by_part(&b, &parts, &opts, two, parallel, streams);
        match (want, got) {
            (Ok(w), Ok(g)) => prop_assert_eq!(digest(&w), digest(&g)),
            (Err(w), Err(g)) => prop_assert_eq!(w.to_string(), g.to_string()),
            (w, g) => prop_assert!(false, "push_batch {:?} but parts {:?}", w.map(|m| m.n_judgments()), g.map(|m| m.n_judgments())),
        }
    }
}
