//! Resource limits (issue 12, F3 and F5): contingency counts are weights, never
//! expanded; 10^5 categories work sparsely.

use std::time::{Duration, Instant};

use crowdqc_agreement::{
    BootstrapOptions, Coefficient, Contingency, CountsCoefficient, ItemCounts, Level,
    MAX_BOOTSTRAP_DRAWS, ReportOptions, WeightMatrix, Weights, bootstrap_counts, brennan_prediger,
    fleiss_kappa, gwet_ac, krippendorff_alpha, percent_agreement, report,
};
use crowdqc_core::{Error, IdRef, IngestOptions, JudgmentMatrixBuilder};

const NAMES: [&str; 3] = ["a", "b", "c"];
/// A 3 × 3 table with every kind of cell (agreements, disagreements, zeros).
const CELLS: [u64; 9] = [7, 2, 0, 1, 5, 3, 0, 2, 4];

/// The same subjects in the Fleiss layout, one row per subject (the expansion the
/// table used to do), in cell order.
fn expanded() -> ItemCounts {
    let mut rows = Vec::new();
    for (cell, &n) in CELLS.iter().enumerate() {
        let (a, b) = (cell / 3, cell % 3);
        for _ in 0..n {
            let mut row = vec![0u64; 3];
            row[a] += 1;
            row[b] += 1;
            rows.push(row);
        }
    }
    ItemCounts::from_table(&NAMES, &rows).expect("rows")
}

fn table(scale: u64) -> Contingency {
    let counts: Vec<u64> = CELLS.iter().map(|c| c * scale).collect();
    Contingency::new(&NAMES, &counts).expect("table")
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

fn value_se(c: &Coefficient) -> (f64, f64) {
    (c.value().expect("defined"), c.se().expect("se"))
}

type Coef = fn(&ItemCounts, &WeightMatrix) -> crowdqc_core::Result<Coefficient>;

/// Multiplicities give exactly what the expanded subjects give: every multi-rater
/// coefficient and its SE (the expansion is the definition of the table layout).
#[test]
fn multiplicities_equal_the_expanded_subjects() {
    let weighted = table(1).to_item_counts().expect("counts");
    let flat = expanded();
    assert_eq!(weighted.n_items(), 7); // non-zero cells
    assert_eq!(weighted.n_subjects(), 24);
    assert_eq!(flat.n_items(), 24);
    assert_eq!(weighted.category_totals(), flat.category_totals());
    assert_eq!(weighted.n_ratings(), flat.n_ratings());
    for weights in [Weights::Identity, Weights::Linear, Weights::Quadratic] {
        let w = flat.weight_matrix(&weights, None).expect("w");
        let fns: [Coef; 4] = [percent_agreement, fleiss_kappa, gwet_ac, brennan_prediger];
        for f in fns {
            let (v1, s1) = value_se(&f(&weighted, &w).expect("coef"));
            let (v2, s2) = value_se(&f(&flat, &w).expect("coef"));
            assert!(
                close(v1, v2, 1e-13) && close(s1, s2, 1e-12),
                "{v1} {v2} {s1} {s2}"
            );
        }
    }
    for level in [Level::Nominal, Level::Ordinal] {
        let a = krippendorff_alpha(&weighted, level).expect("alpha");
        let b = krippendorff_alpha(&flat, level).expect("alpha");
        let (v1, s1) = value_se(&a);
        let (v2, s2) = value_se(&b);
        assert!(close(v1, v2, 1e-13) && close(s1, s2, 1e-12), "{level:?}");
    }
}

/// The bootstrap of a table draws every subject, as the expanded data did: the same
/// seed gives the same replicates (up to the order of float sums).
#[test]
fn weighted_bootstrap_equals_the_expanded_bootstrap() {
    let weighted = table(1).to_item_counts().expect("counts");
    let flat = expanded();
    let w = WeightMatrix::identity(3);
    let opts = BootstrapOptions {
        replicates: 200,
        seed: 11,
        level: 0.9,
    };
    for c in [
        CountsCoefficient::FleissKappa,
        CountsCoefficient::GwetAc,
        CountsCoefficient::KrippendorffAlpha(Level::Nominal),
    ] {
        let a = bootstrap_counts(&weighted, c, &w, &opts, &[]).expect("boot");
        let b = bootstrap_counts(&flat, c, &w, &opts, &[]).expect("boot");
        assert_eq!(a.values.len(), b.values.len(), "{c:?}");
        for (x, y) in a.values.iter().zip(&b.values) {
            assert!(close(*x, *y, 1e-12), "{c:?}: {x} vs {y}");
        }
    }
}

/// A count of 10^10 costs what a count of 1 costs, and gives the same proportions:
/// every coefficient but alpha (which has a small-sample factor) is unchanged and its
/// SE shrinks as `1/sqrt(n − 1)`.
#[test]
fn huge_counts_are_weights_not_rows() {
    let scale = 10_000_000_000u64; // the 1e10
    let small = report(&table(1), &ReportOptions::default()).expect("report");
    let t0 = Instant::now();
    let big = report(&table(scale), &ReportOptions::default()).expect("report");
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(big.input.items, 24 * scale as usize);
    let (n1, n2) = (24.0f64, 24.0 * scale as f64);
    for (a, b) in small.coefficients.iter().zip(&big.coefficients) {
        assert_eq!(a.name, b.name);
        // alpha has a small-sample factor (n.. − 1): it is not scale-invariant
        if a.name == crowdqc_agreement::CoefficientName::KrippendorffAlpha {
            continue;
        }
        let (Some(va), Some(vb)) = (a.value, b.value) else {
            continue;
        };
        assert!(close(va, vb, 1e-9), "{:?}: {va} vs {vb}", a.name);
        if let (Some(sa), Some(sb)) = (a.se, b.se) {
            // Gwet's SE: sqrt(Σ (x_i − κ)² / (n (n − 1))), Σ ∝ n; Cohen's asymptotic
            // SE: sqrt(· / n): either way the ratio is sqrt(n1 / n2) to 1e-9 or so
            let ratio = sb / sa;
            let want = ((n1 - 1.0) / (n2 - 1.0)).sqrt();
            let alt = (n1 / n2).sqrt();
            assert!(
                close(ratio, want, 1e-6) || close(ratio, alt, 1e-6),
                "{:?}: {ratio} vs {want}",
                a.name
            );
        }
    }
    // the bootstrap would draw 2.4e11 subjects per replicate: refused with the way out
    let opts = ReportOptions::default().bootstrap(10);
    let e = report(&table(scale), &opts).expect_err("too many draws");
    let s = e.to_string();
    assert!(
        matches!(e, Error::InvalidParameter { ref name, .. } if name == "bootstrap")
            && s.contains(&MAX_BOOTSTRAP_DRAWS.to_string())
            && s.contains("analytic"),
        "{s}"
    );
}

/// Counts beyond 2^53 (i64::MAX, or a total above it) are refused, naming the limit.
#[test]
fn counts_beyond_exact_arithmetic_are_refused() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    let batch = |count: i64| {
        RecordBatch::try_from_iter([
            (
                "label_a",
                Arc::new(StringArray::from(vec!["x", "y"])) as ArrayRef,
            ),
            ("label_b", Arc::new(StringArray::from(vec!["x", "y"])) as _),
            ("count", Arc::new(Int64Array::from(vec![count, 1])) as _),
        ])
        .expect("batch")
    };
    let e = Contingency::from_batches(&[batch(i64::MAX)]).expect_err("i64::MAX");
    assert!(
        e.to_string().contains("2^53") && e.to_string().contains("row 1"),
        "{e}"
    );
    let max = crowdqc_agreement::MAX_COUNT as i64;
    let e = Contingency::from_batches(&[batch(max)]).expect_err("total above 2^53");
    assert!(e.to_string().contains("add up to"), "{e}");
    let t = Contingency::from_batches(&[batch(max - 1)]).expect("total exactly 2^53");
    let r = report(&t, &ReportOptions::default()).expect("report");
    assert_eq!(r.input.items as u64, crowdqc_agreement::MAX_COUNT);
}

