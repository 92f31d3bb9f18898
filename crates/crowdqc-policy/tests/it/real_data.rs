//! Real data (shared fixtures): evidence from judgments + gold against an independent
//! count from the CSV files, and the example policies on a real crowd.

use std::collections::HashMap;

use crowdqc_core::IngestOptions;
use crowdqc_policy::Action;
use crowdqc_policy::replay::evidence_from_matrix;
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset, read_csv_rows};

use crate::example_policy;

/// Snow et al. (2008) RTE: 8 000 judgments by 164 workers on 800 gold items.
#[test]
fn snow2008_rte_gold_evidence_matches_an_independent_count() {
    let Some(dir) = dataset_dir("snow2008-rte") else {
        return;
    };
    let m = load_dataset(&dir, IngestOptions::default(), true);
    let ev = evidence_from_matrix(&m, None);
    // independent count from the CSV files
    let (_, gold_rows) = read_csv_rows(&dir.join("gold.csv"));
    let gold: HashMap<&str, &str> = gold_rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    let (h, rows) = read_csv_rows(&dir.join("judgments.csv"));
    let col = |n: &str| h.iter().position(|c| c == n).expect("column");
    let (ci, cw, cl) = (col("item"), col("worker"), col("label"));
    let mut want: HashMap<&str, (u64, u64)> = HashMap::new();
    for r in &rows {
        let e = want.entry(r[cw].as_str()).or_default();
        e.0 += 1;
        e.1 += u64::from(gold.get(r[ci].as_str()) == Some(&r[cl].as_str()));
    }
    assert_eq!(ev.len(), 164);
    for (w, e) in ev.iter().enumerate() {
        let name = m.workers().get(w as u32).to_string();
        assert_eq!(
            (e.gold_answered, e.gold_correct),
            want[name.as_str()],
            "worker {name}"
        );
        assert_eq!(e.judgments, e.gold_answered);
    }
    let total: u64 = ev.iter().map(|e| e.gold_answered).sum();
    assert_eq!(total, 8000);

    // the example policies on this crowd (stateless, on all of each worker's gold):
    // every decision is explained, and the recommended policy restricts no more
    // workers than Toloka's rules
    let restricted = |file: &str| {
        let p = example_policy(file);
        let decisions = p.evaluate_all(&ev);
        for (d, e) in decisions.iter().zip(&ev) {
            assert!(p.explain(d, e).len() >= d.fired.len());
        }
        decisions
            .iter()
            .filter(|d| d.action >= Action::Untrust)
            .count()
    };
    let toloka = restricted("toloka.toml");
    let recommended = restricted("recommended.toml");
    assert!(
        recommended <= toloka,
        "recommended {recommended}, toloka {toloka}"
    );
    println!(
        "snow2008-rte: restricted by toloka-like {toloka}, by recommended {recommended} of 164"
    );
}
