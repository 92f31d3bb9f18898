//! The groups of single-judgment workers against the plain graph (every worker's row
//! in the worker–worker graph, `graph_only`): the same fit, bit for bit.

use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

fn assert_same(m: &JudgmentMatrix, p: MmsrParams, what: &str) {
    let fast = p.clone().fit(m).expect("fit");
    let graph = MmsrParams {
        graph_only: true,
        ..p
    }
    .fit(m)
    .expect("fit");
    let bits = |v: ndarray::ArrayView1<'_, f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(fast.skills()), bits(graph.skills()), "{what}: skills");
    assert_eq!(
        bits(fast.reliability()),
        bits(graph.reliability()),
        "{what}: reliability"
    );
    let post = |m: &super::MmsrModel| {
        m.posteriors()
            .iter()
            .map(|x| x.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(post(&fast), post(&graph), "{what}: posteriors");
    assert_eq!(fast.fit_report(), graph.fit_report(), "{what}: report");
    assert_eq!(
        fast.n_worker_pairs(),
        graph.n_worker_pairs(),
        "{what}: pairs"
    );
}

/// Mixed data (single-judgment workers next to repeat workers who share several
/// items, duplicate answers, 2–5 classes, items of 1 to 12 judgments, so that the
/// trimming `F` is 0 on some and up to 2 on others), several seeds and iteration
/// counts: the fit with groups equals the plain graph's in every bit.
#[test]
fn groups_equal_the_graph() {
    let mut cases = 0;
    for seed in 0..12u64 {
        let k = 2 + (seed % 4) as i64;
        let (lo, hi) = if seed % 3 == 0 { (7, 12) } else { (1, 9) };
        let single = [0.0, 0.3, 0.7, 1.0][(seed % 4) as usize];
        let m = random(seed, 300, lo, hi, single, 40, k);
        for p in [
            Mmsr::params().max_iter(5).tol(1e-300),
            Mmsr::params().seed(seed),
        ] {
            assert_same(&m, p, &format!("seed {seed}"));
            cases += 1;
        }
    }
    assert_eq!(cases, 24);
}

/// F9's data (one worker per judgment, redundancy 10, `F = 3`) and the same
/// judgments from 50 workers: equal to the plain graph; and the groups are used (the
/// one-worker-per-judgment fit has as many worker pairs as the graph would).
#[test]
fn tiny_workers_equal_the_graph() {
    for workers in [None, Some(50)] {
        let m = crowdqc_testkit::synth::tiny_workers_matrix(5_000, workers);
        assert_same(&m, Mmsr::params().max_iter(30).tol(1e-300), "f9");
    }
    let m = crowdqc_testkit::synth::tiny_workers_matrix(5_000, None);
    let groups = super::single::Groups::build(&m, 2);
    assert!((0..m.n_workers()).all(|w| groups.degree(w) == 9));
}
