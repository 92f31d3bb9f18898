//! Scheduler properties: no repeat gold, least-exposed first, determinism, served
//! rate, quiz, retirement, bad input.

use std::collections::HashSet;

use crowdqc_core::Error;
use crowdqc_core::evidence::{GoldSource, NextTask, WorkerEvidence};
use crowdqc_gold::{
    AdaptiveRule, GoldPool, GoldReason, GoldScheduler, ScheduleParams, Slot, WorkerStatus,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn pool(n: u32) -> GoldPool {
    GoldPool::new((0..n).map(|i| (1000 + i, i % 3))).expect("pool")
}

/// Plays `requests` task requests from `workers` workers (chosen by `rng`), each
/// answering gold correctly with probability `acc(worker)`; returns the decisions.
fn play(
    s: &mut GoldScheduler,
    workers: u32,
    requests: usize,
    acc: impl Fn(u32) -> f64,
    seed: u64,
) -> Vec<(u32, Slot)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(requests);
    for _ in 0..requests {
        let w = rng.random_range(0..workers);
        let slot = s.next(w);
        if let Slot::Gold { item, .. } = slot {
            let ok = rng.random_bool(acc(w));
            s.record(w, item, ok).expect("served");
        }
        out.push((w, slot));
    }
    out
}

#[test]
fn never_repeats_gold_and_picks_the_least_exposed_unseen_item() {
    let params = ScheduleParams::new().quiz(3).quiz_pass(0.0).seed(11);
    let mut s = GoldScheduler::new(params, pool(40)).expect("scheduler");
    let mut seen: Vec<HashSet<u32>> = vec![HashSet::new(); 30];
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..20_000 {
        let w = rng.random_range(0..30u32);
        // exposure of every unseen item before the decision
        let min_unseen = (1000..1040)
            .filter(|i| !seen[w as usize].contains(i))
            .map(|i| s.exposure(i).expect("gold"))
            .min();
        if let Slot::Gold { item, .. } = s.next(w) {
            assert!(seen[w as usize].insert(item), "worker {w} got {item} twice");
            assert_eq!(
                Some(s.exposure(item).expect("gold") - 1),
                min_unseen,
                "not the least exposed"
            );
            s.record(w, item, rng.random_bool(0.9)).expect("served");
        }
    }
    // exposure = number of distinct workers who saw the item
    for i in 1000..1040 {
        let n = seen.iter().filter(|s| s.contains(&i)).count() as u32;
        assert_eq!(s.exposure(i), Some(n));
    }
    // balance: all 30 workers saw many items; exposures differ by at most a few
    let ex: Vec<u32> = (1000..1040).map(|i| s.exposure(i).expect("gold")).collect();
    let (lo, hi) = (ex.iter().min().expect("x"), ex.iter().max().expect("x"));
    assert!(hi - lo <= 2, "{ex:?}");
}

#[test]
fn deterministic_for_a_seed_and_per_worker_coins() {
    let params = ScheduleParams::new().seed(42);
    let run = |p: ScheduleParams| {
        let mut s = GoldScheduler::new(p, pool(200)).expect("scheduler");
        play(&mut s, 50, 5_000, |w| 0.5 + f64::from(w) / 100.0, 9)
    };
    assert_eq!(run(params.clone()), run(params.clone()));
    assert_ne!(run(params.clone()), run(params.seed(43)));
    // a worker's gold/regular pattern does not depend on other workers' traffic
    let pattern = |with_others: bool| {
        let mut s = GoldScheduler::new(ScheduleParams::new().seed(1), pool(500)).expect("s");
        let mut v = Vec::new();
        for t in 0..400u32 {
            if with_others {
                let _ = s.next(100 + t % 7);
            }
            let slot = s.next(7);
            if let Slot::Gold { item, .. } = slot {
                s.record(7, item, t % 5 != 0).expect("served");
            }
            v.push(matches!(slot, Slot::Gold { .. }));
        }
        v
    };
    assert_eq!(pattern(false), pattern(true));
}

