//! The gold economy target (issue 15 item 4), as a property of the seeded table that
//! `crowdqc policy simulate --economy --policy policies/recommended.toml` prints: the
//! adaptive gold schedule catches ≥ 99% of uniform spammers within 30 gold answers,
//! with a good-worker gold share at most a third of the flat rate that catches 99% of
//! them as fast (in task slots). Lives in the facade crate because it joins the gold
//! crate's scheduler with the policy crate's simulator.

use crowdqc::gold::{GoldPool, GoldScheduler, ScheduleParams};
use crowdqc::policy::parse_policy;
use crowdqc::policy::simulate::economy::{EconomyConfig, GoldSchedule, gold_economy};

#[test]
fn adaptive_schedule_catches_spammers_at_a_third_of_the_flat_gold() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/recommended.toml"
    );
    let policy = parse_policy(&std::fs::read_to_string(path).expect("policy")).expect("valid");
    let cfg = EconomyConfig::new().runs(2000).seed(0);
    let pool = GoldPool::synthetic(500, 2, 4 * 2000).expect("pool");
    let adaptive = GoldScheduler::factory(ScheduleParams::new(), pool).expect("valid");
    let schedules = [
        GoldSchedule::custom("adaptive", Box::new(adaptive)),
        GoldSchedule::flat(0.3),
    ];
    let t = gold_economy(&policy, &cfg, &schedules).expect("runs");
    let v = t.verdict.as_ref().expect("adaptive is compared");
    // ≥ 99% of uniform spammers within 30 gold answers
    assert_eq!(t.within, [10, 20, 30]);
    assert!(v.caught >= 0.99, "{t}");
    // the flat rate that catches 99% within the adaptive schedule's slots, and the
    // adaptive good-worker share at most a third of it
    let rate = v.equivalent_flat_rate.expect("a flat rate can");
    let ratio = v.share_ratio.expect("ratio");
    assert!(ratio <= 1.0 / 3.0, "{t}");
    assert!(v.met, "{t}");
    // cross-check with the simulated flat 30% row: it needs about as many slots as the
    // adaptive schedule to catch 99% (30% is close to the equivalent rate) and serves
    // good workers 30% gold
    let flat = &t.rows[1];
    assert!((0.2..0.4).contains(&rate), "{t}");
    assert!((flat.gold_share_good - 0.3).abs() < 0.002, "{t}");
    // and the adaptive schedule restricts no more good workers than flat 30%
    assert!(t.rows[0].good_restricted <= flat.good_restricted, "{t}");
}
