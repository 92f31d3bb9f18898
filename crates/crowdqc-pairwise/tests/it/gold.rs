//! Gold comparisons and worker reliability: evidence for access policies.

use crowdqc_core::IdRef;
use crowdqc_pairwise::gold::{KnownOrder, worker_evidence};
use crowdqc_pairwise::{Comparisons, Method, Outcome, PairwiseParams};

use crate::support;

#[test]
fn readability_gold_accuracy_matches_the_data_set() {
    let Some(r) = support::readability() else {
        return;
    };
    let known = KnownOrder::from_levels(&r.data, r.levels.iter().map(|&(i, l)| (IdRef::Int(i), l)))
        .expect("levels");
    assert_eq!(known.unknown_items, 0);
    let fit = PairwiseParams::new(Method::CrowdBt)
        .fit(&r.data)
        .expect("fit");
    let ev = worker_evidence(&r.data, Some(&known), Some(&fit));
    assert_eq!(ev.len(), 624);
    let answered: u64 = ev.iter().map(|e| e.gold_answered).sum();
    let correct: u64 = ev.iter().map(|e| e.gold_correct).sum();
    // equal-level pairs were dropped by the preprocessing: every comparison is gold;
    // SOURCE.md: "winner has higher gold level in 67.4% of comparisons"
    assert_eq!(answered, 11_763);
    assert!(
        (correct as f64 / answered as f64 - 0.674).abs() < 5e-4,
        "{correct}/{answered}"
    );
    assert!(
        ev.iter()
            .all(|e| e.judgments == e.gold_answered && e.model_accuracy.is_some())
    );
    // Crowd-BT's reliability, learnt without gold, tracks gold accuracy across workers
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for e in ev.iter().filter(|e| e.gold_answered >= 20) {
        a.push(e.model_accuracy.expect("fit given"));
        b.push(e.gold_accuracy().expect("answered"));
    }
    let rho = crowdqc_pairwise::eval::evaluate(&a, &b)
        .expect("eval")
        .spearman_rho;
    eprintln!(
        "{} workers with >= 20 answers: spearman(eta, gold accuracy) = {rho:.3}",
        a.len()
    );
    assert!(rho > 0.5, "rho {rho}");
}

#[test]
fn crowd_bt_finds_the_adversarial_workers() {
    // synthetic.csv: workers w0, w1, w2 reverse the true order (gen_crowdkit.py)
    let c = support::synthetic();
    let fit = PairwiseParams::new(Method::CrowdBt).fit(&c).expect("fit");
    let eta = fit.reliability().expect("crowd-bt has reliability");
    for (code, id) in c.workers().iter().enumerate() {
        let adversarial = matches!(id, IdRef::Str("w0" | "w1" | "w2"));
        assert_eq!(eta[code] < 0.5, adversarial, "{id}: eta {}", eta[code]);
    }
    // plain agreement with the fitted order separates them too
    let agree = fit.worker_agreement();
    for (code, id) in c.workers().iter().enumerate() {
        let adversarial = matches!(id, IdRef::Str("w0" | "w1" | "w2"));
        assert_eq!(agree[code] < 0.5, adversarial, "{id}");
    }
}

#[test]
fn known_winners_score_answers() {
    // worker 0 right twice, worker 1 wrong once and tie once, worker 2 on a non-gold pair
    let c = Comparisons::from_codes([
        (0, 0, 1, Outcome::Left),
        (0, 1, 0, Outcome::Right),
        (1, 0, 1, Outcome::Right),
        (1, 1, 0, Outcome::Tie),
        (2, 1, 2, Outcome::Left),
    ])
    .expect("valid");
    let known = KnownOrder::from_winners(&c, [(IdRef::Int(1), IdRef::Int(0), Outcome::Right)])
        .expect("gold");
    assert_eq!(known.outcome(0, 1), Some(Outcome::Left));
    assert_eq!(known.outcome(1, 2), None);
    let ev = worker_evidence(&c, Some(&known), None);
    assert_eq!((ev[0].gold_answered, ev[0].gold_correct), (2, 2));
    assert_eq!((ev[1].gold_answered, ev[1].gold_correct), (2, 0));
    assert_eq!((ev[2].gold_answered, ev[2].judgments), (0, 1));
    assert_eq!(ev[1].recent_gold.chronological(), vec![false, false]);
    assert!(KnownOrder::from_winners(&c, [(IdRef::Int(1), IdRef::Int(1), Outcome::Left)]).is_err());
    assert!(KnownOrder::from_levels(&c, [(IdRef::Int(1), f64::NAN)]).is_err());
}
