//! Unit tests of the gold economy: the flat-rate rows against exact binomial
//! arithmetic, the binomial mixing against a closed form, determinism, validation.

use super::*;
use crate::parse_policy;

/// Bans at the third wrong gold answer: a uniform K-class spammer is wrong with
/// probability (K − 1)/K, so it is caught within n gold answers with probability
/// P(Binomial(n, (K − 1)/K) ≥ 3).
fn three_wrong() -> Policy {
    parse_policy(
        r#"
[[rules]]
id = "three-wrong"
action = "ban"
when = [{ metric = "gold_wrong", at_least = 3 }]
"#,
    )
    .expect("valid")
}

fn choose(n: u64, k: u64) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// `P(Binomial(n, p) ≥ 3)` by the complement of three terms.
fn at_least_three(n: u64, p: f64) -> f64 {
    1.0 - (0..3.min(n + 1))
        .map(|j| choose(n, j) * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32))
        .sum::<f64>()
}

#[test]
fn flat_rows_match_exact_binomial_arithmetic() {
    let (runs, tasks, k) = (4000u64, 300u64, 3u32);
    // a perfect good worker is never banned, so every good worker works every slot
    let cfg = EconomyConfig::new()
        .good(vec![1.0])
        .within(vec![3, 5, 10])
        .runs(runs)
        .tasks(tasks)
        .classes(k)
        .seed(11);
    let rates = [0.1, 0.2, 0.3];
    let t = gold_economy(&three_wrong(), &cfg, &rates.map(GoldSchedule::flat)).expect("runs");
    let wrong = f64::from(k - 1) / f64::from(k);
    for (r, row) in rates.iter().zip(&t.rows) {
        // the expected gold share of a flat rate r is r
        let slots = (runs * tasks) as f64;
        let sd = (r * (1.0 - r) / slots).sqrt();
        assert!((row.gold_share_good - r).abs() < 4.5 * sd, "{r}: {row:?}");
        assert_eq!(row.good_restricted, 0.0);
        // caught within n gold answers: P(Bin(n, 2/3) >= 3), whatever the rate
        for (&n, &c) in t.within.iter().zip(&row.caught_within) {
            let p = at_least_three(u64::from(n), wrong);
            let sd = (p * (1.0 - p) / runs as f64).sqrt().max(1e-9);
            assert!((c - p).abs() < 4.5 * sd, "{r}, n = {n}: {c} vs {p}");
        }
        // slots to catch half: a slot is a wrong gold answer with probability r·2/3,
        // so P(caught within S slots) = P(Bin(S, 2r/3) >= 3); the sample median S must
        // bracket 0.5 of it (within 4.5 standard errors)
        let s = row.slots_to_catch_half.expect("half are caught");
        let sd = (0.25 / runs as f64).sqrt();
        let q = |s: u32| at_least_three(u64::from(s), r * wrong);
        assert!(
            q(s) >= 0.5 - 4.5 * sd && q(s - 1) <= 0.5 + 4.5 * sd,
            "{r}: {s}"
        );
    }
    // gold answers do not depend on the schedule: the same seeds give the same curve
    assert_eq!(t.rows[0].caught_within, t.rows[2].caught_within);
    assert!(t.verdict.is_none(), "only flat schedules");
}

#[test]
fn flat_catch_within_slots_is_the_thinned_binomial() {
    // with the exact curve c(n) = P(Bin(n, w) >= 3), the binomial mixture over gold
    // answers in S slots equals P(Bin(S, r·w) >= 3) (thinning)
    let w = 0.5;
    let curve: Vec<f64> = (0..=400u64).map(|n| at_least_three(n, w)).collect();
    for (s, r) in [(10u32, 0.1), (50, 0.3), (120, 0.25), (400, 0.05), (3, 1.0)] {
        let got = flat_catch_within_slots(&curve, s, r);
        let want = at_least_three(u64::from(s), r * w);
        assert!((got - want).abs() < 1e-12, "{s}, {r}: {got} vs {want}");
    }
}

#[test]
fn identical_for_any_thread_count() {
    let cfg = EconomyConfig::new().good(vec![0.9]).runs(300).tasks(200);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| {
                let schedules = [
                    GoldSchedule::custom(
                        "front-loaded",
                        Box::new(|seed| Box::new(FixedRateGold::new(0.05, 20, seed))),
                    ),
                    GoldSchedule::flat(0.2),
                ];
                gold_economy(&three_wrong(), &cfg, &schedules).expect("runs")
            })
    };
    let one = run(1);
    assert_eq!(one, run(3));
    // the custom schedule is compared with flat rates
    let v = one.verdict.as_ref().expect("a non-flat schedule");
    assert_eq!(v.schedule, "front-loaded");
    assert!(one.to_string().contains("| flat 20% |"), "{one}");
}

#[test]
fn bad_settings_name_the_parameter() {
    let p = three_wrong();
    let flat = [GoldSchedule::flat(0.1)];
    for (cfg, name) in [
        (EconomyConfig::new().good(vec![]), "good"),
        (EconomyConfig::new().good(vec![1.5]), "good"),
        (EconomyConfig::new().within(vec![0]), "within"),
        (EconomyConfig::new().classes(1), "classes"),
        (EconomyConfig::new().runs(0), "runs"),
    ] {
        let e = gold_economy(&p, &cfg, &flat).expect_err(name);
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    let e = gold_economy(&p, &EconomyConfig::new(), &[]).expect_err("none");
    assert!(e.to_string().contains("schedules"), "{e}");
    let e = gold_economy(&p, &EconomyConfig::new(), &[GoldSchedule::flat(1.5)]).expect_err("rate");
    assert!(e.to_string().contains("gold_rate"), "{e}");
}
