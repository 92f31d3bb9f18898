//! M-MSR with many tiny workers (issue 12, F9): the data of the criterion group
//! `many_tiny_workers` (items of redundancy 10, two classes, 70%-accurate answers), one
//! worker per judgment, where every worker's row is read off its item's shared list
//! (`src/mmsr/single.rs`; its unit tests compare it bit for bit with the plain graph).

use crowdqc_aggregation::Mmsr;
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_testkit::synth::tiny_workers_matrix as data;

use crate::glad::in_pool;

/// Exact counts: with one worker per judgment the ten workers of an item are each
/// other's only co-workers, so there are `C(10, 2) = 45` worker pairs per item.
#[test]
fn worker_pairs_are_45_per_item() {
    let m = data(20_000, None);
    let model = Mmsr::params().max_iter(5).fit(&m).expect("fit");
    assert_eq!(m.n_items(), 2_000);
    assert_eq!(model.n_worker_pairs(), 45 * 2_000);
}

/// With two classes every `|C|` between single-judgment workers is 1, so all workers
/// get the same `|s|`; the signed agreement graph of an item is a clique whose
/// leading sign vector is +1 on the item's majority and −1 on its minority. The
/// weighted vote therefore equals the majority vote on every item without a 5–5 tie
/// (counted here from the judgments), and each worker's sign is whether they agree
/// with their item's majority.
#[test]
fn two_class_single_workers_follow_the_majority() {
    let m = data(20_000, None);
    let model = Mmsr::params().fit(&m).expect("fit");
    let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
    let mut checked = 0;
    for t in 0..m.n_items() as u32 {
        let r = m.item_range(t);
        let ones = classes[r.clone()].iter().filter(|&&c| c == 1).count();
        if ones * 2 == r.len() {
            continue;
        }
        let majority = u32::from(ones * 2 > r.len());
        assert_eq!(model.labels()[t as usize], majority, "item {t}");
        for p in r {
            let s = model.skills()[workers[p] as usize];
            assert_eq!(
                s > 0.0,
                classes[p] == majority,
                "item {t} position {p}: {s}"
            );
        }
        checked += 1;
    }
    assert!(checked > 1_500, "{checked}");
}

/// Bit-identical for any thread count (fixed chunks of items and groups).
#[test]
fn tiny_workers_bit_identical_for_any_thread_count() {
    let m = data(30_000, None);
    let p = Mmsr::params().max_iter(50);
    let a = in_pool(1, || p.fit(&m).expect("fit"));
    let b = in_pool(3, || p.fit(&m).expect("fit"));
    assert_eq!(a.posteriors(), b.posteriors());
    assert_eq!(a.skills(), b.skills());
    assert_eq!(a.fit_report(), b.fit_report());
}

/// On an item split 5–5 the signed clique's start vector (all ones) is orthogonal to
/// its sign vector (`Σ d_i S_i = 9·5 − 9·5 = 0`), so the sign iteration's limit is 0
/// there: each of its workers gets `s = 0`, i.e. skill `ln(1) = 0` (no vote), and the
/// item's posterior is exactly uniform. Every other item's workers have a nonzero
/// skill.
#[test]
fn five_five_items_get_no_vote() {
    let m = data(20_000, None);
    let model = Mmsr::params().fit(&m).expect("fit");
    let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
    let mut tied = 0;
    for t in 0..m.n_items() as u32 {
        let r = m.item_range(t);
        let ones = classes[r.clone()].iter().filter(|&&c| c == 1).count();
        let is_tied = ones * 2 == r.len();
        for p in r {
            let w = workers[p] as usize;
            assert_eq!(model.skills()[w] == 0.0, is_tied, "item {t}");
            assert_eq!(model.reliability()[w] == 0.0, is_tied, "item {t}");
        }
        if is_tied {
            assert_eq!(model.posteriors().row(t as usize).to_vec(), [0.5, 0.5]);
            tied += 1;
        }
    }
    assert!(tied > 100, "{tied}");
}
