//! Resource limits (issue 12 F5): 10^5 labels. Vote-based methods keep their shares
//! sparsely (same numbers as the dense form, memory linear in the judgments); methods
//! with dense `items × classes` tables refuse with the estimate.

use std::time::{Duration, Instant};

use crowdqc_aggregation::registry::{self, RunOptions};
use crowdqc_aggregation::{MAX_DENSE_SHARE_CELLS, MajorityVote};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{Error, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};

const K: u32 = 100_000;

/// 20,000 items × 7 judgments over 10^5 labels: five labels of its own per item
/// (`5i + r`, so every label occurs), then twice the label `7i + 4` (mod 10^5), so an
/// item's majority is `7i + 4` with share 2/7 unless it is one of its own labels.
fn big_k() -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for i in 0..20_000u32 {
        for r in 0..7u32 {
            let label = if r < 5 {
                (i * 5 + r) % K
            } else {
                (i * 7 + 4) % K
            };
            b.push_row(
                IdRef::Int(i64::from(i)),
                IdRef::Int(i64::from((i * 7 + r) % 300)),
                IdRef::Int(i64::from(label)),
            )
            .expect("row");
        }
    }
    b.finish().expect("matrix")
}

/// The expected shares of item `i`, by hand from the construction.
fn expected_row(i: u32) -> Vec<(u32, f64)> {
    let mut votes: Vec<u32> = (0..5).map(|r| (i * 5 + r) % K).collect();
    votes.extend([(i * 7 + 4) % K; 2]);
    votes.sort_unstable();
    let mut row: Vec<(u32, f64)> = Vec::new();
    for v in votes {
        match row.last_mut() {
            Some((c, n)) if *c == v => *n += 1.0,
            _ => row.push((v, 1.0)),
        }
    }
    row.iter_mut().for_each(|(_, n)| *n /= 7.0);
    row
}

#[test]
fn majority_vote_on_a_hundred_thousand_labels_is_sparse_and_exact() {
    let m = big_k();
    assert_eq!(m.n_classes(), K as usize);
    assert!(m.n_items() * m.n_classes() > MAX_DENSE_SHARE_CELLS);
    let t0 = Instant::now();
    let model = MajorityVote::params().fit(&m).expect("fit");
    assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
    assert!(!model.has_dense_posteriors());
    assert_eq!(model.posteriors().dim(), (20_000, 0));
    let labels = model.labels();
    // integer labels: class index = label value (classes 0..10^5 all occur)
    let items = m.items();
    for (i, &label) in labels.iter().enumerate() {
        let id = match items.get(i as u32) {
            IdRef::Int(v) => v as u32,
            other => panic!("integer ids expected, got {other:?}"),
        };
        let want = expected_row(id);
        let got = model.posterior_row(i);
        assert_eq!(got.len(), want.len(), "item {id}");
        for ((c, p), (wc, wp)) in got.iter().zip(&want) {
            assert_eq!(m.classes().label(*c).to_string(), wc.to_string());
            assert!((p - wp).abs() < 1e-15, "item {id}");
        }
        // the largest share, ties to the lowest label
        let best = want
            .iter()
            .fold((0u32, 0.0), |b, &(c, p)| if p > b.1 { (c, p) } else { b });
        assert_eq!(
            m.classes().label(label).to_string(),
            best.0.to_string(),
            "item {id}"
        );
    }
    // every vote-based method of the registry works too
    for method in ["mv", "wawa", "zbs"] {
        let t0 = Instant::now();
        let fit = registry::fit(method, &m, &RunOptions::default()).expect(method);
        assert!(!fit.has_dense_posteriors(), "{method}");
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "{method}: {:?}",
            t0.elapsed()
        );
    }
}

#[test]
fn dense_methods_refuse_with_the_estimate() {
    let m = big_k();
    for method in ["ds", "glad", "mace", "one-coin-ds"] {
        let Err(e) = registry::fit(method, &m, &RunOptions::default()) else {
            panic!("{method} must refuse");
        };
        let Error::ResourceLimit {
            bytes, ref what, ..
        } = e
        else {
            panic!("{method}: {e}");
        };
        // at least the posteriors: 20,000 × 10^5 × 8 bytes, twice
        assert!(bytes >= 32_000_000_000, "{method}: {bytes}");
        let s = e.to_string();
        assert!(
            what.starts_with(method)
                && s.contains(&format!("{bytes} bytes"))
                && s.contains("--method mv")
                && e.is_user_error(),
            "{s}"
        );
    }
    // Dawid–Skene's confusion matrices: 300 workers × 10^10 cells × 8 bytes
    let Err(e) = registry::fit("ds", &m, &RunOptions::default()) else {
        panic!("ds must refuse");
    };
    assert!(
        matches!(e, Error::ResourceLimit { bytes, .. } if bytes > 24_000_000_000_000),
        "{e}"
    );
}
