//! Minimax conditional entropy: accuracy on every categorical dataset with gold next
//! to the authors' code (Zhou & Liu's MATLAB, run under Octave, stored in
//! `fixtures/aggregation-advanced/minimax_reference.json`), properties and bad input.

use std::collections::HashMap;

use crowdqc_aggregation::minimax::{Minimax, MinimaxVariant};
use crowdqc_aggregation::registry::{self, RunOptions};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{Error, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_testkit::fixtures::CATEGORICAL_WITH_GOLD;

use crate::support::{gold_accuracy, load, matrix, matrix_owned, synth};

/// Tolerance on accuracies.
const ACC_TOL: f64 = 0.002;

/// The authors' code's accuracy on gold of `variant` (`categorical` / `ordinal`) on
/// `dataset`, from `fixtures/aggregation-advanced/minimax_reference.json` (None: not
/// run).
pub fn reference(dataset: &str, variant: &str) -> Option<f64> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aggregation-advanced/minimax_reference.json");
    let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let v: serde_json::Value = serde_json::from_str(&s).expect("json");
    v[dataset][variant]["accuracy"].as_f64()
}

/// Regression guard: crowdqc's own accuracies (minimax, minimax-ordinal; None: the
/// ordinal variant refuses unordered string labels). Not a reference: the reference
/// is the authors' code ([`reference`]), which every cell must match to
/// [`ACC_TOL`] except where listed in [`REFERENCE_DIFFERS`].
#[rustfmt::skip]
pub const RECORDED: &[(&str, Option<f64>, Option<f64>)] = &[
    ("welinder2010-bluebirds", Some(0.9167), Some(0.9167)),
    ("zheng2017-product", Some(0.8413), Some(0.8413)),
    ("zhou2012-dogs", Some(0.8377), Some(0.8315)),
    ("zheng2017-face", Some(0.6524), Some(0.6575)),
    ("venanzi2014-weather-sentiment-amt", Some(0.8600), Some(0.8600)),
    ("zhou2012-websearch", Some(0.8888), Some(0.8963)),
    ("snow2008-rte", Some(0.9237), Some(0.9237)),
    ("snow2008-temp", Some(0.9437), Some(0.9437)),
    ("snow2008-wsd", Some(0.9944), Some(0.9944)),
    ("gal-adultcontent2", Some(0.7568), Some(0.7718)),
    ("gal-barzanmozafari", Some(0.7290), Some(0.7290)),
    ("gal-copyright-infringement", Some(0.7778), None),
    ("gal-hitspam-crowdflower", Some(0.6600), None),
    ("gal-adultcontent-toy", Some(0.6000), None),
    ("crowdkit-toy", Some(0.5000), None),
    ("crowdkit-simple", Some(1.0000), None),
];

/// Datasets where crowdqc and the authors' code differ by more than [`ACC_TOL`]
/// (variant, and why).
pub const REFERENCE_DIFFERS: &[(&str, &str, &str)] = &[];

fn fit_acc(m: &JudgmentMatrix, method: &str) -> Option<f64> {
    match registry::fit(method, m, &RunOptions::default()) {
        Ok(model) => Some(gold_accuracy(m, &model.labels())),
        Err(Error::InvalidParameter { name, .. }) if name == "classes" => None,
        Err(e) => panic!("{method}: {e}"),
    }
}

/// Datasets with string labels whose order is known (declared for the ordinal fit):
/// gal-adultcontent2's audience ratings G < P < R < X.
const DECLARED_ORDER: &[(&str, &[&str])] = &[("gal-adultcontent2", &["G", "P", "R", "X"])];

