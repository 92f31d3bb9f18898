//! The proptest strategies generate what they document, and the core matrix is
//! invariant to row order and id relabelling.

use std::collections::BTreeMap;

use crowdqc_core::{DuplicatePolicy, IngestOptions, JudgmentMatrix};
use crowdqc_testkit::strategies::{
    CrowdParams, crowd_and_permutation, crowd_and_relabelling, judgment_matrix, small_crowd,
};
use proptest::prelude::*;

/// Multiset of (item id, worker id, label) triples of a matrix.
fn triples(m: &JudgmentMatrix) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    for p in 0..m.n_judgments() {
        let key = (
            m.items().get(m.judgment_items()[p]).to_string(),
            m.workers().get(m.judgment_workers()[p]).to_string(),
            m.classes().label(m.judgment_classes()[p]).to_string(),
        );
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn small_crowds_respect_their_bounds(c in small_crowd(CrowdParams::default())) {
        let p = CrowdParams::default();
        prop_assert!((1..=p.max_items).contains(&c.n_items));
        prop_assert!(c.rows.len() >= c.n_items as usize);
        prop_assert!(c.rows.len() <= (c.n_items * p.max_redundancy) as usize);
        for &(i, w, l) in &c.rows {
            prop_assert!(i < c.n_items && w < c.n_workers && l < c.n_classes);
        }
        let m = c.to_matrix(IngestOptions::default());
        prop_assert_eq!(m.n_items(), c.n_items as usize);
        prop_assert_eq!(m.n_judgments(), c.rows.len());
    }

    #[test]
    fn no_duplicates_when_disabled(c in small_crowd(CrowdParams { duplicates: false, ..Default::default() })) {
        let m = c.to_matrix(IngestOptions::default().with_duplicates(DuplicatePolicy::Error));
        prop_assert_eq!(m.report().duplicate_pairs, 0);
    }

    #[test]
    fn matrices_are_invariant_to_row_order((c, perm) in crowd_and_permutation(CrowdParams::default())) {
        let a = c.to_matrix(IngestOptions::default());
        let b = c.permuted(&perm).to_matrix(IngestOptions::default());
        prop_assert_eq!(triples(&a), triples(&b));
        prop_assert_eq!(a.report().duplicate_pairs, b.report().duplicate_pairs);
        prop_assert_eq!(
            a.report().conflicting_duplicate_pairs,
            b.report().conflicting_duplicate_pairs
        );
    }

    #[test]
    fn matrices_follow_a_relabelling((c, r) in crowd_and_relabelling(CrowdParams::default())) {
        let a = c.to_matrix(IngestOptions::default());
        let b = c.relabelled(&r).to_matrix(IngestOptions::default());
        // codes follow first appearance, so they are unchanged; ids are renamed
        prop_assert_eq!(a.item_offsets(), b.item_offsets());
        prop_assert_eq!(a.judgment_workers(), b.judgment_workers());
        for i in 0..a.n_items() as u32 {
            let old: usize = a.items().get(i).to_string()[1..].parse().expect("i{n}");
            prop_assert_eq!(b.items().get(i).to_string(), format!("i{}", r.items[old]));
        }
        // the class of each judgment is the relabelled one
        for p in 0..a.n_judgments() {
            let old: usize = a.classes().label(a.judgment_classes()[p]).to_string().parse().expect("int");
            prop_assert_eq!(
                b.classes().label(b.judgment_classes()[p]).to_string(),
                r.classes[old].to_string()
            );
        }
    }

    #[test]
    fn judgment_matrix_strategy_builds(m in judgment_matrix(CrowdParams { max_classes: 1, ..Default::default() })) {
        prop_assert_eq!(m.n_classes(), 1);
        prop_assert!(m.n_judgments() >= m.n_items());
    }
}
