//! Conversion to the shared `WorkerEvidence`, and order invariance of scores.

use std::collections::HashMap;

use crowdqc_core::evidence::RecentGold;
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
use crowdqc_gold::GoldParams;
use crowdqc_testkit::strategies::{CrowdParams, crowd_and_permutation};
use crowdqc_testkit::synth::{BatchOptions, IdFormat, SynthConfig, SynthCrowd};
use proptest::prelude::*;

#[test]
fn evidence_follows_timestamps_on_a_synthetic_crowd() {
    let cfg = SynthConfig {
        seed: 17,
        n_items: 3_000,
        n_workers: 40,
        gold_fraction: 0.3,
        times: true,
        ..SynthConfig::default()
    };
    let crowd = SynthCrowd::new(cfg).expect("config");
    let m = crowd
        .to_matrix(
            &BatchOptions {
                ids: IdFormat::Int,
                ..BatchOptions::default()
            },
            IngestOptions::default(),
        )
        .expect("matrix");
    let s = GoldParams::new().score(&m).expect("score");
    let ev = s.to_evidence(&m).expect("evidence");
    // independent: from the generator's own rows and truth
    let truth = crowd.item_truth();
    let mut outcomes: HashMap<u32, Vec<(i64, bool)>> = HashMap::new();
    let mut counts: HashMap<u32, u64> = HashMap::new();
    for j in crowd.collect_judgments() {
        *counts.entry(j.worker).or_default() += 1;
        let t = truth[j.item as usize];
        if t.gold {
            outcomes
                .entry(j.worker)
                .or_default()
                .push((j.timestamp_ms, j.label == t.class));
        }
    }
    let mut compared = 0;
    for (w, mut o) in outcomes {
        let code = m
            .workers()
            .lookup(IdRef::Int(i64::from(w)))
            .expect("worker") as usize;
        let e = &ev[code];
        o.sort_by_key(|&(t, _)| t);
        assert_eq!(e.gold_answered, o.len() as u64);
        assert_eq!(e.gold_correct, o.iter().filter(|x| x.1).count() as u64);
        assert_eq!(e.judgments, counts[&w]);
        if o.windows(2).all(|p| p[0].0 < p[1].0) {
            let want = RecentGold::from_chronological(o.iter().map(|x| x.1));
            assert_eq!(e.recent_gold, want, "worker w{w}");
            compared += 1;
        }
        assert!(e.first_seen.is_some());
    }
    assert!(compared >= 20, "{compared}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn scores_do_not_depend_on_row_order((crowd, perm) in crowd_and_permutation(CrowdParams::default())) {
        let build = |c: &crowdqc_testkit::strategies::SmallCrowd| {
            let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
            b.push_batch(&c.to_batch()).expect("batch");
            // gold: every even item, with the class of its first row in the original order
            for i in (0..crowd.n_items).step_by(2) {
                if let Some(&(_, _, k)) = crowd.rows.iter().find(|r| r.0 == i) {
                    b.push_gold_row(
                        IdRef::Str(&crowd.item_names[i as usize]),
                        IdRef::Int(crowd.class_labels[k as usize]),
                    ).expect("gold");
                }
            }
            b.finish().expect("matrix")
        };
        let (a, b) = (build(&crowd), build(&crowd.permuted(&perm)));
        let (sa, sb) = (GoldParams::new().score(&a).expect("a"), GoldParams::new().score(&b).expect("b"));
        let by_id = |m: &crowdqc_core::JudgmentMatrix, s: &crowdqc_gold::GoldScores| {
            let mut v: Vec<(String, u64, u64)> = s.workers()
                .map(|w| (m.workers().get(w.worker).to_string(), w.answered, w.correct))
                .collect();
            v.sort();
            v
        };
        prop_assert_eq!(by_id(&a, &sa), by_id(&b, &sb));
        let items = |m: &crowdqc_core::JudgmentMatrix, s: &crowdqc_gold::GoldScores| {
            let mut v: Vec<(String, u64, u64, u64, bool)> = s.items().iter()
                .map(|r| (m.items().get(r.item).to_string(), r.answers, r.exposure, r.misses, r.contested))
                .collect();
            v.sort();
            v
        };
        prop_assert_eq!(items(&a, &sa), items(&b, &sb));
    }
}

#[test]
fn scores_are_identical_for_any_thread_count() {
    let cfg = SynthConfig {
        seed: 5,
        n_items: 20_000,
        n_workers: 300,
        n_classes: 3,
        gold_fraction: 0.5,
        ..SynthConfig::default()
    };
    let m = SynthCrowd::new(cfg)
        .expect("config")
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix");
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            GoldParams::new()
                .interval(crowdqc_gold::IntervalMethod::ClopperPearson)
                .score(&m)
                .expect("score")
        })
    };
    let (a, b) = (run(1), run(4));
    assert_eq!(a.intervals(), b.intervals());
    assert_eq!(a.items(), b.items());
    assert_eq!(a.answered(), b.answered());
    assert!(a.items().len() > 9_000);
}
