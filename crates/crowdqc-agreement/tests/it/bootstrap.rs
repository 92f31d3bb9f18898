//! Bootstraps: bit-identical for any thread count, sensible distributions, errors.

use crowdqc_agreement::{
    BootstrapOptions, Contingency, CountsCoefficient, ItemCounts, Level, PairwiseCoefficient,
    WeightMatrix, bootstrap_conger, bootstrap_counts, bootstrap_pairwise,
    hayes_krippendorff_bootstrap, krippendorff_alpha,
};
use rayon::ThreadPoolBuilder;

use crate::common::{example, load_long, load_table};

fn with_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("pool")
        .install(f)
}

fn opts(replicates: usize) -> BootstrapOptions {
    BootstrapOptions {
        replicates,
        seed: 42,
        level: 0.95,
    }
}

#[test]
fn identical_for_any_thread_count() {
    let Some(p) = example("gwet2014_raw_5observers.csv") else {
        return;
    };
    let m = load_long(&p, None);
    let d = ItemCounts::from_matrix(&m);
    let w = WeightMatrix::identity(d.n_categories());
    let run = || {
        (
            bootstrap_counts(
                &d,
                CountsCoefficient::KrippendorffAlpha(Level::Interval),
                &w,
                &opts(200),
                &[0.667, 0.8],
            )
            .expect("alpha"),
            bootstrap_counts(&d, CountsCoefficient::GwetAc, &w, &opts(200), &[]).expect("ac1"),
            bootstrap_conger(&m, &w, &opts(50)).expect("conger"),
            hayes_krippendorff_bootstrap(&d, Level::Nominal, &opts(200), &[0.667, 0.8])
                .expect("hk"),
        )
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    let three = with_threads(3, run);
    assert_eq!(one, two);
    assert_eq!(one, three);
    assert_eq!(one.0.values.len() + one.0.undefined, 200);
}

#[test]
fn bootstrap_se_agrees_with_analytic_se() {
    let Some(dir) = crowdqc_testkit::fixtures::dataset_dir("zhou2012-dogs") else {
        return;
    };
    let m = crowdqc_testkit::fixtures::load_dataset(&dir, Default::default(), false);
    let d = ItemCounts::from_matrix(&m);
    let w = WeightMatrix::identity(d.n_categories());
    let a = krippendorff_alpha(&d, Level::Nominal).expect("alpha");
    let (v, se) = (a.value().expect("v"), a.se().expect("se"));
    let b = bootstrap_counts(
        &d,
        CountsCoefficient::KrippendorffAlpha(Level::Nominal),
        &w,
        &opts(300),
        &[0.667, 0.8],
    )
    .expect("boot");
    assert!(
        (b.se / se - 1.0).abs() < 0.25,
        "bootstrap se {} vs irrCAC se {se}",
        b.se
    );
    assert!((b.mean - v).abs() < 3.0 * se, "mean {} vs {v}", b.mean);
    assert!(b.ci_low < v && v < b.ci_high);
    // alpha ≈ 0.52 on these data: almost surely below both thresholds.
    assert!(b.p_below.iter().all(|&(_, p)| p > 0.99), "{:?}", b.p_below);
}

#[test]
fn hayes_krippendorff_on_krippendorff_2011() {
    let Some(p) = example("krippendorff2011_4coders_12units.csv") else {
        return;
    };
    let d = ItemCounts::from_matrix(&load_long(&p, None));
    let hk =
        hayes_krippendorff_bootstrap(&d, Level::Nominal, &opts(2000), &[0.667, 0.8]).expect("hk");
    // 10 coincidence cells are non-zero → M = min(250, (4 − 1) · 40 / 2) = 60.
    assert_eq!(hk.pairs_per_replicate, 60);
    let s = &hk.summary;
    assert!((s.mean - 0.743).abs() < 0.03, "mean {}", s.mean);
    assert!(s.ci_low < 0.743 && 0.743 < s.ci_high && s.ci_high <= 1.0);
    let (p667, p800) = (s.p_below[0].1, s.p_below[1].1);
    assert!(p667 < p800 && p667 > 0.05 && p800 < 0.95, "{p667} {p800}");
}

#[test]
fn pairwise_bootstrap_on_sas_table() {
    let Some(p) = example("sas_cohen_kappa_3x3.csv") else {
        return;
    };
    let t: Contingency = load_table(&p);
    let w = WeightMatrix::identity(t.n_categories());
    let b = with_threads(2, || {
        bootstrap_pairwise(&t, PairwiseCoefficient::CohenKappa, &w, &opts(400))
    })
    .expect("boot");
    let b1 = with_threads(1, || {
        bootstrap_pairwise(&t, PairwiseCoefficient::CohenKappa, &w, &opts(400))
    })
    .expect("boot");
    assert_eq!(b, b1);
    // ASE 0.1380 (SAS); the bootstrap SE of 19 subjects is in the same range.
    assert!((b.se - 0.138).abs() < 0.04, "{}", b.se);
}

#[test]
fn zero_replicates_is_a_parameter_error() {
    let Some(p) = example("gwet_raw_gender.csv") else {
        return;
    };
    let d = ItemCounts::from_matrix(&load_long(&p, None));
    let w = WeightMatrix::identity(d.n_categories());
    let e = bootstrap_counts(&d, CountsCoefficient::FleissKappa, &w, &opts(0), &[]).expect_err("0");
    assert!(
        e.to_string().contains("`bootstrap`") && e.is_user_error(),
        "{e}"
    );
    let e = hayes_krippendorff_bootstrap(&d, Level::Nominal, &opts(0), &[]).expect_err("0");
    assert!(e.to_string().contains("`bootstrap`"), "{e}");
    let bad = BootstrapOptions {
        level: 1.5,
        ..opts(10)
    };
    assert!(
        bad.validate()
            .expect_err("level")
            .to_string()
            .contains("`confidence`")
    );
}
