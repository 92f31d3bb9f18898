//! GLAD integration tests. This module also holds the helpers shared by the GLAD /
//! MACE / KOS / MMSR test modules (`pub(crate)`).

use crowdqc_aggregation::glad::Glad;
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{Error, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset, read_csv_rows};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Loads a real dataset with its gold, or `None` when the data folder is absent.
pub(crate) fn dataset(name: &str) -> Option<JudgmentMatrix> {
    let dir = dataset_dir(name)?;
    Some(load_dataset(&dir, IngestOptions::default(), true))
}

/// Accuracy of `labels` on the gold items of `m`.
pub(crate) fn gold_accuracy(m: &JudgmentMatrix, labels: &[u32]) -> f64 {
    let items = m.gold().items();
    let hits = items
        .iter()
        .filter(|&&i| m.gold().label(i) == Some(labels[i as usize]))
        .count();
    hits as f64 / items.len() as f64
}

/// Share of items whose label equals crowd-kit's stored label
/// (`fixtures/aggregation-advanced/labels/<dataset>__<method>.csv`), or `None` when
/// that file does not exist.
pub(crate) fn crowdkit_label_agreement(
    m: &JudgmentMatrix,
    labels: &[u32],
    dataset: &str,
    method: &str,
) -> Option<f64> {
    let path = crowdqc_testkit::fixtures::project_fixtures()
        .join("aggregation-advanced/labels")
        .join(format!("{dataset}__{method}.csv"));
    if !path.is_file() {
        return None;
    }
    let (_, rows) = read_csv_rows(&path);
    assert_eq!(rows.len(), m.n_items(), "{}", path.display());
    let same = rows
        .iter()
        .filter(|r| {
            let i = m
                .items()
                .lookup(IdRef::Str(&r[0]))
                .expect("crowd-kit item id");
            m.classes().label(labels[i as usize]).to_string() == r[1]
        })
        .count();
    Some(same as f64 / rows.len() as f64)
}

/// A matrix from string rows.
pub(crate) fn matrix(rows: &[(&str, &str, &str)]) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("test helper");
    for (i, w, l) in rows {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .expect("test helper");
    }
    b.finish().expect("test helper")
}

/// A real dataset's judgments with the rows shuffled (seeded) and item / worker ids
/// renamed (`x` prefix), plus the map from the original item index to the new one.
pub(crate) fn shuffled_relabelled(
    name: &str,
    m: &JudgmentMatrix,
) -> Option<(JudgmentMatrix, Vec<usize>)> {
    let dir = dataset_dir(name)?;
    let (h, mut rows) = read_csv_rows(&dir.join("judgments.csv"));
    let col = |c: &str| h.iter().position(|x| x == c).expect("test helper");
    let (ci, cw, cl) = (col("item"), col("worker"), col("label"));
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    for i in (1..rows.len()).rev() {
        rows.swap(i, rng.random_range(0..=i));
    }
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("test helper");
    for r in &rows {
        let (i, w) = (format!("x{}", r[ci]), format!("x{}", r[cw]));
        b.push_row(IdRef::Str(&i), IdRef::Str(&w), IdRef::Str(&r[cl]))
            .expect("test helper");
    }
    let s = b.finish().expect("test helper");
    let map = (0..m.n_items() as u32)
        .map(|i| {
            let id = format!("x{}", m.items().get(i));
            s.items().lookup(IdRef::Str(&id)).expect("test helper") as usize
        })
        .collect();
    Some((s, map))
}

/// Runs `f` in a local rayon pool of `threads` threads (never the global pool).
pub(crate) fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("test helper")
        .install(f)
}

/// Asserts every posterior row sums to 1 and lies in [0, 1].
pub(crate) fn assert_rows_sum_to_one(model: &dyn FittedModel) {
    for row in model.posteriors().rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12, "{row}");
        assert!(row.iter().all(|p| (0.0..=1.0).contains(p)), "{row}");
    }
}

