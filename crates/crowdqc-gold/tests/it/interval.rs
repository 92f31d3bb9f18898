//! Interval functions against published and reference values.

use crowdqc_gold::{
    IntervalMethod, binomial_interval, binomial_test, jeffreys_prob_below, lower_bound,
};

/// statsmodels 0.15.0 `proportion_confint(x, n, alpha=0.05, method=...)` (scipy 1.17.1),
/// as `(x, n, low, high)`. For Jeffreys, statsmodels does not apply Brown, Cai &
/// DasGupta's boundary modification (low = 0 at x = 0, high = 1 at x = n); we do, so
/// those two ends are checked separately.
const WILSON: &[(u64, u64, f64, f64)] = &[
    (0, 10, 0.0, 0.27753279986288926),
    (1, 10, 0.017876213095072924, 0.40415002679523854),
    (5, 10, 0.23659309051256394, 0.7634069094874361),
    (9, 10, 0.5958499732047614, 0.982123786904927),
    (10, 10, 0.7224672001371106, 1.0),
    (3, 3, 0.43850296824495444, 1.0),
    (0, 1, 0.0, 0.7934506856227627),
    (1, 1, 0.2065493143772374, 1.0),
    (17, 20, 0.639581135259243, 0.9476312541037833),
    (45, 50, 0.7863976856252034, 0.9565242350681095),
    (85, 100, 0.7671644040916763, 0.9069401471634337),
    (1, 30, 0.005908590381612455, 0.16670390991409176),
    (250, 300, 0.7870033503873166, 0.8712346687963193),
];

const JEFFREYS: &[(u64, u64, f64, f64)] = &[
    (0, 10, 4.7890433157581876e-05, 0.2171962675092106),
    (1, 10, 0.011011673763161133, 0.3813147710666164),
    (5, 10, 0.22352867025270517, 0.7764713297472948),
    (9, 10, 0.6186852289333836, 0.9889883262368389),
    (10, 10, 0.7828037324907894, 0.9999521095668424),
    (3, 3, 0.46441675695704965, 0.9998493639745635),
    (0, 1, 0.0003855809807559011, 0.8532536836904249),
    (1, 1, 0.14674631630957513, 0.9996144190192441),
    (17, 20, 0.651422289141546, 0.9558686580248441),
    (45, 50, 0.7946451719769524, 0.9608056356058162),
    (85, 100, 0.7704693407690483, 0.9096304836473574),
    (1, 30, 0.0036204643737916633, 0.14541777735402017),
    (250, 300, 0.7880612744188986, 0.872211338298745),
];

const CLOPPER_PEARSON: &[(u64, u64, f64, f64)] = &[
    (0, 10, 0.0, 0.30849710781876083),
    (1, 10, 0.0025285785444617848, 0.4450161170281953),
    (5, 10, 0.18708602844739855, 0.8129139715526015),
    (9, 10, 0.5549838829718047, 0.9974714214555382),
    (10, 10, 0.6915028921812392, 1.0),
    (3, 3, 0.2924017738212866, 1.0),
    (0, 1, 0.0, 0.975),
    (1, 1, 0.025, 1.0),
    (17, 20, 0.621073173454686, 0.9679290628145363),
    (45, 50, 0.7818646335657977, 0.9667249064109775),
    (85, 100, 0.7646924998510451, 0.9135456143583514),
    (1, 30, 0.0008435709266304788, 0.17216945563341268),
    (250, 300, 0.78624432120008, 0.8736943081113326),
];

const TOL: f64 = 1e-9;

#[test]
fn wilson_matches_statsmodels() {
    for &(x, n, lo, hi) in WILSON {
        let ci = binomial_interval(x, n, 0.95, IntervalMethod::Wilson).unwrap();
        assert!((ci.low - lo).abs() < TOL, "{x}/{n}: {} vs {lo}", ci.low);
        assert!((ci.high - hi).abs() < TOL, "{x}/{n}: {} vs {hi}", ci.high);
    }
}

#[test]
fn clopper_pearson_matches_statsmodels() {
    for &(x, n, lo, hi) in CLOPPER_PEARSON {
        let ci = binomial_interval(x, n, 0.95, IntervalMethod::ClopperPearson).unwrap();
        assert!((ci.low - lo).abs() < TOL, "{x}/{n}: {} vs {lo}", ci.low);
        assert!((ci.high - hi).abs() < TOL, "{x}/{n}: {} vs {hi}", ci.high);
    }
}

#[test]
fn jeffreys_matches_statsmodels_inside_and_brown_at_the_ends() {
    for &(x, n, lo, hi) in JEFFREYS {
        let ci = binomial_interval(x, n, 0.95, IntervalMethod::Jeffreys).unwrap();
        let want_lo = if x == 0 { 0.0 } else { lo };
        let want_hi = if x == n { 1.0 } else { hi };
        assert!(
            (ci.low - want_lo).abs() < TOL,
            "{x}/{n}: {} vs {want_lo}",
            ci.low
        );
        assert!(
            (ci.high - want_hi).abs() < TOL,
            "{x}/{n}: {} vs {want_hi}",
            ci.high
        );
    }
}

