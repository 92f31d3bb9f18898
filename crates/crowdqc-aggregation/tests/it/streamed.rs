//! Dawid–Skene and one-coin posteriors on demand (`keep_posteriors(false)`): the rows
//! streamed in chunks are the bits of the kept table, labels and confidence are those
//! of the table, the E-step they come from is the returned posteriors' (checked against
//! the fixed-point engine, a separate implementation), and bad calls are typed errors.

use crowdqc_aggregation::{DawidSkene, DawidSkeneModel, OneCoinDawidSkene, StopRule};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{Error, IngestOptions, JudgmentMatrix};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

use crate::support::{item, load, matrix_with_gold};

fn synth(k: usize, workers: usize, n: u64, gold: f64) -> JudgmentMatrix {
    let cfg = SynthConfig {
        seed: 5,
        n_workers: workers,
        n_classes: k,
        redundancy: Redundancy::Fixed(4),
        gold_fraction: gold,
        ..SynthConfig::default()
    }
    .with_judgments(n);
    SynthCrowd::new(cfg)
        .expect("config")
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix")
}

/// Streams the model's rows in uneven chunks (1 row, then 999, then 4096 at a time).
fn stream(model: &DawidSkeneModel, m: &JudgmentMatrix) -> (Vec<f64>, Vec<u32>, Vec<f64>) {
    let (n, k) = (m.n_items() as u32, m.n_classes());
    let (mut post, mut labels, mut conf) = (Vec::new(), Vec::new(), Vec::new());
    let mut lo = 0;
    for size in [1u32, 999].into_iter().chain(std::iter::repeat(4096)) {
        if lo >= n {
            break;
        }
        let hi = (lo + size).min(n);
        let r = (hi - lo) as usize;
        let (mut p, mut l, mut c) = (vec![0.0; r * k], vec![0; r], vec![0.0; r]);
        model
            .predict_into(m, lo..hi, &mut p, &mut l, &mut c)
            .expect("predict");
        post.extend(p);
        labels.extend(l);
        conf.extend(c);
        lo = hi;
    }
    (post, labels, conf)
}

fn check(what: &str, m: &JudgmentMatrix, kept: &DawidSkeneModel, mut lean: DawidSkeneModel) {
    assert!(
        kept.has_posteriors() && kept.has_dense_posteriors(),
        "{what}"
    );
    assert!(
        !lean.has_posteriors() && !lean.has_dense_posteriors(),
        "{what}"
    );
    assert_eq!(lean.posteriors().dim(), (m.n_items(), 0), "{what}");
    assert!(lean.labels().is_empty(), "{what}");
    // the fit itself is the same
    assert_eq!(lean.confusion(), kept.confusion(), "{what}: confusion");
    assert_eq!(lean.priors(), kept.priors(), "{what}: priors");
    assert_eq!(lean.fit_report(), kept.fit_report(), "{what}: report");
    let table = kept.posteriors().as_slice().expect("standard").to_vec();
    let labels = kept.labels();
    for model in [kept, &lean] {
        let (p, l, c) = stream(model, m);
        assert_eq!(p, table, "{what}: posteriors (bits)");
        assert_eq!(l, labels, "{what}: labels");
        for (t, (&lt, &ct)) in l.iter().zip(&c).enumerate() {
            assert_eq!(
                ct,
                kept.posteriors()[[t, lt as usize]],
                "{what}: confidence {t}"
            );
        }
    }
    lean.materialize_posteriors(m).expect("materialise");
    assert!(lean.has_posteriors(), "{what}");
    assert_eq!(lean.posteriors(), kept.posteriors(), "{what}: materialised");
    assert_eq!(lean.labels(), labels, "{what}: materialised labels");
}

