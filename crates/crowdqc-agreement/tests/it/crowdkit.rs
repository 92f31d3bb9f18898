//! crowd-kit's metrics (`uncertainty`, `consistency`, `alpha_krippendorff`) against
//! its own test values and against outputs of crowd-kit 1.4.2 on real datasets
//! (`fixtures/agreement/expected.json`, written by `fixtures/agreement/generate.py`).

use crowdqc_agreement::{
    ItemCounts, Level, UncertaintyBy, consistency, item_agreement, krippendorff_alpha,
    majority_vote_with_skills, uncertainty, worker_agreement,
};
use crowdqc_core::{IdRef, JudgmentMatrix};
use crowdqc_testkit::fixtures::{dataset_dir, load_dataset, project_fixtures};

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn toy() -> Option<JudgmentMatrix> {
    dataset_dir("crowdkit-toy").map(|d| load_dataset(&d, Default::default(), false))
}

#[test]
fn toy_consistency_and_uncertainty() {
    let Some(m) = toy() else { return };
    let (mv, skills) = majority_vote_with_skills(&m);
    // crowd-kit MV: t1 no (tie), t2 yes, t3 no, t4 yes, t5 no; skills 0.6/0.8/1/0.4/0.8.
    let label = |i: usize| m.classes().label(mv[i]).to_string();
    let item = |s: &str| m.items().lookup(IdRef::Str(s)).expect("item") as usize;
    assert_eq!(
        ["t1", "t2", "t3", "t4", "t5"].map(|t| label(item(t))),
        ["no", "yes", "no", "yes", "no"]
    );
    let worker = |s: &str| m.workers().lookup(IdRef::Str(s)).expect("worker") as usize;
    for (w, s) in [
        ("w1", 0.6),
        ("w2", 0.8),
        ("w3", 1.0),
        ("w4", 0.4),
        ("w5", 0.8),
    ] {
        assert!((skills[worker(w)] - s).abs() < 1e-12, "{w}");
    }
    let c = consistency(&m, &mv, &skills).expect("consistency");
    assert!(
        (mean(&c) - 0.9384615384615385).abs() < 1e-12,
        "{}",
        mean(&c)
    );
    let mut given = vec![0.0; m.n_workers()];
    for (w, s) in [
        ("w1", 0.6),
        ("w2", 0.8),
        ("w3", 1.0),
        ("w4", 0.4),
        ("w5", 0.8),
    ] {
        given[worker(w)] = s;
    }
    let u = uncertainty(&m, Some(&given), UncertaintyBy::Item).expect("uncertainty");
    assert!(
        (mean(&u) - 0.6308666201949331).abs() < 1e-12,
        "{}",
        mean(&u)
    );
}

#[test]
fn crowdkit_docstring_uncertainty_examples() {
    use crowdqc_core::{IngestOptions, JudgmentMatrixBuilder};
    let build = |rows: &[(&str, &str, &str)]| {
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
        for (t, w, l) in rows {
            b.push_row(IdRef::Str(t), IdRef::Str(w), IdRef::Str(l))
                .expect("row");
        }
        b.finish().expect("matrix")
    };
    let m = build(&[("X", "A", "Yes"), ("X", "B", "No"), ("X", "C", "Maybe")]);
    let u = uncertainty(&m, None, UncertaintyBy::Item).expect("u");
    assert!((u[0] - 1.0986122886681096).abs() < 1e-12);
    let m = build(&[
        ("X", "A", "Yes"),
        ("X", "B", "No"),
        ("Y", "A", "Yes"),
        ("Y", "B", "Yes"),
    ]);
    let by_task = uncertainty(&m, None, UncertaintyBy::Item).expect("u");
    assert!((by_task[0] - std::f64::consts::LN_2).abs() < 1e-12 && by_task[1] == 0.0);
    let by_worker = uncertainty(&m, None, UncertaintyBy::Worker).expect("u");
    assert!(by_worker[0] == 0.0 && (by_worker[1] - std::f64::consts::LN_2).abs() < 1e-12);
    // entropy of the per-item view is the same quantity
    assert!((item_agreement(&m)[0].entropy - by_task[0]).abs() < 1e-15);
}

#[test]
fn rejects_bad_skills_and_consensus() {
    let Some(m) = toy() else { return };
    let e = uncertainty(&m, Some(&[0.5]), UncertaintyBy::Item).expect_err("len");
    assert!(e.to_string().contains("`skills`"), "{e}");
    let e = consistency(&m, &[0; 5], &[1.5; 5]).expect_err("range");
    assert!(e.to_string().contains("must be in [0, 1]"), "{e}");
    let e = consistency(&m, &[0; 4], &[0.5; 5]).expect_err("len");
    assert!(e.to_string().contains("`consensus`"), "{e}");
}

#[test]
fn worker_agreement_on_toy() {
    let Some(m) = toy() else { return };
    let wa = worker_agreement(&m);
    let w3 = m.workers().lookup(IdRef::Str("w3")).expect("w3") as usize;
    // w3 agrees with MV on all 4 of its items.
    assert_eq!(wa[w3].n_judgments, 4);
    assert!((wa[w3].mv_agreement - 1.0).abs() < 1e-15);
    for w in &wa {
        let p = w.peer_agreement.expect("every toy worker shares items");
        assert!((0.0..=1.0).contains(&p));
    }
}

#[test]
fn crowdkit_on_real_datasets() {
    let path = project_fixtures().join("agreement/expected.json");
    let text = std::fs::read_to_string(&path).expect("expected.json");
    let expected: serde_json::Value = serde_json::from_str(&text).expect("json");
    for name in ["snow2008-rte", "zhou2012-dogs", "snow2008-wsd"] {
        let Some(dir) = dataset_dir(name) else { return };
        let m = load_dataset(&dir, Default::default(), false);
        let e = &expected["crowdkit"][name];
        let num = |k: &str| e[k].as_f64().expect("number");
        let alpha = krippendorff_alpha(&ItemCounts::from_matrix(&m), Level::Nominal)
            .expect("alpha")
            .value()
            .expect("defined");
        assert!(
            (alpha - num("alpha_krippendorff")).abs() < 1e-9,
            "{name}: {alpha}"
        );
        let (mv, skills) = majority_vote_with_skills(&m);
        let c = mean(&consistency(&m, &mv, &skills).expect("c"));
        assert!((c - num("consistency")).abs() < 1e-9, "{name}: {c}");
        let ut = uncertainty(&m, None, UncertaintyBy::Item).expect("u");
        assert!(
            (mean(&ut) - num("uncertainty_task_mean")).abs() < 1e-9,
            "{name}"
        );
        let uw = uncertainty(&m, None, UncertaintyBy::Worker).expect("u");
        assert!(
            (mean(&uw) - num("uncertainty_worker_mean")).abs() < 1e-9,
            "{name}"
        );
        for (item, v) in e["uncertainty_task_first"].as_object().expect("map") {
            let i = m.items().lookup(IdRef::Str(item)).expect("item") as usize;
            let v = v.as_f64().expect("number");
            assert!((ut[i] - v).abs() < 1e-9, "{name} {item}: {} vs {v}", ut[i]);
        }
    }
}