#[test]
fn served_rate_matches_a_fixed_configured_rate() {
    // onboarding off, floor = max_rate: the rate is constant.
    for r in [0.02, 0.1, 0.3] {
        let p = ScheduleParams::new()
            .onboarding_gold(0)
            .max_rate(r)
            .floor(r)
            .seed(3);
        let mut s = GoldScheduler::new(p, pool(5_000)).expect("s");
        let n = 100_000usize;
        let d = play(&mut s, 100, n, |_| 0.9, 4);
        let gold = d
            .iter()
            .filter(|(_, s)| matches!(s, Slot::Gold { .. }))
            .count() as f64;
        let sd = (n as f64 * r * (1.0 - r)).sqrt();
        assert!(
            (gold - n as f64 * r).abs() < 4.0 * sd,
            "rate {r}: {gold} gold of {n}"
        );
        assert_eq!(s.stats().starved, 0);
    }
}

#[test]
fn adaptive_rate_is_served_as_computed_and_separates_workers() {
    // Each slot is gold with the worker's current rate: the number served must match
    // the sum of the rates in force (a martingale), within 4 sd.
    let p = ScheduleParams::new().threshold(0.8).seed(8);
    let mut s = GoldScheduler::new(p, pool(20_000)).expect("s");
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let (mut expected, mut var, mut served) = (0.0, 0.0, 0.0);
    let acc = |w: u32| if w < 20 { 0.97 } else { 0.6 };
    for _ in 0..100_000 {
        let w = rng.random_range(0..40u32);
        let rate = s.worker(w).map_or(0.5, |v| v.gold_rate);
        expected += rate;
        var += rate * (1.0 - rate);
        if let Slot::Gold { item, .. } = s.next(w) {
            served += 1.0;
            s.record(w, item, rng.random_bool(acc(w))).expect("served");
        }
    }
    assert!(
        (served - expected).abs() < 4.0 * f64::sqrt(var),
        "{served} vs {expected}"
    );
    // After ~2,500 slots each, every worker is decided (97% ones above 0.8, 60% ones
    // below), so rates have decayed from max_rate; trusted workers sit near the floor.
    for w in 0..40 {
        let v = s.worker(w).expect("seen");
        assert!((0.02..=0.3).contains(&v.gold_rate), "{w}: {}", v.gold_rate);
        if w < 20 {
            assert!(v.gold_rate < 0.1, "trusted worker {w} rate {}", v.gold_rate);
        }
    }
}

#[test]
fn rate_is_max_while_the_interval_straddles_the_threshold() {
    let p = ScheduleParams::new()
        .rule(AdaptiveRule::Wilson)
        .onboarding_gold(0)
        .threshold(0.8)
        .seed(1);
    let mut s = GoldScheduler::new(p, pool(100)).expect("s");
    // answer 8 of 10 correctly: the interval contains 0.8
    let mut k = 0;
    while k < 10 {
        if let Slot::Gold { item, .. } = s.next(1) {
            s.record(1, item, k < 8).expect("served");
            k += 1;
        }
    }
    assert_eq!(s.worker(1).expect("seen").gold_rate, 0.3);
}

