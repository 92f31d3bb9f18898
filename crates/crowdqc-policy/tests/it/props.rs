//! Property tests: decisions are consistent with the rules that fired; exact curves
//! are probabilities, non-decreasing in time and in error rate.

use crowdqc_core::evidence::WorkerEvidence;
use crowdqc_policy::Action;
use crowdqc_policy::exact::fire_curve;
use proptest::prelude::*;

use crate::example_policy;

fn evidence() -> impl Strategy<Value = WorkerEvidence> {
    (
        proptest::collection::vec(any::<bool>(), 0..150),
        proptest::option::of(0.0f64..=1.0),
        proptest::option::of(0.0f64..=1.0),
        0u64..500,
        proptest::option::of(0u16..3),
    )
        .prop_map(|(answers, model, spam, extra, tier)| {
            let mut e = WorkerEvidence::default();
            for a in answers {
                e.record_gold(a);
            }
            e.judgments = e.gold_answered + extra;
            e.model_accuracy = model;
            e.spammer_score = spam;
            e.tier = tier;
            e
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn decision_is_the_most_severe_fired_action(e in evidence()) {
        for file in ["toloka.toml", "appen.toml", "recommended.toml"] {
            let p = example_policy(file);
            let d = p.evaluate(&e);
            let mut want = d.fired.iter().map(|&i| p.rules[i as usize].action).max().unwrap_or(Action::Allow);
            if let Some(tc) = d.tier {
                want = want.max(if tc.to > tc.from { Action::Promote } else { Action::Demote });
            }
            prop_assert_eq!(d.action, want);
            prop_assert!(d.fired.windows(2).all(|w| w[0] < w[1]));
            prop_assert_eq!(d.untrust, d.fired.iter().any(|&i| p.rules[i as usize].untrust));
            let x = p.explain(&d, &e);
            prop_assert!(x.iter().filter(|x| x.fired && x.rule != "tiers").count() == d.fired.len());
            for x in x.iter().filter(|x| x.fired && x.rule != "tiers") {
                prop_assert!(x.clauses.iter().all(|c| c.holds));
            }
        }
    }

    #[test]
    fn exact_curves_are_monotone(acc in 0.5f64..0.99, lower in 0.01f64..0.3) {
        let p = example_policy("toloka.toml");
        let c = fire_curve(&p, &[0, 1, 2], acc, 60).expect("window rules");
        prop_assert!(c.iter().all(|v| (0.0..=1.0 + 1e-12).contains(v)));
        prop_assert!(c.windows(2).all(|w| w[1] >= w[0] - 1e-12));
        // a less accurate worker is suspended at least as often
        let worse = fire_curve(&p, &[0, 1, 2], acc - lower * (acc - 0.5), 60).expect("window rules");
        prop_assert!(worse[60] >= c[60] - 1e-12);
    }
}
