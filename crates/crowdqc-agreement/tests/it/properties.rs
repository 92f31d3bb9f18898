//! Property tests: bounds, perfect agreement, invariance, the alpha–Fleiss identity.

use crowdqc_agreement::{
    Coefficient, Contingency, ItemCounts, Level, WeightMatrix, brennan_prediger, cohen_kappa,
    conger_kappa, fleiss_kappa, gwet_ac, krippendorff_alpha, percent_agreement, scott_pi,
};
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_testkit::strategies::{CrowdParams, crowd_and_permutation, crowd_and_relabelling};
use proptest::prelude::*;

/// A complete design: every one of `raters` workers rates every item.
fn complete(
    max_items: usize,
    raters: std::ops::RangeInclusive<usize>,
    q: u32,
) -> impl Strategy<Value = Vec<Vec<u32>>> {
    (1..=max_items, raters).prop_flat_map(move |(n, r)| {
        proptest::collection::vec(proptest::collection::vec(0..q, r), n)
    })
}

fn matrix(items: &[Vec<u32>]) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
    for (i, row) in items.iter().enumerate() {
        for (w, &c) in row.iter().enumerate() {
            b.push_row(
                IdRef::Int(i as i64),
                IdRef::Int(w as i64),
                IdRef::Int(c as i64),
            )
            .expect("row");
        }
    }
    b.finish().expect("matrix")
}

/// All unweighted / nominal values computable from a matrix, by name.
fn all(m: &JudgmentMatrix) -> Vec<(&'static str, Coefficient)> {
    let d = ItemCounts::from_matrix(m);
    let w = WeightMatrix::identity(d.n_categories());
    vec![
        ("percent", percent_agreement(&d, &w).expect("c")),
        ("fleiss", fleiss_kappa(&d, &w).expect("c")),
        ("ac1", gwet_ac(&d, &w).expect("c")),
        ("bp", brennan_prediger(&d, &w).expect("c")),
        ("conger", conger_kappa(m, &w).expect("c")),
        ("alpha", krippendorff_alpha(&d, Level::Nominal).expect("c")),
    ]
}

