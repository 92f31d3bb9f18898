//! Published and crowd-kit-asserted values: crowd-kit's toy and simple test fixtures,
//! and the Dawid & Skene (1979) anaesthesia example.

use crowdqc_aggregation::{
    DawidSkene, GoldMajorityVote, MajorityVote, OneCoinDawidSkene, StopRule, Wawa,
};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_testkit::fixtures::{dataset_dir, read_csv_rows};

use crate::support::{class, item, load, worker};

const TOY_P_YES_MV: [(&str, f64); 5] = [
    ("t1", 0.5),
    ("t2", 0.6),
    ("t3", 0.4),
    ("t4", 1.0),
    ("t5", 0.2),
];

#[test]
fn toy_majority_vote_probas_labels_and_skills() {
    let Some(m) = load("crowdkit-toy", false) else {
        return;
    };
    let mv = MajorityVote::params().fit(&m).expect("fit");
    let yes = class(&m, "yes");
    for (t, p) in TOY_P_YES_MV {
        assert!(
            (mv.posteriors()[[item(&m, t), yes]] - p).abs() < 1e-12,
            "{t}"
        );
    }
    // t1 is a 2-2 tie: crowd-kit (and the lowest-index rule) give `no`.
    let labels = mv.labels();
    let no = class(&m, "no") as u32;
    assert_eq!(labels[item(&m, "t1")], no);
    for (w, s) in [
        ("w1", 0.6),
        ("w2", 0.8),
        ("w3", 1.0),
        ("w4", 0.4),
        ("w5", 0.8),
    ] {
        assert!(
            (mv.worker_accuracy()[worker(&m, w)] - s).abs() < 1e-12,
            "{w}"
        );
    }
}

#[test]
fn toy_dawid_skene_step_by_step() {
    let Some(m) = load("crowdkit-toy", false) else {
        return;
    };
    let (yes, no) = (class(&m, "yes"), class(&m, "no"));
    // n_iter = 1: priors (no 0.49, yes 0.51); P(yes) per task; atol 0.005 as crowd-kit.
    let ds = DawidSkene::params().max_iter(1).fit(&m).expect("fit");
    assert!((ds.priors()[no] - 0.49).abs() < 0.005 && (ds.priors()[yes] - 0.51).abs() < 0.005);
    for (t, p) in [
        ("t1", 0.65),
        ("t2", 0.74),
        ("t3", 0.13),
        ("t4", 1.0),
        ("t5", 0.05),
    ] {
        let got = ds.posteriors()[[item(&m, t), yes]];
        assert!((got - p).abs() < 0.005, "{t}: {got}");
    }
    // w2 after iteration 1: P(obs no | true no) 0.75, P(obs no | true yes) 0.07.
    let c = ds.confusion();
    let w2 = worker(&m, "w2");
    assert!(
        (c[[w2, no, no]] - 0.75).abs() < 0.005,
        "{}",
        c[[w2, no, no]]
    );
    assert!(
        (c[[w2, yes, no]] - 0.07).abs() < 0.005,
        "{}",
        c[[w2, yes, no]]
    );
    // converged fit: labels t1 yes, t2 yes, t3 no, t4 yes, t5 no.
    let ds = DawidSkene::params().fit(&m).expect("fit");
    let want = [
        ("t1", yes),
        ("t2", yes),
        ("t3", no),
        ("t4", yes),
        ("t5", no),
    ];
    let labels = ds.labels();
    for (t, c) in want {
        assert_eq!(labels[item(&m, t)] as usize, c, "{t}");
    }
    let ds = DawidSkene::params()
        .max_iter(10)
        .tol(1e-300)
        .fit(&m)
        .expect("fit");
    for (t, c) in want {
        assert_eq!(ds.labels()[item(&m, t)] as usize, c, "{t}");
    }
}

#[test]
fn toy_gold_majority_vote() {
    let Some(m) = load("crowdkit-toy", true) else {
        return;
    };
    let g = GoldMajorityVote::params().fit(&m).expect("fit");
    let yes = class(&m, "yes");
    let skills = g.worker_accuracy();
    for (w, s) in [
        ("w1", 0.5),
        ("w2", 1.0),
        ("w3", 1.0),
        ("w4", 0.5),
        ("w5", 0.0),
    ] {
        assert!((skills[worker(&m, w)] - s).abs() < 1e-12, "{w}");
    }
    let want = [
        ("t1", 0.75),
        ("t2", 5.0 / 6.0),
        ("t3", 1.0 / 3.0),
        ("t4", 1.0),
        ("t5", 1.0 / 6.0),
    ];
    for (t, p) in want {
        assert!((g.posteriors()[[item(&m, t), yes]] - p).abs() < 1e-6, "{t}");
    }
}

