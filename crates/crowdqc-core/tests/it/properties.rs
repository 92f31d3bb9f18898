//! Invariants of the builder under row order and batch splitting.

use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use proptest::prelude::*;

fn build(rows: &[(u8, u8, u8)]) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("default options");
    for &(i, w, l) in rows {
        b.push_row(
            IdRef::Str(&format!("i{i}")),
            IdRef::Int(w as i64),
            IdRef::Str(&format!("c{l}")),
        )
        .expect("row");
    }
    b.finish().expect("non-empty")
}

/// The judgments as a sorted multiset of external (item, worker, label).
fn multiset(m: &JudgmentMatrix) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = (0..m.n_judgments())
        .map(|p| {
            (
                m.items().get(m.judgment_items()[p]).to_string(),
                m.workers().get(m.judgment_workers()[p]).to_string(),
                m.classes().label(m.judgment_classes()[p]).to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #[test]
    fn structure_is_consistent_and_order_free(
        rows in prop::collection::vec((0u8..20, 0u8..8, 0u8..4), 1..200),
        seed in any::<u64>(),
    ) {
        let m = build(&rows);
        // CSR invariants
        prop_assert_eq!(m.item_offsets().len(), m.n_items() + 1);
        prop_assert_eq!(*m.item_offsets().last().unwrap(), m.n_judgments());
        for i in 0..m.n_items() as u32 {
            prop_assert!(m.item_count(i) > 0);
            for p in m.item_range(i) {
                prop_assert_eq!(m.judgment_items()[p], i);
            }
        }
        let mut seen = vec![false; m.n_judgments()];
        for w in 0..m.n_workers() as u32 {
            let ps = m.worker_judgments(w);
            prop_assert!(ps.windows(2).all(|x| x[0] < x[1]));
            for &p in ps {
                prop_assert_eq!(m.judgment_workers()[p as usize], w);
                seen[p as usize] = true;
            }
        }
        prop_assert!(seen.iter().all(|&s| s));
        prop_assert_eq!(m.classes().counts().iter().sum::<u64>(), rows.len() as u64);

        // a permutation of the rows gives the same judgments and duplicate counts
        let mut shuffled = rows.clone();
        let mut s = seed | 1;
        for k in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(k, (s % (k as u64 + 1)) as usize);
        }
        let p = build(&shuffled);
        prop_assert_eq!(multiset(&m), multiset(&p));
        prop_assert_eq!(m.report().duplicate_pairs, p.report().duplicate_pairs);
        prop_assert_eq!(m.report().conflicting_duplicate_pairs, p.report().conflicting_duplicate_pairs);
        // classes are sorted whatever the order of appearance
        let labels: Vec<String> = p.classes().iter().map(|l| l.to_string()).collect();
        let mut sorted = labels.clone();
        sorted.sort();
        prop_assert_eq!(labels, sorted);
    }
}