fn same(a: &Coefficient, b: &Coefficient) -> bool {
    match (a.value(), b.value()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-12,
        (None, None) => a.undefined_reason() == b.undefined_reason(),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn kappa_family_in_bounds(items in complete(12, 2..=5, 4)) {
        let m = matrix(&items);
        for (name, c) in all(&m) {
            if let Some(v) = c.value() {
                prop_assert!(v <= 1.0 + 1e-12, "{} = {}", name, v);
                if name != "alpha" {
                    prop_assert!(v >= -1.0 - 1e-12, "{} = {}", name, v);
                }
                if name == "percent" {
                    prop_assert!(v >= 0.0);
                }
            }
            prop_assert!(c.se().is_none_or(|s| s.is_finite() && s >= 0.0));
        }
    }

    #[test]
    fn two_rater_kappas_in_bounds(items in complete(15, 2..=2, 4)) {
        let m = matrix(&items);
        let t = Contingency::from_matrix(&m).expect("two raters");
        let w = WeightMatrix::identity(t.n_categories());
        for c in [cohen_kappa(&t, &w).expect("c"), scott_pi(&t, &w).expect("c")] {
            if let Some(v) = c.value() {
                prop_assert!((-1.0 - 1e-12..=1.0 + 1e-12).contains(&v));
            }
        }
        // Two raters, complete data: Conger = Cohen, Fleiss = Scott.
        let d = ItemCounts::from_matrix(&m);
        let cg = conger_kappa(&m, &w).expect("c");
        let ck = cohen_kappa(&t, &w).expect("c");
        prop_assert!(same(&cg, &ck) || (cg.value().is_none() && ck.value().is_none()));
        let fl = fleiss_kappa(&d, &w).expect("c");
        let sp = scott_pi(&t, &w).expect("c");
        prop_assert!(same(&fl, &sp) || (fl.value().is_none() && sp.value().is_none()));
    }

    #[test]
    fn perfect_agreement_gives_one(labels in proptest::collection::vec(0u32..4, 2..10), r in 2usize..5) {
        prop_assume!(labels.iter().any(|&l| l != labels[0]));
        let items: Vec<Vec<u32>> = labels.iter().map(|&l| vec![l; r]).collect();
        let m = matrix(&items);
        for (name, c) in all(&m) {
            let v = c.value();
            prop_assert!(v.is_some_and(|v| (v - 1.0).abs() < 1e-12), "{} = {:?}", name, v);
        }
    }

    #[test]
    fn invariant_to_row_order((crowd, perm) in crowd_and_permutation(CrowdParams::default())) {
        let a = all(&crowd.to_matrix(IngestOptions::default()));
        let b = all(&crowd.permuted(&perm).to_matrix(IngestOptions::default()));
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            prop_assert!(same(x, y), "{}: {:?} vs {:?}", name, x, y);
        }
    }

    #[test]
    fn invariant_to_relabelling((crowd, r) in crowd_and_relabelling(CrowdParams::default())) {
        let a = all(&crowd.to_matrix(IngestOptions::default()));
        let b = all(&crowd.relabelled(&r).to_matrix(IngestOptions::default()));
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            prop_assert!(same(x, y), "{}: {:?} vs {:?}", name, x, y);
        }
    }

    #[test]
    fn alpha_fleiss_identity_constant_redundancy(items in complete(12, 2..=5, 4)) {
        let m = matrix(&items);
        let d = ItemCounts::from_matrix(&m);
        let k = fleiss_kappa(&d, &WeightMatrix::identity(d.n_categories())).expect("k");
        let a = krippendorff_alpha(&d, Level::Nominal).expect("a");
        let n_dot = d.n_ratings() as f64;
        match (k.value(), a.value()) {
            (Some(k), Some(a)) => {
                let rhs = 1.0 - (1.0 - k) * (1.0 - 1.0 / n_dot);
                prop_assert!((a - rhs).abs() < 1e-12, "alpha {} vs {}", a, rhs);
            }
            (None, None) => {}
            (k, a) => prop_assert!(false, "kappa {:?} alpha {:?}", k, a),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn weighted_two_rater_kappas(counts in proptest::collection::vec(0u64..6, 16)) {
        use crowdqc_agreement::Weights;
        let names = ["1", "2", "3", "4"];
        let t = Contingency::new(&names, &counts).expect("table");
        let mut transposed = vec![0u64; 16];
        for a in 0..4 {
            for b in 0..4 {
                transposed[b * 4 + a] = counts[a * 4 + b];
            }
        }
        let tt = Contingency::new(&names, &transposed).expect("table");
        for weights in [Weights::Identity, Weights::Linear, Weights::Quadratic, Weights::Ordinal] {
            let w = t.weight_matrix(&weights, None).expect("w");
            let k = cohen_kappa(&t, &w).expect("k");
            if let Some(v) = k.value() {
                prop_assert!((-1.0 - 1e-9..=1.0 + 1e-9).contains(&v), "{:?}: {}", weights, v);
                prop_assert!(k.se().is_some_and(|s| s.is_finite() && s >= 0.0));
            }
            // Swapping the raters changes nothing (symmetric weights).
            prop_assert!(same(&k, &cohen_kappa(&tt, &w).expect("k")));
            prop_assert!(same(&scott_pi(&t, &w).expect("p"), &scott_pi(&tt, &w).expect("p")));
        }
    }

    #[test]
    fn bootstrap_of_perfect_agreement_is_one(labels in proptest::collection::vec(0u32..3, 3..12)) {
        use crowdqc_agreement::{BootstrapOptions, CountsCoefficient, bootstrap_counts};
        prop_assume!(labels.iter().any(|&l| l != labels[0]));
        let items: Vec<Vec<u32>> = labels.iter().map(|&l| vec![l; 3]).collect();
        let d = ItemCounts::from_matrix(&matrix(&items));
        let w = WeightMatrix::identity(d.n_categories());
        let opts = BootstrapOptions { replicates: 50, seed: 1, level: 0.9 };
        for c in [CountsCoefficient::FleissKappa, CountsCoefficient::KrippendorffAlpha(Level::Nominal)] {
            let b = bootstrap_counts(&d, c, &w, &opts, &[0.8]).expect("boot");
            prop_assert_eq!(b.values.len() + b.undefined, 50);
            prop_assert!(b.values.iter().all(|&v| (v - 1.0).abs() < 1e-12));
            prop_assert!(b.p_below[0].1 == 0.0 || b.values.is_empty());
        }
    }
}
