//! The groups of single-judgment workers against the plain graph (every worker's row
//! in the worker–worker graph, `graph_only`, each trimmed mean summed value by value:
//! the reference): the same fit, bit for bit.

use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::balance::{Balanced, balanced};
use super::{Mmsr, MmsrParams};

/// Random judgments: `items` items of `lo..=hi` judgments, a share `single` of them by
/// single-judgment workers, the rest by `pool` repeat workers (so pairs share several
/// items, and a repeat worker may answer an item twice), `k` classes, 75% correct.
fn random(
    seed: u64,
    items: i64,
    lo: usize,
    hi: usize,
    single: f64,
    pool: i64,
    k: i64,
) -> JudgmentMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    let mut next_single = 1_000_000i64;
    for t in 0..items {
        let truth = t % k;
        for _ in 0..rng.random_range(lo..=hi) {
            let w = if rng.random::<f64>() < single {
                next_single += 1;
                next_single
            } else {
                rng.random_range(0..pool)
            };
            let l = if rng.random::<f64>() < 0.75 {
                truth
            } else {
                rng.random_range(0..k)
            };
            b.push_row(IdRef::Int(t), IdRef::Int(w), IdRef::Int(l))
                .expect("row");
        }
    }
    b.finish().expect("matrix")
}

/// Relative distance (0 for equal values, including equal infinities).
fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

/// The fit with groups against the plain graph (`graph_only`, every worker's row in
/// the worker–worker graph, each trimmed mean summed value by value): skills,
/// reliabilities and posteriors within 1e-12 relative, the same iterations, stop
/// reason and pair count, the loss trace within 1e-12 of its first value; bit for bit
/// when `exact`. Returns the largest relative difference seen.
fn assert_close(m: &JudgmentMatrix, p: MmsrParams, exact: bool, what: &str) -> f64 {
    let fast = p.clone().fit(m).expect("fit");
    let graph = MmsrParams {
        graph_only: true,
        ..p
    }
    .fit(m)
    .expect("fit");
    let mut worst = 0.0f64;
    let mut check = |a: &[f64], b: &[f64], name: &str| {
        assert_eq!(a.len(), b.len());
        for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
            let r = rel(x, y);
            assert!(r <= 1e-12, "{what}: {name}[{i}] {x} vs {y}");
            if exact {
                assert_eq!(x.to_bits(), y.to_bits(), "{what}: {name}[{i}]");
            }
            worst = worst.max(r);
        }
    };
    check(
        fast.skills().as_slice().expect("contiguous"),
        graph.skills().as_slice().expect("contiguous"),
        "skills",
    );
    check(
        fast.reliability().as_slice().expect("contiguous"),
        graph.reliability().as_slice().expect("contiguous"),
        "reliability",
    );
    check(
        fast.posteriors().as_slice().expect("contiguous"),
        graph.posteriors().as_slice().expect("contiguous"),
        "posteriors",
    );
    let (a, b) = (fast.fit_report(), graph.fit_report());
    assert_eq!(a.iterations, b.iterations, "{what}: iterations");
    assert_eq!(a.stop_reason, b.stop_reason, "{what}: stop reason");
    let scale = b.objective.first().copied().unwrap_or(0.0);
    for (x, y) in a.objective.iter().zip(&b.objective) {
        assert!((x - y).abs() <= 1e-12 * scale, "{what}: loss {x} vs {y}");
    }
    if exact {
        assert_eq!(a, b, "{what}: report");
    }
    assert_eq!(
        fast.n_worker_pairs(),
        graph.n_worker_pairs(),
        "{what}: pairs"
    );
    worst
}

