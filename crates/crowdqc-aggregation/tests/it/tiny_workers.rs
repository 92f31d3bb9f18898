//! Many tiny workers (issue 12, F9): MACE and M-MSR on the same judgments from 5,000
//! workers or from one worker per judgment (the data of the criterion group
//! `many_tiny_workers` in `benches/benches/aggregation.rs`, which measures the speed
//! target; `examples/speed_profile.rs` times one fit for profiling).

use crowdqc_aggregation::{Mace, Mmsr};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};

/// Items of redundancy 10, two classes, seeded 70%-accurate answers; `n_workers: None`
/// gives every judgment its own worker.
pub fn data(n_judgments: u64, n_workers: Option<u64>) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for j in 0..n_judgments {
        let item = (j / 10) as i64;
        let worker = n_workers.map_or(j, |w| j % w) as i64;
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let truth = item % 2;
        let label = if state % 10 < 7 { truth } else { 1 - truth };
        b.push_row(IdRef::Int(item), IdRef::Int(worker), IdRef::Int(label))
            .expect("row");
    }
    b.finish().expect("matrix")
}

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