/// Seeded synthetic crowd with integer ids: `n_items` items, `per_item` distinct
/// workers of `n_workers` each, `k` classes, worker accuracy uniform in [0.55, 0.95],
/// errors uniform; returns the matrix and the true class of every item index.
pub(crate) fn synthetic(
    seed: u64,
    n_items: usize,
    n_workers: usize,
    per_item: usize,
    k: usize,
) -> (JudgmentMatrix, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let acc: Vec<f64> = (0..n_workers)
        .map(|_| rng.random_range(0.55..0.95))
        .collect();
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("test helper");
    let mut truth = Vec::with_capacity(n_items);
    for i in 0..n_items {
        let t = rng.random_range(0..k);
        truth.push(t);
        let start = rng.random_range(0..n_workers);
        for j in 0..per_item {
            let w = (start + j * 7919) % n_workers;
            let l = if rng.random::<f64>() < acc[w] {
                t
            } else {
                (t + 1 + rng.random_range(0..k - 1)) % k
            };
            b.push_row(
                IdRef::Int(i as i64),
                IdRef::Int(w as i64),
                IdRef::Int(l as i64),
            )
            .expect("test helper");
        }
    }
    let m = b.finish().expect("test helper");
    // Items are coded in first-appearance order (= generation order); classes are the
    // sorted integers 0..k (all occur at this size).
    assert_eq!(m.n_classes(), k);
    (m, truth.into_iter().map(|t| t as u32).collect())
}

/// (dataset, accuracy on gold here, crowd-kit 1.4.2 GLAD's accuracy, Zheng et al.
/// repo's c_GLAD where given). The second column is a regression guard (measured by
/// crowdqc); the crowd-kit column is checked against crowd-kit's stored output
/// (`fixtures/aggregation-advanced/crowdkit_accuracy.json`; NaN: not stored).
const GLAD_ACCURACY: &[(&str, f64, f64, Option<f64>)] = &[
    ("welinder2010-bluebirds", 0.722222, 0.722222, Some(0.7685)),
    ("zheng2017-product", 0.928322, 0.928322, Some(0.9223)),
    ("zhou2012-dogs", 0.833953, 0.833953, Some(0.8352)),
    // crowd-kit stops after 2 iterations here (its Q decreases at iteration 2, and
    // its stop test `Q - last_Q < tol` fires on a decrease); run on to convergence,
    // crowd-kit's own GLAD gives 0.628425, as here (`GLAD_CROWDKIT_AHEAD`).
    ("zheng2017-face", 0.628425, 0.630137, Some(0.6301)),
    (
        "venanzi2014-weather-sentiment-amt",
        0.853333,
        0.853333,
        None,
    ),
    ("zhou2012-websearch", 0.824350, 0.821334, None),
    ("snow2008-rte", 0.925000, 0.925000, None),
    ("snow2008-temp", 0.935065, 0.935065, None),
    ("snow2008-wsd", 0.994350, 0.994350, None),
    ("gal-adultcontent2", 0.759760, 0.759760, None),
    // as face: crowd-kit stops at iteration 2 on a decrease of its Q; run on to
    // convergence it gives 0.693, as here
    ("gal-barzanmozafari", 0.693000, 0.694000, None),
    ("gal-copyright-infringement", 0.444444, 0.444444, None),
    ("gal-hitspam-crowdflower", 0.660000, 0.660000, None),
    ("gal-adultcontent-toy", 0.600000, 0.600000, None),
    ("crowdkit-toy", 1.0, 1.0, None),
    ("crowdkit-simple", 1.0, 1.0, None),
];

#[test]
fn accuracy_on_real_datasets() {
    for &(name, expected, crowdkit, zheng) in GLAD_ACCURACY {
        crate::support::assert_stored_crowdkit(name, "glad", crowdkit);
        let Some(m) = dataset(name) else { return };
        let model = Glad::params().fit(&m).unwrap();
        let acc = gold_accuracy(&m, &model.labels());
        eprintln!("glad {name}: {acc:.6} (crowd-kit {crowdkit:.6}, Zheng {zheng:?})");
        assert!(
            (acc - expected).abs() <= 0.002,
            "{name}: {acc} vs recorded {expected}"
        );
        assert!(model.fit_report().converged, "{name}");
        assert_rows_sum_to_one(&model);
        // Within one item of crowd-kit everywhere (one fewer on face and barzan).
        if crowdkit.is_finite() {
            assert!(acc >= crowdkit - 1.5 / m.gold().len() as f64, "{name}");
        }
        // Same labels as crowd-kit on >= 98% of the items (small datasets stored).
        if let Some(agree) = crowdkit_label_agreement(&m, &model.labels(), name, "glad") {
            eprintln!("  label agreement with crowd-kit: {agree:.4}");
            assert!(agree >= 0.98, "{name}: {agree}");
        }
    }
}

