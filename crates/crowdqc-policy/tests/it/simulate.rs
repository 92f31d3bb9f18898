//! The simulator: settings, determinism, reports.

use crowdqc_policy::Action;
use crowdqc_policy::simulate::{Archetype, SimConfig, simulate};

use crate::example_policy;

#[test]
fn worker_specs_parse_and_reject() {
    let a = Archetype::parse_list("0.97, uniform,constant,degrade:0.95>0.7@0.5").expect("valid");
    assert_eq!(a[0], Archetype::Accuracy(0.97));
    assert_eq!(
        a[3],
        Archetype::Degrading {
            from: 0.95,
            to: 0.7,
            at: 0.5
        }
    );
    for bad in ["1.2", "spam", "degrade:0.9", "degrade:0.9>0.5@1.5", ""] {
        let e = Archetype::parse_list(bad).expect_err(bad);
        assert!(e.to_string().contains("workers"), "{e}");
    }
}

#[test]
fn settings_are_validated() {
    let p = example_policy("toloka.toml");
    for cfg in [
        SimConfig {
            gold_rate: 0.0,
            ..SimConfig::default()
        },
        SimConfig {
            gold_rate: 1.5,
            ..SimConfig::default()
        },
        SimConfig {
            tasks: 0,
            ..SimConfig::default()
        },
        SimConfig {
            runs: 0,
            ..SimConfig::default()
        },
        SimConfig {
            classes: 1,
            ..SimConfig::default()
        },
    ] {
        assert!(simulate(&p, &cfg).is_err());
    }
}

#[test]
fn identical_for_any_thread_count_and_seeded() {
    let p = example_policy("recommended.toml");
    let cfg = SimConfig {
        runs: 60,
        tasks: 400,
        seed: 3,
        ..SimConfig::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("pool");
    let a = one.install(|| simulate(&p, &cfg)).expect("sim");
    let b = three.install(|| simulate(&p, &cfg)).expect("sim");
    assert_eq!(a, b);
    let c = simulate(&p, &SimConfig { seed: 4, ..cfg }).expect("sim");
    assert_ne!(a, c);
}

#[test]
fn report_has_gold_share_actions_and_medians() {
    let p = example_policy("toloka.toml");
    let cfg = SimConfig {
        runs: 400,
        tasks: 500,
        gold_rate: 0.2,
        ..SimConfig::default()
    };
    let r = simulate(&p, &cfg).expect("sim");
    assert_eq!(r.archetypes.len(), 7);
    for a in &r.archetypes {
        // suspended workers sit out 10 days > the horizon, so the gold share is the rate
        assert!(
            (a.gold_share - 0.2).abs() < 0.02,
            "{}: {}",
            a.archetype,
            a.gold_share
        );
    }
    let spam = &r.archetypes[4];
    assert_eq!(spam.archetype, "uniform");
    assert!(spam.probability(Action::Suspend) > 0.99);
    let med = spam
        .stat("suspend")
        .and_then(|s| s.median_gold)
        .expect("median");
    assert!((3.0..=6.0).contains(&med), "{med}");
    // better workers are suspended less often
    let p97 = r.archetypes[0].probability(Action::Suspend);
    let p70 = r.archetypes[3].probability(Action::Suspend);
    assert!(p97 < p70);
    let text = r.text();
    assert!(
        text.contains("uniform") && text.contains("suspend"),
        "{text}"
    );
}

#[test]
fn degrading_worker_is_caught_after_the_drop() {
    let p = example_policy("recommended.toml");
    let cfg = SimConfig {
        workers: vec![Archetype::Degrading {
            from: 0.97,
            to: 0.6,
            at: 0.5,
        }],
        runs: 300,
        tasks: 2000,
        gold_rate: 0.1,
        ..SimConfig::default()
    };
    let r = simulate(&p, &cfg).expect("sim");
    let a = &r.archetypes[0];
    // suspended by the sustained-low rule after the drop at ~100 gold answers
    let d = a.stat("suspend").expect("suspended");
    assert!(d.probability > 0.95, "{}", r.text());
    let med = d.median_gold.expect("median");
    assert!(med > 100.0 && med < 160.0, "{}", r.text());
    // and promoted before it, by the tiers
    assert!(a.probability(Action::Promote) > 0.9, "{}", r.text());
    assert!(a.probability(Action::Ban) < 0.01, "{}", r.text());
}
