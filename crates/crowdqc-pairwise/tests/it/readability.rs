//! Evaluation on Chen et al.'s (WSDM 2013) readability comparisons against expert
//! reading levels, next to the published numbers for the same preprocessed data.

use crowdqc_core::IdRef;
use crowdqc_pairwise::eval::{RankingEval, evaluate_fit};
use crowdqc_pairwise::{Method, PairwiseParams};

use crate::support;

/// Published (pair accuracy, Kendall τ) on this preprocessed data (11,763 comparisons,
/// 472 passages): the BoRa-EM authors' baselines, github.com/KaustubhShejole/BoRa_EM
/// @ b74d86ce, real_data/passage/baselines.txt (accuracy as their metrics.py
/// `compute_acc`: pairs with different gold levels, strict order; τ by
/// scipy.stats.kendalltau, i.e. τ-b).
const PUBLISHED_BT: (f64, f64) = (0.680_386_066_436_767_6, 0.340_700_574_810_044_4);
const PUBLISHED_CROWD_BT: (f64, f64) = (0.700_172_603_130_340_6, 0.377_929_520_754_557_77);

fn run(m: Method) -> Option<RankingEval> {
    let r = support::readability()?;
    let fit = PairwiseParams::new(m).fit(&r.data).expect("fit");
    Some(evaluate_fit(&fit, r.levels.iter().map(|&(i, l)| (IdRef::Int(i), l))).expect("eval"))
}

#[test]
fn crowd_bt_beats_bradley_terry_on_readability() {
    let Some(bt) = run(Method::Bt) else { return };
    let crowd = run(Method::CrowdBt).expect("data");
    for m in Method::ALL {
        let e = run(m).expect("data");
        eprintln!(
            "| `{m}` | {:.4} | {:.4} | {:.4} |",
            e.kendall_tau_b, e.spearman_rho, e.pair_accuracy
        );
        assert_eq!((e.items, e.gold_unscored), (472, 0));
    }
    // every passage of the gold has comparisons; pairs with different levels
    assert_eq!(bt.pairs, 99_057);
    // Crowd-BT ahead of Bradley–Terry on all three measures
    assert!(
        crowd.kendall_tau_b > bt.kendall_tau_b + 0.02,
        "{crowd:?} vs {bt:?}"
    );
    assert!(
        crowd.spearman_rho > bt.spearman_rho + 0.02,
        "{crowd:?} vs {bt:?}"
    );
    assert!(
        crowd.pair_accuracy > bt.pair_accuracy + 0.01,
        "{crowd:?} vs {bt:?}"
    );
    // and both within 0.005 (accuracy) / 0.01 (tau) of the published values; the
    // published fits are gradient-based (torch) MLEs of the same models, ours MM / EM
    assert!((bt.pair_accuracy - PUBLISHED_BT.0).abs() < 0.005, "{bt:?}");
    assert!((bt.kendall_tau_b - PUBLISHED_BT.1).abs() < 0.01, "{bt:?}");
    assert!(
        (crowd.pair_accuracy - PUBLISHED_CROWD_BT.0).abs() < 0.005,
        "{crowd:?}"
    );
    assert!(
        (crowd.kendall_tau_b - PUBLISHED_CROWD_BT.1).abs() < 0.01,
        "{crowd:?}"
    );
}

#[test]
fn crowd_bt_objective_never_decreases() {
    let Some(r) = support::readability() else {
        return;
    };
    for m in [Method::CrowdBt, Method::NoisyBt] {
        let fit = PairwiseParams::new(m).fit(&r.data).expect("fit");
        let obj = &fit.report().objective;
        assert!(obj.len() > 10);
        for w in obj.windows(2) {
            assert!(
                w[1] >= w[0] - 1e-9 * w[0].abs(),
                "{m}: {} then {}",
                w[0],
                w[1]
            );
        }
        assert!(
            fit.report().converged,
            "{m} converged within the default iterations"
        );
    }
}
