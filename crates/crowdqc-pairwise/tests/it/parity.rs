//! Parity with crowd-kit 1.4.2: its test values and its outputs stored by
//! fixtures/pairwise/gen_crowdkit.py.

use crowdqc_core::IdRef;
use crowdqc_pairwise::{Comparisons, Method, Outcome, PairwiseParams};

use crate::support::{self, ABC, EQUAL};

fn score(fit: &crowdqc_pairwise::PairwiseFit, id: &str) -> f64 {
    let r = match id.parse::<i64>() {
        Ok(v) => fit.score_of(IdRef::Int(v)),
        Err(_) => fit.score_of(IdRef::Str(id)),
    };
    r.unwrap_or_else(|| panic!("no item {id}"))
}

#[test]
fn crowdkit_test_values() {
    // tests/aggregation/test_bt_aggregation.py, atol 0.005 there
    let abc = support::from_rows(&ABC);
    let f = PairwiseParams::new(Method::Bt)
        .max_iter(10)
        .tol(0.0)
        .fit(&abc)
        .expect("fit");
    for (id, want) in [("a", 0.934), ("b", 0.065), ("c", 0.0)] {
        assert!((score(&f, id) - want).abs() < 0.005, "{id}");
    }
    let f = PairwiseParams::new(Method::Bt)
        .max_iter(0)
        .fit(&abc)
        .expect("fit");
    assert!(f.scores().iter().all(|&s| (s - 1.0 / 3.0).abs() < 1e-15));
    let eq = support::from_rows(&EQUAL);
    for (n, tol) in [(10, 0.0), (100_500, 1e-5)] {
        let f = PairwiseParams::new(Method::Bt)
            .max_iter(n)
            .tol(tol)
            .fit(&eq)
            .expect("fit");
        assert!(f.scores().iter().all(|&s| (s - 1.0 / 3.0).abs() < 0.005));
    }
    // empty input: empty scores, as crowd-kit
    let empty = Comparisons::from_codes([]).expect("empty");
    let f = PairwiseParams::new(Method::Bt)
        .max_iter(1)
        .fit(&empty)
        .expect("fit");
    assert!(f.scores().is_empty());
}

fn data(name: &str) -> Option<Comparisons> {
    Some(match name {
        "abc" => support::from_rows(&ABC),
        "equal" => support::from_rows(&EQUAL),
        "synthetic" => support::synthetic(),
        "readability" => support::readability()?.data,
        _ => unreachable!(),
    })
}