#[test]
fn quiz_pass_fail_wait_and_onboarding() {
    let p = ScheduleParams::new().quiz(4).quiz_pass(0.75).seed(2);
    let mut s = GoldScheduler::new(p, pool(10)).expect("s");
    let mut items = Vec::new();
    for _ in 0..4 {
        match s.next(1) {
            Slot::Gold {
                item,
                reason: GoldReason::Quiz,
            } => items.push(item),
            other => panic!("expected quiz gold, got {other:?}"),
        }
    }
    assert_eq!(s.next(1), Slot::AwaitQuiz);
    for (n, &i) in items.iter().enumerate() {
        s.record(1, i, n != 0).expect("served"); // 3 of 4 = 0.75: pass
    }
    assert_eq!(s.worker(1).expect("seen").status, WorkerStatus::Working);
    assert_eq!(s.unseen_gold(1), 6);
    assert_eq!(s.unseen_gold(99), 10);
    // onboarding: 4 gold so far < 10, so gold comes with reason Onboarding
    let mut saw_onboarding = false;
    for _ in 0..50 {
        if let Slot::Gold { item, reason } = s.next(1) {
            saw_onboarding |= reason == GoldReason::Onboarding;
            s.record(1, item, true).expect("served");
        }
    }
    assert!(saw_onboarding);
    // worker 2 fails: 2 of 4
    let mut items = Vec::new();
    for _ in 0..4 {
        if let Slot::Gold { item, .. } = s.next(2) {
            items.push(item);
        }
    }
    for (n, &i) in items.iter().enumerate() {
        s.record(2, i, n < 2).expect("served");
    }
    assert_eq!(s.worker(2).expect("seen").status, WorkerStatus::Failed);
    assert_eq!(s.next(2), Slot::Excluded);
    assert!(s.stats().excluded == 1 && s.stats().awaiting == 1);
}

#[test]
fn retirement_caps_exposure_outside_quizzes() {
    let p = ScheduleParams::new()
        .max_exposure(3)
        .max_rate(1.0)
        .floor(1.0)
        .onboarding_gold(0)
        .seed(5);
    let mut s = GoldScheduler::new(p, pool(12)).expect("s");
    let d = play(&mut s, 20, 2_000, |_| 0.9, 1);
    for i in 1000..1012 {
        assert!(s.exposure(i).expect("gold") <= 3);
    }
    assert_eq!(s.retired().len(), 12);
    assert!((0..20).all(|w| s.unseen_gold(w) == 0));
    // 12 items x 3 workers = 36 gold slots, the rest were starved
    let gold = d
        .iter()
        .filter(|(_, s)| matches!(s, Slot::Gold { .. }))
        .count();
    assert_eq!(gold, 36);
    assert_eq!(s.stats().starved as usize, 2_000 - 36);
}

#[test]
fn usable_as_a_gold_source_trait_object() {
    let s = GoldScheduler::new(ScheduleParams::new().seed(1), pool(50)).expect("s");
    let mut src: Box<dyn GoldSource> = Box::new(s);
    let ev = WorkerEvidence::default();
    let mut got = HashSet::new();
    for _ in 0..200 {
        if let NextTask::Gold(i) = src.next_task(3, &ev) {
            assert!(got.insert(i));
            src.observe(3, i, true);
        }
    }
    assert!(!got.is_empty());
}

