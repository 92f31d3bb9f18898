//! Bad input: every rejection names what is wrong, where, and what is accepted; one
//! rejection test per parameter.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use crowdqc_core::{DuplicatePolicy, Error};
use crowdqc_pairwise::{
    Comparisons, ComparisonsBuilder, Method, Outcome, PairwiseOptions, PairwiseParams,
};

fn strs(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn build(cols: Vec<(&str, ArrayRef)>, opts: PairwiseOptions) -> crowdqc_core::Result<Comparisons> {
    let batch = RecordBatch::try_from_iter(cols).expect("batch");
    let mut b = ComparisonsBuilder::new(opts)?;
    b.push_batch(&batch)?;
    b.finish()
}

fn layout(l: &[&str], r: &[&str], o: &[&str]) -> Vec<(&'static str, ArrayRef)> {
    let w: Vec<&str> = l.iter().map(|_| "w").collect();
    vec![
        ("worker", strs(&w)),
        ("left", strs(l)),
        ("right", strs(r)),
        ("label", strs(o)),
    ]
}

#[test]
fn self_comparison_names_the_row() {
    let e = build(
        layout(&["a", "b"], &["b", "b"], &["a", "b"]),
        PairwiseOptions::default(),
    )
    .expect_err("self-comparison");
    let s = e.to_string();
    assert!(
        matches!(e, Error::InvalidValue { row: Some(1), .. }),
        "{e:?}"
    );
    assert!(
        s.contains("row 2") && s.contains("`b` is compared with itself"),
        "{s}"
    );
}

#[test]
fn bad_winner_names_value_and_accepted_markers() {
    let e = build(
        layout(&["a", "b"], &["b", "c"], &["a", "zzz"]),
        PairwiseOptions::default(),
    )
    .expect_err("bad winner");
    let s = e.to_string();
    assert!(s.contains("row 2") && s.contains("`zzz`"), "{s}");
    assert!(
        s.contains("`left`") && s.contains("`tie`") && s.contains("`draw`"),
        "{s}"
    );
}

#[test]
fn outcome_markers_and_mixed_id_types() {
    // items are integers, the outcome column is text because of the markers
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("worker", strs(&["w", "w", "w", "w", "w"])),
        ("left", Arc::new(Int64Array::from(vec![1, 1, 2, 3, 1]))),
        ("right", Arc::new(Int64Array::from(vec![2, 3, 3, 1, 2]))),
        ("winner", strs(&["2", " TIE ", "left", "Right", "1"])),
    ];
    let c = build(cols, PairwiseOptions::default()).expect("valid");
    assert_eq!(
        c.outcome(),
        [
            Outcome::Right,
            Outcome::Tie,
            Outcome::Left,
            Outcome::Right,
            Outcome::Left
        ]
    );
    // custom tie markers replace the defaults
    let opts = PairwiseOptions {
        tie_markers: vec!["same".into()],
        ..PairwiseOptions::default()
    };
    let e = build(layout(&["a"], &["b"], &["tie"]), opts.clone()).expect_err("tie not a marker");
    assert!(e.to_string().contains("`same`"), "{e}");
    assert_eq!(
        build(layout(&["a"], &["b"], &["same"]), opts)
            .expect("ok")
            .report()
            .ties,
        1
    );
}

#[test]
fn winner_loser_layout() {
    let cols = vec![
        ("annotator", strs(&["w1", "w2"])),
        ("winner", strs(&["x", "y"])),
        ("loser", strs(&["y", "z"])),
    ];
    let c = build(cols, PairwiseOptions::default()).expect("valid");
    assert_eq!(c.outcome(), [Outcome::Left, Outcome::Left]);
    assert_eq!(c.n_items(), 3);
}

#[test]
fn missing_columns_are_named() {
    let cols = vec![
        ("worker", strs(&["w"])),
        ("first", strs(&["a"])),
        ("label", strs(&["a"])),
    ];
    let e = build(cols, PairwiseOptions::default()).expect_err("no left");
    let s = e.to_string();
    assert!(
        s.contains("missing column `left`") && s.contains("found columns [worker, first, label]"),
        "{s}"
    );
    let cols = vec![
        ("left", strs(&["a"])),
        ("right", strs(&["b"])),
        ("label", strs(&["a"])),
    ];
    let e = build(cols, PairwiseOptions::default()).expect_err("no worker");
    assert!(e.to_string().contains("missing column `worker`"), "{e}");
}

#[test]
fn null_ids_are_rejected_with_row() {
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("worker", strs(&["w", "w"])),
        ("left", Arc::new(StringArray::from(vec![Some("a"), None]))),
        ("right", strs(&["b", "b"])),
        ("label", strs(&["a", "b"])),
    ];
    let e = build(cols, PairwiseOptions::default()).expect_err("null");
    assert!(
        e.to_string().contains("row 2, column `left`: null value"),
        "{e}"
    );
}

