//! Saving and restoring the online gold scheduler: exact round trip, resuming equals
//! an uninterrupted run, mismatches and damaged files are refused with the reason.

use crowdqc_gold::{
    AdaptiveRule, GoldPool, GoldScheduler, STATE_MAGIC, ScheduleParams, Slot, WorkerStatus,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn pool(n: u32) -> GoldPool {
    GoldPool::new((0..n).map(|i| (5000 + 3 * i, i % 4))).expect("pool")
}

fn params() -> ScheduleParams {
    ScheduleParams::new()
        .quiz(4)
        .quiz_pass(0.75)
        .max_exposure(12)
        .threshold(0.8)
        .seed(19)
}

/// Drives `s` for `steps` requests from 40 workers of mixed accuracy; a gold answer is
/// recorded at once, later, or (rarely) never. Returns the decisions.
fn drive(s: &mut GoldScheduler, rng: &mut ChaCha8Rng, steps: usize) -> Vec<(u32, Slot)> {
    let mut out = Vec::with_capacity(steps);
    for _ in 0..steps {
        let w = rng.random_range(0..40u32) * 7 + 3; // sparse platform ids
        let slot = s.next(w);
        if let Slot::Gold { item, .. } = slot
            && rng.random_bool(0.97)
        {
            let acc = if w % 5 == 0 { 0.5 } else { 0.92 };
            let answer = if rng.random_bool(acc) {
                s.pool().answer(item).expect("gold")
            } else {
                99
            };
            s.record_answer(w, item, answer).expect("served");
        }
        out.push((w, slot));
    }
    out
}

#[test]
fn state_round_trips_exactly() {
    let mut s = GoldScheduler::new(params(), pool(60)).expect("s");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    drive(&mut s, &mut rng, 20_000);
    // the state covers every status, retired gold and starved slots
    let views: Vec<_> = (0..40).filter_map(|w| s.worker(w * 7 + 3)).collect();
    for status in [WorkerStatus::Working, WorkerStatus::Failed] {
        assert!(views.iter().any(|v| v.status == status), "{status:?}");
    }
    assert!(!s.retired().is_empty());
    assert!(s.stats().starved > 0);
    let bytes = s.save_state();
    assert_eq!(&bytes[..8], STATE_MAGIC);
    let r = GoldScheduler::from_state(&bytes).expect("restores");
    assert_eq!(r.save_state(), bytes, "byte-identical after a round trip");
    assert_eq!(r.params(), s.params());
    assert_eq!(r.pool(), s.pool());
    assert_eq!(r.stats(), s.stats());
    assert_eq!(r.retired(), s.retired());
    for w in 0..300 {
        assert_eq!(r.worker(w), s.worker(w), "worker {w}");
        assert_eq!(r.unseen_gold(w), s.unseen_gold(w), "worker {w}");
    }
    for i in s.pool().items() {
        assert_eq!(r.exposure(*i), s.exposure(*i));
    }
    // a fresh scheduler round-trips too
    let fresh = GoldScheduler::new(ScheduleParams::new(), pool(5)).expect("s");
    let b = fresh.save_state();
    assert_eq!(GoldScheduler::from_state(&b).expect("ok").save_state(), b);
}

#[test]
fn resuming_after_a_save_gives_the_uninterrupted_schedule() {
    for rule in [AdaptiveRule::Posterior, AdaptiveRule::Wilson] {
        let p = params().rule(rule);
        let mut whole = GoldScheduler::new(p.clone(), pool(60)).expect("s");
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let uninterrupted = drive(&mut whole, &mut rng, 12_000);

        let mut first = GoldScheduler::new(p.clone(), pool(60)).expect("s");
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut resumed = drive(&mut first, &mut rng, 5_000);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gold.state");
        first.write_state(&path).expect("writes");
        drop(first);
        let bytes = std::fs::read(&path).expect("reads");
        let mut second = GoldScheduler::resume(p, pool(60), &bytes).expect("resumes");
        resumed.extend(drive(&mut second, &mut rng, 7_000));

        assert_eq!(resumed, uninterrupted, "{rule:?}");
        assert_eq!(second.save_state(), whole.save_state(), "{rule:?}");
        let read = GoldScheduler::read_state(&path).expect("reads");
        assert_eq!(read.stats().requests, 5_000);
    }
}

#[test]
fn other_parameters_or_pool_are_refused_naming_the_difference() {
    let mut s = GoldScheduler::new(params(), pool(60)).expect("s");
    drive(&mut s, &mut ChaCha8Rng::seed_from_u64(3), 500);
    let bytes = s.save_state();
    let e = GoldScheduler::resume(params().threshold(0.85).seed(7), pool(60), &bytes)
        .expect_err("other params");
    let m = e.to_string();
    assert!(m.contains("threshold (saved 0.8, given 0.85)"), "{m}");
    assert!(m.contains("seed (saved 19, given 7)"), "{m}");
    assert!(!m.contains("quiz_pass"), "only what differs: {m}");
    let e = GoldScheduler::resume(params().rule(AdaptiveRule::Wilson), pool(60), &bytes)
        .expect_err("other rule");
    assert!(
        e.to_string()
            .contains("rule (saved Posterior, given Wilson)"),
        "{e}"
    );
    let e = GoldScheduler::resume(params(), pool(59), &bytes).expect_err("smaller pool");
    assert!(e.to_string().contains("saved 60 items, given 59"), "{e}");
    let other = GoldPool::new((0..60).map(|i| (5000 + 3 * i, if i == 17 { 3 } else { i % 4 })))
        .expect("pool");
    let e = GoldScheduler::resume(params(), other, &bytes).expect_err("other answer");
    assert!(
        e.to_string()
            .contains("entry 17: saved item 5051 (answer 1), given item 5051 (answer 3)"),
        "{e}"
    );
}

#[test]
fn damaged_or_foreign_files_are_refused() {
    let mut s = GoldScheduler::new(params(), pool(60)).expect("s");
    drive(&mut s, &mut ChaCha8Rng::seed_from_u64(4), 2_000);
    let bytes = s.save_state();
    // another format version
    let mut v2 = bytes.clone();
    v2[8] = 2;
    let e = GoldScheduler::from_state(&v2).expect_err("version");
    assert!(e.to_string().contains("format version 2"), "{e}");
    // a flipped byte anywhere in the body
    for at in [12, 100, bytes.len() / 2, bytes.len() - 9] {
        let mut b = bytes.clone();
        b[at] ^= 0x40;
        let e = GoldScheduler::from_state(&b).expect_err("corrupt");
        assert!(e.to_string().contains("checksum"), "{at}: {e}");
    }
    // every truncation
    for len in (0..bytes.len()).step_by(97) {
        assert!(GoldScheduler::from_state(&bytes[..len]).is_err(), "{len}");
    }
    // not a state file
    let e = GoldScheduler::from_state(b"CQCMODEL\x01\0\0\0 and more bytes").expect_err("model");
    assert!(e.to_string().contains("CQCGOLDS"), "{e}");
    // a missing file names the path
    let e = GoldScheduler::read_state(std::path::Path::new("/nonexistent/g.state"))
        .expect_err("missing");
    assert!(e.to_string().contains("/nonexistent/g.state"), "{e}");
}
