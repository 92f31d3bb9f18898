//! Invariants (proptest) of the core methods on seeded synthetic crowds.

use std::collections::HashMap;

use crowdqc_aggregation::registry::{self, RunOptions};
use crowdqc_aggregation::{DawidSkene, StopRule};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{Gold, IdRef, JudgmentMatrix};
use proptest::prelude::*;

use crate::support::{matrix_owned, synth};

const CORE: [&str; 6] = ["mv", "wawa", "zbs", "ds", "one-coin-ds", "gold-mv"];

/// Posteriors keyed by item id.
fn by_id(m: &JudgmentMatrix, model: &dyn FittedModel) -> HashMap<String, Vec<f64>> {
    let p = model.posteriors();
    (0..m.n_items())
        .map(|i| (m.items().get(i as u32).to_string(), p.row(i).to_vec()))
        .collect()
}

fn with_some_gold(m: &mut JudgmentMatrix, truth: &[usize], every: usize) {
    let pairs: Vec<(u32, u32)> = (0..truth.len())
        .step_by(every)
        .filter_map(|t| {
            let i = m.items().lookup(IdRef::Str(&format!("i{t}")))?;
            let c = m
                .classes()
                .index_of(IdRef::Str(&format!("c{}", truth[t])))?;
            Some((i, c))
        })
        .collect();
    let g = Gold::from_pairs(m.n_items(), m.n_classes(), pairs).expect("gold");
    m.set_gold(g).expect("set gold");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn posterior_rows_sum_to_one(seed in 0u64..1000, k in 2usize..5, per in 2usize..6) {
        let (rows, truth) = synth(seed, 40, 8, per, k, (0.4, 0.95));
        let mut m = matrix_owned(&rows);
        with_some_gold(&mut m, &truth, 5);
        for method in CORE {
            let model = registry::fit(method, &m, &RunOptions::default()).expect(method);
            for row in model.posteriors().rows() {
                let s: f64 = row.sum();
                prop_assert!((s - 1.0).abs() < 1e-9, "{method}: row sums to {s}");
                prop_assert!(row.iter().all(|v| (0.0..=1.0 + 1e-12).contains(v)));
            }
            prop_assert_eq!(model.labels().len(), m.n_items());
        }
    }

    #[test]
    fn invariant_to_row_order_and_id_relabelling(seed in 0u64..1000, k in 2usize..4) {
        let (rows, _) = synth(seed, 30, 7, 4, k, (0.5, 0.95));
        let m = matrix_owned(&rows);
        let mut shuffled = rows.clone();
        // deterministic shuffle from the seed
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        for i in (1..shuffled.len()).rev() {
            let j = rand::RngExt::random_range(&mut rng, 0..=i);
            shuffled.swap(i, j);
        }
        // relabel items and workers one-to-one: item `i{n}` becomes `item-{17n + 5 mod
        // 101}` (a bijection on 0..101, n < 30), which also reorders the ids
        let relabel_item = |i: &str| {
            let n: usize = i[1..].parse().expect("synth item ids are i<number>");
            format!("item-{:03}", (17 * n + 5) % 101)
        };
        let relabelled: Vec<(String, String, String)> = shuffled
            .iter()
            .map(|(i, w, l)| (relabel_item(i), format!("z{w}"), l.clone()))
            .collect();
        let back: HashMap<String, String> = shuffled
            .iter()
            .zip(&relabelled)
            .map(|(a, b)| (b.0.clone(), a.0.clone()))
            .collect();
        // the relabelling is one-to-one, so the relabelled comparison below always runs
        prop_assert_eq!(back.len(), m.n_items());
        let m2 = matrix_owned(&shuffled);
        let m3 = matrix_owned(&relabelled);
        for method in ["mv", "wawa", "zbs", "ds", "one-coin-ds"] {
            let a = by_id(&m, registry::fit(method, &m, &RunOptions::default()).expect(method).as_ref());
            let b = by_id(&m2, registry::fit(method, &m2, &RunOptions::default()).expect(method).as_ref());
            for (id, pa) in &a {
                let pb = &b[id];
                for (x, y) in pa.iter().zip(pb) {
                    prop_assert!((x - y).abs() < 1e-9, "{method} row order: {id} {x} vs {y}");
                }
            }
            let model = registry::fit(method, &m3, &RunOptions::default()).expect(method);
            let c = by_id(&m3, model.as_ref());
            prop_assert_eq!(c.len(), a.len());
            for (id, pc) in &c {
                let pa = &a[&back[id]];
                for (x, y) in pa.iter().zip(pc) {
                    prop_assert!((x - y).abs() < 1e-9, "{method} relabel: {id} {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn dawid_skene_log_likelihood_never_decreases(seed in 0u64..1000, k in 2usize..5) {
        let (rows, _) = synth(seed, 60, 10, 4, k, (0.3, 0.95));
        let m = matrix_owned(&rows);
        let ds = DawidSkene::params()
            .stop_rule(StopRule::LogLikelihood)
            .tol(1e-12)
            .max_iter(200)
            .fit(&m)
            .expect("ds");
        let tr = ds.log_likelihood_trace();
        for w in tr.windows(2) {
            prop_assert!(w[1] >= w[0] - 1e-7 * w[0].abs().max(1.0), "{tr:?}");
        }
    }

    #[test]
    fn perfect_workers_give_accuracy_one(seed in 0u64..1000, k in 2usize..5, workers in 1usize..6) {
        // Every worker labels every item, so each has seen every class (a worker that
        // never saw a class has a uniform confusion column there, which Dawid-Skene
        // cannot resolve with sparse data).
        let (rows, truth) = synth(seed, 30, workers, workers, k, (1.0, 1.0));
        let dense = true;
        let m = matrix_owned(&rows);
        for method in ["mv", "wawa", "zbs", "ds", "one-coin-ds"] {
            let model = registry::fit(method, &m, &RunOptions::default()).expect(method);
            let labels = model.labels();
            let p = model.posteriors();
            for (t, &c) in truth.iter().enumerate() {
                let Some(i) = m.items().lookup(IdRef::Str(&format!("i{t}"))) else { continue };
                let want = m.classes().index_of(IdRef::Str(&format!("c{c}"))).expect("class");
                prop_assert_eq!(labels[i as usize], want, "{}", method);
                if dense {
                    prop_assert!(p[[i as usize, want as usize]] > 0.99, "{method}: {}", p[[i as usize, want as usize]]);
                }
            }
        }
    }
}

#[test]
fn clamping_gold_does_not_lower_accuracy_on_other_items_on_average() {
    let (mut with, mut without) = (0.0, 0.0);
    let runs = 40;
    for seed in 0..runs {
        let (rows, truth) = synth(seed, 80, 12, 3, 3, (0.35, 0.9));
        let mut m = matrix_owned(&rows);
        with_some_gold(&mut m, &truth, 4);
        let gold = m.gold().clone();
        let free = DawidSkene::params().fit(&m).expect("ds").labels();
        let clamped = DawidSkene::params()
            .clamp_gold(true)
            .fit(&m)
            .expect("ds")
            .labels();
        let (mut a, mut b, mut n) = (0.0, 0.0, 0.0);
        for (t, &c) in truth.iter().enumerate() {
            let Some(i) = m.items().lookup(IdRef::Str(&format!("i{t}"))) else {
                continue;
            };
            if gold.label(i).is_some() {
                continue;
            }
            let want = m
                .classes()
                .index_of(IdRef::Str(&format!("c{c}")))
                .expect("class");
            n += 1.0;
            a += f64::from(u8::from(clamped[i as usize] == want));
            b += f64::from(u8::from(free[i as usize] == want));
        }
        with += a / n;
        without += b / n;
    }
    let (with, without) = (with / runs as f64, without / runs as f64);
    assert!(
        with >= without - 1e-12,
        "clamped {with:.4} < free {without:.4}"
    );
}

#[test]
fn results_are_bit_identical_for_any_thread_count() {
    // enough judgments for many chunks, in both M-step modes (few and many workers)
    for (n_workers, per) in [(20, 4), (3000, 3)] {
        let (rows, _) = synth(11, 6000, n_workers, per, 3, (0.4, 0.95));
        let m = matrix_owned(&rows);
        let fit = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| {
                let ds = DawidSkene::params().fit(&m).expect("ds");
                let oc = crowdqc_aggregation::OneCoinDawidSkene::params()
                    .fit(&m)
                    .expect("one-coin");
                (
                    ds.posteriors().to_owned(),
                    ds.confusion().to_owned(),
                    oc.posteriors().to_owned(),
                    ds.fit_report().objective.clone(),
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
                "posteriors, {t} threads"
            );
            assert!(
                one.1
                    .iter()
                    .zip(other.1.iter())
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "confusion, {t} threads"
            );
            assert!(
                one.2
                    .iter()
                    .zip(other.2.iter())
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "one-coin, {t} threads"
            );
            assert_eq!(one.3, other.3);
        }
    }
}
