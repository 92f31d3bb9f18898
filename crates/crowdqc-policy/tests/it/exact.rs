//! Exact binomial arithmetic (dynamic programming) against published numbers
//! (shared/reference/qc-practice.md §2.2–2.3) and against the simulator.

use crowdqc_policy::exact::{fire_curve, quantile};
use crowdqc_policy::simulate::{Archetype, SimConfig, simulate};
use crowdqc_policy::{Action, parse_policy};

use crate::example_policy;

fn one_rule(when: &str, min_evidence: u64) -> crowdqc_policy::Policy {
    parse_policy(&format!(
        "[[rules]]\nid = \"r\"\naction = \"ban\"\nmin_evidence = {min_evidence}\nwhen = [{when}]\n"
    ))
    .expect("valid")
}

fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:.4}, want {want} ± {tol}"
    );
}

/// "≥10 & <85% over last 10 — 100 gold": 0.44 / 0.75 / 0.95 / 0.99 for accuracy
/// 0.97 / 0.95 / 0.92 / 0.90 (qc-practice.md §2.3; the issue's ≈0.95 and 0.75).
#[test]
fn last_10_under_85_exact() {
    let p = one_rule(
        "{ metric = \"gold_accuracy\", window = 10, below = 0.85 }",
        10,
    );
    for (acc, want) in [(0.97, 0.44), (0.95, 0.75), (0.92, 0.95), (0.90, 0.99)] {
        let c = fire_curve(&p, &[0], acc, 100).expect("window rule");
        assert_close(c[100], want, 0.006, &format!("accuracy {acc}"));
    }
}

/// The Toloka example policy reproduces the published false-ban table row by row.
#[test]
fn toloka_alternative_rules_exact() {
    let p = example_policy("toloka.toml");
    let all = [0, 1, 2];
    let rows = [
        (0.97, 0.03, 0.09),
        (0.95, 0.09, 0.27),
        (0.92, 0.22, 0.60),
        (0.90, 0.31, 0.78),
        (0.85, 0.55, 0.97),
        (0.80, 0.75, 1.00),
    ];
    for (acc, at20, at100) in rows {
        let c = fire_curve(&p, &all, acc, 100).expect("window rules");
        assert_close(c[20], at20, 0.006, &format!("{acc} within 20"));
        assert_close(c[100], at100, 0.006, &format!("{acc} within 100"));
    }
    // the last rule alone: "≥5 & <80% over last 10 — 100 gold"
    for (acc, want) in [(0.95, 0.27), (0.92, 0.60), (0.90, 0.78), (0.85, 0.97)] {
        let c = fire_curve(&p, &[2], acc, 100).expect("window rule");
        assert_close(c[100], want, 0.006, &format!("rule 3 at {acc}"));
    }
}

/// "cumulative, ≥20 & <85% — 200 gold" and Toloka's "≥3 & <60% over last 10".
/// The reference values are Monte Carlo (20 000 trials, standard error ≤ 0.0035)
/// rounded to 2 decimals, hence the tolerance of 0.012; the exact value for 0.90 is
/// 0.383 (reference 0.39).
#[test]
fn cumulative_and_toloka_correct_rules_exact() {
    let p = one_rule("{ metric = \"gold_accuracy\", below = 0.85 }", 20);
    for (acc, want) in [
        (0.97, 0.01),
        (0.95, 0.05),
        (0.92, 0.21),
        (0.90, 0.39),
        (0.85, 0.86),
        (0.80, 1.00),
    ] {
        let c = fire_curve(&p, &[0], acc, 200).expect("cumulative rule");
        assert_close(c[200], want, 0.012, &format!("cumulative {acc}"));
    }
    let p = one_rule(
        "{ metric = \"gold_accuracy\", window = 10, below = 0.60 }",
        3,
    );
    for (acc, want) in [(0.95, 0.02), (0.90, 0.11), (0.85, 0.34), (0.80, 0.65)] {
        let c = fire_curve(&p, &[0], acc, 100).expect("window rule");
        assert_close(c[100], want, 0.012, &format!("toloka correct {acc}"));
    }
}

