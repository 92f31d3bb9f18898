//! Bad input: one rejection test per parameter.

use crowdqc_agreement::{
    Coefficient, Contingency, ItemCounts, Level, Undefined, WeightMatrix, Weights, cohen_kappa,
    conger_kappa, fleiss_kappa, gwet_ac, krippendorff_alpha,
};
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};

fn matrix(rows: &[(&str, &str, &str)]) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
    for (i, w, l) in rows {
        b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
            .expect("row");
    }
    b.finish().expect("matrix")
}

#[test]
fn numeric_levels_need_numbers() {
    let m = matrix(&[
        ("a", "x", "1"),
        ("a", "y", "low"),
        ("b", "x", "2"),
        ("b", "y", "2"),
    ]);
    let d = ItemCounts::from_matrix(&m);
    for level in [Level::Ordinal, Level::Interval, Level::Ratio] {
        let e = krippendorff_alpha(&d, level).expect_err("not numeric");
        assert!(e.to_string().contains("label `low`"), "{e}");
        assert!(e.is_user_error());
    }
    assert!(krippendorff_alpha(&d, Level::Nominal).is_ok());
}

#[test]
fn ratio_rejects_negative_values() {
    let m = matrix(&[
        ("a", "x", "-1"),
        ("a", "y", "2"),
        ("b", "x", "2"),
        ("b", "y", "3"),
    ]);
    let e = krippendorff_alpha(&ItemCounts::from_matrix(&m), Level::Ratio).expect_err("neg");
    assert!(
        e.to_string().contains("non-negative") && e.to_string().contains("`-1`"),
        "{e}"
    );
}

#[test]
fn weight_matrix_of_wrong_shape() {
    let m = matrix(&[
        ("a", "x", "1"),
        ("a", "y", "2"),
        ("b", "x", "2"),
        ("b", "y", "2"),
    ]);
    let d = ItemCounts::from_matrix(&m);
    let w3 = WeightMatrix::identity(3);
    for e in [
        fleiss_kappa(&d, &w3).expect_err("shape"),
        gwet_ac(&d, &w3).expect_err("shape"),
        conger_kappa(&m, &w3).expect_err("shape"),
    ] {
        assert!(e.to_string().contains("`weights`"), "{e}");
    }
    let e = d
        .weight_matrix(&Weights::Custom(vec![1.0; 9]), None)
        .expect_err("custom");
    assert!(e.to_string().contains("must be 2x2"), "{e}");
}

#[test]
fn cohen_on_three_raters_says_what_to_use() {
    let m = matrix(&[("a", "x", "1"), ("a", "y", "2"), ("a", "z", "2")]);
    let e = Contingency::from_matrix(&m).expect_err("3 raters");
    let s = e.to_string();
    assert!(
        s.contains("exactly two raters") && s.contains("Fleiss") && s.contains("Conger"),
        "{s}"
    );
    let m = matrix(&[("a", "x", "1"), ("a", "x", "2"), ("a", "y", "2")]);
    let e = Contingency::from_matrix(&m).expect_err("dup");
    assert!(e.to_string().contains("more than once"), "{e}");
}

#[test]
fn undefined_is_typed_never_nan() {
    // One category only.
    let m = matrix(&[
        ("a", "x", "yes"),
        ("a", "y", "yes"),
        ("b", "x", "yes"),
        ("b", "y", "yes"),
    ]);
    let d = ItemCounts::from_matrix(&m);
    let w = WeightMatrix::identity(1);
    assert_eq!(
        fleiss_kappa(&d, &w).expect("ok"),
        Coefficient::Undefined(Undefined::NoChanceVariation)
    );
    assert_eq!(
        gwet_ac(&d, &w).expect("ok").undefined_reason(),
        Some(&Undefined::NoChanceVariation)
    );
    assert_eq!(
        krippendorff_alpha(&d, Level::Nominal)
            .expect("ok")
            .undefined_reason(),
        Some(&Undefined::NoExpectedDisagreement)
    );
    // No item with two ratings.
    let m = matrix(&[("a", "x", "yes"), ("b", "y", "no")]);
    let d = ItemCounts::from_matrix(&m);
    let w = WeightMatrix::identity(2);
    assert_eq!(
        fleiss_kappa(&d, &w).expect("ok").undefined_reason(),
        Some(&Undefined::NoPairableItems)
    );
    assert_eq!(
        krippendorff_alpha(&d, Level::Nominal)
            .expect("ok")
            .undefined_reason(),
        Some(&Undefined::NoPairableItems)
    );
    // Two raters with no common item.
    let t = Contingency::from_matrix(&m).expect("two raters");
    assert_eq!(
        cohen_kappa(&t, &w).expect("ok").undefined_reason(),
        Some(&Undefined::NoCommonItems)
    );
    assert!(!Undefined::NoCommonItems.to_string().is_empty());
}

#[test]
fn table_layouts_are_checked() {
    let e = Contingency::new(&["a", "b"], &[1, 2, 3]).expect_err("shape");
    assert!(e.to_string().contains("`table`"), "{e}");
    let e = Contingency::from_rows::<&str>(&[]).expect_err("empty");
    assert!(e.to_string().contains("no row"), "{e}");
    let e = ItemCounts::from_table(&["a"], &[vec![1, 2]]).expect_err("row");
    assert!(e.to_string().contains("`counts`"), "{e}");
}

#[test]
fn bootstrap_replicates_have_an_upper_bound() {
    // issue 12 F4: --bootstrap 1000000000 ran past any limit
    use crowdqc_agreement::{BootstrapOptions, MAX_BOOTSTRAP_REPLICATES, ReportOptions};
    let mut r = ReportOptions::default();
    r.bootstrap = Some(MAX_BOOTSTRAP_REPLICATES);
    assert!(r.validate().is_ok());
    r.bootstrap = Some(1_000_000_000);
    let m = r.validate().expect_err("1e9").to_string();
    assert!(
        m.starts_with("invalid parameter `bootstrap`: at most 1000000 replicates, got 1000000000"),
        "{m}"
    );
    let b = BootstrapOptions {
        replicates: MAX_BOOTSTRAP_REPLICATES + 1,
        ..BootstrapOptions::default()
    };
    assert!(b.validate().is_err());
}