/// crowd-kit 1.4.2 `GLAD` with its stop test disabled (`tol = -inf`, 100 iterations),
/// as stored in `fixtures/aggregation-advanced/crowdkit_glad_unstopped.json`: per
/// dataset, its accuracy on gold at the point its EM converges to, and the loss
/// history of `GLAD()` with the defaults.
fn crowdkit_glad_unstopped() -> serde_json::Map<String, serde_json::Value> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aggregation-advanced/crowdkit_glad_unstopped.json");
    let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    match serde_json::from_str(&s).expect("json") {
        serde_json::Value::Object(o) => o,
        v => panic!("{}: not an object: {v}", p.display()),
    }
}

/// Where crowd-kit's `GLAD()` is more accurate than this implementation (one gold item
/// each). Not a better optimum: crowd-kit stops after its second iteration because its
/// stop test (`Q − last_Q < tol`) fires on a *decrease* of its objective, and returns
/// the posteriors of the E-step after one M-step. Run on to convergence (stop test
/// disabled), crowd-kit's own GLAD reaches exactly the accuracy here.
pub(crate) const GLAD_CROWDKIT_AHEAD: &[&str] = &["zheng2017-face", "gal-barzanmozafari"];

#[test]
fn as_accurate_as_crowdkit_run_to_convergence() {
    let stored = crowdkit_glad_unstopped();
    for name in GLAD_CROWDKIT_AHEAD {
        assert!(stored.contains_key(*name), "{name}: not stored");
    }
    for (name, v) in &stored {
        let Some(m) = dataset(name) else { return };
        let converged = v["accuracy"].as_f64().expect("accuracy");
        // crowd-kit ran on to a fixed point: its objective no longer moves
        assert_eq!(v["iterations"].as_u64(), Some(100), "{name}");
        assert!(v["last_loss_change"].as_f64().expect("change").abs() < 1e-9);
        // Run to convergence here too: the same optimum, item for item on gold.
        let tight = Glad::params().tol(1e-10).max_iter(1000).fit(&m).unwrap();
        assert!(tight.fit_report().converged, "{name}");
        let acc_tight = gold_accuracy(&m, &tight.labels());
        assert!(
            (acc_tight - converged).abs() < 1e-6,
            "{name}: converged {acc_tight} vs converged crowd-kit {converged}"
        );
        let model = Glad::params().fit(&m).unwrap();
        let acc = gold_accuracy(&m, &model.labels());
        eprintln!("glad {name}: {acc:.6} (crowd-kit run to convergence {converged:.6})");
        let published = crate::support::crowdkit_accuracy(name, "glad").expect("stored");
        if GLAD_CROWDKIT_AHEAD.contains(&name.as_str()) {
            // documented exception; fails (to be removed) once GLAD catches up
            assert!(
                acc < published,
                "{name}: {acc} now >= crowd-kit {published}"
            );
            // the same converged point as crowd-kit's own EM
            assert!(
                (acc - converged).abs() < 1e-6,
                "{name}: {acc} vs {converged}"
            );
            // crowd-kit's GLAD() stopped at iteration 2 on a decrease of its Q
            let h: Vec<f64> = v["default_loss_history"]
                .as_array()
                .expect("history")
                .iter()
                .map(|x| x.as_f64().expect("loss"))
                .collect();
            assert_eq!(h.len(), 2, "{name}: {h:?}");
            assert!(h[1] < h[0], "{name}: {h:?}");
        } else {
            assert!(
                acc >= published - 1e-6,
                "{name}: {acc} below crowd-kit {published}"
            );
        }
    }
}

