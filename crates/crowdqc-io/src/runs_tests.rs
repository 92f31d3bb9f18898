//! The partitioning read's buffer bound: the rows buffered for the runs stay below it
//! whatever it is, and the runs hold the same rows (in the same order) for any bound.

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::UInt32Type;
use crowdqc_core::columns::IdColumn;
use crowdqc_core::progress::NoProgress;
use crowdqc_core::{IdRef, IngestOptions};

use super::{ItemRuns, batch_rows_for, run_of};

fn rows(runs: &ItemRuns, p: usize) -> Vec<(String, u32, u32)> {
    let batches: Vec<RecordBatch> = runs.read(p).expect("read");
    let mut out = Vec::new();
    for b in &batches {
        let items = IdColumn::new(b.column(0), "item", 0).expect("items");
        let codes = |c: usize| b.column(c).as_primitive::<UInt32Type>().values().to_vec();
        let (w, l) = (codes(1), codes(2));
        for r in 0..b.num_rows() {
            out.push((items.get(r).expect("id").to_string(), w[r], l[r]));
        }
    }
    out
}

#[test]
fn buffered_rows_stay_below_the_bound_and_runs_do_not_depend_on_it() {
    let dir = tempfile::tempdir().expect("dir");
    let mut csv = String::from("item,worker,label\n");
    for i in 0..150_000u32 {
        csv.push_str(&format!("item-{},w{},{}\n", i / 3, i % 101, i % 4));
    }
    let path = dir.path().join("j.csv");
    std::fs::write(&path, csv).expect("write");
    let opts = IngestOptions::default();
    let read = |buffer: u64| {
        let seen = std::cell::Cell::new(0u64);
        let runs = ItemRuns::partition_checked(
            &path,
            &opts,
            dir.path(),
            4,
            buffer,
            &NoProgress,
            &|w, k, d| {
                assert!(w <= 101 && k <= 4);
                seen.set(d);
                Ok(())
            },
        )
        .expect("partition");
        assert_eq!(runs.total_rows(), 150_000);
        // the dictionaries' bytes reach the check after every batch
        assert_eq!(
            seen.get(),
            (runs.workers().heap_bytes() + runs.labels().heap_bytes()) as u64
        );
        runs
    };
    let small = read(4 << 10);
    let large = read(64 << 20);
    let (s, l) = (small.memory(), large.memory());
    // below the bound after every batch; with a large bound rows do wait (so the
    // small bound is what kept them out)
    assert!(s.buffered_peak < 4 << 10, "{s:?}");
    assert!(
        l.buffered_peak < 64 << 20 && l.buffered_peak > 4 << 10,
        "{l:?}"
    );
    // batches sized from the bound: 65,536 rows (at least 8 bytes each) under the
    // large one, the least (64 rows, 1,024 times fewer) under 4 KiB
    assert_eq!((s.batch_rows, l.batch_rows), (64, 65_536));
    assert!(
        l.batch_peak > 65_536 * 8 && s.batch_peak * 256 < l.batch_peak,
        "{s:?} {l:?}"
    );
    // write buffers: 4 KiB each below a share of 8 KiB, 64 KiB each above 128 KiB
    assert_eq!((s.writers, l.writers), (4 * (4 << 10), 4 * (64 << 10)));
    assert_eq!(
        s.peak(4),
        (4 << 10) + (1 << 10) + 2 * s.batch_peak + s.writers
    );
    for p in 0..4 {
        let (a, b) = (rows(&small, p), rows(&large, p));
        assert_eq!(a, b, "run {p}");
        assert_eq!(a.len() as u64, small.rows(p));
        for (id, _, _) in &a {
            assert_eq!(run_of(IdRef::Str(id), 4) as usize, p, "{id}");
        }
    }
}

#[test]
fn batch_rows_follow_the_buffer_within_their_bounds() {
    // half the buffer for the batch at 64 bytes per row (its copy takes the other half)
    assert_eq!(batch_rows_for(1 << 20), (1 << 20) / 2 / 64);
    assert_eq!(batch_rows_for(0), 64);
    assert_eq!(batch_rows_for(128 * 64 - 1), 64);
    assert_eq!(batch_rows_for(128 * 65), 65);
    assert_eq!(batch_rows_for(u64::MAX), 65_536);
    assert_eq!(batch_rows_for(64 << 20), 65_536);
}