#[test]
fn streamed_rows_are_the_kept_table() {
    // an item left without judgment (t7, whose only worker e is dropped) with gold in a
    // class no judgment uses (z): without clamping z is left out of the EM (posterior
    // 0), with clamping it is active
    let mut rows = Vec::new();
    let (items, workers) = (["t1", "t2", "t3", "t4", "t5", "t6"], ["a", "b", "c", "d"]);
    for (i, t) in items.iter().enumerate() {
        for (j, w) in workers.iter().enumerate() {
            rows.push((*t, *w, if (i + j) % 3 == 0 { "y" } else { "x" }));
        }
    }
    rows.push(("t7", "e", "z"));
    let full = matrix_with_gold(&rows, &[("t1", "y"), ("t7", "z")]);
    let small = full.without_workers(&[crate::support::worker(&full, "e") as u32]);
    assert_eq!(small.item_range(item(&small, "t7") as u32).len(), 0);
    assert_eq!(small.n_classes(), 3);
    let mut cases = vec![
        ("small", small, true),
        ("synth k5", synth(5, 300, 60_000, 0.05), true),
        (
            "synth k5 many workers",
            synth(5, 30_000, 60_000, 0.0),
            false,
        ),
        ("synth k11", synth(11, 200, 30_000, 0.0), false),
    ];
    if let Some(m) = load("zhou2012-dogs", true) {
        cases.push(("dogs", m, true));
    }
    for (name, m, gold) in &cases {
        for clamp in [false, *gold]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
        {
            for stop in [StopRule::CrowdKit, StopRule::LogLikelihood] {
                let p = DawidSkene::params().clamp_gold(clamp).stop_rule(stop);
                let kept = p.fit(m).expect("fit");
                let lean = p.clone().keep_posteriors(false).fit(m).expect("lean");
                check(&format!("{name} clamp {clamp} {stop:?}"), m, &kept, lean);
            }
        }
        let p = OneCoinDawidSkene::params();
        let kept = p.fit(m).expect("one-coin");
        let lean = p.clone().keep_posteriors(false).fit(m).expect("lean");
        check(&format!("{name} one-coin"), m, &kept, lean);
    }
}

/// The rows are the E-step of the parameters the returned posteriors come from
/// (crowd-kit's rule: one iteration before the returned confusion): equal, to 1e-12,
/// to the fixed-point engine's, which computes its posteriors with separate code.
#[test]
fn streamed_rows_match_the_fixed_point_engine() {
    let m = synth(4, 200, 40_000, 0.0);
    for stop in [StopRule::CrowdKit, StopRule::LogLikelihood] {
        for iters in [1, 3] {
            let p = DawidSkene::params().max_iter(iters).stop_rule(stop);
            let lean = p.clone().keep_posteriors(false).fit(&m).expect("lean");
            let exact = p.exact_sums(true).fit(&m).expect("exact");
            let (q, _, _) = stream(&lean, &m);
            let e = exact.posteriors();
            let gap = q
                .iter()
                .zip(e.iter())
                .fold(0.0f64, |g, (a, b)| g.max((a - b).abs()));
            assert!(gap < 1e-12, "{stop:?} {iters}: gap {gap:e}");
        }
    }
    // and the parameters matter (the test can fail): one more iteration moves them
    let one = DawidSkene::params().max_iter(1).keep_posteriors(false);
    let two = DawidSkene::params().max_iter(2);
    let (q1, _, _) = stream(&one.fit(&m).expect("1"), &m);
    let q2 = two.fit(&m).expect("2").posteriors().to_owned();
    let gap = q1
        .iter()
        .zip(q2.iter())
        .fold(0.0f64, |g, (a, b)| g.max((a - b).abs()));
    assert!(gap > 1e-6, "gap {gap:e}");
}

#[test]
fn bad_streaming_calls_are_typed_errors() {
    let m = synth(3, 50, 5_000, 0.0);
    let other = synth(3, 60, 5_000, 0.0);
    let k = m.n_classes();
    for keep in [true, false] {
        let model = DawidSkene::params()
            .keep_posteriors(keep)
            .fit(&m)
            .expect("fit");
        let mut out = vec![0.0; 10 * k];
        let name = |r: Result<(), Error>| match r {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("keep {keep}: expected a parameter error, got {other:?}"),
        };
        assert_eq!(
            name(model.posteriors_into(&other, 0..10, &mut out)),
            "matrix"
        );
        let n = m.n_items() as u32;
        assert_eq!(
            name(model.posteriors_into(&m, n - 5..n + 5, &mut out)),
            "rows"
        );
        assert_eq!(name(model.posteriors_into(&m, 0..9, &mut out)), "out");
        let (mut l, mut c) = (vec![0; 9], vec![0.0; 10]);
        assert_eq!(
            name(model.predict_into(&m, 0..10, &mut out, &mut l, &mut c)),
            "labels"
        );
        assert!(model.posteriors_into(&m, 0..10, &mut out).is_ok());
        assert!(model.posteriors_into(&m, 3..3, &mut []).is_ok());
    }
    let mut lean = DawidSkene::params()
        .keep_posteriors(false)
        .fit(&m)
        .expect("fit");
    assert!(lean.materialize_posteriors(&other).is_err());
    assert!(!lean.has_posteriors());
}
