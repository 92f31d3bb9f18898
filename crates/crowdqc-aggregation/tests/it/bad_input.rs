//! Bad input: one rejection test per parameter, insufficient data, unknown gold items,
//! numerical failure.

use crowdqc_aggregation::registry::{self, RunOptions};
use crowdqc_aggregation::{
    ClassPriors, DawidSkene, GoldMajorityVote, InitialConfusion, MajorityVote, MissingSkill,
    OneCoinDawidSkene, ZeroBasedSkill,
};
use crowdqc_core::Error;
use crowdqc_core::estimator::{Estimator, FittedModel};
use ndarray::Array3;

use crate::support::{class, item, matrix, matrix_with_gold};

const ROWS: &[(&str, &str, &str)] = &[
    ("t1", "w1", "a"),
    ("t1", "w2", "a"),
    ("t1", "w3", "b"),
    ("t2", "w1", "b"),
    ("t2", "w2", "b"),
    ("t2", "w3", "b"),
    ("t3", "w1", "a"),
    ("t3", "w2", "b"),
    ("t3", "w3", "a"),
];

#[track_caller]
fn param_error<T: std::fmt::Debug>(r: crowdqc_core::Result<T>, want: &str) {
    match r {
        Err(Error::InvalidParameter { name, constraint }) => {
            assert_eq!(name, want, "{constraint}");
            assert!(!constraint.is_empty());
        }
        other => panic!("expected invalid parameter `{want}`, got {other:?}"),
    }
}

#[test]
fn dawid_skene_max_iter() {
    param_error(
        DawidSkene::params().max_iter(0).fit(&matrix(ROWS)),
        "max_iter",
    );
}

#[test]
fn dawid_skene_tol() {
    for t in [0.0, -1e-5, f64::NAN, f64::INFINITY] {
        param_error(DawidSkene::params().tol(t).fit(&matrix(ROWS)), "tol");
    }
}

#[test]
fn dawid_skene_smoothing() {
    for s in [-0.1, f64::NAN, f64::INFINITY] {
        param_error(
            DawidSkene::params().smoothing(s).fit(&matrix(ROWS)),
            "smoothing",
        );
    }
}

#[test]
fn dawid_skene_priors() {
    let m = matrix(ROWS);
    for p in [
        vec![0.5, 0.6],
        vec![-0.5, 1.5],
        vec![f64::NAN, 1.0],
        vec![1.0],
    ] {
        param_error(
            DawidSkene::params().priors(ClassPriors::Fixed(p)).fit(&m),
            "priors",
        );
    }
}

#[test]
fn dawid_skene_initial_confusion() {
    let m = matrix(ROWS);
    let mut bad = Array3::from_elem((3, 2, 2), 0.5);
    bad[[0, 0, 0]] = -1.0;
    let p = DawidSkene::params().initial_confusion(bad, InitialConfusion::Assign);
    param_error(p.fit(&m), "initial_confusion");
    let wrong_shape = Array3::from_elem((2, 2, 2), 0.5);
    let p = DawidSkene::params().initial_confusion(wrong_shape, InitialConfusion::Assign);
    param_error(p.fit(&m), "initial_confusion");
}

#[test]
fn one_coin_max_iter_and_tol() {
    let m = matrix(ROWS);
    param_error(OneCoinDawidSkene::params().max_iter(0).fit(&m), "max_iter");
    for t in [0.0, f64::NAN] {
        param_error(OneCoinDawidSkene::params().tol(t).fit(&m), "tol");
    }
}

#[test]
fn zero_based_skill_parameters() {
    let m = matrix(ROWS);
    param_error(ZeroBasedSkill::params().n_iter(0).fit(&m), "n_iter");
    param_error(ZeroBasedSkill::params().lr_init(0.0).fit(&m), "lr_init");
    param_error(
        ZeroBasedSkill::params().lr_steps_to_reduce(0).fit(&m),
        "lr_steps_to_reduce",
    );
    param_error(
        ZeroBasedSkill::params().lr_reduce_factor(1.5).fit(&m),
        "lr_reduce_factor",
    );
    param_error(ZeroBasedSkill::params().eps(-1.0).fit(&m), "eps");
}

#[test]
fn majority_vote_weights() {
    let m = matrix(ROWS);
    param_error(
        MajorityVote::params().weights(vec![1.0, -1.0, 1.0]).fit(&m),
        "weights",
    );
    param_error(
        MajorityVote::params()
            .weights(vec![1.0, f64::NAN, 1.0])
            .fit(&m),
        "weights",
    );
    param_error(MajorityVote::params().weights(vec![1.0]).fit(&m), "weights");
}

#[test]
fn gold_majority_vote_missing_skill_and_no_gold() {
    let m = matrix_with_gold(ROWS, &[("t1", "a")]);
    param_error(
        GoldMajorityVote::params()
            .missing_skill(MissingSkill::Value(-1.0))
            .fit(&m),
        "missing_skill",
    );
    assert!(matches!(
        GoldMajorityVote::params().fit(&matrix(ROWS)),
        Err(Error::InsufficientData(_))
    ));
    let partial = matrix_with_gold(
        &[("t1", "w1", "a"), ("t1", "w2", "b"), ("t2", "w3", "a")],
        &[("t1", "a")],
    );
    assert!(matches!(
        GoldMajorityVote::params()
            .missing_skill(MissingSkill::Error)
            .fit(&partial),
        Err(Error::InsufficientData(_))
    ));
}

#[test]
fn unknown_method_names_the_parameter() {
    let r = registry::fit("nope", &matrix(ROWS), &RunOptions::default());
    param_error(r.map(|m| m.method()), "method");
}

#[test]
fn a_single_class_is_insufficient_data_for_every_method() {
    let m = matrix(&[("t1", "w1", "a"), ("t2", "w2", "a"), ("t2", "w1", "a")]);
    for method in ["mv", "wawa", "zbs", "ds", "one-coin-ds"] {
        let r = registry::fit(method, &m, &RunOptions::default());
        assert!(
            matches!(r, Err(Error::InsufficientData(_))),
            "{method}: {:?}",
            r.map(|m| m.method())
        );
    }
}

#[test]
fn gold_for_unknown_items_is_counted_not_an_error() {
    let m = matrix_with_gold(ROWS, &[("t2", "b"), ("nope", "a"), ("gone", "b")]);
    let g = m.report().gold.as_ref().expect("gold report");
    assert_eq!((g.given, g.joined, g.unknown_items), (3, 1, 2));
    let ds = DawidSkene::params().clamp_gold(true).fit(&m).expect("ds");
    let (t2, b) = (item(&m, "t2"), class(&m, "b"));
    assert_eq!(ds.posteriors()[[t2, b]], 1.0);
}

#[test]
fn non_finite_objective_is_a_numerical_error_naming_the_iteration() {
    let m = matrix(ROWS);
    // finite but overflowing pseudo-counts: the first M-step gives inf/inf = NaN
    let huge = Array3::from_elem((3, 2, 2), f64::MAX);
    let r = DawidSkene::params()
        .initial_confusion(huge, InitialConfusion::Addition)
        .fit(&m);
    match r {
        Err(Error::Numerical { iteration, .. }) => assert_eq!(iteration, Some(1)),
        other => panic!(
            "expected a numerical error, got {:?}",
            other.map(|m| m.method())
        ),
    }
}
