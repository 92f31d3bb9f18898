//! Duplicate judgments (the same worker rating an item twice, kept with
//! `DuplicatePolicy::KeepAll`) pin the rule of each agreement view: every judgment is
//! a rating and votes, except the majority-vote skill, which counts identical
//! `(item, worker, label)` rows once as crowd-kit's `get_accuracy`.

use crowdqc_agreement::{
    UncertaintyBy, item_agreement, majority_vote_with_skills, uncertainty, worker_agreement,
};
use crowdqc_core::votes::{self, TieRule};
use crowdqc_core::{DuplicatePolicy, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset};

/// t1: a gives y twice, b, c, d give x (x 3, y 2); t2: a, b give x; t3: a gives y
/// twice, b gives x (y 2, x 1: y wins only if both of a's rows vote).
fn with_duplicates() -> JudgmentMatrix {
    let opts = IngestOptions {
        duplicates: DuplicatePolicy::KeepAll,
        ..IngestOptions::default()
    };
    let mut b = JudgmentMatrixBuilder::new(opts).expect("options");
    for (i, w, l) in [
        ("t1", "a", "y"),
        ("t1", "a", "y"),
        ("t1", "b", "x"),
        ("t1", "c", "x"),
        ("t1", "d", "x"),
        ("t2", "a", "x"),
        ("t2", "b", "x"),
        ("t3", "a", "y"),
        ("t3", "a", "y"),
        ("t3", "b", "x"),
    ] {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .expect("row");
    }
    b.finish().expect("matrix")
}

#[test]
fn duplicates_vote_but_count_once_in_the_mv_skill() {
    let m = with_duplicates();
    assert_eq!(m.report().duplicate_pairs, 2);
    let code = |s: &str| m.workers().lookup(IdRef::Str(s)).expect("worker") as usize;
    let label = |c: u32| m.classes().label(c).to_string();
    let (mv, skills) = majority_vote_with_skills(&m);
    // Every judgment votes: t3 is y (2 to 1), not an x/y tie.
    assert_eq!(
        mv.iter().map(|&c| label(c)).collect::<Vec<_>>(),
        ["x", "x", "y"]
    );
    // a: (t1, y) wrong once, t2 right, (t3, y) right once: 2/3 (counting every row
    // would give 3/5); b: t1, t2 right, t3 wrong: 2/3.
    assert_eq!(skills[code("a")], 2.0 / 3.0);
    assert_eq!(skills[code("b")], 2.0 / 3.0);
    assert_eq!(skills[code("c")], 1.0);
    let wa = worker_agreement(&m);
    assert_eq!(wa[code("a")].mv_agreement, 2.0 / 3.0);
    // Peer agreement counts every judgment: a's five judgments agree with 1 of 4, 1 of
    // 4, 1 of 1, 1 of 2, 1 of 2 other ratings: mean 0.5.
    assert_eq!(wa[code("a")].n_judgments, 5);
    assert_eq!(wa[code("a")].peer_agreement, Some(0.5));
    let ia = item_agreement(&m);
    // t1: 5 ratings, x 3, y 2: agreeing ordered pairs (6 + 2) / 20.
    assert_eq!(ia[0].n_ratings, 5);
    assert_eq!(ia[0].pairwise, Some(0.4));
    assert_eq!(label(ia[2].top_class), "y");
    assert_eq!(ia[2].top_share, 2.0 / 3.0);
    // crowd-kit's uncertainty sums every row: t3 is (2/3, 1/3).
    let u = uncertainty(&m, None, UncertaintyBy::Item).expect("uncertainty");
    let h = -(2.0f64 / 3.0 * (2.0f64 / 3.0).ln() + 1.0 / 3.0 * (1.0f64 / 3.0).ln());
    assert!((u[2] - h).abs() < 1e-15, "{} vs {h}", u[2]);
}

#[test]
fn view_majorities_are_the_votes_modules() {
    let m = with_duplicates();
    let core = votes::labels_with_ties(&m, &votes::vote_shares(&m, |_| 1.0), TieRule::LowestIndex);
    let top: Vec<u32> = item_agreement(&m).iter().map(|a| a.top_class).collect();
    assert_eq!(top, core);
    let Some(dir) = dataset_dir("zhou2012-dogs") else {
        return;
    };
    // Real data with ties: the per-item view's top label is the votes module's
    // lowest-index majority on every item.
    let m = load_dataset(&dir, Default::default(), false);
    let core = votes::labels_with_ties(&m, &votes::vote_shares(&m, |_| 1.0), TieRule::LowestIndex);
    let top: Vec<u32> = item_agreement(&m).iter().map(|a| a.top_class).collect();
    assert_eq!(top, core);
    assert_eq!(majority_vote_with_skills(&m).0, core);
}