#[test]
fn clopper_pearson_closed_forms_at_the_boundary() {
    // x = 0: upper = 1 - (alpha/2)^(1/n); x = n: lower = (alpha/2)^(1/n) (exact).
    for n in 1..=60u64 {
        let ci = binomial_interval(0, n, 0.95, IntervalMethod::ClopperPearson).unwrap();
        let want = 1.0 - 0.025f64.powf(1.0 / n as f64);
        assert_eq!(ci.low, 0.0);
        assert!((ci.high - want).abs() < 1e-10, "n={n}");
        let ci = binomial_interval(n, n, 0.95, IntervalMethod::ClopperPearson).unwrap();
        assert!(
            (ci.low - 0.025f64.powf(1.0 / n as f64)).abs() < 1e-10,
            "n={n}"
        );
        assert_eq!(ci.high, 1.0);
    }
}

#[test]
fn wilson_closed_form_and_coverage_property() {
    // Wilson ends solve |p̂ - p| = z sqrt(p(1-p)/n): check the defining equation.
    let z = 1.959963984540054;
    for (x, n) in [(3u64, 7u64), (12, 40), (99, 100)] {
        let ci = binomial_interval(x, n, 0.95, IntervalMethod::Wilson).unwrap();
        let ph = x as f64 / n as f64;
        for p in [ci.low, ci.high] {
            let lhs = (ph - p).abs();
            let rhs = z * (p * (1.0 - p) / n as f64).sqrt();
            assert!((lhs - rhs).abs() < 1e-12, "{x}/{n} at {p}");
        }
    }
    // Brown, Cai & DasGupta (2001): the Clopper–Pearson interval has coverage >= the
    // nominal level for every p; check exactly for n = 20 on a grid of p.
    let n = 20u64;
    let cis: Vec<_> = (0..=n)
        .map(|x| binomial_interval(x, n, 0.95, IntervalMethod::ClopperPearson).unwrap())
        .collect();
    for j in 1..100 {
        let p = j as f64 / 100.0;
        let mut cover = 0.0;
        for x in 0..=n {
            if cis[x as usize].contains(p) {
                cover += binom_pmf(x, n, p);
            }
        }
        assert!(cover >= 0.95 - 1e-12, "coverage {cover} at p={p}");
    }
}

fn binom_pmf(x: u64, n: u64, p: f64) -> f64 {
    let mut c = 1.0;
    for i in 0..x {
        c = c * (n - i) as f64 / (i + 1) as f64;
    }
    c * p.powi(x as i32) * (1.0 - p).powi((n - x) as i32)
}

#[test]
fn issue_and_reference_note_claims() {
    // "9 of 10 correct certifies only >= 65% at 95% confidence" (one-sided Wilson).
    let lb = lower_bound(9, 10, 0.95, IntervalMethod::Wilson).unwrap();
    assert!((lb - 0.6522813326641415).abs() < TOL);
    assert!((lb - 0.65).abs() < 0.005);
    // qc-practice.md §2.1 table (one-sided 95% bounds; statsmodels alpha = 0.10), and
    // the Jeffreys posterior P(acc < 0.85) from scipy 1.17.1 beta.cdf.
    let table: &[(u64, u64, f64, f64, f64)] = &[
        (
            3,
            3,
            0.525804425842487,
            0.3684031498640387,
            0.3030905337348725,
        ),
        (
            4,
            5,
            0.435292553421543,
            0.3425916819988613,
            0.6732355654006603,
        ),
        (
            9,
            10,
            0.6522813326641415,
            0.6058366975634952,
            0.36669104342029324,
        ),
        (
            10,
            10,
            0.7870580299165928,
            0.7411344491069477,
            0.06787293727736339,
        ),
        (
            18,
            20,
            0.7383369536731331,
            0.7173814751141391,
            0.28264874862873535,
        ),
        (
            20,
            20,
            0.8808421626390355,
            0.8608916593317348,
            0.010292150042169514,
        ),
        (
            27,
            30,
            0.7744975205091514,
            0.761402142706749,
            0.22955490534738177,
        ),
        (
            45,
            50,
            0.8084624858484291,
            0.8011669974835816,
            0.16063409676754045,
        ),
        (
            90,
            100,
            0.8396444903889078,
            0.8362823767241852,
            0.07494211374358555,
        ),
        (
            85,
            100,
            0.7820969631120788,
            0.7784630916814886,
            0.5131488865513911,
        ),
    ];
    for &(x, n, w, cp, pj) in table {
        let gw = lower_bound(x, n, 0.95, IntervalMethod::Wilson).unwrap();
        let gc = lower_bound(x, n, 0.95, IntervalMethod::ClopperPearson).unwrap();
        let gj = jeffreys_prob_below(x, n, 0.85).unwrap();
        assert!((gw - w).abs() < TOL, "{x}/{n} wilson {gw} vs {w}");
        assert!((gc - cp).abs() < TOL, "{x}/{n} cp {gc} vs {cp}");
        assert!((gj - pj).abs() < 1e-9, "{x}/{n} jeffreys {gj} vs {pj}");
    }
    // Perfect streak needed before the one-sided 95% bound clears a tier threshold:
    // >=0.80 -> 11 / 14, >=0.85 -> 16 / 19, >=0.90 -> 25 / 29, >=0.95 -> 52 / 59.
    for (t, wilson, cp) in [
        (0.80, 11, 14),
        (0.85, 16, 19),
        (0.90, 25, 29),
        (0.95, 52, 59),
    ] {
        let streak = |m| {
            (1u64..)
                .find(|&n| lower_bound(n, n, 0.95, m).unwrap() >= t)
                .unwrap()
        };
        assert_eq!(streak(IntervalMethod::Wilson), wilson, "t={t}");
        assert_eq!(streak(IntervalMethod::ClopperPearson), cp, "t={t}");
    }
}

