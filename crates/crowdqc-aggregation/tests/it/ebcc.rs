//! EBCC and IBCC: parity with the authors' code, accuracy next to their numbers,
//! properties (ELBO, invariance, thread count), progress and bad input.
//!
//! Reference: `fixtures/aggregation-advanced/ebcc_reference.json`, written by
//! `generate_ebcc.py` from the authors' code (`yuan-li/truth-inference-at-scale`,
//! commit and command in that folder's README) run unchanged on the shared datasets.

use std::collections::HashMap;
use std::sync::Mutex;

use crowdqc_aggregation::ebcc::{Ebcc, EbccParams, Ibcc};
use crowdqc_aggregation::registry::{self, RunOptions};
use crowdqc_core::estimator::{Estimator, FittedModel, StopReason};
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_testkit::fixtures::{dataset_dir, read_csv_rows};
use ndarray::Array3;
use proptest::prelude::*;

use crate::support::{gold_accuracy, load, matrix_owned, synth};

/// The stored outputs of the authors' code.
fn reference() -> &'static serde_json::Value {
    static REF: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    REF.get_or_init(|| {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/aggregation-advanced/ebcc_reference.json");
        let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&s).expect("json")
    })
}

/// A dataset as the authors' protocol reads it: identical rows dropped (first kept);
/// with its gold (to score).
fn load_dedup(name: &str) -> Option<JudgmentMatrix> {
    let dir = dataset_dir(name)?;
    let (h, rows) = read_csv_rows(&dir.join("judgments.csv"));
    let col = |n: &str| h.iter().position(|c| c == n).expect("column");
    let (ci, cw, cl) = (col("item"), col("worker"), col("label"));
    let mut seen = std::collections::HashSet::new();
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for r in &rows {
        if seen.insert((r[ci].clone(), r[cw].clone(), r[cl].clone())) {
            b.push_row(IdRef::Str(&r[ci]), IdRef::Str(&r[cw]), IdRef::Str(&r[cl]))
                .expect("row");
        }
    }
    let gold = dir.join("gold.csv");
    if gold.is_file() {
        let (h, rows) = read_csv_rows(&gold);
        let col = |n: &str| h.iter().position(|c| c == n).expect("gold column");
        let (gi, gl) = (col("item"), col("label"));
        for r in &rows {
            b.push_gold_row(IdRef::Str(&r[gi]), IdRef::Str(&r[gl]))
                .expect("gold");
        }
    }
    Some(b.finish().expect("matrix"))
}

/// Matrix class index of each reference class (by label text).
fn class_map(m: &JudgmentMatrix, classes: &serde_json::Value) -> Vec<usize> {
    classes
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| {
            let c = c.as_str().expect("class name");
            (0..m.n_classes())
                .find(|&k| m.classes().label(k as u32).to_string() == c)
                .unwrap_or_else(|| panic!("class {c}"))
        })
        .collect()
}

fn item_index(m: &JudgmentMatrix) -> HashMap<String, usize> {
    (0..m.n_items())
        .map(|i| (m.items().get(i as u32).to_string(), i))
        .collect()
}

/// Largest difference between crowdqc's posteriors and stored ones (`items` ×
/// reference classes).
fn max_diff(
    m: &JudgmentMatrix,
    model: &dyn FittedModel,
    items: &serde_json::Value,
    post: &serde_json::Value,
    classes: &[usize],
) -> f64 {
    let idx = item_index(m);
    let p = model.posteriors();
    let mut worst: f64 = 0.0;
    for (id, row) in items
        .as_array()
        .expect("stored reference layout")
        .iter()
        .zip(post.as_array().expect("stored reference layout"))
    {
        let i = idx[id.as_str().expect("stored reference layout")];
        for (c, v) in row
            .as_array()
            .expect("stored reference layout")
            .iter()
            .enumerate()
        {
            worst = worst
                .max((p[[i, classes[c]]] - v.as_f64().expect("stored reference layout")).abs());
        }
    }
    worst
}

#[test]
fn ibcc_posteriors_equal_the_authors_ibcc() {
    let mut compared = 0;
    for (name, r) in reference().as_object().expect("object") {
        let Some(post) = r.get("ibcc").and_then(|x| x.get("posteriors")) else {
            continue;
        };
        let Some(m) = load_dedup(name) else { continue };
        let classes = class_map(&m, &r["classes"]);
        let model = Ibcc::params().fit(&m).expect(name);
        let d = max_diff(&m, &model, &r["ibcc"]["items"], post, &classes);
        assert!(d < 1e-6, "{name}: posteriors differ by {d:e}");
        compared += 1;
    }
    assert!(
        compared >= 10 || dataset_dir("snow2008-rte").is_none(),
        "{compared}"
    );
}

