//! Which duplicate rule each vote-based method follows (crowdqc_core::votes), pinned
//! on data with duplicate rows.

use crowdqc_aggregation::{GoldMajorityVote, MajorityVote, Wawa};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{DuplicatePolicy, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};

/// w1 answers t1 "a" twice and "b" once, t2 "b"; w2 answers t1 "a", t2 "a" twice;
/// w3 answers t2 "a". Gold: t1 = a, t2 = a.
// field assignment (not a struct literal): IngestOptions may become #[non_exhaustive]
#[allow(clippy::field_reassign_with_default)]
fn duplicated() -> JudgmentMatrix {
    let mut opts = IngestOptions::default();
    opts.duplicates = DuplicatePolicy::KeepAll;
    let mut b = JudgmentMatrixBuilder::new(opts).expect("options");
    for (i, w, l) in [
        ("t1", "w1", "a"),
        ("t1", "w1", "a"),
        ("t1", "w1", "b"),
        ("t1", "w2", "a"),
        ("t2", "w1", "b"),
        ("t2", "w2", "a"),
        ("t2", "w2", "a"),
        ("t2", "w3", "a"),
    ] {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .expect("row");
    }
    for (i, l) in [("t1", "a"), ("t2", "a")] {
        b.push_gold_row(IdRef::Str(i), IdRef::Str(l)).expect("gold");
    }
    b.finish().expect("matrix")
}

#[test]
fn majority_vote_counts_every_vote_and_scores_distinct_rows() {
    let m = duplicated();
    let model = MajorityVote::params().fit(&m).unwrap();
    // votes: every row counts (t1: a 3, b 1; t2: a 3, b 1)
    assert_eq!(model.posteriors().row(0).to_vec(), [0.75, 0.25]);
    assert_eq!(model.posteriors().row(1).to_vec(), [0.75, 0.25]);
    assert_eq!(model.labels(), [0, 0]);
    // skills (crowd-kit's get_accuracy, identical rows once): w1 has distinct rows
    // (t1,a) hit, (t1,b) miss, (t2,b) miss = 1/3 (CountAll would give 2/4)
    let acc = model.worker_accuracy();
    assert!((acc[0] - 1.0 / 3.0).abs() < 1e-15, "{acc}");
    assert_eq!(acc[1], 1.0);
    assert_eq!(acc[2], 1.0);
}

#[test]
fn wawa_weights_are_distinct_row_skills() {
    let m = duplicated();
    let model = Wawa::params().fit(&m).unwrap();
    // t1: a weighs 2·(1/3) + 1 = 5/3, b 1/3 → a = 5/6
    let p = model.posteriors();
    assert!((p[[0, 0]] - 5.0 / 6.0).abs() < 1e-12, "{p}");
}

#[test]
fn gold_majority_vote_scores_distinct_rows_against_gold() {
    let m = duplicated();
    let model = GoldMajorityVote::params().fit(&m).unwrap();
    let acc = model.worker_accuracy();
    assert!((acc[0] - 1.0 / 3.0).abs() < 1e-15, "{acc}");
    assert_eq!(acc[1], 1.0);
    let gold_judgments = model
        .worker_columns()
        .into_iter()
        .find(|c| c.name == "gold_judgments")
        .expect("column");
    // gold_judgments counts every row (w1: 4 judgments on gold items)
    assert_eq!(gold_judgments.values[0], 4.0);
}

/// Unanimous judgments with a declared class set: every vote method accepts them (it
/// used to refuse: "needs at least two classes").
#[test]
#[allow(clippy::field_reassign_with_default)]
fn unanimous_data_with_declared_classes_is_a_valid_vote() {
    let mut opts = IngestOptions::default();
    opts.classes = Some(vec!["no".into(), "yes".into()]);
    let mut b = JudgmentMatrixBuilder::new(opts).expect("options");
    for (i, w) in [("t1", "a"), ("t1", "b"), ("t2", "a")] {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str("yes"))
            .expect("row");
    }
    b.push_gold_row(IdRef::Str("t1"), IdRef::Str("yes"))
        .expect("gold");
    let m = b.finish().expect("matrix");
    assert_eq!(m.n_classes(), 2);
    let yes = m.classes().index_of(IdRef::Str("yes")).expect("class") as usize;
    let mv = MajorityVote::params()
        .fit(&m)
        .expect("mv accepts unanimous data");
    assert_eq!(mv.labels(), [yes as u32; 2]);
    assert_eq!(mv.posteriors()[[0, yes]], 1.0);
    assert_eq!(mv.posteriors()[[0, 1 - yes]], 0.0);
    assert_eq!(mv.worker_accuracy().to_vec(), [1.0, 1.0]);
    let wmv = MajorityVote::params()
        .weights(vec![2.0, 1.0])
        .fit(&m)
        .expect("wmv");
    assert_eq!(wmv.labels(), [yes as u32; 2]);
    let wawa = Wawa::params().fit(&m).expect("wawa");
    assert_eq!(wawa.labels(), [yes as u32; 2]);
    let gold = GoldMajorityVote::params().fit(&m).expect("gold-mv");
    assert_eq!(gold.labels(), [yes as u32; 2]);
}