/// Mixed data (single-judgment workers next to repeat workers who share several
/// items, duplicate answers, 2–5 classes, items of 1 to 12 or 30 to 45 judgments, so
/// that the trimming `F` is 0 on some and up to 15 on others and the lists are both
/// shorter and longer than the sorting network's 32), several seeds and iteration
/// counts: the fit with groups equals the plain graph's in every bit.
#[test]
fn groups_equal_the_graph() {
    let mut cases = 0;
    for seed in 0..24u64 {
        let k = 2 + (seed % 4) as i64;
        // seed % 6 == 5: items of 30–45 judgments (binary searches, long sums)
        let (items, lo, hi) = match seed % 6 {
            0 | 3 => (300, 7, 12),
            5 => (60, 30, 45),
            _ => (300, 1, 9),
        };
        let single = [0.0, 0.3, 0.7, 1.0, 0.5, 0.9][(seed % 6) as usize];
        let m = random(seed, items, lo, hi, single, 40, k);
        for p in [
            Mmsr::params().max_iter(5).tol(1e-300),
            Mmsr::params().seed(seed),
        ] {
            assert_close(&m, p, true, &format!("seed {seed}"));
            cases += 1;
        }
    }
    assert_eq!(cases, 48);
}

/// The sign step iterates a group's viewers as one value only when that is safe
/// (checked here with every component treated as unbalanced, so that the iteration
/// decides every sign).
/// Two classes, one worker per judgment, items of 9 judgments: every item is a
/// two-camp clique whose start vector has a share of at least 1/9 on its sign
/// vector, so it merges, with the per-worker iteration's signs. F9's data (items of
/// 10: about 10% end 5–5, where the start vector is orthogonal to the sign vector and
/// the values decay to rounding level) and seed 15 of the test above (five classes;
/// the per-worker and the merged iteration ended at ~−1e-97 and ~+1e-171 there) make
/// it decline, and the per-worker iteration decides.
#[test]
fn merged_signs_only_when_safe() {
    let m = random(7, 300, 9, 9, 1.0, 40, 2);
    let groups = super::single::Groups::build(&m, 2);
    let g = super::fit::pairs(&m, 2, &groups.group);
    let w = m.n_workers();
    let fast = super::signs::merged(&g, &groups, w, &Balanced::none(w)).expect("safe");
    let slow = super::signs::per_worker(&g, &groups, w);
    assert!(
        fast.iter()
            .zip(&slow)
            .all(|(a, b)| a.signum() == b.signum() && *a != 0.0)
    );
    for m in [
        crowdqc_testkit::synth::tiny_workers_matrix(5_000, None),
        random(15, 300, 7, 12, 1.0, 40, 5),
    ] {
        let k = if m.n_classes() == 2 { 2 } else { 5 };
        let groups = super::single::Groups::build(&m, k);
        let g = super::fit::pairs(&m, k, &groups.group);
        let none = Balanced::none(m.n_workers());
        assert!(super::signs::merged(&g, &groups, m.n_workers(), &none).is_none());
    }
}

/// F9's data (one worker per judgment, redundancy 10, `F = 3`) and the same
/// judgments from 50 workers: equal to the plain graph; and the groups are used (the
/// one-worker-per-judgment fit has as many worker pairs as the graph would).
#[test]
fn tiny_workers_equal_the_graph() {
    for workers in [None, Some(50)] {
        let m = crowdqc_testkit::synth::tiny_workers_matrix(5_000, workers);
        assert_close(&m, Mmsr::params().max_iter(30).tol(1e-300), true, "f9");
    }
    let m = crowdqc_testkit::synth::tiny_workers_matrix(5_000, None);
    let groups = super::single::Groups::build(&m, 2);
    assert!((0..m.n_workers()).all(|w| groups.degree(w) == 9));
}

