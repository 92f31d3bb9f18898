//! Unit tests of the ICC (module `icc`).

use super::*;

/// Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
pub(crate) const SF_TABLE: [[f64; 4]; 6] = [
    [9.0, 2.0, 5.0, 8.0],
    [6.0, 1.0, 3.0, 2.0],
    [8.0, 4.0, 6.0, 8.0],
    [7.0, 1.0, 2.0, 6.0],
    [10.0, 5.0, 6.0, 9.0],
    [6.0, 2.0, 4.0, 7.0],
];

fn block(rows: &[[f64; 4]]) -> Complete {
    Complete {
        items: (0..rows.len() as u32).collect(),
        k: 4,
        values: rows.iter().flatten().copied().collect(),
    }
}

#[test]
fn shrout_fleiss_table_4() {
    // Shrout & Fleiss (1979), Table 4 (ICC values of Table 2's data, 2 decimals):
    // ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91
    let r = icc_of(&block(&SF_TABLE), 6, 0.95);
    let want = [0.17, 0.29, 0.71, 0.44, 0.62, 0.91];
    for (f, w) in r.forms.iter().zip(want) {
        let v = f.value.expect("defined");
        assert!((v - w).abs() < 0.005, "{}: {v} vs {w}", f.form);
    }
    // Table 3's mean squares: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02
    let ms = r.mean_squares.expect("anova");
    for (got, want) in [
        (ms.msr, 11.24),
        (ms.msw, 6.26),
        (ms.msc, 32.49),
        (ms.mse, 1.02),
    ] {
        assert!((got - want).abs() < 0.005, "{got} vs {want}");
    }
}

#[test]
fn constant_ratings_are_undefined_with_a_reason() {
    let r = icc_of(&block(&[[3.0; 4]; 5]), 5, 0.95);
    assert!(r.mean_squares.is_none());
    for f in &r.forms {
        assert!(f.value.is_none());
        assert!(
            f.undefined
                .as_deref()
                .is_some_and(|s| s.contains("same value"))
        );
    }
}

#[test]
fn too_few_items_are_undefined() {
    let r = icc_of(&block(&SF_TABLE[..1]), 9, 0.95);
    assert!(r.forms.iter().all(|f| f.value.is_none()));
    assert_eq!(r.n_items_dropped, 8);
}
