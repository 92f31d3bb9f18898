//! Many tiny workers (issue 12, F9): MACE and M-MSR on the same judgments from 5,000
//! workers or from one worker per judgment (the data of the criterion group
//! `many_tiny_workers` in `benches/benches/aggregation.rs`, which measures the speed
//! target; `examples/speed_profile.rs` times one fit for profiling).

use crowdqc_aggregation::{Mace, Mmsr};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_testkit::synth::tiny_workers_matrix as data;

/// Single-judgment workers carry little information, but they are not ignored: on
/// these data (10 answers of 70% accuracy per item) both methods recover most items
/// either way, and the one-worker-per-judgment fit is as accurate as majority vote
/// (items where 7 of 10 agree are right by construction).
#[test]
fn single_judgment_workers_give_sensible_labels() {
    for workers in [Some(50), None] {
        let m = data(20_000, workers);
        let classes: Vec<u64> = m
            .classes()
            .iter()
            .map(|c| c.to_string().parse().expect("int label"))
            .collect();
        let truth = |i: usize| {
            let id = m.items().get(i as u32).to_string();
            id.parse::<u64>().expect("int id") % 2
        };
        let mv = crowdqc_aggregation::MajorityVote::params()
            .fit(&m)
            .expect("mv");
        let mv_acc = (0..m.n_items())
            .filter(|&i| classes[mv.labels()[i] as usize] == truth(i))
            .count() as f64;
        for (name, labels) in [
            (
                "mace",
                Mace::params().n_restarts(2).fit(&m).expect("mace").labels(),
            ),
            ("mmsr", Mmsr::params().fit(&m).expect("mmsr").labels()),
        ] {
            let acc = (0..m.n_items())
                .filter(|&i| classes[labels[i] as usize] == truth(i))
                .count() as f64;
            assert!(
                acc >= mv_acc - 0.02 * m.n_items() as f64,
                "{name} {workers:?}: {acc} vs mv {mv_acc}"
            );
        }
    }
}
