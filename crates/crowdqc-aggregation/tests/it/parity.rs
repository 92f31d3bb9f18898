//! crowd-kit parity on real data: `fixtures/aggregation/crowdkit_expected.json`, written
//! by `fixtures/aggregation/generate.py` (crowd-kit 1.4.2, pandas and numpy versions
//! recorded in the file).

use crowdqc_aggregation::{
    DawidSkene, DawidSkeneModel, MajorityVote, OneCoinDawidSkene, TieRule, Wawa,
};
use crowdqc_core::estimator::{Estimator, FittedModel, StopReason};
use crowdqc_core::{Gold, JudgmentMatrix};
use serde_json::Value;

use crate::support::{item, load};

/// Posterior tolerance of the parity claim.
const POSTERIOR_TOL: f64 = 1e-6;
/// Objective trace tolerance (per-judgment ELBO, natural log).
const LOSS_TOL: f64 = 1e-9;

fn expected() -> Value {
    // this crate's own checkout (not the testkit's compile-time root)
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aggregation/crowdkit_expected.json");
    let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&s).expect("json")
}

/// Labels in crowd-kit order (first appearance in the file = matrix item order),
/// one character per item: index in the sorted label list = our class index.
fn encode(labels: &[u32]) -> String {
    labels.iter().map(|&c| char::from(b'0' + c as u8)).collect()
}

fn ties(m: &JudgmentMatrix, scores: ndarray::ArrayView2<'_, f64>) -> Vec<bool> {
    (0..m.n_items())
        .map(|i| {
            let row = scores.row(i);
            let best = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            row.iter().filter(|&&v| v == best).count() > 1
        })
        .collect()
}

fn check_em(name: &str, what: &str, m: &JudgmentMatrix, model: &DawidSkeneModel, exp: &Value) {
    let r = model.fit_report();
    assert_eq!(
        r.iterations as u64,
        exp["iterations"].as_u64().expect("iterations"),
        "{name} {what}: iterations"
    );
    let losses = exp["loss_history"].as_array().expect("loss");
    // The stop reason crowd-kit's own trace implies (its rule, defaults n_iter = 100,
    // tol = 1e-5: stop when the loss rises by less than tol, or falls).
    let lh: Vec<f64> = losses.iter().map(|v| v.as_f64().expect("f64")).collect();
    let want = match lh.as_slice() {
        [.., a, b] if b < a => StopReason::ObjectiveDecreased,
        [.., a, b] if b - a < 1e-5 => StopReason::Converged,
        _ => StopReason::MaxIterations,
    };
    assert_eq!(r.stop_reason, want, "{name} {what}: stop reason ({lh:?})");
    assert_eq!(
        r.converged,
        want == StopReason::Converged,
        "{name} {what}: converged"
    );
    for (i, (a, b)) in r.objective.iter().zip(losses).enumerate() {
        let b = b.as_f64().expect("f64");
        assert!(
            (a - b).abs() < LOSS_TOL,
            "{name} {what}: loss[{i}] {a} vs {b}"
        );
    }
    for (c, p) in exp["priors"].as_array().expect("priors").iter().enumerate() {
        let p = p.as_f64().expect("f64");
        assert!(
            (model.priors()[c] - p).abs() < POSTERIOR_TOL,
            "{name} {what}: prior {c}"
        );
    }
    assert_eq!(
        encode(&model.labels()),
        exp["labels"].as_str().expect("labels"),
        "{name} {what}: labels"
    );
    let post = model.posteriors();
    let mut worst: f64 = 0.0;
    for (id, row) in exp["posteriors_sample"].as_object().expect("sample") {
        let i = item(m, id);
        for (c, v) in row.as_array().expect("row").iter().enumerate() {
            worst = worst.max((post[[i, c]] - v.as_f64().expect("f64")).abs());
        }
    }
    eprintln!(
        "{name} {what}: iterations {} max abs posterior diff {worst:.2e}",
        r.iterations
    );
    assert!(
        worst < POSTERIOR_TOL,
        "{name} {what}: max |Δposterior| {worst:e}"
    );
}

#[test]
fn dawid_skene_one_coin_mv_wawa_match_crowdkit_on_real_data() {
    let exp = expected();
    assert!(exp["versions"]["crowd-kit"].as_str().is_some());
    let mut checked = 0;
    for (name, e) in exp["datasets"].as_object().expect("datasets") {
        let Some(m) = load(name, true) else { return };
        assert_eq!(
            m.n_judgments() as u64,
            e["judgments"].as_u64().expect("n"),
            "{name}"
        );
        let ds = DawidSkene::params().fit(&m).expect("ds");
        check_em(name, "ds", &m, &ds, &e["ds"]);
        let oc = OneCoinDawidSkene::params().fit(&m).expect("one-coin");
        check_em(name, "one-coin", &m, &oc, &e["one_coin_ds"]);
        if let Some(g) = e.get("ds_gold") {
            let pairs: Vec<(u32, u32)> = g["clamped_items"]
                .as_array()
                .expect("clamped")
                .iter()
                .map(|id| {
                    let i = item(&m, id.as_str().expect("id")) as u32;
                    (i, m.gold().label(i).expect("gold label"))
                })
                .collect();
            let mut mg = m.clone();
            mg.set_gold(Gold::from_pairs(m.n_items(), m.n_classes(), pairs).expect("gold"))
                .expect("set gold");
            let dsg = DawidSkene::params()
                .clamp_gold(true)
                .fit(&mg)
                .expect("ds gold");
            check_em(name, "ds+gold", &mg, &dsg, g);
        }
        // MV and Wawa: labels equal except on ties (crowd-kit under pandas 3 breaks
        // unweighted ties by first appearance; weighted ties go to the smallest label).
        let mv = MajorityVote::params().fit(&m).expect("mv");
        let tied = ties(&m, mv.posteriors());
        let want = e["mv"]["labels"].as_str().expect("mv labels").as_bytes();
        let got = encode(&mv.labels());
        let first_seen = encode(
            &MajorityVote::params()
                .tie_rule(TieRule::FirstSeen)
                .fit(&m)
                .expect("mv")
                .labels(),
        );
        let mut first_seen_diff = 0;
        for i in 0..m.n_items() {
            if !tied[i] {
                assert_eq!(got.as_bytes()[i], want[i], "{name} mv item {i}");
            }
            first_seen_diff += usize::from(first_seen.as_bytes()[i] != want[i]);
        }
        assert!(
            first_seen_diff * 100 <= m.n_items(),
            "{name}: first-seen ties differ on {first_seen_diff}"
        );
        let wawa = Wawa::params().fit(&m).expect("wawa");
        let want = e["wawa"]["labels"]
            .as_str()
            .expect("wawa labels")
            .as_bytes();
        let got = encode(&wawa.labels());
        // Wawa's weights come from MV labels, which depend on the MV tie rule; use the
        // first-seen rule (crowd-kit under pandas 3) for the weights.
        let wawa_fs = Wawa::params()
            .mv_tie_rule(TieRule::FirstSeen)
            .fit(&m)
            .expect("wawa");
        let got_fs = encode(&wawa_fs.labels());
        let wt = ties(&m, wawa_fs.posteriors());
        for i in 0..m.n_items() {
            if !wt[i] {
                assert_eq!(got_fs.as_bytes()[i], want[i], "{name} wawa item {i}");
            }
        }
        let _ = got;
        checked += 1;
    }
    assert!(checked >= 10);
}