fn check(name: &str) {
    let Some(m) = load(name, true) else { return };
    let cat = fit_acc(&m, "minimax");
    let ord = match DECLARED_ORDER.iter().find(|d| d.0 == name) {
        Some((_, order)) => {
            let dir = crowdqc_testkit::fixtures::dataset_dir(name).expect("dir");
            let opts = IngestOptions::default().with_classes(order.iter().copied());
            let declared = crowdqc_testkit::fixtures::load_dataset(&dir, opts, true);
            assert_eq!(declared.n_judgments(), m.n_judgments());
            fit_acc(&declared, "minimax-ordinal")
        }
        None => fit_acc(&m, "minimax-ordinal"),
    };
    if std::env::var("CROWDQC_PRINT_TABLE").is_ok() {
        let f = |a: Option<f64>| a.map_or("None".into(), |v| format!("Some({v:.4})"));
        println!(
            "    (\"{name}\", {}, {}), // reference {:?} {:?}",
            f(cat),
            f(ord),
            reference(name, "categorical"),
            reference(name, "ordinal")
        );
        return;
    }
    let rec = RECORDED
        .iter()
        .find(|r| r.0 == name)
        .unwrap_or_else(|| panic!("no recorded minimax accuracies for {name}"));
    for (variant, ours, recorded) in [("categorical", cat, rec.1), ("ordinal", ord, rec.2)] {
        match (ours, recorded) {
            (Some(a), Some(r)) => assert!(
                (a - r).abs() <= ACC_TOL,
                "{name} {variant}: {a:.4} vs recorded {r:.4}"
            ),
            (a, r) => assert_eq!(a.is_some(), r.is_some(), "{name} {variant}"),
        }
        let (Some(a), Some(reference)) = (ours, reference(name, variant)) else {
            continue;
        };
        if REFERENCE_DIFFERS
            .iter()
            .any(|(d, v, _)| *d == name && *v == variant)
        {
            assert!(
                (a - reference).abs() > ACC_TOL,
                "{name} {variant}: now matches the authors' code ({a:.4} vs {reference:.4}); \
                 remove it from REFERENCE_DIFFERS"
            );
        } else {
            assert!(
                (a - reference).abs() <= ACC_TOL,
                "{name} {variant}: {a:.4} vs the authors' code {reference:.4}"
            );
        }
    }
}

macro_rules! dataset_tests {
    ($($f:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $f() { check($name) })*

        #[test]
        fn every_categorical_dataset_with_gold_has_a_test() {
            let covered = [$($name),*];
            for n in CATEGORICAL_WITH_GOLD {
                assert!(covered.contains(n), "no minimax accuracy test for {n}");
            }
        }
    };
}

dataset_tests! {
    accuracy_bluebirds => "welinder2010-bluebirds",
    accuracy_product => "zheng2017-product",
    accuracy_dogs => "zhou2012-dogs",
    accuracy_face => "zheng2017-face",
    accuracy_weather => "venanzi2014-weather-sentiment-amt",
    accuracy_websearch => "zhou2012-websearch",
    accuracy_rte => "snow2008-rte",
    accuracy_temp => "snow2008-temp",
    accuracy_wsd => "snow2008-wsd",
    accuracy_adultcontent2 => "gal-adultcontent2",
    accuracy_barzan => "gal-barzanmozafari",
    accuracy_copyright => "gal-copyright-infringement",
    accuracy_hitspam => "gal-hitspam-crowdflower",
    accuracy_adultcontent_toy => "gal-adultcontent-toy",
    accuracy_crowdkit_toy => "crowdkit-toy",
    accuracy_crowdkit_simple => "crowdkit-simple",
}

/// Synthetic rows with numeric labels (`c2` -> `2`), so that the classes are ordered.
fn numeric(rows: &[(String, String, String)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(i, w, l)| (i.clone(), w.clone(), l[1..].to_string()))
        .collect()
}

/// Posteriors keyed by item id.
fn by_id(m: &JudgmentMatrix, model: &dyn FittedModel) -> HashMap<String, Vec<f64>> {
    let p = model.posteriors();
    (0..m.n_items())
        .map(|i| (m.items().get(i as u32).to_string(), p.row(i).to_vec()))
        .collect()
}

#[test]
fn posteriors_sum_to_one_and_objective_rises() {
    for (seed, k) in [(1, 2), (2, 3), (3, 5)] {
        let (rows, truth) = synth(seed, 300, 15, 5, k, (0.45, 0.95));
        let m = matrix_owned(&numeric(&rows));
        for variant in [MinimaxVariant::Categorical, MinimaxVariant::Ordinal] {
            let model = Minimax::params().variant(variant).fit(&m).expect("fit");
            for row in model.posteriors().rows() {
                assert!((row.sum() - 1.0).abs() < 1e-12);
                assert!(row.iter().all(|v| (0.0..=1.0).contains(v)));
            }
            let conf = model.confusion();
            for w in 0..m.n_workers() {
                for c in 0..m.n_classes() {
                    let s: f64 = conf.slice(ndarray::s![w, c, ..]).sum();
                    assert!((s - 1.0).abs() < 1e-12, "confusion row {w} {c}: {s}");
                }
            }
            // block coordinate ascent on the penalised likelihood: the objective
            // rises (up to the inner solvers' tolerance)
            let obj = &model.fit_report().objective;
            for w in obj.windows(2) {
                assert!(w[1] >= w[0] - 1e-6, "{variant:?} objective fell: {obj:?}");
            }
            // the synthetic crowd (Dawid–Skene's model) is recovered about as well as
            // by Dawid–Skene, and far better than chance
            let acc = |labels: &[u32]| {
                (0..m.n_items())
                    .filter(|&i| {
                        let id = m.items().get(i as u32).to_string();
                        let t: usize = id[1..].parse().expect("id");
                        m.classes().label(labels[i]).to_string() == truth[t].to_string()
                    })
                    .count() as f64
                    / m.n_items() as f64
            };
            let ds = registry::fit("ds", &m, &RunOptions::default()).expect("ds");
            let (a, b) = (acc(&model.labels()), acc(&ds.labels()));
            assert!(
                a > 1.5 / k as f64 && a >= b - 0.03,
                "{variant:?} k={k}: {a} vs ds {b}"
            );
        }
    }
}

