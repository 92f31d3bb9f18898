//! MACE integration tests.

use crowdqc_aggregation::mace::{Mace, MaceMethod};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{Error, IdRef, IngestOptions, JudgmentMatrixBuilder};

use crate::glad::{
    assert_rows_sum_to_one, dataset, gold_accuracy, in_pool, matrix, shuffled_relabelled, synthetic,
};
use crate::support::{crowdkit_accuracy, crowdkit_mace_aligned};

/// Regression guard (values measured by this implementation, not a reference):
/// accuracy on gold with the defaults (VB, 10 restarts, seed 0, up to 500 iterations,
/// every restart converged). The references each value is compared against are
/// crowd-kit 1.4.2's stored outputs: `MACE()` as published
/// ([`crowdkit_accuracy`]) and `MACE()` with ids renamed so that its first-appearance
/// and sorted orders agree, i.e. with its misalignment removed
/// ([`crowdkit_mace_aligned`]).
const MACE_ACCURACY: &[(&str, f64)] = &[
    ("welinder2010-bluebirds", 0.861111),
    ("zhou2012-dogs", 0.830235),
    ("zheng2017-face", 0.643836),
    ("venanzi2014-weather-sentiment-amt", 0.856667),
    ("snow2008-rte", 0.926250),
    ("snow2008-temp", 0.941558),
    ("snow2008-wsd", 0.994350),
    ("gal-barzanmozafari", 0.722000),
    ("gal-copyright-infringement", 0.777778),
    ("gal-adultcontent-toy", 0.600000),
    ("crowdkit-toy", 1.0),
    ("crowdkit-simple", 1.0),
];

/// The larger datasets (about 12 s in a debug build; the accuracy table test covers
/// them by default): `cargo test -p crowdqc-aggregation -- --ignored`.
const MACE_ACCURACY_LARGE: &[(&str, f64)] = &[
    ("zheng2017-product", 0.842093),
    ("zhou2012-websearch", 0.838296),
    ("gal-adultcontent2", 0.780781),
    ("gal-hitspam-crowdflower", 0.660000),
];

/// Where published crowd-kit `MACE()` is more accurate than this implementation. Its
/// misalignment (workers and labels receive each other's strategies) happens to help
/// there; with it removed, crowd-kit's own variational mode gives 0.816 on product
/// and 0.857 on weather, at or below the values here. MACE's model does not reach
/// 0.929 / 0.867: on weather every restart here converges to the same optimum, and
/// estimating the class priors (below) gives 0.931 on product but 0.860 on weather.
pub(crate) const CROWDKIT_AHEAD: &[&str] =
    &["zheng2017-product", "venanzi2014-weather-sentiment-amt"];

fn check(table: &[(&str, f64)]) {
    for &(name, expected) in table {
        let Some(m) = dataset(name) else { return };
        let model = Mace::params().fit(&m).expect("fit");
        let acc = gold_accuracy(&m, &model.labels());
        let crowdkit = crowdkit_accuracy(name, "mace");
        let aligned = crowdkit_mace_aligned(name);
        eprintln!("mace {name}: {acc:.6} (crowd-kit {crowdkit:?}, aligned {aligned:?})");
        assert!(
            (acc - expected).abs() <= 0.002,
            "{name}: {acc} vs recorded {expected}"
        );
        assert_rows_sum_to_one(&model);
        assert!(model.fit_report().converged, "{name}: not converged");
        let ck = crowdkit.unwrap_or_else(|| panic!("{name}: no stored crowd-kit accuracy"));
        if CROWDKIT_AHEAD.contains(&name) {
            // documented exception; fails (to be removed) once MACE catches up
            assert!(acc < ck, "{name}: {acc} now >= crowd-kit {ck}");
        } else {
            assert!(acc >= ck - 1e-6, "{name}: {acc} below crowd-kit {ck}");
        }
        // At most one gold item below crowd-kit with its misalignment removed (equal
        // on bluebirds, dogs, face, weather, RTE and barzan; one item on temp and
        // websearch; above it on product: 0.842 vs 0.816).
        if let Some(aligned) = aligned {
            let one = 1.0 / m.gold().len() as f64;
            assert!(
                acc >= aligned - 1.5 * one,
                "{name}: {acc} vs aligned crowd-kit {aligned}"
            );
        }
    }
}

#[test]
fn accuracy_on_real_datasets() {
    check(MACE_ACCURACY);
}

#[test]
#[ignore = "about 12 s in a debug build; the accuracy table test covers these datasets"]
fn accuracy_on_large_real_datasets() {
    check(MACE_ACCURACY_LARGE);
}