#[test]
fn rejects_bad_input() {
    let p = ScheduleParams::new();
    for (bad, name) in [
        (p.clone().quiz_pass(1.5), "quiz_pass"),
        (p.clone().onboarding_rate(-0.1), "onboarding_rate"),
        (p.clone().threshold(1.0), "threshold"),
        (p.clone().confidence(0.0), "confidence"),
        (p.clone().max_rate(2.0), "max_rate"),
        (p.clone().floor(0.5), "floor"),
        (p.clone().quiz(11), "quiz"),
    ] {
        let e = GoldScheduler::new(bad, pool(10)).unwrap_err();
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    // conflicting gold answers; empty pool
    assert!(matches!(
        GoldPool::new([(1, 0), (1, 1)]),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(GoldPool::new([]), Err(Error::InsufficientData(_))));
    // answers for items not served / not gold / not outstanding
    let mut s = GoldScheduler::new(ScheduleParams::new().quiz(1).seed(0), pool(10)).expect("s");
    assert!(s.record(1, 1000, true).is_err()); // unknown worker
    let Slot::Gold { item, .. } = s.next(1) else {
        panic!("quiz")
    };
    assert!(s.record(1, 5, true).is_err()); // not gold
    let other = if item == 1000 { 1001 } else { 1000 };
    assert!(s.record(1, other, true).is_err()); // never served
    assert_eq!(s.record_answer(1, item, (item - 1000) % 3).ok(), Some(true));
    assert!(s.record(1, item, true).is_err()); // nothing outstanding
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn no_worker_ever_sees_a_gold_item_twice(
        seed in any::<u64>(),
        pool_size in 1u32..30,
        quiz in 0u32..4,
        max_exposure in 0u32..5,
        calls in prop::collection::vec((0u32..6, any::<bool>()), 1..300),
    ) {
        let quiz = quiz.min(pool_size);
        let p = ScheduleParams::new().quiz(quiz).quiz_pass(0.5).max_exposure(max_exposure).seed(seed);
        let mut s = GoldScheduler::new(p, pool(pool_size)).expect("valid");
        let mut seen: Vec<HashSet<u32>> = vec![HashSet::new(); 6];
        for &(w, ok) in &calls {
            if let Slot::Gold { item, reason } = s.next(w) {
                prop_assert!(seen[w as usize].insert(item));
                if reason != GoldReason::Quiz && max_exposure > 0 {
                    prop_assert!(s.exposure(item).expect("gold") <= max_exposure);
                }
                s.record(w, item, ok).expect("served");
            }
        }
        let st = s.stats();
        prop_assert_eq!(st.requests as usize, calls.len());
        prop_assert_eq!(
            st.regular + st.quiz + st.onboarding + st.adaptive + st.awaiting + st.excluded,
            st.requests
        );
    }
}

#[test]
fn new_workers_get_front_loaded_gold() {
    // 2,000 fresh workers, 10 slots each: while they have < 10 gold answers every slot
    // is gold with probability onboarding_rate = 0.5; later (perfect workers) the rate
    // decays, so slots 200..300 carry far less gold.
    let p = ScheduleParams::new().seed(21);
    let mut s = GoldScheduler::new(p, pool(1_000)).expect("s");
    let (mut early, mut late) = (0u32, 0u32);
    for w in 0..2_000u32 {
        for t in 0..300 {
            if let Slot::Gold { item, reason } = s.next(w) {
                if t < 10 {
                    assert_eq!(reason, GoldReason::Onboarding);
                    early += 1;
                } else if t >= 200 {
                    late += 1;
                }
                s.record(w, item, true).expect("served");
            }
        }
    }
    let n = 20_000.0;
    let sd = (n * 0.25f64).sqrt();
    assert!((f64::from(early) - n * 0.5).abs() < 4.0 * sd, "{early}");
    // 200,000 late slots at the decayed rate (< 0.1 for a perfect worker by then)
    assert!(f64::from(late) < 0.1 * 200_000.0, "{late}");
}

#[test]
fn posterior_rate_is_the_jeffreys_probability_below_the_threshold() {
    // rate = 0.02 + 0.28 · P(Beta(c + 1/2, n − c + 1/2) < 0.8); the probabilities are
    // scipy 1.17.1 `scipy.stats.beta.cdf(0.8, c + 0.5, n - c + 0.5)`
    for (c, n, q) in [
        (8u32, 10u32, 0.533_495_955_161_641_4),
        (5, 10, 0.984_914_602_417_213_1),
        (20, 20, 0.002_641_248_115_275_341),
        (27, 30, 0.076_795_043_502_337_11),
    ] {
        let p = ScheduleParams::new()
            .onboarding_gold(0)
            .threshold(0.8)
            .seed(1);
        let mut s = GoldScheduler::new(p, pool(100)).expect("s");
        let mut k = 0;
        while k < n {
            if let Slot::Gold { item, .. } = s.next(1) {
                s.record(1, item, k < c).expect("served");
                k += 1;
            }
        }
        let rate = s.worker(1).expect("seen").gold_rate;
        let want = 0.02 + 0.28 * q;
        assert!((rate - want).abs() < 1e-9, "{c}/{n}: {rate} vs {want}");
    }
}
