//! `agreement::report`: the typed report on the three layouts against irrCAC's stored
//! outputs (`fixtures/agreement/expected.json`) and published values, its bootstraps
//! equal to the bootstrap functions', its JSON and Arrow forms, and what it says
//! about its intervals.

use crowdqc_agreement::{
    AgreementReport, BootstrapOptions, CoefficientName as N, CountsCoefficient, HayesReport,
    IntervalKind, ItemCounts, Level, ReportOptions, SeMethod, WeightMatrix, bootstrap_conger,
    bootstrap_counts, hayes_krippendorff_bootstrap, report,
};
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset, project_fixtures};
use rayon::ThreadPoolBuilder;

use crate::common::{assert_published, example, load_counts, load_long, load_table};

fn expected() -> serde_json::Value {
    let path = project_fixtures().join("agreement/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("json")
}

/// irrCAC rounds to 5 decimals.
#[track_caller]
fn close5(x: Option<f64>, v: &serde_json::Value) {
    let (x, v) = (x.expect("defined"), v.as_f64().expect("number"));
    assert!((x - v).abs() <= 5e-6 + 1e-12, "got {x}, irrCAC {v}");
}

fn row(r: &AgreementReport, n: N) -> &crowdqc_agreement::CoefficientReport {
    r.get(n).unwrap_or_else(|| panic!("{n:?} missing"))
}

#[test]
fn judgments_report_matches_irrcac() {
    let e = expected();
    let Some(p) = example("gwet2014_raw_4raters.csv") else {
        return;
    };
    let m = load_long(&p, None);
    let r = report(&m, &ReportOptions::default()).expect("report");
    let x = &e["irrcac"]["gwet2014_raw_4raters"];
    for (name, key) in [
        (N::GwetAc1, "gwet_ac1"),
        (N::FleissKappa, "fleiss_kappa"),
        (N::BrennanPrediger, "brennan_prediger"),
        (N::KrippendorffAlpha, "krippendorff_alpha"),
        (N::CongerKappa, "conger_kappa"),
    ] {
        let c = row(&r, name);
        close5(c.value, &x[key]["value"]);
        close5(c.se, &x[key]["se"]);
        close5(c.expected, &x[key]["pe"]);
        assert_eq!(c.se_method, Some(SeMethod::Analytic));
    }
    // irrCAC's docstring (raw.py): AC1 95% CI (0.46081, 1).
    let ci = row(&r, N::GwetAc1).ci().expect("ci");
    assert_eq!(ci.kind, IntervalKind::T);
    assert_published(Some(ci.low), "0.46081");
    assert_eq!(ci.high, 1.0);
    assert_eq!(r.input.raters, Some(4));
    assert!(r.get(N::CohenKappa).is_none() && r.get(N::ScottPi).is_none());
    assert!(
        row(&r, N::KrippendorffAlpha)
            .interpretation
            .is_some_and(|i| i.contains("tentative"))
    );
}

#[test]
fn table_report_matches_irrcac_and_conger_is_cohen() {
    let e = expected();
    let Some(p) = example("gwet2014_cont3x3_abstractors.csv") else {
        return;
    };
    let t = load_table(&p);
    let opts = ReportOptions::default().weights(crowdqc_agreement::Weights::Linear);
    let r = report(&t, &opts).expect("report");
    let x = &e["irrcac_table"]["gwet2014_cont3x3_abstractors"];
    close5(
        row(&r, N::CohenKappa).value,
        &x["cohen_kappa_linear"]["value"],
    );
    close5(row(&r, N::CohenKappa).se, &x["cohen_kappa_linear"]["se"]);
    close5(row(&r, N::ScottPi).value, &x["scott_pi_linear"]["value"]);
    close5(row(&r, N::ScottPi).se, &x["scott_pi_linear"]["se"]);
    // Gwet 2014 (irrCAC tests): weighted AC1 (linear) 0.900.
    assert_published(row(&r, N::GwetAc2).value, "0.900");
    assert!(r.get(N::GwetAc1).is_none());
    let conger = row(&r, N::CongerKappa);
    assert_eq!(conger.value, row(&r, N::CohenKappa).value);
    assert!(conger.note.is_some());
    assert_eq!(r.input.categories, ["Ectopic", "AIU", "NIU"]);
    assert_eq!((r.input.raters, r.input.items), (Some(2), 100));
}

#[test]
fn counts_report_fleiss_1971() {
    let Some(p) = example("fleiss1971_diagnoses_counts.csv") else {
        return;
    };
    let c = load_counts(&p);
    let r = report(&c, &ReportOptions::default()).expect("report");
    // Fleiss (1971): kappa = 0.430 (statsmodels: 0.4302445).
    let k = row(&r, N::FleissKappa).value.expect("kappa");
    assert!((k - 0.4302445).abs() < 5e-8, "{k}");
    let conger = row(&r, N::CongerKappa);
    assert!(
        conger.value.is_none()
            && conger
                .reason
                .as_deref()
                .is_some_and(|s| s.contains("rater"))
    );
    assert!(r.get(N::CohenKappa).is_none());
    assert_eq!(r.input.raters, None);
}

fn with_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("pool")
        .install(f)
}

