//! Forgive: retroactive re-scoring equals scoring from scratch.

use crowdqc_core::{DuplicatePolicy, Error, IngestOptions};
use crowdqc_gold::{Forgive, GoldParams, GoldScores};
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset};
use proptest::prelude::*;

use crate::score::build;

fn same(a: &GoldScores, b: &GoldScores) {
    assert_eq!(a.answered(), b.answered());
    assert_eq!(a.correct(), b.correct());
    assert_eq!(a.intervals(), b.intervals());
    assert_eq!(a.confusion(), b.confusion());
    assert_eq!(a.items(), b.items());
    assert_eq!(a.gold(), b.gold());
    for g in 0..a.items().len() {
        assert_eq!(a.consensus(g), b.consensus(g));
    }
}

#[test]
fn forgiving_contested_dogs_gold_equals_rescoring() {
    let Some(dir) = dataset_dir("zhou2012-dogs") else {
        return;
    };
    let m = load_dataset(&dir, IngestOptions::default(), true);
    let p = GoldParams::new();
    let s = p.score(&m).unwrap();
    // correct every contested item to its consensus class, drop one more
    let mut edits: Vec<Forgive> = s
        .contested()
        .map(|r| Forgive::Correct {
            item: r.item,
            class: r.consensus_class,
        })
        .collect();
    edits.push(Forgive::Drop { item: 0 });
    let f = s.forgive(&m, &edits).unwrap();
    let mut gold = m.gold().clone();
    for e in &edits {
        gold = match *e {
            Forgive::Drop { item } => gold.without(item),
            Forgive::Correct { item, class } => gold.with_label(item, class).unwrap(),
        };
    }
    same(&f.scores, &p.score_with(&m, &gold, None).unwrap());
    assert_eq!(f.scores.contested().count(), 0);
    // every worker who answered a corrected item gained: 44 items x 8+ agreeing votes
    let (_, before) = s.totals();
    let (_, after) = f.scores.totals();
    assert!(after > before + 44 * 7, "{before} -> {after}");
    assert!(!f.changed_workers.is_empty());
}

#[test]
fn forgive_rejects_bad_edits() {
    let rows = [("g", "a", "x"), ("r", "a", "y")];
    let m = build(&rows, &[("g", "x")], DuplicatePolicy::KeepAll);
    let s = GoldParams::new().score(&m).unwrap();
    for edit in [
        Forgive::Drop { item: 9 },
        Forgive::Drop { item: 1 }, // r has no gold
        Forgive::Correct { item: 0, class: 7 },
    ] {
        let e = s.forgive(&m, &[edit]).unwrap_err();
        assert!(e.to_string().contains("forgive"), "{e}");
    }
    let e = s.forgive(&m, &[Forgive::Drop { item: 0 }]).unwrap_err();
    assert!(matches!(e, Error::InsufficientData(_)), "{e}");
    let other = build(&[("g", "a", "x")], &[("g", "x")], DuplicatePolicy::KeepAll);
    assert!(s.forgive(&other, &[]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn incremental_forgive_equals_full_rescore(
        judgments in prop::collection::vec((0u8..8, 0u8..6, 0u8..3), 1..80),
        gold in prop::collection::vec((0u8..8, 0u8..3), 1..8),
        edits in prop::collection::vec((0u8..8, prop::option::of(0u8..3)), 0..6),
    ) {
        let items: Vec<String> = (0..8).map(|i| format!("i{i}")).collect();
        let workers: Vec<String> = (0..6).map(|i| format!("w{i}")).collect();
        let labels = ["a", "b", "c"];
        let rows: Vec<(&str, &str, &str)> = judgments.iter()
            .map(|&(i, w, l)| (items[i as usize].as_str(), workers[w as usize].as_str(), labels[l as usize]))
            .collect();
        let mut g: Vec<(&str, &str)> = Vec::new();
        for &(i, l) in &gold {
            if !g.iter().any(|&(gi, _)| gi == items[i as usize]) {
                g.push((items[i as usize].as_str(), labels[l as usize]));
            }
        }
        // every label must be a class of the matrix: use all three labels once
        let mut rows = rows;
        rows.extend([("i0", "w0", "a"), ("i0", "w0", "b"), ("i0", "w0", "c")]);
        g.retain(|&(i, _)| rows.iter().any(|r| r.0 == i));
        prop_assume!(!g.is_empty());
        let m = build(&rows, &g, DuplicatePolicy::KeepAll);
        let p = GoldParams::new().contest_min_answers(1).contest_confidence(0.6);
        let s = p.score(&m).unwrap();
        let mut gold = m.gold().clone();
        let mut fe = Vec::new();
        for &(i, c) in &edits {
            let Some(item) = m.items().lookup(crowdqc_core::IdRef::Str(&items[i as usize])) else { continue };
            if gold.label(item).is_none() { continue; }
            let e = match c {
                None => Forgive::Drop { item },
                Some(c) => Forgive::Correct { item, class: u32::from(c) },
            };
            let next = match e {
                Forgive::Drop { item } => gold.without(item),
                Forgive::Correct { item, class } => gold.with_label(item, class).unwrap(),
            };
            if next.is_empty() { continue; }
            gold = next;
            fe.push(e);
        }
        let f = s.forgive(&m, &fe).unwrap();
        same(&f.scores, &p.score_with(&m, &gold, None).unwrap());
    }
}