/// Wald SPRT 0.92 vs 0.80, α = 1%, β = 5% (qc-practice.md §2.2): P(ban) 0.006 /
/// 0.50 / 0.95 / 1.00 at accuracy 0.92 / 0.86 / 0.80 / 0.50, and a random clicker is
/// banned after a median of 11 gold answers.
#[test]
fn sprt_operating_characteristic_exact() {
    let p = parse_policy(
        "[[rules]]\nid = \"s\"\naction = \"ban\"\nsprt = { good = 0.92, bad = 0.80, alpha = 0.01, beta = 0.05 }\n",
    )
    .expect("valid");
    for (acc, want, tol) in [
        (0.92, 0.006, 0.002),
        (0.86, 0.50, 0.02),
        (0.80, 0.95, 0.01),
        (0.50, 1.0, 0.001),
    ] {
        let c = fire_curve(&p, &[0], acc, 700).expect("sprt");
        assert_close(c[700], want, tol, &format!("sprt {acc}"));
    }
    let c = fire_curve(&p, &[0], 0.5, 100).expect("sprt");
    assert_eq!(quantile(&c, 0.5 * c[100]), Some(11));
    // Wald's bound: the true false-ban rate at H0 is at most α/(1−β)
    let c = fire_curve(&p, &[0], 0.92, 700).expect("sprt");
    assert!(c[700] <= 0.01 / 0.95);
}

/// The simulator agrees with the exact probabilities within Monte-Carlo error
/// (4 standard errors, 20 000 simulated workers each).
#[test]
fn simulation_matches_exact() {
    let runs = 20_000u64;
    let cases = [
        (
            one_rule(
                "{ metric = \"gold_accuracy\", window = 10, below = 0.85 }",
                10,
            ),
            vec![0],
            0.92,
            Action::Ban,
        ),
        (
            one_rule(
                "{ metric = \"gold_accuracy\", window = 10, below = 0.85 }",
                10,
            ),
            vec![0],
            0.95,
            Action::Ban,
        ),
        (
            example_policy("toloka.toml"),
            vec![0, 1, 2],
            0.92,
            Action::Suspend,
        ),
        (example_policy("appen.toml"), vec![0, 1], 0.80, Action::Ban),
        (example_policy("recommended.toml"), vec![0, 1], 0.70, Action::Ban),
        (
            parse_policy(
                "[[rules]]\nid = \"p\"\naction = \"ban\"\nmin_evidence = 10\nposterior = { threshold = 0.8, probability = 0.95 }\n",
            )
            .expect("valid"),
            vec![0],
            0.85,
            Action::Ban,
        ),
    ];
    for (policy, rules, acc, action) in cases {
        let exact = fire_curve(&policy, &rules, acc, 100).expect("exact")[100];
        let cfg = SimConfig::new()
            .workers(vec![Archetype::Accuracy(acc)])
            .gold_rate(1.0)
            .tasks(100)
            .runs(runs)
            .seed(7);
        let r = simulate(&policy, &cfg).expect("simulate");
        let got = r.archetypes[0].probability(action);
        let se = (exact * (1.0 - exact) / runs as f64).sqrt();
        assert!(
            (got - exact).abs() <= 4.0 * se + 1e-9,
            "{} at {acc}: simulated {got}, exact {exact}, se {se}",
            policy.name
        );
    }
}

#[test]
fn exact_rejects_unsupported_rules() {
    let p = one_rule("{ metric = \"model_accuracy\", below = 0.5 }", 1);
    assert!(fire_curve(&p, &[0], 0.9, 10).is_err());
    let p = one_rule(
        "{ metric = \"gold_accuracy\", window = 10, below = 0.5 }, { metric = \"gold_accuracy\", below = 0.5 }",
        1,
    );
    assert!(fire_curve(&p, &[3], 0.9, 10).is_err());
    assert!(fire_curve(&p, &[0], 1.5, 10).is_err());
    // a window of 30 sliding within 100 answers: too large for the exact chain
    let p = one_rule("{ metric = \"gold_wrong\", window = 30, at_least = 10 }", 1);
    let e = fire_curve(&p, &[0], 0.9, 100).expect_err("2^30 states");
    assert!(e.to_string().contains("2^30"), "{e}");
    // ...but exact when it cannot slide (horizon <= window): it covers every answer
    let c = fire_curve(&p, &[0], 0.9, 30).expect("window covers all");
    // P(Binomial(30, 0.1) >= 10) = sum_{k>=10} C(30,k) 0.1^k 0.9^(30-k) = 0.000454355...
    assert!((c[30] - 0.000_454_355).abs() < 1e-9, "{}", c[30]);
}

/// Brute force over every sequence of `h` gold answers, fed through the live
/// evaluator ([`Policy::step`]): the probability that a rule fires by `h`.
fn brute_force(p: &crowdqc_policy::Policy, acc: f64, h: u32) -> f64 {
    use crowdqc_core::evidence::WorkerEvidence;
    use crowdqc_policy::WorkerState;
    let mut total = 0.0;
    for seq in 0u64..(1 << h) {
        let mut st = WorkerState::new(p, 0);
        let mut ev = WorkerEvidence::default();
        let mut prob = 1.0;
        let mut fired = false;
        for t in 0..h {
            let ok = (seq >> t) & 1 == 1;
            prob *= if ok { acc } else { 1.0 - acc };
            if fired {
                continue;
            }
            ev.record_gold(ok);
            if p.step(&mut st, &mut ev, 0)
                .is_some_and(|d| !d.fired.is_empty())
            {
                fired = true;
            }
        }
        if fired {
            total += prob;
        }
    }
    total
}