/// Regression guard for `estimate_class_priors(true)` (not in Hovy et al. or
/// crowd-kit) on the real datasets where it changes the accuracy: it fixes product's
/// class imbalance (0.842 → 0.931, above crowd-kit's 0.929), and costs elsewhere,
/// hence off by default. (bluebirds, dogs, wsd, copyright, hitspam, toys: unchanged.)
/// adultcontent2 (0.781 → 0.739) is left out: 9 s in a debug build.
const MACE_ESTIMATED_PRIORS: &[(&str, f64, f64)] = &[
    // (dataset, uniform priors, estimated priors)
    ("zheng2017-product", 0.842093, 0.930849),
    ("zheng2017-face", 0.643836, 0.636986),
    ("venanzi2014-weather-sentiment-amt", 0.856667, 0.860000),
    ("zhou2012-websearch", 0.838296, 0.825858),
    ("snow2008-rte", 0.926250, 0.926250),
    ("snow2008-temp", 0.941558, 0.939394),
    ("gal-barzanmozafari", 0.722000, 0.694000),
];

#[test]
fn accuracy_with_estimated_class_priors() {
    for &(name, uniform, expected) in MACE_ESTIMATED_PRIORS {
        let Some(m) = dataset(name) else { return };
        let model = Mace::params().estimate_class_priors(true).fit(&m).unwrap();
        let acc = gold_accuracy(&m, &model.labels());
        assert!(
            (acc - expected).abs() <= 0.002,
            "{name}: {acc} vs recorded {expected}"
        );
        assert!(model.fit_report().converged, "{name}");
        if name == "zheng2017-product" {
            let ck = crowdkit_accuracy(name, "mace").expect("stored");
            assert!(acc >= ck && acc > uniform + 0.05, "{name}: {acc} vs {ck}");
        }
    }
}

#[test]
fn restarts_differ_and_the_best_is_kept() {
    let Some(m) = dataset("zheng2017-face") else {
        return;
    };
    let model = Mace::params().n_restarts(5).fit(&m).unwrap();
    let obj = model.restart_objectives();
    assert_eq!(obj.len(), 5);
    // each restart starts from its own draws: no two final objectives are equal
    for i in 0..5 {
        for j in i + 1..5 {
            assert_ne!(obj[i], obj[j], "restarts {i} and {j}");
        }
    }
    let best = model.best_restart();
    assert!(obj.iter().all(|&o| o <= obj[best]));
    assert_eq!(model.fit_report().objective.last(), Some(&obj[best]));
    // the kept restart's posteriors are those of a single-restart fit with that stream
    // only when it is restart 0; in any case a seed reproduces the model exactly
    let again = Mace::params().n_restarts(5).fit(&m).unwrap();
    assert_eq!(model.posteriors(), again.posteriors());
    let other = Mace::params().n_restarts(5).seed(1).fit(&m).unwrap();
    assert_ne!(other.restart_objectives(), obj);
}

#[test]
fn objective_never_decreases() {
    let Some(m) = dataset("welinder2010-bluebirds") else {
        return;
    };
    for (method, est) in [
        (MaceMethod::VariationalBayes, false),
        (MaceMethod::Em, false),
        (MaceMethod::VariationalBayes, true),
        (MaceMethod::Em, true),
    ] {
        let model = Mace::params()
            .method(method)
            .estimate_class_priors(est)
            .n_restarts(2)
            .max_iter(50)
            .tol(1e-14)
            .fit(&m)
            .unwrap();
        let obj = &model.fit_report().objective;
        assert_eq!(obj.len(), 50);
        for w in obj.windows(2) {
            assert!(w[1] >= w[0] - 1e-12, "{method:?}: {w:?}");
        }
    }
}

#[test]
fn no_underflow_at_high_redundancy() {
    // 20 items, each labelled by the same 800 workers (80% accurate): the product of
    // per-judgment probabilities crowd-kit forms is below 1e-300.
    let (m, truth) = synthetic(11, 20, 800, 800, 3);
    let model = Mace::params().n_restarts(2).fit(&m).unwrap();
    assert_rows_sum_to_one(&model);
    assert_eq!(model.labels(), truth);
    assert!(model.posteriors().iter().all(|p| p.is_finite()));
}

#[test]
fn bit_identical_for_any_thread_count() {
    let (m, _) = synthetic(3, 3000, 60, 5, 3);
    let p = Mace::params().n_restarts(3);
    let a = in_pool(1, || p.fit(&m).unwrap());
    let b = in_pool(3, || p.fit(&m).unwrap());
    assert_eq!(a.posteriors(), b.posteriors());
    assert_eq!(a.spamming(), b.spamming());
    assert_eq!(a.restart_objectives(), b.restart_objectives());
}

