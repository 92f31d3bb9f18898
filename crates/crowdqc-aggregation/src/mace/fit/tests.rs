//! The tabulated one-judgment M-step against SciPy's values of the same formulas and
//! against the direct computation; the special functions against SciPy.

use crowdqc_core::estimator::FittedModel;
use crowdqc_core::progress::NoProgress;
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::one::{MAX_REL_ERR, NF, OneTable};
use crate::mace::special::{digamma, digamma_ln_gamma, ln_gamma};
use crate::mace::{Mace, MaceParams};

/// SciPy 1.17.1 values, `fixtures/mace-special/generate.py` (command in its README).
fn fixture() -> Value {
    serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/mace-special/values.json"
    )))
    .expect("fixture JSON")
}

/// `(item, worker, class)` triples as a matrix (integer ids).
fn matrix(rows: &[(u32, u32, u32)]) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for &(i, w, l) in rows {
        b.push_row(
            IdRef::Int(i64::from(i)),
            IdRef::Int(i64::from(w)),
            IdRef::Int(i64::from(l)),
        )
        .expect("row");
    }
    b.finish().expect("matrix")
}

/// Error relative to `max(|want|, 1)`.
fn rel(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        (got - want).abs() / want.abs().max(1.0)
    }
}

#[test]
fn special_functions_match_scipy() {
    let fx = fixture();
    let rows = fx["special"].as_array().expect("special");
    assert!(rows.len() > 100);
    for r in rows {
        let v: Vec<f64> = r
            .as_array()
            .expect("row")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect();
        let (x, psi, lg) = (v[0], v[1], v[2]);
        let (d, l) = digamma_ln_gamma(x);
        // relative to max(|f|, 1): ln Γ has a zero at 1 and 2, ψ near 1.4616
        for (name, got, want) in [
            ("fused psi", d, psi),
            ("fused lngamma", l, lg),
            ("digamma", digamma(x), psi),
            ("ln_gamma", ln_gamma(x), lg),
        ] {
            let err = (got - want).abs() / want.abs().max(1.0);
            assert!(err <= 5e-14, "{name}({x}) = {got}, scipy {want}: {err:e}");
        }
    }
}