#[test]
fn invariant_to_row_order_and_id_relabelling() {
    let (rows, _) = synth(5, 120, 9, 4, 3, (0.5, 0.95));
    let rows = numeric(&rows);
    let m = matrix_owned(&rows);
    let mut shuffled = rows.clone();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(9);
    for i in (1..shuffled.len()).rev() {
        let j = rand::RngExt::random_range(&mut rng, 0..=i);
        shuffled.swap(i, j);
    }
    let relabelled: Vec<(String, String, String)> = shuffled
        .iter()
        .map(|(i, w, l)| {
            (
                format!("x{}", (i[1..].parse::<usize>().expect("id") * 37) % 127),
                format!("z{w}"),
                l.clone(),
            )
        })
        .collect();
    let back: HashMap<String, String> = shuffled
        .iter()
        .zip(&relabelled)
        .map(|(a, b)| (b.0.clone(), a.0.clone()))
        .collect();
    assert_eq!(back.len(), m.n_items());
    for method in ["minimax", "minimax-ordinal"] {
        let fit = |mm: &JudgmentMatrix| {
            let model = registry::fit(method, mm, &RunOptions::default()).expect(method);
            by_id(mm, model.as_ref())
        };
        let a = fit(&m);
        let b = fit(&matrix_owned(&shuffled));
        let c = fit(&matrix_owned(&relabelled));
        for (id, pa) in &a {
            for (x, y) in pa.iter().zip(&b[id]) {
                assert!((x - y).abs() < 1e-9, "{method} row order: {id} {x} vs {y}");
            }
        }
        for (id, pc) in &c {
            for (x, y) in a[&back[id]].iter().zip(pc) {
                assert!((x - y).abs() < 1e-9, "{method} relabel: {id} {x} vs {y}");
            }
        }
    }
}

#[test]
fn bit_identical_for_any_thread_count() {
    let (rows, _) = synth(17, 3000, 400, 4, 4, (0.4, 0.95));
    let m = matrix_owned(&numeric(&rows));
    for variant in [MinimaxVariant::Categorical, MinimaxVariant::Ordinal] {
        let fit = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| {
                let model = Minimax::params().variant(variant).fit(&m).expect("fit");
                (
                    model.posteriors().to_owned(),
                    model.confusion().to_owned(),
                    model.fit_report().objective.clone(),
                )
            })
        };
        let one = fit(1);
        for t in [2, 3] {
            let other = fit(t);
            let same =
                |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(
                same(one.0.as_slice().expect("c"), other.0.as_slice().expect("c")),
                "{variant:?} posteriors, {t} threads"
            );
            assert!(
                same(one.1.as_slice().expect("c"), other.1.as_slice().expect("c")),
                "{variant:?} confusion, {t} threads"
            );
            assert!(same(&one.2, &other.2), "{variant:?} objective, {t} threads");
        }
    }
}

#[test]
fn ordinal_needs_an_order() {
    let rows = [
        ("t1", "a", "x"),
        ("t1", "b", "y"),
        ("t2", "a", "y"),
        ("t2", "b", "y"),
    ];
    let m = matrix(&rows);
    match Minimax::ordinal().fit(&m) {
        Err(Error::InvalidParameter { name, constraint }) => {
            assert_eq!(name, "classes");
            assert!(constraint.contains("--classes"), "{constraint}");
        }
        other => panic!("expected a classes error, got {other:?}"),
    }
    // categorical needs no order
    assert!(Minimax::params().fit(&m).is_ok());
    // declared order: accepted
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default().with_classes(["y", "x"]))
        .expect("opts");
    for (i, w, l) in rows {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .expect("row");
    }
    let declared = b.finish().expect("matrix");
    assert!(Minimax::ordinal().fit(&declared).is_ok());
    // numeric labels: accepted
    let numeric = matrix(&[
        ("t1", "a", "1"),
        ("t1", "b", "3"),
        ("t2", "a", "2"),
        ("t2", "b", "3"),
    ]);
    assert!(Minimax::ordinal().fit(&numeric).is_ok());
}