/// The same with single-judgment workers (60% of the judgments, whose M-step runs in
/// the E-step's item chunks, state in position order) mixed with 25 busy workers, over
/// 3,000 items (three E-step chunks), for 1 and 3 threads: every output the same bits.
#[test]
fn bit_identical_for_any_thread_count_with_one_judgment_workers() {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut tiny = 1000;
    for item in 0..3000i64 {
        for _ in 0..(2 + next() % 7) {
            let worker = if next() % 10 < 6 {
                tiny += 1;
                tiny
            } else {
                (next() % 25) as i64
            };
            let label = if next() % 10 < 7 {
                item % 3
            } else {
                (next() % 3) as i64
            };
            b.push_row(IdRef::Int(item), IdRef::Int(worker), IdRef::Int(label))
                .unwrap();
        }
    }
    let m = b.finish().unwrap();
    let ones = (0..m.n_workers() as u32)
        .filter(|&w| m.worker_count(w) == 1)
        .count();
    assert!(ones > 5000, "{ones}");
    let p = Mace::params().n_restarts(2).max_iter(40);
    let a = in_pool(1, || p.fit(&m).unwrap());
    let b = in_pool(3, || p.fit(&m).unwrap());
    assert_eq!(a.posteriors(), b.posteriors());
    assert_eq!(a.spamming(), b.spamming());
    assert_eq!(a.strategies(), b.strategies());
    assert_eq!(a.restart_objectives(), b.restart_objectives());
    assert_eq!(a.fit_report().objective, b.fit_report().objective);
    // a one-judgment worker's outputs agree with each other (the model's formulas,
    // defaults a0 = b0 = 0.5, g0 = 10, three classes): spamming `(u + a0) / (1 + a0 +
    // b0)` for its expected spamming count `u`, all of which goes to the label given:
    // strategy `(u + g0) / (u + 3 g0)` there and `g0 / (u + 3 g0)` elsewhere
    let classes = m.judgment_classes();
    for w in (0..m.n_workers() as u32).filter(|&w| m.worker_count(w) == 1) {
        let u = a.spamming()[w as usize] * 2.0 - 0.5;
        assert!((-1e-12..=1.0 + 1e-12).contains(&u), "{u}");
        let given = classes[m.worker_judgments(w)[0] as usize] as usize;
        for (c, &x) in a.strategies().row(w as usize).iter().enumerate() {
            let want = if c == given { u + 10.0 } else { 10.0 } / (u + 30.0);
            assert!(
                (x - want).abs() < 1e-12,
                "worker {w}, class {c}: {x} vs {want}"
            );
        }
    }
}

#[test]
fn invariant_to_row_order_and_relabelling() {
    // Relabelling changes the worker order, hence the random draws: the restarts
    // start elsewhere but reach the same optimum on this dataset.
    let name = "zhou2012-dogs";
    let Some(m) = dataset(name) else { return };
    let Some((s, map)) = shuffled_relabelled(name, &m) else {
        return;
    };
    let (a, b) = (
        Mace::params().tol(1e-10).max_iter(200).fit(&m).unwrap(),
        Mace::params().tol(1e-10).max_iter(200).fit(&s).unwrap(),
    );
    let mut max = 0.0f64;
    for (i, &j) in map.iter().enumerate() {
        for c in 0..m.n_classes() {
            max = max.max((a.posteriors()[[i, c]] - b.posteriors()[[j, c]]).abs());
        }
    }
    assert!(max < 1e-4, "{max}");
}

#[test]
fn spammer_is_detected() {
    // Three accurate workers and one who always answers "x".
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).unwrap();
    for i in 0..60 {
        let truth = if i % 3 == 0 { "x" } else { "y" };
        for w in ["a", "b", "c"] {
            b.push_row(IdRef::Int(i), IdRef::Str(w), IdRef::Str(truth))
                .unwrap();
        }
        b.push_row(IdRef::Int(i), IdRef::Str("spam"), IdRef::Str("x"))
            .unwrap();
    }
    let m = b.finish().unwrap();
    let model = Mace::params().fit(&m).unwrap();
    let spam = m.workers().lookup(IdRef::Str("spam")).unwrap() as usize;
    let s = model.spamming();
    assert!(s[spam] > 0.9, "{s}");
    for w in 0..m.n_workers() {
        if w != spam {
            assert!(s[w] < 0.1, "{s}");
        }
    }
    // the spammer's strategy is mostly "x" (class 0; the Dirichlet(10) prior pulls the
    // posterior mean of 60 answers towards uniform: (60·P(spam) + 10) / 80)
    assert!(
        model.strategies()[[spam, 0]] > 0.8,
        "{}",
        model.strategies()
    );
    let cols = model.worker_columns();
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["spamming", "competence", "strategy_0", "strategy_1"]
    );
}

#[test]
fn rejects_bad_parameters() {
    let m = matrix(&[("t1", "a", "x"), ("t1", "b", "y")]);
    let cases = [
        ("n_restarts", Mace::params().n_restarts(0)),
        ("n_restarts", Mace::params().n_restarts(10_001)),
        ("max_iter", Mace::params().max_iter(0)),
        ("tol", Mace::params().tol(-1.0)),
        ("spam_prior", Mace::params().spam_prior(0.0)),
        (
            "competence_prior",
            Mace::params().competence_prior(f64::NAN),
        ),
        (
            "strategy_prior",
            Mace::params().strategy_prior(f64::INFINITY),
        ),
        ("smoothing", Mace::params().smoothing(0.0)),
    ];
    for (name, p) in cases {
        match p.fit(&m) {
            Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn one_class_is_insufficient() {
    let m = matrix(&[("t1", "a", "x"), ("t1", "b", "x")]);
    assert!(matches!(
        Mace::params().fit(&m),
        Err(Error::InsufficientData(_))
    ));
}
