//! Worker speed in the simulator: a daily quota and a pay floor against the exact
//! quantiles of the duration distribution.

use crowdqc_policy::simulate::{Pace, SimConfig, parse_roster, simulate};
use crowdqc_policy::{Action, parse_policy};
use statrs::distribution::{ContinuousCDF, Normal};

const POLICY: &str = r#"
name = "quota-and-floor"
[[rules]]
id = "daily-quota"
action = "ban"
min_evidence = 1
when = [{ metric = "tasks_per_day", below = 200 }]
[[rules]]
id = "pay-floor"
action = "warn"
min_evidence = 1
when = [{ metric = "hourly_pay", below = 5.0 }]
"#;

/// P(log-normal duration with this median and spread > `ms`).
fn slower_than(ms: f64, median: f64, spread: f64) -> f64 {
    let n = Normal::new(0.0, 1.0).expect("normal");
    1.0 - n.cdf((ms / median).ln() / spread)
}

/// 8-hour shifts: a worker misses a quota of 200 a day exactly when a task takes
/// longer than 28 800 s / 200 = 144 s, and earns under 5.00 an hour at 0.30 a task
/// exactly when a task takes longer than 0.30 × 3600 / 5 = 216 s. Careful workers
/// (median 150 s) and fast spammers (median 60 s), spread 0.3.
#[test]
fn quota_and_pay_floor_match_the_duration_quantiles() {
    let p = parse_policy(POLICY).expect("policy");
    let runs = 10_000;
    let cfg = SimConfig::new()
        .roster("0.97~150s/0.3,uniform~60s/0.3")
        .expect("roster")
        .tasks(700)
        .runs(runs)
        .seed(11)
        .piece_rate(Some(0.30));
    let r = simulate(&p, &cfg).expect("simulate");
    let se = |q: f64| (q * (1.0 - q) / runs as f64).sqrt();
    for (a, median) in [(0, 150_000.0), (1, 60_000.0)] {
        let banned = r.archetypes[a].probability(Action::Ban);
        let want = slower_than(144_000.0, median, 0.3);
        assert!(
            (banned - want).abs() <= 4.0 * se(want) + 1e-9,
            "{}: banned {banned}, exact {want}",
            r.archetypes[a].archetype
        );
        let warned = r.archetypes[a].probability(Action::Warn);
        let want = slower_than(216_000.0, median, 0.3);
        assert!(
            (warned - want).abs() <= 4.0 * se(want) + 1e-9,
            "{}: warned {warned}, exact {want}",
            r.archetypes[a].archetype
        );
    }
    // the quota removes over half of the careful workers (exact 0.554) and almost no
    // fast spammer (0.0018)
    assert!(r.archetypes[0].probability(Action::Ban) > 0.5);
    assert!(r.archetypes[1].probability(Action::Ban) < 0.01);
    // median pay: 0.30 × 3600 / median duration = 7.20 an hour for careful workers;
    // spammers faster than 28 800 s / 701 do more than 700 tasks a day, finish no
    // day within 700 tasks and have no figure: their median is the conditional one
    let pay = r.archetypes[0].median_hourly_pay.expect("pay");
    assert!((pay - 7.2).abs() < 0.1, "{pay}");
    let n = Normal::new(0.0, 1.0).expect("normal");
    let f = n.cdf((28_800.0 / 701.0 / 60.0f64).ln() / 0.3);
    let d = 60.0 * (0.3 * n.inverse_cdf(f + (1.0 - f) / 2.0)).exp();
    let pay = r.archetypes[1].median_hourly_pay.expect("pay");
    assert!((pay - 1080.0 / d).abs() < 0.25, "{pay} vs {}", 1080.0 / d);
    assert_eq!(r.archetypes[0].archetype, "0.97~150s/0.3");
}

#[test]
fn paced_simulation_is_identical_for_any_thread_count() {
    let p = parse_policy(POLICY).expect("policy");
    let cfg = SimConfig::new()
        .roster("0.9~100s,uniform~20s/0.5,0.8")
        .expect("roster")
        .tasks(600)
        .runs(300)
        .piece_rate(Some(0.1));
    let run = |t| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .expect("pool")
            .install(|| simulate(&p, &cfg).expect("simulate"))
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn roster_specs_parse_and_reject() {
    let (kinds, paces) = parse_roster("0.97~40s/0.3, uniform~500ms, 0.9").expect("valid");
    assert_eq!(kinds.len(), 3);
    assert_eq!(
        paces,
        vec![
            Some(Pace {
                median_ms: 40_000.0,
                spread: 0.3
            }),
            Some(Pace {
                median_ms: 500.0,
                spread: Pace::DEFAULT_SPREAD
            }),
            None
        ]
    );
    for bad in [
        "0.9~",
        "0.9~40",
        "0.9~-4s",
        "0.9~40s/x",
        "0.9~40s/9",
        "0.9~2d",
        "x~4s",
    ] {
        let e = parse_roster(bad).expect_err(bad);
        assert!(e.to_string().contains("workers"), "{bad}: {e}");
    }
    assert!(SimConfig::new().shift_ms(0).validate().is_err());
    assert!(SimConfig::new().piece_rate(Some(-1.0)).validate().is_err());
}