#[test]
fn binomial_test_is_the_central_exact_test() {
    // min(1, 2 min(P(X<=x), P(X>=x))) from scipy 1.17.1 binom.cdf / binom.sf.
    for (x, n, p, want) in [
        (7u64, 20u64, 0.5, 0.26317596435546875),
        (18, 20, 0.7, 0.07096626459693729),
        (3, 30, 0.2, 0.24542161278832705),
        (50, 60, 0.9, 0.14613102016739773),
    ] {
        let got = binomial_test(x, n, p).unwrap();
        assert!((got - want).abs() < 1e-10, "{x}/{n} p={p}: {got} vs {want}");
    }
    assert_eq!(binomial_test(0, 0, 0.3).unwrap(), 1.0);
    assert_eq!(binomial_test(5, 5, 1.0).unwrap(), 1.0);
    assert!(binomial_test(0, 5, 1.0).unwrap() < 1e-12);
}

#[test]
fn no_trials_is_the_unit_interval() {
    for m in [
        IntervalMethod::Wilson,
        IntervalMethod::Jeffreys,
        IntervalMethod::ClopperPearson,
    ] {
        let ci = binomial_interval(0, 0, 0.95, m).unwrap();
        assert_eq!((ci.low, ci.high), (0.0, 1.0));
    }
}

#[test]
fn rejects_bad_arguments() {
    let m = IntervalMethod::Wilson;
    for c in [0.0, 1.0, -0.1, f64::NAN, 1.5] {
        let e = binomial_interval(1, 2, c, m).unwrap_err();
        assert!(e.to_string().contains("confidence"), "{e}");
    }
    let e = binomial_interval(3, 2, 0.95, m).unwrap_err();
    assert!(e.to_string().contains("successes"), "{e}");
    assert!(lower_bound(1, 2, 0.5, m).is_err());
    assert!(jeffreys_prob_below(1, 2, 1.5).is_err());
    assert!(binomial_test(1, 2, -0.1).is_err());
    let e = "agresti".parse::<IntervalMethod>().unwrap_err();
    assert!(e.to_string().contains("clopper-pearson"), "{e}");
    assert_eq!(
        "clopper-pearson".parse::<IntervalMethod>().unwrap(),
        IntervalMethod::ClopperPearson
    );
}

mod properties {
    use crowdqc_gold::{IntervalMethod, binomial_interval};
    use proptest::prelude::*;

    const METHODS: [IntervalMethod; 3] = [
        IntervalMethod::Wilson,
        IntervalMethod::Jeffreys,
        IntervalMethod::ClopperPearson,
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn ordered_monotone_and_nested(n in 1u64..300, x in 0u64..300, c in 0.5f64..0.995) {
            let x = x.min(n);
            for m in METHODS {
                let ci = binomial_interval(x, n, c, m).expect("valid");
                prop_assert!(0.0 <= ci.low && ci.low <= ci.high && ci.high <= 1.0);
                if m != IntervalMethod::Jeffreys {
                    // Wilson and Clopper–Pearson always contain the sample proportion
                    let p = x as f64 / n as f64;
                    prop_assert!(ci.low <= p + 1e-12 && p <= ci.high + 1e-12);
                }
                // one more success moves both ends up (or keeps them)
                if x < n {
                    let up = binomial_interval(x + 1, n, c, m).expect("valid");
                    prop_assert!(up.low >= ci.low - 1e-12 && up.high >= ci.high - 1e-12);
                }
                // a higher confidence gives a wider interval containing this one
                let wide = binomial_interval(x, n, (c + 1.0) / 2.0, m).expect("valid");
                prop_assert!(wide.low <= ci.low + 1e-12 && wide.high >= ci.high - 1e-12);
            }
        }
    }
}
