//! Values of irrCAC 0.4.4 (standard errors) and of the `krippendorff` 0.9.0 package
//! (alpha on real datasets and on the worked examples at every level), recorded in
//! `fixtures/agreement/expected.json` by `fixtures/agreement/generate.py` and
//! `generate_krippendorff_examples.py`.

use crowdqc_agreement::{
    ItemCounts, Level, WeightMatrix, brennan_prediger, conger_kappa, fleiss_kappa, gwet_ac,
    krippendorff_alpha,
};
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset, project_fixtures};

use crate::common::{example, load_long};

fn expected() -> serde_json::Value {
    let path = project_fixtures().join("agreement/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("json")
}

/// irrCAC rounds to 5 decimals.
#[track_caller]
fn close5(x: Option<f64>, v: &serde_json::Value) {
    let x = x.expect("defined");
    let v = v.as_f64().expect("number");
    assert!((x - v).abs() <= 5e-6 + 1e-12, "got {x}, irrCAC {v}");
}

#[test]
fn irrcac_values_and_standard_errors() {
    let e = expected();
    for name in [
        "gwet2014_raw_4raters",
        "gwet2014_raw_5observers",
        "gwet_raw_g1g2",
        "gwet_raw_gender",
    ] {
        let Some(p) = example(&format!("{name}.csv")) else {
            return;
        };
        let m = load_long(&p, None);
        let data = ItemCounts::from_matrix(&m);
        let w = WeightMatrix::identity(data.n_categories());
        let r = &e["irrcac"][name];
        for (key, c) in [
            ("gwet_ac1", gwet_ac(&data, &w).expect("c")),
            ("fleiss_kappa", fleiss_kappa(&data, &w).expect("c")),
            ("brennan_prediger", brennan_prediger(&data, &w).expect("c")),
            (
                "krippendorff_alpha",
                krippendorff_alpha(&data, Level::Nominal).expect("c"),
            ),
        ] {
            close5(c.value(), &r[key]["value"]);
            close5(c.se(), &r[key]["se"]);
            close5(c.estimate().map(|e| e.observed), &r[key]["pa"]);
            close5(c.estimate().map(|e| e.expected), &r[key]["pe"]);
        }
        let c = conger_kappa(&m, &w).expect("conger");
        close5(c.value(), &r["conger_kappa"]["value"]);
        close5(c.estimate().map(|e| e.expected), &r["conger_kappa"]["pe"]);
        close5(c.se(), &r["conger_kappa"]["se"]);
    }
}

#[test]
fn krippendorff_package_on_real_datasets() {
    let e = expected();
    for (name, levels) in e["krippendorff"].as_object().expect("map") {
        let Some(dir) = dataset_dir(name) else { return };
        let data = ItemCounts::from_matrix(&load_dataset(&dir, Default::default(), false));
        // The package compares labels as floats: `0`, `-0` and `00` (snow2008-affect)
        // are one value. Numeric levels merge them automatically; nominal does not.
        let merged = data.merge_equal_numbers();
        for (level, v) in levels.as_object().expect("map") {
            let level = level.parse::<Level>().expect("level");
            let d = match (&merged, level) {
                (Some(m), Level::Nominal) => m,
                _ => &data,
            };
            let a = krippendorff_alpha(d, level)
                .expect("alpha")
                .value()
                .expect("defined");
            let v = v.as_f64().expect("number");
            assert!(
                (a - v).abs() < 1e-9,
                "{name} {level:?}: {a} vs krippendorff {v}"
            );
        }
    }
}

#[test]
fn irrcac_table_cohen_and_scott_with_standard_errors() {
    use crowdqc_agreement::{Weights, cohen_kappa, scott_pi};
    let e = expected();
    for (name, r) in e["irrcac_table"].as_object().expect("map") {
        let Some(p) = example(&format!("{name}.csv")) else {
            return;
        };
        let t = crate::common::load_table(&p);
        for (wname, weights) in [
            ("identity", Weights::Identity),
            ("linear", Weights::Linear),
            ("quadratic", Weights::Quadratic),
        ] {
            let w = t.weight_matrix(&weights, None).expect("weights");
            let c = cohen_kappa(&t, &w).expect("cohen");
            close5(c.value(), &r[format!("cohen_kappa_{wname}")]["value"]);
            close5(c.se(), &r[format!("cohen_kappa_{wname}")]["se"]);
            let s = scott_pi(&t, &w).expect("scott");
            close5(s.value(), &r[format!("scott_pi_{wname}")]["value"]);
            close5(s.se(), &r[format!("scott_pi_{wname}")]["se"]);
        }
    }
}

#[test]
fn irrcac_weighted_values_and_standard_errors() {
    use crowdqc_agreement::Weights;
    let e = expected();
    for (name, by_weights) in e["irrcac_weighted"].as_object().expect("map") {
        let Some(p) = example(&format!("{name}.csv")) else {
            return;
        };
        let m = load_long(&p, None);
        let data = ItemCounts::from_matrix(&m);
        for (wname, r) in by_weights.as_object().expect("map") {
            let weights: Weights = wname.parse().expect("weights");
            let w = data.weight_matrix(&weights, None).expect("w");
            for (key, c) in [
                ("gwet_ac2", gwet_ac(&data, &w).expect("c")),
                ("fleiss_kappa", fleiss_kappa(&data, &w).expect("c")),
                ("brennan_prediger", brennan_prediger(&data, &w).expect("c")),
                ("conger_kappa", conger_kappa(&m, &w).expect("c")),
            ] {
                close5(c.value(), &r[key]["value"]);
                close5(c.se(), &r[key]["se"]);
            }
        }
    }
}

#[test]
fn krippendorff_package_on_worked_examples() {
    let e = expected();
    let examples = e["krippendorff_examples"].as_object().expect("map");
    assert_eq!(examples.len(), 2);
    for (name, levels) in examples {
        let Some(p) = example(&format!("{name}.csv")) else {
            return;
        };
        let data = ItemCounts::from_matrix(&load_long(&p, None));
        for (level, v) in levels.as_object().expect("map") {
            let a = krippendorff_alpha(&data, level.parse().expect("level"))
                .expect("alpha")
                .value()
                .expect("defined");
            let v = v.as_f64().expect("number");
            assert!(
                (a - v).abs() < 1e-12,
                "{name} {level}: {a} vs krippendorff {v}"
            );
        }
    }
}
