//! Helpers of the integration tests of the core methods.

use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset};

/// A real dataset with its gold (None when the data folder is absent).
pub fn load(name: &str, with_gold: bool) -> Option<JudgmentMatrix> {
    let dir = dataset_dir(name)?;
    Some(load_dataset(&dir, IngestOptions::default(), with_gold))
}

/// A matrix from string rows.
pub fn matrix(rows: &[(&str, &str, &str)]) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for (i, w, l) in rows {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .expect("row");
    }
    b.finish().expect("matrix")
}

/// A matrix from string rows plus gold rows.
pub fn matrix_with_gold(rows: &[(&str, &str, &str)], gold: &[(&str, &str)]) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for (i, w, l) in rows {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .expect("row");
    }
    for (i, l) in gold {
        b.push_gold_row(IdRef::Str(i), IdRef::Str(l)).expect("gold");
    }
    b.finish().expect("matrix")
}

/// Item index of an id.
pub fn item(m: &JudgmentMatrix, id: &str) -> usize {
    m.items().lookup(IdRef::Str(id)).expect("item id") as usize
}

/// Worker index of an id.
pub fn worker(m: &JudgmentMatrix, id: &str) -> usize {
    m.workers().lookup(IdRef::Str(id)).expect("worker id") as usize
}

/// Class index of a label.
pub fn class(m: &JudgmentMatrix, label: &str) -> usize {
    m.classes().index_of(IdRef::Str(label)).expect("label") as usize
}

/// Accuracy of `labels` on the matrix's gold items.
pub fn gold_accuracy(m: &JudgmentMatrix, labels: &[u32]) -> f64 {
    let items = m.gold().items();
    let hits = items
        .iter()
        .filter(|&&i| m.gold().label(i) == Some(labels[i as usize]))
        .count();
    hits as f64 / items.len() as f64
}

/// Seeded synthetic crowd: `n_items` items, `n_workers` workers with accuracies in
/// `[lo, hi]`, `per_item` distinct workers per item, `k` classes, errors uniform.
/// Returns rows `(item, worker, label)` as strings and the true class per item.
pub fn synth(
    seed: u64,
    n_items: usize,
    n_workers: usize,
    per_item: usize,
    k: usize,
    (lo, hi): (f64, f64),
) -> (Vec<(String, String, String)>, Vec<usize>) {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let acc: Vec<f64> = (0..n_workers).map(|_| rng.random_range(lo..=hi)).collect();
    let mut rows = Vec::new();
    let mut truth = Vec::new();
    for i in 0..n_items {
        let t = rng.random_range(0..k);
        truth.push(t);
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < per_item.min(n_workers) {
            let w = rng.random_range(0..n_workers);
            if !chosen.contains(&w) {
                chosen.push(w);
            }
        }
        for w in chosen {
            let l = if rng.random_range(0.0..1.0) < acc[w] {
                t
            } else {
                (t + 1 + rng.random_range(0..k - 1)) % k
            };
            rows.push((format!("i{i}"), format!("w{w}"), format!("c{l}")));
        }
    }
    (rows, truth)
}

/// Builds a matrix from owned rows.
pub fn matrix_owned(rows: &[(String, String, String)]) -> JudgmentMatrix {
    let r: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    matrix(&r)
}

/// A JSON file of `fixtures/aggregation-advanced/` (crowd-kit's stored outputs).
fn advanced_fixture(file: &str) -> serde_json::Value {
    // this crate's own checkout (not the testkit's compile-time root)
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aggregation-advanced")
        .join(file);
    let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&s).expect("json")
}

/// crowd-kit 1.4.2's accuracy on gold of `method` (`glad`, `mace`, `kos`, `mmsr`) with
/// its defaults on `dataset`, as stored in
/// `fixtures/aggregation-advanced/crowdkit_accuracy.json` (None: not run, or crowd-kit
/// raised an error).
pub fn crowdkit_accuracy(dataset: &str, method: &str) -> Option<f64> {
    advanced_fixture("crowdkit_accuracy.json")[format!("{dataset}/{method}")]["accuracy"].as_f64()
}

/// crowd-kit 1.4.2's `MACE()` accuracy with its parameter misalignment removed (ids
/// renamed so that its two orders agree), from
/// `fixtures/aggregation-advanced/crowdkit_mace_aligned.json`.
pub fn crowdkit_mace_aligned(dataset: &str) -> Option<f64> {
    advanced_fixture("crowdkit_mace_aligned.json")[dataset]["accuracy"].as_f64()
}

/// Asserts that a test table's crowd-kit column holds crowd-kit's stored output for
/// `dataset/method` (`crowdkit_accuracy.json`; NaN in the table = not stored: not run,
/// or crowd-kit raised an error), so that tables compare against crowd-kit's own
/// numbers, never numbers printed by crowdqc.
pub fn assert_stored_crowdkit(dataset: &str, method: &str, in_table: f64) {
    match crowdkit_accuracy(dataset, method) {
        Some(stored) => assert!(
            (stored - in_table).abs() < 1e-12,
            "{dataset}/{method}: table says crowd-kit {in_table}, stored output {stored}"
        ),
        None => assert!(
            in_table.is_nan(),
            "{dataset}/{method}: table says crowd-kit {in_table}, nothing stored"
        ),
    }
}