/// −1, 0 or 1.
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The closed-form signs of balanced components are the limit of the power iteration:
/// on two-class items of 9 one-judgment workers (each a balanced clique whose start
/// vector has a share of at least 1/9 on its sign vector) they equal the per-worker
/// iteration's signs, every one nonzero; on F9's data (items of 10) they equal them on
/// every item that is not split 5–5, and are 0 on the 5–5 items (there `Σ d_i S_i =
/// 8·5 − 8·5 = 0`: the start vector is orthogonal to the sign vector).
#[test]
fn balanced_signs_are_the_iterations_limit() {
    let m = random(7, 300, 9, 9, 1.0, 40, 2);
    let groups = super::single::Groups::build(&m, 2);
    let g = super::fit::pairs(&m, 2, &groups.group);
    let w = m.n_workers();
    let bal = balanced(&g, &groups, w);
    assert!(!bal.any_unbalanced);
    let iter = super::signs::per_worker(&g, &groups, w);
    for (i, (&b, &z)) in bal.sign.iter().zip(&iter).enumerate() {
        assert_eq!(b, sign(z), "worker {i}");
        assert_ne!(b, 0.0);
    }

    let m = crowdqc_testkit::synth::tiny_workers_matrix(20_000, None);
    let groups = super::single::Groups::build(&m, 2);
    let g = super::fit::pairs(&m, 2, &groups.group);
    let w = m.n_workers();
    let bal = balanced(&g, &groups, w);
    assert!(!bal.any_unbalanced);
    let iter = super::signs::per_worker(&g, &groups, w);
    let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
    let (mut tied, mut other) = (0, 0);
    for t in 0..m.n_items() as u32 {
        let r = m.item_range(t);
        let ones = classes[r.clone()].iter().filter(|&&c| c == 1).count();
        for p in r.clone() {
            let i = workers[p] as usize;
            if ones * 2 == r.len() {
                assert_eq!(bal.sign[i], 0.0, "item {t}");
                tied += 1;
            } else {
                assert_eq!(bal.sign[i], sign(iter[i]), "item {t}");
                assert_ne!(bal.sign[i], 0.0);
                other += 1;
            }
        }
    }
    assert!(tied > 1_000 && other > 10_000, "{tied} {other}");
}

/// A component with an odd cycle of negative weights is not balanced (three
/// one-judgment workers answering three different classes: every pair disagrees),
/// and only its workers are left to the iteration; a disagreeing pair of workers
/// (one shared item) is balanced with `Σ d_i S_i = 0`: sign 0, as the iteration's
/// values (exactly 0 after one step); an agreeing pair gets +1. The groups and the
/// plain graph give the same bits.
#[test]
fn balanced_components_and_odd_cycles() {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for (t, w, l) in [
        (0, 0, 0),
        (0, 1, 1),
        (0, 2, 2),
        (1, 3, 0),
        (1, 4, 1),
        (2, 5, 2),
        (2, 6, 2),
    ] {
        b.push_row(IdRef::Int(t), IdRef::Int(w), IdRef::Int(l))
            .expect("row");
    }
    let m = b.finish().expect("matrix");
    for grouped in [true, false] {
        let groups = if grouped {
            super::single::Groups::build(&m, 3)
        } else {
            super::single::Groups::none(m.n_workers())
        };
        let g = super::fit::pairs(&m, 3, &groups.group);
        let bal = balanced(&g, &groups, m.n_workers());
        assert!(bal.any_unbalanced);
        assert!(bal.sign[..3].iter().all(|v| v.is_nan()), "{:?}", bal.sign);
        assert_eq!(&bal.sign[3..], &[0.0, 0.0, 1.0, 1.0]);
        let iter = super::signs::per_worker(&g, &groups, m.n_workers());
        assert_eq!(&iter[3..5], &[0.0, 0.0]);
    }
    for seed in 0..12u64 {
        let m = random(seed, 200, 1, 9, 0.7, 40, 2 + (seed % 3) as i64);
        let k = m.n_classes();
        let groups = super::single::Groups::build(&m, k);
        let g = super::fit::pairs(&m, k, &groups.group);
        let a = balanced(&g, &groups, m.n_workers());
        let none = super::single::Groups::none(m.n_workers());
        let g = super::fit::pairs(&m, k, &none.group);
        let b = balanced(&g, &none, m.n_workers());
        assert_eq!(a.any_unbalanced, b.any_unbalanced);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.sign), bits(&b.sign), "seed {seed}");
    }
}