#[test]
fn duplicates_counted_and_policy_applied() {
    // w compares a/b three times (once as b/a)
    let l = layout(
        &["a", "b", "a", "c"],
        &["b", "a", "b", "a"],
        &["a", "a", "b", "c"],
    );
    let keep = build(l.clone(), PairwiseOptions::default()).expect("keep-all");
    assert_eq!(
        (
            keep.len(),
            keep.report().duplicate_rows,
            keep.report().duplicates_dropped
        ),
        (4, 2, 0)
    );
    let first = PairwiseOptions {
        duplicates: DuplicatePolicy::First,
        ..PairwiseOptions::default()
    };
    let c = build(l.clone(), first).expect("first");
    assert_eq!((c.len(), c.report().duplicates_dropped), (2, 2));
    assert_eq!(c.outcome()[0], Outcome::Left); // the first a/b row: a won
    let last = PairwiseOptions {
        duplicates: DuplicatePolicy::Last,
        ..PairwiseOptions::default()
    };
    let c = build(l.clone(), last).expect("last");
    assert_eq!(c.outcome()[0], Outcome::Right); // the last a/b row: b won
    let err = PairwiseOptions {
        duplicates: DuplicatePolicy::Error,
        ..PairwiseOptions::default()
    };
    let e = build(l, err).expect_err("error policy");
    assert!(e.to_string().contains("rows 1 and 2"), "{e}");
}

#[test]
fn disconnected_graph_warns_with_components() {
    let c = build(
        layout(&["a", "c", "d"], &["b", "d", "e"], &["a", "c", "e"]),
        PairwiseOptions::default(),
    )
    .expect("valid");
    let r = c.report();
    assert_eq!(r.components.len(), 2);
    assert_eq!((r.components[0].items, r.components[1].items), (3, 2));
    let w = r.disconnected_warning().expect("warning");
    assert!(
        w.contains("2 disconnected components") && w.contains("c, d, e") && w.contains("a, b"),
        "{w}"
    );
    let fit = PairwiseParams::new(Method::Bt).fit(&c).expect("fit");
    assert_eq!(fit.components(), [1, 1, 0, 0, 0]);
    let connected = build(layout(&["a"], &["b"], &["a"]), PairwiseOptions::default()).expect("ok");
    assert!(connected.report().disconnected_warning().is_none());
}

#[test]
fn empty_tie_marker_rejected() {
    let opts = PairwiseOptions {
        tie_markers: vec![" ".into()],
        ..PairwiseOptions::default()
    };
    let e = ComparisonsBuilder::new(opts).expect_err("empty marker");
    assert!(e.to_string().contains("tie_markers"), "{e}");
}

fn param_error(p: PairwiseParams, name: &str) {
    let c = Comparisons::from_codes([(0, 0, 1, Outcome::Left)]).expect("valid");
    match p.fit(&c) {
        Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
        other => panic!("expected invalid `{name}`, got {other:?}"),
    }
}

#[test]
fn one_rejection_per_parameter() {
    param_error(PairwiseParams::new(Method::Bt).tol(-1.0), "tol");
    param_error(PairwiseParams::new(Method::Bt).tol(f64::NAN), "tol");
    param_error(
        PairwiseParams::new(Method::Bt).prior(f64::INFINITY),
        "prior",
    );
    param_error(
        PairwiseParams::new(Method::CrowdBt).reliability_prior(0.5, 1.0),
        "reliability_prior",
    );
    param_error(PairwiseParams::new(Method::Elo).elo_k(0.0), "elo_k");
    param_error(
        PairwiseParams::new(Method::Bt).bootstrap(10_001),
        "bootstrap",
    );
    param_error(
        PairwiseParams::new(Method::Bt).max_iter(2_000_000),
        "max_iter",
    );
    let e = "bradley".parse::<Method>().expect_err("unknown");
    assert!(
        e.to_string()
            .contains("one of bt, bt-ties, noisy-bt, crowd-bt, elo, win-rate"),
        "{e}"
    );
}

#[test]
fn worker_models_need_a_non_tie() {
    let c = Comparisons::from_codes([(0, 0, 1, Outcome::Tie)]).expect("valid");
    for m in [Method::CrowdBt, Method::NoisyBt] {
        assert!(matches!(
            PairwiseParams::new(m).fit(&c),
            Err(Error::InsufficientData(_))
        ));
    }
    // the others handle it: a tie is half a win each
    let f = PairwiseParams::new(Method::Bt).fit(&c).expect("bt");
    assert!((f.scores()[0] - 0.5).abs() < 1e-12);
}