#[test]
fn objective_never_decreases() {
    for name in ["welinder2010-bluebirds", "zhou2012-dogs", "zheng2017-face"] {
        let Some(m) = dataset(name) else { return };
        let model = Glad::params().tol(1e-9).max_iter(60).fit(&m).unwrap();
        let obj = &model.fit_report().objective;
        assert!(obj.len() > 3);
        for w in obj.windows(2) {
            assert!(w[1] >= w[0] - 1e-12, "{name}: {w:?}");
        }
    }
}

#[test]
fn more_newton_steps_reach_the_same_optimum() {
    let Some(m) = dataset("zhou2012-dogs") else {
        return;
    };
    let a = Glad::params().tol(1e-10).max_iter(500).fit(&m).unwrap();
    let b = Glad::params()
        .tol(1e-10)
        .max_iter(500)
        .newton_steps(10)
        .fit(&m)
        .unwrap();
    let d = (&a.posteriors() - &b.posteriors())
        .mapv(f64::abs)
        .fold(0.0f64, |x, &y| x.max(y));
    assert!(d < 1e-4, "{d}");
    let d = (&a.alpha() - &b.alpha())
        .mapv(f64::abs)
        .fold(0.0f64, |x, &y| x.max(y));
    assert!(d < 1e-3, "{d}");
}

#[test]
fn invariant_to_row_order_and_relabelling() {
    let name = "zheng2017-face";
    let Some(m) = dataset(name) else { return };
    let Some((s, map)) = shuffled_relabelled(name, &m) else {
        return;
    };
    let (a, b) = (
        Glad::params().fit(&m).unwrap(),
        Glad::params().fit(&s).unwrap(),
    );
    assert_eq!(a.fit_report().iterations, b.fit_report().iterations);
    for (i, &j) in map.iter().enumerate() {
        for c in 0..m.n_classes() {
            let (p, q) = (a.posteriors()[[i, c]], b.posteriors()[[j, c]]);
            assert!((p - q).abs() < 1e-9, "item {i} class {c}: {p} vs {q}");
        }
    }
}

#[test]
fn bit_identical_for_any_thread_count() {
    let (m, _) = synthetic(3, 3000, 60, 5, 3);
    let a = in_pool(1, || Glad::params().fit(&m).unwrap());
    let b = in_pool(3, || Glad::params().fit(&m).unwrap());
    assert_eq!(a.posteriors(), b.posteriors());
    assert_eq!(a.alpha(), b.alpha());
    assert_eq!(a.fit_report(), b.fit_report());
}

#[test]
fn recovers_synthetic_truth_and_worker_order() {
    let (m, truth) = synthetic(5, 2000, 40, 5, 3);
    let model = Glad::params().fit(&m).unwrap();
    let acc = model
        .labels()
        .iter()
        .zip(&truth)
        .filter(|(a, b)| a == b)
        .count() as f64
        / 2000.0;
    assert!(acc > 0.9, "{acc}");
    // accuracy and ability are monotone in each other across workers on average
    let wa = model.worker_accuracy();
    assert!(wa.iter().all(|a| (0.0..=1.0).contains(a)));
    let cols = model.worker_columns();
    assert_eq!(cols[0].name, "alpha");
}

#[test]
fn perfect_workers_give_certain_labels() {
    let m = matrix(&[
        ("t1", "a", "x"),
        ("t1", "b", "x"),
        ("t1", "c", "x"),
        ("t2", "a", "y"),
        ("t2", "b", "y"),
        ("t2", "c", "y"),
        ("t3", "a", "z"),
        ("t3", "b", "z"),
        ("t3", "c", "z"),
    ]);
    let model = Glad::params().fit(&m).unwrap();
    assert_eq!(model.labels(), [0, 1, 2]);
    for i in 0..3 {
        assert!(model.posteriors()[[i, i]] > 0.99);
    }
}