#[test]
fn ebcc_from_the_authors_initialisation_reproduces_their_posteriors() {
    let (name, r) = (
        "welinder2010-bluebirds",
        &reference()["welinder2010-bluebirds"],
    );
    let Some(m) = load_dedup(name) else { return };
    let f = &r["ebcc_from_init"];
    let classes = class_map(&m, &r["classes"]);
    let idx = item_index(&m);
    let mut init = Array3::zeros((m.n_items(), m.n_classes(), 10));
    for (id, rows) in f["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(f["initial_subtypes"].as_array().unwrap())
    {
        let i = idx[id.as_str().unwrap()];
        for (c, sub) in rows.as_array().unwrap().iter().enumerate() {
            for (g, v) in sub.as_array().unwrap().iter().enumerate() {
                init[[i, classes[c], g]] = v.as_f64().unwrap();
            }
        }
    }
    let model = Ebcc::params().fit_from(&m, init.view()).expect("fit");
    let d = max_diff(&m, &model, &f["items"], &f["posteriors"], &classes);
    assert!(d < 1e-6, "posteriors differ by {d:e}");
    let tr = &model.fit_report().objective;
    assert!(
        tr.windows(2).all(|w| w[1] >= w[0] - 1e-9 * w[0].abs()),
        "{tr:?}"
    );
}

/// Datasets where crowdqc's best-of-10 EBCC restart (ChaCha8 draws) and the best of
/// the authors' 40 (NumPy draws) are different optima, with (crowdqc, authors)
/// accuracy on the authors' reading of the data. Everywhere else they agree exactly.
/// On bluebirds the authors' published notebook run also gives 0.8611 (their seeds
/// there were unseeded).
pub const EBCC_OTHER_OPTIMUM: &[(&str, f64, f64)] = &[
    ("welinder2010-bluebirds", 0.8611, 0.8981),
    ("zheng2017-face", 0.6336, 0.6353),
    ("venanzi2014-weather-sentiment-amt", 0.8567, 0.8600),
    ("gal-copyright-infringement", 0.3333, 0.4444),
    ("gal-adultcontent-toy", 0.6000, 0.4000),
];

/// crowdqc's EBCC and IBCC accuracy (defaults) next to the authors' code on the same
/// data (identical rows dropped, as their notebook does; crowdqc's own table in
/// `accuracy.rs` keeps every row): IBCC is deterministic and must match; EBCC's
/// best-ELBO restart comes from other random draws (ChaCha8 vs NumPy), so its
/// accuracy must lie within the range of the authors' 40 restarts and equal their
/// best except on [`EBCC_OTHER_OPTIMUM`].
#[test]
fn accuracy_next_to_the_authors_code() {
    let mut rows = Vec::new();
    for name in crowdqc_testkit::fixtures::CATEGORICAL_WITH_GOLD {
        let r = &reference()[*name];
        let Some(dd) = load_dedup(name) else { continue };
        let ibcc = gold_accuracy(&dd, &Ibcc::params().fit(&dd).expect(name).labels());
        let ebcc = gold_accuracy(&dd, &Ebcc::params().fit(&dd).expect(name).labels());
        let ref_ibcc = r["ibcc"]["acc_lowest"].as_f64().expect("ibcc");
        let e = &r["ebcc"];
        let (lo, hi, best) = (
            e["acc_lowest_min"].as_f64().expect("min"),
            e["acc_lowest_max"].as_f64().expect("max"),
            e["best"]["acc_lowest"].as_f64().expect("best"),
        );
        rows.push(format!(
            "{name:<36} ibcc {ibcc:.4} (authors {ref_ibcc:.4})  \
             ebcc {ebcc:.4} (authors best {best:.4}, range {lo:.4}-{hi:.4})"
        ));
        assert!(
            (ibcc - ref_ibcc).abs() < 1e-9,
            "{name}: ibcc {ibcc} vs authors {ref_ibcc}"
        );
        assert!(
            ebcc >= lo - 1e-9 && ebcc <= hi + 1e-9,
            "{name}: ebcc {ebcc} outside the authors' restarts {lo}..{hi}"
        );
        match EBCC_OTHER_OPTIMUM.iter().find(|(n, _, _)| n == name) {
            Some(&(_, ours, theirs)) => {
                assert!(
                    (ebcc - ours).abs() < 5e-5,
                    "{name}: ebcc {ebcc}, listed {ours}"
                );
                assert!(
                    (best - theirs).abs() < 5e-5,
                    "{name}: authors {best}, listed {theirs}"
                );
            }
            None => assert!(
                (ebcc - best).abs() < 1e-9,
                "{name}: ebcc {ebcc}, authors' best restart {best}"
            ),
        }
    }
    if std::env::var("CROWDQC_PRINT_TABLE").is_ok() {
        println!("{}", rows.join("\n"));
    }
}

#[test]
fn rte_reaches_the_published_ebcc_accuracy() {
    let Some(m) = load("snow2008-rte", true) else {
        return;
    };
    let published = 0.93125; // Li et al. 2019 / the authors' notebook; stored run agrees
    let stored = reference()["snow2008-rte"]["ebcc"]["best"]["acc_tie_split"]
        .as_f64()
        .unwrap();
    assert!((stored - published).abs() < 1e-12);
    let acc = gold_accuracy(&m, &Ebcc::params().fit(&m).unwrap().labels());
    assert!(acc >= published - 1e-9, "rte {acc}");
}

fn elbo_never_decreases(tr: &[f64]) -> bool {
    tr.windows(2)
        .all(|w| w[1] >= w[0] - 1e-9 * w[0].abs().max(1.0))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn elbo_never_decreases_and_posteriors_sum_to_one(seed in 0u64..1000, k in 2usize..5, per in 2usize..6, sub in 1usize..5) {
        let (rows, _) = synth(seed, 60, 9, per, k, (0.3, 0.95));
        let m = matrix_owned(&rows);
        let model = Ebcc::params().n_subtypes(sub).n_restarts(2).seed(seed).tol(1e-9).max_iter(300).fit(&m).unwrap();
        let tr = &model.fit_report().objective;
        prop_assert!(elbo_never_decreases(tr), "{tr:?}");
        for row in model.posteriors().rows() {
            prop_assert!((row.sum() - 1.0).abs() < 1e-9);
        }
        for w in 0..m.n_workers() {
            for t in 0..m.n_classes() {
                let s: f64 = model.confusion().slice(ndarray::s![w, t, ..]).sum();
                prop_assert!((s - 1.0).abs() < 1e-9, "confusion row sums to {s}");
            }
        }
        let best = model.restart_elbos()[model.best_restart()];
        prop_assert!(model.restart_elbos().iter().all(|&e| e <= best));
        prop_assert_eq!(best, *tr.last().unwrap());
    }

    #[test]
    fn invariant_to_row_order_and_relabelling(seed in 0u64..1000, k in 2usize..4) {
        let (rows, _) = synth(seed, 30, 7, 4, k, (0.5, 0.95));
        let m = matrix_owned(&rows);
        let mut shuffled = rows.clone();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        for i in (1..shuffled.len()).rev() {
            let j = rand::RngExt::random_range(&mut rng, 0..=i);
            shuffled.swap(i, j);
        }
        // workers and labels renamed one-to-one (item ids kept: they key the draws)
        let relabelled: Vec<(String, String, String)> = shuffled
            .iter()
            .map(|(i, w, l)| (i.clone(), format!("z{w}"), format!("L{l}")))
            .collect();
        let m2 = matrix_owned(&relabelled);
        let ids2 = item_index(&m2);
        for p in [Ebcc::params().n_restarts(3), Ibcc::params()] {
            let a = p.fit(&m).unwrap();
            let b = p.fit(&m2).unwrap();
            for i in 0..m.n_items() {
                let j = ids2[&m.items().get(i as u32).to_string()];
                for c in 0..m.n_classes() {
                    let name = format!("L{}", m.classes().label(c as u32));
                    let c2 = (0..m2.n_classes()).find(|&x| m2.classes().label(x as u32).to_string() == name).unwrap();
                    let (x, y) = (a.posteriors()[[i, c]], b.posteriors()[[j, c2]]);
                    prop_assert!((x - y).abs() < 1e-9, "{x} vs {y}");
                }
            }
        }
    }
}

#[test]
fn item_relabelling_changes_only_the_random_draws() {
    // Item ids key the random initialisation; from the same initial responsibilities
    // the fit is the same whatever the ids and their order.
    let (rows, _) = synth(3, 40, 8, 4, 3, (0.4, 0.9));
    let m = matrix_owned(&rows);
    let renamed: Vec<(String, String, String)> = rows
        .iter()
        .rev()
        .map(|(i, w, l)| (format!("x-{i}"), w.clone(), l.clone()))
        .collect();
    let m2 = matrix_owned(&renamed);
    let ids2 = item_index(&m2);
    let map: Vec<usize> = (0..m.n_items())
        .map(|i| ids2[&format!("x-{}", m.items().get(i as u32))])
        .collect();
    let class2: Vec<usize> = (0..m.n_classes())
        .map(|c| {
            let n = m.classes().label(c as u32).to_string();
            (0..m2.n_classes())
                .find(|&x| m2.classes().label(x as u32).to_string() == n)
                .unwrap()
        })
        .collect();
    let mut init = Array3::zeros((m.n_items(), m.n_classes(), 4));
    let mut init2 = Array3::zeros((m2.n_items(), m2.n_classes(), 4));
    let mut x = 1u64;
    for i in 0..m.n_items() {
        for c in 0..m.n_classes() {
            for g in 0..4 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = 0.05 + (x >> 11) as f64 / (1u64 << 53) as f64;
                init[[i, c, g]] = v;
                init2[[map[i], class2[c], g]] = v;
            }
        }
    }
    let p = Ebcc::params().n_subtypes(4);
    let a = p.fit_from(&m, init.view()).unwrap();
    let b = p.fit_from(&m2, init2.view()).unwrap();
    for (i, &i2) in map.iter().enumerate() {
        for (c, &c2) in class2.iter().enumerate() {
            let (x, y) = (a.posteriors()[[i, c]], b.posteriors()[[i2, c2]]);
            assert!((x - y).abs() < 1e-9, "{x} vs {y}");
        }
    }
    let tr = &a.fit_report().objective;
    assert!((tr.last().unwrap() - b.fit_report().objective.last().unwrap()).abs() < 1e-7);
}