#[test]
fn bradley_terry_equals_crowdkit_outputs() {
    let reference = support::crowdkit();
    let bt = reference["bt"].as_object().expect("bt");
    let mut checked = 0;
    for (key, want) in bt {
        let parts: Vec<&str> = key.split('/').collect();
        let Some(d) = data(parts[0]) else { continue };
        let n: usize = parts[1].trim_start_matches("n_iter=").parse().expect("n");
        let tol: f64 = parts[2].trim_start_matches("tol=").parse().expect("tol");
        // crowd-kit stops after 2 iterations whenever tol > 0 (its p_old aliases p_new)
        let (n, tol) = if tol > 0.0 { (n.min(2), 0.0) } else { (n, tol) };
        let f = PairwiseParams::new(Method::Bt)
            .max_iter(n)
            .tol(tol)
            .fit(&d)
            .expect("fit");
        let want = want.as_object().expect("series");
        assert_eq!(want.len(), f.scores().len(), "{key}");
        for (id, v) in want {
            let v = v.as_f64().expect("number");
            let got = score(&f, id);
            assert!(
                (got - v).abs() <= 1e-12,
                "{key} item {id}: crowdqc {got}, crowd-kit {v}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "{checked} reference runs checked");
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    crowdqc_pairwise::eval::evaluate(a, b)
        .expect("eval")
        .spearman_rho
}

#[test]
fn noisy_bradley_terry_orders_items_as_crowdkit() {
    let reference = support::crowdkit();
    // abc: crowd-kit's test value [1.0, 1.0, 1.5e-45]: c last
    let f = PairwiseParams::new(Method::NoisyBt)
        .fit(&support::from_rows(&ABC))
        .expect("fit");
    assert!(score(&f, "c") < score(&f, "b") && score(&f, "b") <= score(&f, "a"));
    for name in ["synthetic", "readability"] {
        let Some(d) = data(name) else { continue };
        let f = PairwiseParams::new(Method::NoisyBt).fit(&d).expect("fit");
        let want = reference["noisy_bt"][name]["scores"]
            .as_object()
            .expect("scores");
        let (ours, theirs): (Vec<f64>, Vec<f64>) = want
            .iter()
            .map(|(id, v)| (score(&f, id), v.as_f64().expect("number")))
            .unzip();
        let rho = spearman(&ours, &theirs);
        eprintln!("noisy-bt {name}: spearman with crowd-kit {rho:.4}");
        assert!(rho > 0.85, "{name}: rho {rho}");
    }
}

/// Two items are a saturated model: the MLE reproduces the observed frequencies, so
/// Davidson's fit has a closed form: `p_a / p_b = W / L` and `ν = T / √(W L)`.
#[test]
fn davidson_two_items_closed_form() {
    use crowdqc_pairwise::Outcome::{Left, Right, Tie};
    let mut rows = Vec::new();
    for (o, n) in [(Left, 6), (Right, 3), (Tie, 3)] {
        rows.extend((0..n).map(|k| (k, 0u32, 1u32, o)));
    }
    let c = Comparisons::from_codes(rows).expect("valid");
    let f = PairwiseParams::new(Method::BtTies)
        .max_iter(10_000)
        .tol(1e-15)
        .fit(&c)
        .expect("fit");
    let s = f.scores();
    assert!((s[0] / s[1] - 2.0).abs() < 1e-9, "{s:?}");
    let nu = f.report().tie_parameter.expect("nu");
    assert!((nu - 3.0 / 18f64.sqrt()).abs() < 1e-9, "{nu}");
    // plain BT counts a tie as half a win each: (6 + 1.5) / (3 + 1.5)
    let bt = PairwiseParams::new(Method::Bt)
        .max_iter(10_000)
        .tol(1e-15)
        .fit(&c)
        .expect("bt");
    assert!((bt.scores()[0] / bt.scores()[1] - 7.5 / 4.5).abs() < 1e-9);
}

/// Observed information of a two-item BT fit: `n σ(1 − σ)` with `σ = W / n`, so the
/// log-strength's standard error (other item fixed) is `√(n / (W L))`.
#[test]
fn bt_standard_error_two_items() {
    use crowdqc_pairwise::Outcome::{Left, Right};
    let mut rows: Vec<(u32, u32, u32, Outcome)> = (0..6).map(|k| (k, 0, 1, Left)).collect();
    rows.extend((0..3).map(|k| (k, 0, 1, Right)));
    let c = Comparisons::from_codes(rows).expect("valid");
    let f = PairwiseParams::new(Method::Bt)
        .max_iter(10_000)
        .tol(1e-15)
        .fit(&c)
        .expect("fit");
    let theta = f.log_strengths().expect("bt");
    let se_theta = f.stderr()[0] / f.scores()[0];
    assert!((theta[0] - theta[1] - 2f64.ln()).abs() < 1e-9);
    assert!(
        (se_theta - (9.0f64 / 18.0).sqrt()).abs() < 1e-9,
        "{se_theta}"
    );
    // the 95% interval is the score times exp(±1.96 se)
    let lo = f.scores()[0] * (-crowdqc_pairwise::Z95 * se_theta).exp();
    assert!((f.lower()[0] - lo).abs() < 1e-12);
}

/// Why there is no crowd-kit-compatible noisy-BT mode: inside crowd-kit 1.4.2's
/// `NoisyBradleyTerry`, scipy's L-BFGS-B ends every run of crowd-kit's tests with an
/// abnormal line-search termination (the supplied gradient is not the objective's), and
/// on `data_equal` it takes no step at all: crowd-kit's expected scores are `expit` of
/// numpy's seed-0 uniform starting point, not a property of the model. Outputs of
/// `fixtures/pairwise/noisy_bt_optimizer.py`.
#[test]
fn crowdkit_noisy_bt_test_values_are_where_lbfgsb_gave_up() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/pairwise/noisy_bt_optimizer.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    // crowd-kit's test_bt_aggregation.py, fixture noisy_bt_result_equal
    let expected_equal = [0.6715468044437242, 0.6462882683525435, 0.632947637600415];
    for run in v["data_equal"].as_array().expect("runs") {
        assert_eq!(run["nit"], 0, "{run}");
        let start: Vec<f64> = serde_json::from_value(run["expit_x0_scores"].clone()).expect("x0");
        let scores: Vec<f64> = serde_json::from_value(run["scores"].clone()).expect("scores");
        assert_eq!(scores, start);
        for (s, e) in scores.iter().zip(expected_equal) {
            assert!((s - e).abs() < 1e-15);
        }
    }
    for name in ["data_abc", "data_equal"] {
        for run in v[name].as_array().expect("runs") {
            assert!(
                run["message"]
                    .as_str()
                    .expect("msg")
                    .starts_with("ABNORMAL"),
                "{run}"
            );
        }
    }
}
