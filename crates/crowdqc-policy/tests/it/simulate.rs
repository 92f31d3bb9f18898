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
        SimConfig::new().gold_rate(0.0),
        SimConfig::new().gold_rate(1.5),
        SimConfig::new().tasks(0),
        SimConfig::new().runs(0),
        SimConfig::new().classes(1),
    ] {
        assert!(simulate(&p, &cfg).is_err());
    }
}

#[test]
fn identical_for_any_thread_count_and_seeded() {
    let p = example_policy("recommended.toml");
    let cfg = SimConfig::new().runs(60).tasks(400).seed(3);
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
    let c = simulate(&p, &cfg.clone().seed(4)).expect("sim");
    assert_ne!(a, c);
}

#[test]
fn report_has_gold_share_actions_and_medians() {
    let p = example_policy("toloka.toml");
    let cfg = SimConfig::new().runs(400).tasks(500).gold_rate(0.2);
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
    let cfg = SimConfig::new()
        .workers(vec![Archetype::Degrading {
            from: 0.97,
            to: 0.6,
            at: 0.5,
        }])
        .runs(300)
        .tasks(2000)
        .gold_rate(0.1);
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

/// Progress sees every simulated worker; the report is the same as without it; an
/// interrupted simulation stops with `Error::Interrupted`.
#[test]
fn progress_and_interruption() {
    use std::sync::atomic::{AtomicU64, Ordering};

    use crowdqc_core::Error;
    use crowdqc_core::evidence::GoldSource;
    use crowdqc_core::progress::{InterruptFlag, Progress};
    use crowdqc_policy::simulate::{FixedRateGold, simulate_with_progress};

    #[derive(Default)]
    struct Count(AtomicU64);
    impl Progress for Count {
        fn advance(&self, n: u64) {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
    }
    let p = example_policy("toloka.toml");
    let cfg = SimConfig::new().runs(700).tasks(200);
    let gold = |seed: u64| Box::new(FixedRateGold::new(0.1, 0, seed)) as Box<dyn GoldSource>;
    let count = Count::default();
    let with = simulate_with_progress(&p, &cfg, &gold, &count).expect("sim");
    assert_eq!(count.0.load(Ordering::Relaxed), 7 * 700);
    assert_eq!(with, simulate(&p, &cfg).expect("sim"));
    let flag = InterruptFlag::new();
    flag.handle().store(true, Ordering::Relaxed);
    let r = simulate_with_progress(&p, &cfg, &gold, &flag);
    assert!(matches!(r, Err(Error::Interrupted)));
    let t = with.to_record_batch().expect("table");
    assert_eq!(t.num_columns(), 9);
}
