//! The recommended policy's guarantees, shown by simulation over enough workers to
//! make the claim, and by exact arithmetic.
//!
//! Claim: the recommended policy bans ≤ 1% of 92%-accurate workers and catches
//! ≥ 99% of uniform spammers (binary tasks) within 30 gold answers.
//!
//! Sample sizes: 100 000 simulated spammers and 20 000 simulated 92% workers. The
//! claim is accepted when the one-sided 95% Clopper–Pearson bound of the simulated
//! proportion clears the target (lower bound ≥ 0.99 for spammers, upper bound ≤ 0.01
//! for the 92% workers).

use crowdqc_policy::Action;
use crowdqc_policy::exact::fire_curve;
use crowdqc_policy::simulate::{Archetype, SimConfig, simulate};
use crowdqc_policy::stats::{IntervalMethod, lower_bound, upper_bound};

use crate::example_policy;

#[test]
fn recommended_policy_bans_few_good_workers_and_almost_all_spammers() {
    let p = example_policy("recommended.toml");
    let bans: Vec<usize> = p
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.action == Action::Ban)
        .map(|(i, _)| i)
        .collect();
    // exact
    let spam = fire_curve(&p, &bans, 0.5, 30).expect("exact")[30];
    let good = fire_curve(&p, &bans, 0.92, 400).expect("exact")[400];
    assert!(
        spam >= 0.99 && good <= 0.001,
        "exact: spammers {spam}, 0.92 {good}"
    );

    // spammers: 100 000 workers, gold on every slot, 30 slots
    let n_spam = 100_000u64;
    let cfg = SimConfig::new()
        .workers(vec![Archetype::UniformSpammer])
        .gold_rate(1.0)
        .tasks(30)
        .runs(n_spam)
        .seed(2026)
        .classes(2);
    let r = simulate(&p, &cfg).expect("simulate");
    let caught = r.archetypes[0].probability(Action::Ban);
    let k = (caught * n_spam as f64).round() as u64;
    let lb = lower_bound(IntervalMethod::ClopperPearson, k, n_spam, 0.95);
    assert!(
        lb >= 0.99,
        "spammers caught within 30 gold: {caught} (95% lower bound {lb})"
    );
    assert!((caught - spam).abs() < 4.0 * (spam * (1.0 - spam) / n_spam as f64).sqrt());

    // 92%-accurate workers: 20 000 workers, 400 gold answers each
    let n_good = 20_000u64;
    let cfg = cfg
        .clone()
        .workers(vec![Archetype::Accuracy(0.92)])
        .tasks(400)
        .runs(n_good);
    let r = simulate(&p, &cfg).expect("simulate");
    let banned = r.archetypes[0].probability(Action::Ban);
    let k = (banned * n_good as f64).round() as u64;
    let ub = upper_bound(IntervalMethod::ClopperPearson, k, n_good, 0.95);
    assert!(
        ub <= 0.01,
        "92% workers banned: {banned} (95% upper bound {ub})"
    );
}