/// The M-step of a one-judgment worker, tabulated and direct, against SciPy's values
/// of the model's formulas (four prior sets, 104 spamming counts each), and the table
/// against the direct computation.
#[test]
fn one_judgment_step_matches_scipy() {
    let fx = fixture();
    let names: Vec<&str> = fx["one_judgment_columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c.as_str().expect("name"))
        .collect();
    for set in fx["one_judgment"].as_array().expect("sets") {
        let num = |key: &str| set[key].as_f64().expect("prior");
        let k = set["k"].as_u64().expect("k") as u32;
        // one worker per judgment, every class observed
        let m = matrix(&(0..k).map(|c| (0, c, c)).collect::<Vec<_>>());
        let params = Mace::params()
            .spam_prior(num("a0"))
            .competence_prior(num("b0"))
            .strategy_prior(num("g0"));
        let ctx = params.ctx(&m, true).expect("ctx");
        let table = ctx.one.as_ref().expect("the table passes its check");
        let mut worst = [0.0f64; NF];
        for r in set["rows"].as_array().expect("rows") {
            let v: Vec<f64> = r
                .as_array()
                .expect("row")
                .iter()
                .map(|x| x.as_f64().expect("number"))
                .collect();
            let u = v[0];
            let (tab, direct) = (table.eval(u), ctx.one_judgment_direct(u));
            for f in 0..NF {
                let want = v[1 + f];
                worst[f] = worst[f].max(rel(tab[f], want));
                assert!(
                    rel(tab[f], want) <= 1e-13 && rel(direct[f], want) <= 1e-13,
                    "{} at u = {u} (a0 {}, b0 {}, g0 {}, K {k}): table {}, direct {}, scipy {want}",
                    names[1 + f],
                    num("a0"),
                    num("b0"),
                    num("g0"),
                    tab[f],
                    direct[f],
                );
                assert!(rel(tab[f], direct[f]) <= MAX_REL_ERR, "{}", names[1 + f]);
            }
        }
        eprintln!("table against scipy, largest error per output: {worst:?}");
    }
}

/// Priors that put a pole of `ψ` next to `u = 0` defeat the table's polynomials: the
/// check rejects it and the fit computes those workers directly.
#[test]
fn table_rejected_near_a_pole() {
    let m = matrix(&[(0, 0, 0), (0, 1, 1)]);
    let params = Mace::params().spam_prior(1e-3);
    assert!(params.ctx(&m, true).expect("ctx").one.is_none());
    assert!(Mace::params().ctx(&m, true).expect("ctx").one.is_some());
    // EM has no table
    let em = Mace::params().method(crate::mace::MaceMethod::Em);
    assert!(em.ctx(&m, true).expect("ctx").one.is_none());
    // nor data without a one-judgment worker
    let two = matrix(&[(0, 0, 0), (1, 0, 1)]);
    assert!(Mace::params().ctx(&two, true).expect("ctx").one.is_none());
}

/// Property: on random data mixing one-judgment and busier workers, the fit with the
/// tabulated M-step equals the fit that computes every worker directly, up to the
/// table's rounding (posteriors within 1e-10, objectives within 1e-12 relative), for
/// several priors and class counts.
#[test]
fn tabulated_fit_equals_direct_fit() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for case in 0..24 {
        let k = 2 + case % 4;
        let n_items = 20 + rng.random_range(0..200u32);
        let busy = 1 + rng.random_range(0..6u32);
        let mut rows = Vec::new();
        let mut next_tiny = 1000;
        for i in 0..n_items {
            let truth = rng.random_range(0..k as u32);
            for _ in 0..rng.random_range(1..8u32) {
                let w = if rng.random::<f64>() < 0.6 {
                    next_tiny += 1;
                    next_tiny
                } else {
                    rng.random_range(0..busy)
                };
                let l = if rng.random::<f64>() < 0.7 {
                    truth
                } else {
                    rng.random_range(0..k as u32)
                };
                rows.push((i, w, l));
            }
        }
        let m = matrix(&rows);
        let params: MaceParams = Mace::params()
            .n_restarts(2)
            .max_iter(30)
            .seed(case as u64)
            .spam_prior([0.5, 1.0, 2.0][case % 3])
            .strategy_prior([10.0, 1.0][case % 2]);
        let tab_ctx = params.ctx(&m, true).expect("ctx");
        assert!(tab_ctx.one.is_some(), "case {case}: table in use");
        let tab = params.fit_ctx(&tab_ctx, &NoProgress).expect("fit");
        let direct_ctx = params.ctx(&m, false).expect("ctx");
        assert!(direct_ctx.one.is_none());
        let direct = params.fit_ctx(&direct_ctx, &NoProgress).expect("fit");
        for (a, b) in tab.posteriors().iter().zip(direct.posteriors().iter()) {
            assert!((a - b).abs() <= 1e-10, "case {case}: {a} vs {b}");
        }
        for (a, b) in tab
            .restart_objectives()
            .iter()
            .zip(direct.restart_objectives())
        {
            assert!(rel(*a, *b) <= 1e-12, "case {case}: {a} vs {b}");
        }
        for (a, b) in tab.spamming().iter().zip(direct.spamming().iter()) {
            assert!((a - b).abs() <= 1e-10, "case {case}: {a} vs {b}");
        }
        assert_eq!(
            tab.fit_report().iterations,
            direct.fit_report().iterations,
            "case {case}"
        );
    }
}

#[test]
fn table_check_detects_a_wrong_table() {
    // a direct function the table reproduces ...
    let smooth = |u: f64| [1.0 + u * u; NF];
    assert!(OneTable::build(smooth).is_some());
    // ... and one it cannot (a kink inside a piece)
    let kink = |u: f64| [1.0 + (u - 0.3 - 1.0 / 256.0).abs(); NF];
    assert!(OneTable::build(kink).is_none());
}