/// 10^5 categories (issue 12 F5): the unweighted coefficients work from sparse counts
/// in seconds and little memory (no 10^5 × 10^5 weight matrix); Conger's kappa, which
/// needs dense per-rater tables, is reported as not computed with the estimate;
/// weighted coefficients are refused with the estimate and the way out.
#[test]
fn a_hundred_thousand_categories() {
    let k = 100_000u32;
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for i in 0..20_000u32 {
        for r in 0..7u32 {
            // five labels of their own (all 10^5 labels occur), then twice a shared one
            let label = if r < 5 {
                (i * 5 + r) % k
            } else {
                (i * 7 + 4) % k
            };
            let item = format!("i{i}");
            let worker = format!("w{}", (i * 7 + r) % 300);
            b.push_row(
                IdRef::Str(&item),
                IdRef::Str(&worker),
                IdRef::Int(i64::from(label)),
            )
            .expect("row");
        }
    }
    let m = b.finish().expect("matrix");
    assert_eq!(m.n_classes(), 100_000);
    let t0 = Instant::now();
    let r = report(&m, &ReportOptions::default()).expect("report");
    assert!(t0.elapsed() < Duration::from_secs(60), "{:?}", t0.elapsed());
    let get = |n| r.get(n).expect("row");
    use crowdqc_agreement::CoefficientName as N;
    // one agreeing pair of 21 per item, unless (7i + 4) % k is one of the item's own
    // labels (then 3 of 21): a few items only
    let pa = get(N::PercentAgreement).value.expect("pa");
    assert!((1.0 / 21.0..1.0 / 21.0 + 1e-3).contains(&pa), "{pa}");
    for n in [N::FleissKappa, N::GwetAc1, N::KrippendorffAlpha] {
        assert!(get(n).value.is_some(), "{n:?}");
    }
    let conger = get(N::CongerKappa);
    if crowdqc_core::memory::available().is_some_and(|a| a < 80_000_000_000) {
        let why = conger.reason.as_deref().unwrap_or_default();
        assert!(
            conger.value.is_none() && why.contains("not computed") && why.contains("GB"),
            "{why}"
        );
    }
    let e = ItemCounts::from_matrix(&m)
        .weight_matrix(&Weights::Linear, None)
        .map(|_| ());
    if crowdqc_core::memory::available().is_some_and(|a| a < 80_000_000_000) {
        let e = e.expect_err("a 10^5 x 10^5 weight matrix");
        assert!(
            matches!(
                e,
                Error::ResourceLimit {
                    bytes: 80_000_000_000,
                    ..
                }
            ) && e.to_string().contains("identity"),
            "{e}"
        );
    }
}