#[test]
fn bad_input() {
    let one_class = matrix(&[("t1", "a", "x"), ("t2", "b", "x")]);
    assert!(matches!(
        Minimax::params().fit(&one_class),
        Err(Error::InsufficientData(_))
    ));
    let m = matrix(&[("t1", "a", "x"), ("t1", "b", "y")]);
    for (p, name) in [
        (Minimax::params().worker_penalty(0.0), "worker_penalty"),
        (Minimax::params().item_penalty(-1.0), "item_penalty"),
        (Minimax::params().worker_penalty(f64::NAN), "worker_penalty"),
        (Minimax::params().max_iter(0), "max_iter"),
        (Minimax::params().tol(0.0), "tol"),
        (Minimax::params().inner_max_iter(0), "inner_max_iter"),
    ] {
        match p.fit(&m) {
            Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn default_penalties_follow_the_authors_rule() {
    // K = 3 observed classes: worker penalty 0.25 * 9; 4 items, 2 workers: item
    // penalty = 2.25 * (mean per worker 4 / mean per item 2) = 4.5
    let m = matrix(&[
        ("t1", "a", "x"),
        ("t1", "b", "y"),
        ("t2", "a", "z"),
        ("t2", "b", "z"),
        ("t3", "a", "x"),
        ("t3", "b", "x"),
        ("t4", "a", "y"),
        ("t4", "b", "y"),
    ]);
    let model = Minimax::params().fit(&m).expect("fit");
    assert_eq!(model.penalties(), (2.25, 4.5));
}

/// Time per outer iteration of minimax (categorical, ordinal) against Dawid–Skene's
/// per-iteration time on synthetic crowds (sizes from `CROWDQC_TIMING=M:K,M:K`,
/// default 1e6 judgments with K = 2 and 5); best of 3 rounds. Run in release:
/// `cargo test --release -p crowdqc-aggregation --test it -- --ignored minimax::timing --nocapture`.
#[test]
#[ignore = "timing; run in release with --nocapture"]
fn timing_per_outer_iteration_vs_dawid_skene() {
    use crowdqc_aggregation::DawidSkene;
    use std::time::Instant;
    let sizes: Vec<(usize, usize)> = std::env::var("CROWDQC_TIMING")
        .map(|v| {
            v.split(',')
                .map(|p| {
                    let (m, k) = p.split_once(':').expect("M:K");
                    (m.parse().expect("M"), k.parse().expect("K"))
                })
                .collect()
        })
        .unwrap_or_else(|_| vec![(1_000_000, 2), (1_000_000, 5)]);
    for (n_judgments, k) in sizes {
        let (m, _) = crate::glad::synthetic(1, n_judgments / 5, 1_000, 5, k);
        let iters = 5;
        type Run<'a> = Box<dyn Fn() -> usize + 'a>;
        let runs: Vec<(&str, Run<'_>)> = vec![
            (
                "ds",
                Box::new(|| {
                    let p = DawidSkene::params().max_iter(20).tol(1e-300);
                    p.fit(&m).expect("ds").fit_report().iterations
                }),
            ),
            (
                "minimax",
                Box::new(|| {
                    let p = Minimax::params().max_iter(iters).tol(1e-300);
                    p.fit(&m).expect("minimax").fit_report().iterations
                }),
            ),
            (
                "minimax-ordinal",
                Box::new(|| {
                    let p = Minimax::ordinal().max_iter(iters).tol(1e-300);
                    p.fit(&m).expect("ordinal").fit_report().iterations
                }),
            ),
        ];
        let mut best = vec![f64::INFINITY; runs.len()];
        for _ in 0..3 {
            for (b, (_, f)) in best.iter_mut().zip(&runs) {
                let t = Instant::now();
                let it = f();
                *b = b.min(t.elapsed().as_secs_f64() / it as f64);
            }
        }
        for (b, (name, _)) in best.iter().zip(&runs) {
            eprintln!(
                "M={n_judgments:>8} K={k} {name:<15} {:>9.3} ms/iter {:>6.2}x ds",
                b * 1e3,
                b / best[0]
            );
        }
    }
}

/// The learned class prior (an option; off by default, as in the authors' code) on
/// the imbalanced product data and on websearch (regression guard of crowdqc's own
/// accuracies; see the module docs).
#[test]
fn learned_prior_on_product_and_websearch() {
    for (name, recorded) in [
        ("zheng2017-product", 0.9363),
        ("zhou2012-websearch", 0.7591),
    ] {
        let Some(m) = load(name, true) else { return };
        let model = Minimax::params().learn_prior(true).fit(&m).expect("fit");
        let a = gold_accuracy(&m, &model.labels());
        assert!(
            (a - recorded).abs() <= ACC_TOL,
            "{name}: {a:.4} vs recorded {recorded:.4}"
        );
    }
}
