//! The compact layout: grouped, sorted and interleaved inputs, chunk boundaries, more
//! than 256 labels, and the lazily built views — checked against a reference CSR
//! computed here by a stable sort of the rows.

use std::sync::Arc;

use arrow_array::{RecordBatch, StringArray, UInt32Array};
use crowdqc_core::{
    ClassCodes, DuplicatePolicy, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder,
};

/// A small seeded generator (SplitMix64), so the rows are fixed by the test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Rows `(item, worker, label)` as numbers.
type Rows = Vec<(u32, u32, u32)>;

fn batch(rows: &[(u32, u32, u32)]) -> RecordBatch {
    let item = StringArray::from_iter_values(rows.iter().map(|r| format!("i{:07}", r.0)));
    let worker = StringArray::from_iter_values(rows.iter().map(|r| format!("w{}", r.1)));
    let label = UInt32Array::from_iter_values(rows.iter().map(|r| r.2));
    RecordBatch::try_from_iter([
        ("item", Arc::new(item) as _),
        ("worker", Arc::new(worker) as _),
        ("label", Arc::new(label) as _),
    ])
    .expect("batch")
}

fn build(rows: &[(u32, u32, u32)], batch_rows: usize, policy: DuplicatePolicy) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default().with_duplicates(policy))
        .expect("options");
    for part in rows.chunks(batch_rows) {
        b.push_batch(&batch(part)).expect("push");
    }
    b.finish().expect("finish")
}

/// The reference: items coded by first appearance, rows stably sorted by item code;
/// labels are integers, so classes are the distinct labels in numeric order.
fn reference(rows: &[(u32, u32, u32)]) -> (Vec<usize>, Vec<String>, Vec<u32>) {
    let mut code = std::collections::HashMap::new();
    for r in rows {
        let n = code.len();
        code.entry(r.0).or_insert(n);
    }
    let mut labels: Vec<u32> = rows.iter().map(|r| r.2).collect();
    labels.sort_unstable();
    labels.dedup();
    let mut sorted: Vec<(usize, usize)> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| (code[&r.0], k))
        .collect();
    sorted.sort(); // (item code, row): stable by construction
    let mut offsets = vec![0usize; code.len() + 1];
    for &(i, _) in &sorted {
        offsets[i + 1] += 1;
    }
    for i in 0..code.len() {
        offsets[i + 1] += offsets[i];
    }
    let workers = sorted
        .iter()
        .map(|&(_, k)| format!("w{}", rows[k].1))
        .collect();
    let classes = sorted
        .iter()
        .map(|&(_, k)| labels.binary_search(&rows[k].2).expect("label") as u32)
        .collect();
    (offsets, workers, classes)
}

fn check(m: &JudgmentMatrix, rows: &[(u32, u32, u32)]) {
    let (offsets, workers, classes) = reference(rows);
    assert_eq!(m.item_offsets(), &offsets[..]);
    let got: Vec<String> = m
        .judgment_workers()
        .iter()
        .map(|&w| m.workers().get(w).to_string())
        .collect();
    assert_eq!(got, workers);
    assert_eq!(m.judgment_classes(), &classes[..]);
    for p in [0, m.n_judgments() / 2, m.n_judgments() - 1] {
        assert_eq!(m.class_codes().get(p), classes[p]);
    }
    // the lazily built views agree with the CSR columns
    let items = m.judgment_items();
    for i in 0..m.n_items() {
        assert!(items[m.item_range(i as u32)].iter().all(|&x| x == i as u32));
    }
    let mut seen = 0;
    for w in 0..m.n_workers() as u32 {
        let pos = m.worker_judgments(w);
        assert!(pos.windows(2).all(|p| p[0] < p[1]));
        assert!(pos.iter().all(|&p| m.judgment_workers()[p as usize] == w));
        seen += pos.len();
    }
    assert_eq!(seen, m.n_judgments());
}

/// Interleaved rows (items revisited at random) across more than one 2^20-row chunk.
#[test]
fn interleaved_rows_across_chunks_match_the_reference() {
    let mut rng = Rng(7);
    let rows: Rows = (0..(1 << 20) + 5000)
        .map(|_| {
            (
                rng.below(300_000) as u32,
                rng.below(500) as u32,
                rng.below(5) as u32,
            )
        })
        .collect();
    let m = build(&rows, 65_536, DuplicatePolicy::KeepAll);
    check(&m, &rows);
    assert!(matches!(m.class_codes(), ClassCodes::U8(_)));
    assert!(
        !m.items().is_sorted(),
        "interleaved ids need the hash table"
    );
}