#[test]
fn bit_identical_for_any_thread_count() {
    let (rows, _) = synth(11, 3000, 40, 4, 3, (0.4, 0.95));
    let m = matrix_owned(&rows);
    let fit = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let e = Ebcc::params().n_restarts(2).fit(&m).unwrap();
            (
                e.posteriors().to_owned(),
                e.confusion().to_owned(),
                e.fit_report().clone(),
            )
        })
    };
    let one = fit(1);
    for t in [2, 3] {
        let other = fit(t);
        assert!(
            one.0
                .iter()
                .zip(other.0.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{t}"
        );
        assert!(
            one.1
                .iter()
                .zip(other.1.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{t}"
        );
        assert_eq!(one.2, other.2, "{t}");
    }
}

#[test]
fn restarts_differ_and_the_best_elbo_is_kept() {
    let Some(m) = load("zhou2012-dogs", false) else {
        return;
    };
    let model = Ebcc::params().n_restarts(4).fit(&m).unwrap();
    let e = model.restart_elbos();
    assert_eq!(e.len(), 4);
    assert!(e.windows(2).any(|w| w[0] != w[1]), "{e:?}");
    let best = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(e[model.best_restart()], best);
    assert!(elbo_never_decreases(&model.fit_report().objective));
    assert_eq!(model.fit_report().stop_reason, StopReason::Converged);
    // one restart of the same seed is the first of these
    let one = Ebcc::params().n_restarts(1).fit(&m).unwrap();
    assert_eq!(one.restart_elbos()[0], e[0]);
    // with one subtype the start is not random: every restart is the same fit
    let ib = Ibcc::params().n_restarts(3).fit(&m).unwrap();
    assert!(
        ib.restart_elbos()
            .iter()
            .all(|&x| x == ib.restart_elbos()[0])
    );
    assert_eq!(ib.method(), "ibcc");
    assert_eq!(model.method(), "ebcc");
}

#[test]
fn registry_fits_both_with_the_options() {
    let (rows, _) = synth(5, 200, 12, 4, 3, (0.5, 0.9));
    let m = matrix_owned(&rows);
    for name in ["ebcc", "ibcc"] {
        let info = registry::method(name).expect(name);
        assert!(info.iterative && !info.uses_gold);
        let one = registry::fit(
            name,
            &m,
            &RunOptions {
                max_iter: Some(1),
                ..RunOptions::default()
            },
        )
        .unwrap();
        assert_eq!(one.method(), name);
        assert_eq!(
            (one.fit_report().iterations, one.fit_report().stop_reason),
            (1, StopReason::MaxIterations)
        );
    }
    let a = registry::fit(
        "ebcc",
        &m,
        &RunOptions {
            seed: Some(1),
            ..RunOptions::default()
        },
    )
    .unwrap();
    let b = registry::fit(
        "ebcc",
        &m,
        &RunOptions {
            seed: Some(2),
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert_ne!(a.fit_report().objective, b.fit_report().objective);
}

/// Records progress; interrupts after `stop_after` units when set.
#[derive(Default)]
struct Recorder {
    log: Mutex<(Vec<Option<u64>>, u64, usize)>,
    stop_after: Option<u64>,
}

impl Progress for Recorder {
    fn start(&self, _what: &str, total: Option<u64>) {
        self.log
            .lock()
            .expect("no test thread panicked holding the log")
            .0
            .push(total);
    }
    fn advance(&self, n: u64) {
        self.log
            .lock()
            .expect("no test thread panicked holding the log")
            .1 += n;
    }
    fn finish(&self) {
        self.log
            .lock()
            .expect("no test thread panicked holding the log")
            .2 += 1;
    }
    fn interrupted(&self) -> bool {
        self.stop_after.is_some_and(|s| {
            self.log
                .lock()
                .expect("no test thread panicked holding the log")
                .1
                >= s
        })
    }
}

#[test]
fn progress_counts_every_restart_and_interrupts() {
    let (rows, _) = synth(9, 100, 10, 4, 2, (0.5, 0.9));
    let m = matrix_owned(&rows);
    let p = Ebcc::params().n_restarts(3).max_iter(50);
    let plain = p.fit(&m).unwrap();
    let rec = Recorder::default();
    let watched = p.fit_with_progress(&m, &rec).unwrap();
    assert_eq!(plain.posteriors(), watched.posteriors());
    let log = rec.log.lock().unwrap();
    assert_eq!((log.0.clone(), log.1, log.2), (vec![Some(150)], 150, 1));
    drop(log);
    let rec = Recorder {
        stop_after: Some(2),
        ..Recorder::default()
    };
    assert!(matches!(
        p.fit_with_progress(&m, &rec),
        Err(Error::Interrupted)
    ));
    assert_eq!(rec.log.lock().unwrap().1, 2);
}

#[test]
fn bad_parameters_name_the_parameter() {
    let (rows, _) = synth(1, 20, 5, 3, 2, (0.5, 0.9));
    let m = matrix_owned(&rows);
    let cases: Vec<(EbccParams, &str)> = vec![
        (Ebcc::params().n_restarts(0), "n_restarts"),
        (Ebcc::params().n_subtypes(0), "n_subtypes"),
        (Ebcc::params().n_subtypes(101), "n_subtypes"),
        (Ebcc::params().subtype_prior(0.0), "subtype_prior"),
        (Ebcc::params().class_prior(-1.0), "class_prior"),
        (Ebcc::params().diagonal_prior(f64::NAN), "diagonal_prior"),
        (Ebcc::params().off_diagonal_prior(0.0), "off_diagonal_prior"),
        (Ebcc::params().max_iter(0), "max_iter"),
        (Ebcc::params().tol(0.0), "tol"),
    ];
    for (p, name) in cases {
        match p.fit(&m) {
            Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    // one class: nothing to infer
    let one = crate::support::matrix(&[("a", "w", "x"), ("b", "w", "x")]);
    assert!(matches!(
        Ebcc::params().fit(&one),
        Err(Error::InsufficientData(_))
    ));
    assert!(matches!(
        Ibcc::params().fit(&one),
        Err(Error::InsufficientData(_))
    ));
    // a wrong initial shape
    let init = Array3::<f64>::zeros((m.n_items(), m.n_classes(), 3));
    match Ebcc::params().fit_from(&m, init.view()) {
        Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, "initial"),
        other => panic!("{other:?}"),
    }
    // all-zero responsibilities of an item
    let init = Array3::<f64>::zeros((m.n_items(), m.n_classes(), 10));
    assert!(matches!(
        Ebcc::params().fit_from(&m, init.view()),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn a_numerical_failure_names_method_and_iteration() {
    // a prior so large that its log-gamma overflows: the ELBO is not finite
    let (rows, _) = synth(2, 20, 5, 3, 2, (0.5, 0.9));
    let m = matrix_owned(&rows);
    match Ebcc::params().diagonal_prior(f64::MAX).fit(&m) {
        Err(Error::Numerical {
            context, iteration, ..
        }) => {
            assert!(context.starts_with("ebcc"), "{context}");
            assert_eq!(iteration, Some(1));
        }
        other => panic!("{other:?}"),
    }
}