#[test]
fn toy_expected_aggregates_file() {
    let Some(dir) = dataset_dir("crowdkit-toy") else {
        return;
    };
    let Some(m) = load("crowdkit-toy", true) else {
        return;
    };
    let (h, rows) = read_csv_rows(&dir.join("expected_aggregates.csv"));
    let col = |n: &str| h.iter().position(|c| c == n).expect("column");
    let mv = MajorityVote::params().fit(&m).expect("mv").labels();
    let ds = DawidSkene::params().fit(&m).expect("ds").labels();
    let gmv = GoldMajorityVote::params()
        .fit(&m)
        .expect("gold-mv")
        .labels();
    for r in &rows {
        let i = item(&m, &r[col("item")]);
        assert_eq!(mv[i] as usize, class(&m, &r[col("mv_label")]));
        assert_eq!(ds[i] as usize, class(&m, &r[col("ds_label")]));
        assert_eq!(gmv[i] as usize, class(&m, &r[col("gold_mv_label")]));
    }
}

#[test]
fn simple_mv_ds_one_coin_wawa_equal_ground_truth() {
    let Some(m) = load("crowdkit-simple", true) else {
        return;
    };
    let mv = MajorityVote::params().fit(&m).expect("mv");
    let ds = DawidSkene::params().fit(&m).expect("ds");
    let oc = OneCoinDawidSkene::params().fit(&m).expect("oc");
    let wawa = Wawa::params().fit(&m).expect("wawa");
    for labels in [mv.labels(), ds.labels(), oc.labels(), wawa.labels()] {
        for &i in m.gold().items() {
            assert_eq!(Some(labels[i as usize]), m.gold().label(i));
        }
    }
    let acc = mv.worker_accuracy();
    let fraud = worker(&m, "0c3eb7d5fcc414db137c4180a654c06e");
    assert!((acc[fraud] - 1.0 / 3.0).abs() < 1e-6);
    // 3-way tie resolved to chicken (lowest index = crowd-kit).
    let t = item(&m, "1231239876--5fac0d234ffb2f3b00893efd");
    let p = mv.posteriors();
    assert!((p[[t, 0]] - 1.0 / 3.0).abs() < 1e-12 && (p[[t, 2]] - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(mv.labels()[t] as usize, class(&m, "chicken"));
}

#[test]
fn dawid_skene_1979_reference() {
    let Some(m) = load("dawid-skene-1979-anaesthesia", false) else {
        return;
    };
    // crowd-kit's rule stops after 4 iterations here (its objective dips); the
    // classic rule runs EM to convergence as the paper did.
    let ck = DawidSkene::params().fit(&m).expect("fit");
    assert_eq!(ck.fit_report().iterations, 4);
    let ds = DawidSkene::params()
        .stop_rule(StopRule::LogLikelihood)
        .max_iter(1000)
        .tol(1e-12)
        .fit(&m)
        .expect("fit");
    let ll = ds.log_likelihood();
    assert!((ll - (-192.890882)).abs() < 1e-4, "log-likelihood {ll}");
    for (c, want) in [0.40, 0.42, 0.11, 0.07].into_iter().enumerate() {
        assert!((ds.priors()[c] - want).abs() < 0.005, "prior {c}");
    }
    let obs1 = worker(&m, "1");
    let want = [
        [0.89, 0.11, 0.0, 0.0],
        [0.07, 0.88, 0.05, 0.0],
        [0.0, 0.34, 0.66, 0.0],
        [0.0, 0.0, 0.56, 0.44],
    ];
    for (t, row) in want.iter().enumerate() {
        for (l, &v) in row.iter().enumerate() {
            let got = ds.confusion()[[obs1, t, l]];
            assert!((got - v).abs() < 0.005 + 1e-9, "observer 1 [{t},{l}] {got}");
        }
    }
    for (p, post) in [
        ("7", [0.981, 0.019, 0.0, 0.0]),
        ("30", [0.9991, 0.0009, 0.0, 0.0]),
        ("35", [0.0, 0.948, 0.052, 0.0]),
        ("38", [0.0, 0.0212, 0.9788, 0.0]),
        ("42", [0.9998, 0.0002, 0.0, 0.0]),
    ] {
        let i = item(&m, p);
        for (c, &v) in post.iter().enumerate() {
            let got = ds.posteriors()[[i, c]];
            assert!((got - v).abs() < 1e-3, "patient {p} class {c}: {got}");
        }
    }
    // the log-likelihood trace never decreases (EM), up to the 1e-10 floor
    let tr = ds.log_likelihood_trace();
    assert!(tr.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{tr:?}");
}

/// What each stop rule returns: crowd-kit's rule keeps the posteriors its last M-step
/// came from; the log-likelihood rule returns the E-step of the returned parameters.
/// The log-likelihood trace has one entry per E-step.
#[test]
fn stop_rules_return_their_documented_iterates() {
    let Some(m) = load("dawid-skene-1979-anaesthesia", false) else {
        return;
    };
    // posteriors of the E-step with a model's confusion [w, true, observed] and priors
    let e_step = |ds: &crowdqc_aggregation::DawidSkeneModel| {
        let (conf, pri) = (ds.confusion(), ds.priors());
        let mut out = Vec::new();
        for t in 0..m.n_items() {
            let mut l: Vec<f64> = (0..m.n_classes()).map(|c| pri[c].max(1e-10).ln()).collect();
            for p in m.item_range(t as u32) {
                let (w, o) = (
                    m.judgment_workers()[p] as usize,
                    m.judgment_classes()[p] as usize,
                );
                for (c, v) in l.iter_mut().enumerate() {
                    *v += conf[[w, c, o]].ln();
                }
            }
            let mx = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = l.iter().map(|v| (v - mx).exp()).sum();
            out.push(l.iter().map(|v| (v - mx).exp() / z).collect::<Vec<_>>());
        }
        out
    };
    let gap = |ds: &crowdqc_aggregation::DawidSkeneModel, want: &[Vec<f64>]| {
        let mut worst = 0.0f64;
        for (t, row) in want.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                worst = worst.max((ds.posteriors()[[t, c]] - v).abs());
            }
        }
        worst
    };
    for iters in [1, 2, 3] {
        let ll = DawidSkene::params()
            .stop_rule(StopRule::LogLikelihood)
            .max_iter(iters)
            .tol(1e-300)
            .fit(&m)
            .expect("fit");
        assert_eq!(ll.fit_report().iterations, iters);
        assert_eq!(ll.log_likelihood_trace().len(), iters + 1);
        assert!(gap(&ll, &e_step(&ll)) < 1e-9, "{iters}: not E(theta_n)");
        let ck = DawidSkene::params()
            .max_iter(iters)
            .tol(1e-300)
            .fit(&m)
            .expect("fit");
        assert_eq!(ck.log_likelihood_trace().len(), iters);
        // one iteration fewer gives the parameters crowd-kit's posteriors came from
        assert!(
            gap(&ck, &e_step(&ck)) > 1e-4,
            "{iters}: crowd-kit keeps q_n"
        );
        if iters > 1 {
            let before = DawidSkene::params()
                .stop_rule(StopRule::LogLikelihood)
                .max_iter(iters - 1)
                .tol(1e-300)
                .fit(&m)
                .expect("fit");
            assert!(
                gap(&ck, &e_step(&before)) < 1e-9,
                "{iters}: q_n = E(theta_n-1)"
            );
        }
    }
}

#[test]
fn warm_start_smoothing_and_fixed_priors() {
    let Some(m) = load("zhou2012-dogs", true) else {
        return;
    };
    let first = DawidSkene::params().fit(&m).expect("fit");
    let warm = DawidSkene::params()
        .warm_start(&first)
        .fit(&m)
        .expect("warm");
    // starting from the converged confusion (priors restart from majority vote), EM
    // needs fewer iterations and lands on the same labels
    assert!(
        warm.fit_report().iterations < first.fit_report().iterations,
        "{:?}",
        warm.fit_report()
    );
    let same = first
        .labels()
        .iter()
        .zip(warm.labels())
        .filter(|(a, b)| **a == *b)
        .count();
    assert!(same as f64 >= 0.99 * m.n_items() as f64);
    // Dirichlet smoothing: every cell positive, rows sum to 1 over all labels
    let s = DawidSkene::params()
        .smoothing(1.0)
        .fit(&m)
        .expect("smoothed");
    let c = s.confusion();
    for w in 0..m.n_workers() {
        for t in 0..m.n_classes() {
            let row = c.slice(ndarray::s![w, t, ..]);
            assert!(row.iter().all(|&v| v > 0.0));
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
    }
    // fixed priors stay fixed
    let p = vec![0.25; 4];
    let f = DawidSkene::params()
        .priors(crowdqc_aggregation::ClassPriors::Fixed(p.clone()))
        .fit(&m)
        .expect("fixed");
    assert_eq!(f.priors().to_vec(), p);
}

#[test]
fn answer_patterns_flag_constant_and_uniform_workers() {
    use crowdqc_aggregation::answer_patterns;
    // 12 items, imbalanced truth (9 x a, 3 x b); good worker follows the truth,
    // `const` always says a, `rand` alternates a/b evenly.
    let mut rows = Vec::new();
    for i in 0..12 {
        let t = if i < 9 { "a" } else { "b" };
        let item = format!("t{i}");
        rows.push((item.clone(), "good".to_string(), t.to_string()));
        rows.push((item.clone(), "const".to_string(), "a".to_string()));
        let r = if i % 2 == 0 { "a" } else { "b" };
        rows.push((item, "rand".to_string(), r.to_string()));
    }
    let m = crate::support::matrix_owned(&rows);
    let p = answer_patterns(&m, 10, 0.1);
    let (good, cst, rnd) = (worker(&m, "good"), worker(&m, "const"), worker(&m, "rand"));
    assert!(p.constant_label[cst] && !p.constant_label[good] && !p.constant_label[rnd]);
    assert!(p.uniform_answers[rnd] && !p.uniform_answers[good] && !p.uniform_answers[cst]);
    // the constant worker is a perfect spammer for Dawid-Skene
    let ds = DawidSkene::params().fit(&m).expect("ds");
    assert!(ds.spammer_scores()[cst] < 1e-9);
}