/// Rows grouped by item and sorted by id: no sort, no item hash table, lookups work.
#[test]
fn sorted_grouped_rows_skip_the_item_table() {
    let mut rng = Rng(11);
    let mut rows: Rows = Vec::new();
    for i in 0..20_000u32 {
        for _ in 0..1 + rng.below(6) {
            rows.push((i * 3, rng.below(50) as u32, rng.below(3) as u32));
        }
    }
    let m = build(&rows, 1000, DuplicatePolicy::KeepAll);
    check(&m, &rows);
    assert!(m.items().is_sorted());
    assert_eq!(m.items().lookup(IdRef::Str("i0000300")), Some(100));
    assert_eq!(m.items().lookup(IdRef::Str("i0000301")), None);
    assert_eq!(m.items().lookup(IdRef::Str("a")), None);
    assert_eq!(m.items().lookup(IdRef::Str("z")), None);
}

/// Grouped for many batches, then an early item comes back: the builder switches to
/// per-row item codes and still sorts everything right.
#[test]
fn grouping_that_breaks_late_still_sorts() {
    let mut rows: Rows = (0..5000u32).map(|r| (r / 4, r % 7, r % 3)).collect();
    rows.push((3, 9, 1)); // item 3 again, far from its other rows
    rows.extend((5000..6000u32).map(|r| (r / 4, r % 7, r % 3)));
    for batch_rows in [1, 64, 5001, 10_000] {
        let m = build(&rows, batch_rows, DuplicatePolicy::KeepAll);
        check(&m, &rows);
    }
}

/// More than 256 labels: the label column widens mid-stream and classes are `u32`.
#[test]
fn many_labels_widen_the_class_codes() {
    let rows: Rows = (0..3000u32)
        .map(|r| (r % 97, r % 13, (r * 7) % 300))
        .collect();
    let m = build(&rows, 100, DuplicatePolicy::KeepAll);
    check(&m, &rows);
    assert_eq!(m.n_classes(), 300);
    assert!(matches!(m.class_codes(), ClassCodes::U32(_)));
}

/// The `error` policy names the two data rows of the first repeated pair, for
/// interleaved input (rows reordered by the sort) as for grouped input.
#[test]
fn duplicate_error_names_input_rows_after_the_sort() {
    // item 0 is judged by worker 5 at rows 1 and 4 (0-based), with item 1 between
    let rows: Rows = vec![(1, 2, 0), (0, 5, 0), (1, 3, 1), (0, 6, 1), (0, 5, 1)];
    let e = JudgmentMatrixBuilder::new(
        IngestOptions::default().with_duplicates(DuplicatePolicy::Error),
    )
    .and_then(|mut b| {
        b.push_batch(&batch(&rows))?;
        b.finish()
    })
    .expect_err("duplicate");
    let s = e.to_string();
    assert!(s.contains("data rows 2 and 5"), "{s}");
    let m = build(&rows, 2, DuplicatePolicy::First);
    assert_eq!(m.n_judgments(), 4);
    assert_eq!(m.report().dropped_duplicate_rows, 1);
}

/// The matrix holds about 5 bytes per judgment plus 8 per item before any view is
/// built; building the views adds 4 bytes per judgment each, and releasing frees them.
#[test]
fn compact_layout_bytes() {
    let rows: Rows = (0..100_000u32).map(|r| (r / 5, r % 1000, r % 4)).collect();
    let mut m = build(&rows, 65_536, DuplicatePolicy::KeepAll);
    let dicts = m.items().heap_bytes() + m.workers().heap_bytes();
    let core = m.heap_bytes() - dicts - m.classes().dictionary().heap_bytes();
    // 4 (worker) + 1 (class) per judgment, 8 per item + 1 offset, 8 per worker + 1,
    // the gold column (4 per item)
    let expect = 100_000 * 5 + 20_001 * 8 + 1001 * 8 + 20_000 * 4;
    assert!(core <= expect + 4096, "{core} > {expect}");
    let _ = (
        m.judgment_items(),
        m.judgment_classes(),
        m.worker_positions(),
    );
    let with_views = m.heap_bytes();
    assert!(with_views >= core + dicts + 3 * 400_000);
    m.release_views();
    assert!(m.heap_bytes() + 3 * 400_000 <= with_views);
}