/// Window and cumulative rules with a sequential test, together: the mixed chain
/// equals brute-force enumeration through the live evaluator.
#[test]
fn mixed_families_match_brute_force() {
    let p = parse_policy(
        r#"
[[rules]]
id = "window"
action = "ban"
min_evidence = 4
when = [{ metric = "gold_wrong", window = 4, at_least = 3 }]

[[rules]]
id = "cumulative"
action = "ban"
min_evidence = 6
when = [{ metric = "gold_accuracy", below = 0.6 }]

[[rules]]
id = "sprt"
action = "ban"
sprt = { good = 0.9, bad = 0.6, alpha = 0.05, beta = 0.05, max_gold = 9 }
"#,
    )
    .expect("valid");
    for acc in [0.6, 0.8, 0.95] {
        let c = fire_curve(&p, &[0, 1, 2], acc, 14).expect("mixed chain");
        let want = brute_force(&p, acc, 14);
        assert!(
            (c[14] - want).abs() < 1e-12,
            "{acc}: chain {} brute {want}",
            c[14]
        );
    }
}

/// `policy exact` on the recommended policy as shipped (issue 9): its restrictive
/// rules together (two SPRT families and a window of 50) over 100 answers. The window
/// slides, so the table is a labelled Monte Carlo; over 50 answers it covers every
/// answer and the table is exact. Both agree with the policy file's guarantees
/// (99.2% of uniform spammers banned within 30 answers).
#[test]
fn recommended_policy_as_shipped() {
    use crowdqc_core::progress::NoProgress;
    use crowdqc_policy::{CurveMethod, ExactOptions, exact_report};
    let p = example_policy("recommended.toml");
    let opts = ExactOptions::new().accuracies(vec![0.5, 0.92]).runs(4096);
    let r = exact_report(&p, &opts, &NoProgress).expect("as shipped");
    assert_eq!(r.rules, ["spammer", "spammer-at-30", "sustained-low"]);
    assert!(
        matches!(r.method, CurveMethod::MonteCarlo { .. }),
        "{:?}",
        r.method
    );
    assert!(r.rows[0].probability >= 0.98 && r.rows[0].high >= 0.992);
    assert!(r.rows[1].low <= 0.0004 && r.rows[1].probability < 0.01);
    let exact = exact_report(&p, &opts.clone().horizon(50), &NoProgress).expect("exact");
    assert_eq!(exact.method, CurveMethod::Exact);
    assert!(exact.rows[0].probability >= 0.992);
    assert!(exact.rows[1].probability < 0.002);
    // the same seed gives the same table
    let again = exact_report(&p, &opts, &NoProgress).expect("again");
    assert_eq!(again, r);
}

/// Windows of 100 (issue 9 asks for at least 100): while the window cannot slide it
/// covers every answer, so the window rule equals the same rule over all gold, exactly;
/// once it slides the table is a labelled Monte Carlo that agrees with the exact
/// value at the last horizon where it does not slide (P(fire by 300) >= P(fire by 100)).
#[test]
fn windows_of_100() {
    use crowdqc_core::progress::NoProgress;
    use crowdqc_policy::{CurveMethod, ExactOptions, exact_report};
    let windowed = one_rule(
        "{ metric = \"gold_accuracy\", window = 100, bound = \"upper\", confidence = 0.95, below = 0.8 }",
        20,
    );
    let overall = one_rule(
        "{ metric = \"gold_accuracy\", bound = \"upper\", confidence = 0.95, below = 0.8 }",
        20,
    );
    for acc in [0.7, 0.8, 0.9] {
        let a = fire_curve(&windowed, &[0], acc, 100).expect("window 100, horizon 100");
        let b = fire_curve(&overall, &[0], acc, 100).expect("cumulative");
        assert_eq!(a, b, "{acc}");
    }
    let opts = ExactOptions::new().accuracies(vec![0.8]).runs(4000).seed(1);
    let slid = exact_report(&windowed, &opts.clone().horizon(300), &NoProgress).expect("mc");
    assert!(matches!(slid.method, CurveMethod::MonteCarlo { .. }));
    let at100 = exact_report(&windowed, &opts.horizon(100), &NoProgress).expect("exact");
    assert_eq!(at100.method, CurveMethod::Exact);
    assert!(slid.rows[0].high >= at100.rows[0].probability);
}