#[test]
fn rejects_bad_parameters() {
    let m = matrix(&[("t1", "a", "x"), ("t1", "b", "y")]);
    let cases = [
        ("max_iter", Glad::params().max_iter(0)),
        ("tol", Glad::params().tol(0.0)),
        ("tol", Glad::params().tol(f64::NAN)),
        (
            "alpha_prior_mean",
            Glad::params().alpha_prior_mean(f64::INFINITY),
        ),
        (
            "log_beta_prior_mean",
            Glad::params().log_beta_prior_mean(f64::NAN),
        ),
        ("newton_steps", Glad::params().newton_steps(0)),
        ("newton_steps", Glad::params().newton_steps(101)),
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
    let m = matrix(&[("t1", "a", "x"), ("t1", "b", "x"), ("t2", "a", "x")]);
    assert!(matches!(
        Glad::params().fit(&m),
        Err(Error::InsufficientData(_))
    ));
}

/// Time per iteration of GLAD, MACE, KOS and M-MSR next to Dawid–Skene on synthetic
/// crowds (redundancy 5; sizes `1e5` and `1e6` judgments, K = 2 and 5, or
/// `CROWDQC_TIMING=M:K,M:K`). The methods run interleaved, 5 rounds, best round kept
/// (the machine is shared). Run in release:
/// `cargo test --release -p crowdqc-aggregation --test it -- --ignored timing --nocapture`.
#[test]
#[ignore = "timing; run in release with --nocapture"]
fn timing_per_iteration_vs_dawid_skene() {
    use crowdqc_aggregation::{DawidSkene, Kos, Mace, Mmsr};
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
        .unwrap_or_else(|_| vec![(100_000, 2), (100_000, 5), (1_000_000, 2), (1_000_000, 5)]);
    let iters = 20;
    for (n_judgments, k) in sizes {
        let n_workers = if n_judgments > 100_000 { 5_000 } else { 1_000 };
        let (m, _) = synthetic(1, n_judgments / 5, n_workers, 5, k);
        type Run<'a> = Box<dyn Fn() -> usize + 'a>;
        let mut runs: Vec<(&str, Run<'_>)> = vec![
            (
                "ds",
                Box::new(|| {
                    let p = DawidSkene::params().max_iter(iters).tol(1e-300);
                    p.fit(&m).unwrap().fit_report().iterations
                }),
            ),
            (
                "glad",
                Box::new(|| {
                    let p = Glad::params().max_iter(iters).tol(1e-300);
                    p.fit(&m).unwrap().fit_report().iterations
                }),
            ),
            (
                "mace",
                Box::new(|| {
                    let p = Mace::params().n_restarts(1).max_iter(iters).tol(1e-300);
                    p.fit(&m).unwrap().fit_report().iterations
                }),
            ),
            (
                "mmsr",
                Box::new(|| {
                    let p = Mmsr::params().max_iter(iters).tol(1e-300);
                    p.fit(&m).unwrap().fit_report().iterations
                }),
            ),
        ];
        if k == 2 {
            runs.push((
                "kos",
                Box::new(|| {
                    Kos::params()
                        .n_iter(iters)
                        .fit(&m)
                        .unwrap()
                        .fit_report()
                        .iterations
                }),
            ));
        }
        let mut best = vec![f64::INFINITY; runs.len()];
        for _ in 0..5 {
            for (b, (_, f)) in best.iter_mut().zip(&runs) {
                let t = Instant::now();
                let it = f();
                *b = b.min(t.elapsed().as_secs_f64() / it as f64);
            }
        }
        for (b, (name, _)) in best.iter().zip(&runs) {
            eprintln!(
                "M={n_judgments:>8} K={k} {name:<5} {:>9.3} ms/iter {:>7.1} M judgment-iter/s {:>6.2}x ds",
                b * 1e3,
                n_judgments as f64 / b / 1e6,
                b / best[0]
            );
        }
    }
}

#[test]
fn unseen_classes_and_items_without_judgments() {
    use crowdqc_aggregation::{Kos, Mace, Mmsr};
    let opts = IngestOptions::default().with_classes(vec!["x", "maybe", "y"]);
    let mut b = JudgmentMatrixBuilder::new(opts).unwrap();
    for (i, w, l) in [
        ("t1", "a", "x"),
        ("t1", "b", "x"),
        ("t1", "c", "y"),
        ("t2", "a", "y"),
        ("t2", "b", "y"),
        ("t2", "c", "y"),
        ("t3", "a", "x"),
        ("t3", "b", "x"),
        ("t3", "c", "x"),
        ("t4", "lonely", "y"),
    ] {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .unwrap();
    }
    let full = b.finish().unwrap();
    assert_eq!(full.classes().unseen(), [1]);
    let lonely = full.workers().lookup(IdRef::Str("lonely")).unwrap();
    let m = full.without_workers(&[lonely]);
    let models: Vec<Box<dyn FittedModel>> = vec![
        Box::new(Glad::params().fit(&m).unwrap()),
        Box::new(Mace::params().fit(&m).unwrap()),
        Box::new(Kos::params().fit(&m).unwrap()),
        Box::new(Mmsr::params().fit(&m).unwrap()),
    ];
    for model in &models {
        let p = model.posteriors();
        assert_eq!(p.dim(), (4, 3), "{}", model.method());
        assert_rows_sum_to_one(model.as_ref());
        assert!(
            p.column(1).iter().all(|&v| v == 0.0),
            "{}: {p}",
            model.method()
        );
        // (KOS's messages on a 3 x 3 crowd are too few to agree with the majority)
        if model.method() != "kos" {
            assert_eq!(&model.labels()[..3], [0, 2, 0], "{}", model.method());
        }
        assert!((p[[3, 0]] - 0.5).abs() < 1e-12 && (p[[3, 2]] - 0.5).abs() < 1e-12);
        assert!(
            model.worker_accuracy()[lonely as usize].is_nan(),
            "{}",
            model.method()
        );
    }
}

mod props {
    use super::*;
    use crowdqc_aggregation::{Kos, Mace, Mmsr};
    use proptest::prelude::*;

    fn build(rows: &[(u8, u8, u8)]) -> JudgmentMatrix {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("test helper");
        for &(i, w, l) in rows {
            b.push_row(
                IdRef::Int(i.into()),
                IdRef::Int(w.into()),
                IdRef::Int(l.into()),
            )
            .expect("test helper");
        }
        b.finish().expect("test helper")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Posterior rows sum to 1 for all four methods on arbitrary small inputs.
        #[test]
        fn posteriors_are_distributions(
            rows in proptest::collection::vec((0u8..8, 0u8..5, 0u8..3), 2..40)
        ) {
            let m = build(&rows);
            prop_assume!(m.classes().counts().iter().filter(|&&c| c > 0).count() >= 2);
            let mut models: Vec<Box<dyn FittedModel>> = vec![
                Box::new(Glad::params().fit(&m).unwrap()),
                Box::new(Mace::params().n_restarts(2).fit(&m).unwrap()),
                Box::new(Mmsr::params().fit(&m).unwrap()),
            ];
            if m.n_classes() == 2 {
                models.push(Box::new(Kos::params().fit(&m).unwrap()));
            }
            for model in &models {
                for row in model.posteriors().rows() {
                    prop_assert!((row.sum() - 1.0).abs() < 1e-12, "{}: {row}", model.method());
                    prop_assert!(row.iter().all(|p| (0.0..=1.0).contains(p)));
                }
            }
        }

        /// GLAD (no randomness) is invariant to the row order and to renaming items and
        /// workers.
        #[test]
        fn glad_invariant_to_row_order_and_ids(
            rows in proptest::collection::vec((0u8..8, 0u8..5, 0u8..3), 4..40),
            seed in 0u64..1000,
        ) {
            let m = build(&rows);
            prop_assume!(m.classes().counts().iter().filter(|&&c| c > 0).count() >= 2);
            let mut shuffled: Vec<(u8, u8, u8)> =
                rows.iter().map(|&(i, w, l)| (i + 100, 200 - w, l)).collect();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.random_range(0..=i));
            }
            let s = build(&shuffled);
            let (a, b) = (Glad::params().fit(&m).unwrap(), Glad::params().fit(&s).unwrap());
            for i in 0..m.n_items() as u32 {
                let IdRef::Int(id) = m.items().get(i) else { unreachable!() };
                let j = s.items().lookup(IdRef::Int(id + 100)).unwrap() as usize;
                for c in 0..m.n_classes() {
                    let (p, q) = (a.posteriors()[[i as usize, c]], b.posteriors()[[j, c]]);
                    prop_assert!((p - q).abs() < 1e-8, "{p} vs {q}");
                }
            }
        }
    }
}