#[test]
fn bootstraps_equal_the_bootstrap_functions_for_any_thread_count() {
    let Some(p) = example("gwet2014_raw_5observers.csv") else {
        return;
    };
    let m = load_long(&p, None);
    let opts = ReportOptions::default()
        .bootstrap(200)
        .seed(7)
        .level(Level::Interval);
    let r1 = with_threads(1, || report(&m, &opts)).expect("report");
    let r3 = with_threads(3, || report(&m, &opts)).expect("report");
    assert_eq!(r1, r3);
    let d = ItemCounts::from_matrix(&m);
    let w = WeightMatrix::identity(d.n_categories());
    let b = BootstrapOptions {
        replicates: 200,
        seed: 7,
        level: 0.95,
    };
    let alpha = bootstrap_counts(
        &d,
        CountsCoefficient::KrippendorffAlpha(Level::Interval),
        &w,
        &b,
        &[],
    )
    .expect("alpha");
    let a = row(&r1, N::KrippendorffAlpha);
    let ci = a.ci().expect("ci");
    assert_eq!(ci.kind, IntervalKind::ItemBootstrap);
    assert_eq!((ci.low, ci.high), (alpha.ci_low, alpha.ci_high));
    assert_eq!(a.bootstrap.as_ref().and_then(|x| x.se), Some(alpha.se));
    // The analytic SE and t interval stay beside the bootstrap.
    assert_eq!(a.se_method, Some(SeMethod::Analytic));
    assert!(a.interval(IntervalKind::T).is_some());
    let hk = hayes_krippendorff_bootstrap(&d, Level::Interval, &b, &[0.667, 0.8]).expect("hk");
    let hi = a
        .interval(IntervalKind::HayesKrippendorff)
        .expect("hk interval");
    assert_eq!((hi.low, hi.high), (hk.summary.ci_low, hk.summary.ci_high));
    match &a.hayes_krippendorff {
        Some(HayesReport::Computed {
            pairs_per_replicate,
            p_below_0_800,
            ..
        }) => {
            assert_eq!(*pairs_per_replicate, hk.pairs_per_replicate);
            assert_eq!(*p_below_0_800, hk.summary.p_below[1].1);
        }
        other => panic!("{other:?}"),
    }
    let conger = bootstrap_conger(&m, &w, &b).expect("conger");
    let c = row(&r1, N::CongerKappa).ci().expect("ci");
    assert_eq!((c.low, c.high), (conger.ci_low, conger.ci_high));
}

#[test]
fn json_keeps_the_cli_keys_and_lists_every_interval() {
    let Some(p) = example("gwet_raw_ben_gerry.csv") else {
        return;
    };
    let m = load_long(&p, None);
    let r = report(&m, &ReportOptions::default().bootstrap(100).seed(1)).expect("report");
    let v = serde_json::to_value(&r).expect("json");
    assert_eq!(v["input"]["layout"], "judgments");
    assert_eq!(v["input"]["raters"], 2);
    assert_eq!(v["level"], "nominal");
    assert_eq!(v["weights"], "identity");
    assert_eq!(v["bootstrap"]["replicates"], 100);
    // Two raters: Cohen's kappa (irrCAC docstring / R irr: 0.65625 on these data).
    let cohen = &v["cohen_kappa"];
    assert!((cohen["value"].as_f64().expect("v") - 0.65625).abs() < 1e-9);
    assert_eq!(cohen["ci_method"], "bootstrap percentile");
    let alpha = &v["krippendorff_alpha"];
    let methods: Vec<&str> = alpha["intervals"]
        .as_array()
        .expect("intervals")
        .iter()
        .map(|i| i["method"].as_str().expect("method"))
        .collect();
    assert_eq!(
        methods,
        ["bootstrap percentile", "t (irrCAC)", "Hayes-Krippendorff"]
    );
    assert_eq!(alpha["ci_low"], alpha["intervals"][0]["low"]);
    assert!(
        alpha["intervals"][2]["description"]
            .as_str()
            .is_some_and(|d| d.contains("pairs"))
    );
    assert!(alpha["hayes_krippendorff"]["pairs_per_replicate"].is_u64());
}

#[test]
fn arrow_table_has_one_row_per_coefficient() {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type};
    let Some(p) = example("fleiss1971_diagnoses_counts.csv") else {
        return;
    };
    let r = report(&load_counts(&p), &ReportOptions::default().bootstrap(50)).expect("report");
    let b = r.to_record_batch().expect("batch");
    assert_eq!(b.num_rows(), r.coefficients.len());
    let col = |n: &str| b.column(b.schema().index_of(n).expect(n)).clone();
    let names = col("coefficient");
    let values = col("value");
    let (names, values) = (
        names.as_string::<i32>(),
        values.as_primitive::<Float64Type>(),
    );
    for (k, c) in r.coefficients.iter().enumerate() {
        assert_eq!(names.value(k), c.name.key());
        match c.value {
            Some(v) => assert_eq!(values.value(k), v),
            None => assert!(values.is_null(k)),
        }
    }
    let fleiss = r
        .coefficients
        .iter()
        .position(|c| c.name == N::FleissKappa)
        .expect("row");
    assert!((values.value(fleiss) - 0.4302445).abs() < 5e-8);
    let reps = col("bootstrap_replicates");
    assert_eq!(reps.as_primitive::<Int64Type>().value(fleiss), 50);
    let conger = r
        .coefficients
        .iter()
        .position(|c| c.name == N::CongerKappa)
        .expect("row");
    assert!(
        col("reason")
            .as_string::<i32>()
            .value(conger)
            .contains("rater")
    );
}

#[test]
fn the_report_explains_its_two_alpha_intervals() {
    let Some(dir) = dataset_dir("snow2008-rte") else {
        return;
    };
    let m = load_dataset(&dir, Default::default(), false);
    let r = report(&m, &ReportOptions::default().bootstrap(200)).expect("report");
    let a = row(&r, N::KrippendorffAlpha);
    let item = a.interval(IntervalKind::ItemBootstrap).expect("item");
    let hk = a.interval(IntervalKind::HayesKrippendorff).expect("hk");
    // 800 items, 2 labels: the item bootstrap resamples 800 items, Hayes-Krippendorff
    // draws min(25 x 4 cells, ...) = 100 pairs per replicate, so its interval is wider.
    let Some(HayesReport::Computed {
        pairs_per_replicate,
        ..
    }) = &a.hayes_krippendorff
    else {
        panic!("hk not computed")
    };
    assert_eq!(*pairs_per_replicate, 100);
    assert!(hk.width() > 2.0 * item.width(), "{hk:?} {item:?}");
    let notes = r.interval_notes().join("\n");
    assert!(notes.contains("resamples of all the items"), "{notes}");
    assert!(
        notes.contains("200 replicates of 100 pairs each"),
        "{notes}"
    );
    let ratio = format!("{:.1}x as wide", hk.width() / item.width());
    assert!(notes.contains(&ratio), "{notes}");
    let text = r.to_string();
    assert!(
        text.contains("note: ") && text.contains("bootstrap percentile"),
        "{text}"
    );
}

#[test]
fn options_are_checked() {
    let Some(p) = example("gwet_raw_gender.csv") else {
        return;
    };
    let m = load_long(&p, None);
    let e = report(&m, &ReportOptions::default().confidence(1.5)).expect_err("confidence");
    assert!(
        e.to_string().contains("`confidence`") && e.is_user_error(),
        "{e}"
    );
    let e = report(&m, &ReportOptions::default().bootstrap(0)).expect_err("0");
    assert!(e.to_string().contains("`bootstrap`"), "{e}");
    let e = report(&m, &ReportOptions::default().level(Level::Interval)).expect_err("labels");
    assert!(e.is_user_error(), "{e}");
}
