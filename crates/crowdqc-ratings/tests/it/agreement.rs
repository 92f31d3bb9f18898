//! ICC and Kendall's W against pingouin 0.5.5 (fixtures/ratings/pingouin) and
//! Shrout & Fleiss (1979).

use crowdqc_core::DuplicatePolicy;
use crowdqc_ratings::{RatingMatrix, kendall_w, rating_agreement};
use serde_json::Value;

use crate::common::{fixtures, json, matrix};

/// Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges.
const SF: [[f64; 4]; 6] = [
    [9.0, 2.0, 5.0, 8.0],
    [6.0, 1.0, 3.0, 2.0],
    [8.0, 4.0, 6.0, 8.0],
    [7.0, 1.0, 2.0, 6.0],
    [10.0, 5.0, 6.0, 9.0],
    [6.0, 2.0, 4.0, 7.0],
];

fn sf_matrix() -> RatingMatrix {
    let rows: Vec<(String, String, f64)> = SF
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.iter()
                .enumerate()
                .map(move |(j, &x)| (format!("t{}", i + 1), format!("j{}", j + 1), x))
        })
        .collect();
    matrix(&rows, DuplicatePolicy::KeepAll)
}

fn csv_rows(dir: &std::path::Path) -> Vec<(String, String, f64)> {
    let (_, rows) = crowdqc_testkit::fixtures::read_csv_rows(&dir.join("judgments.csv"));
    rows.into_iter()
        .map(|r| {
            (
                r[0].clone(),
                r[1].clone(),
                r[2].trim().parse().expect("number"),
            )
        })
        .collect()
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{what}: {got} vs pingouin {want}"
    );
}

fn check(m: &RatingMatrix, case: &Value, name: &str) {
    let a = rating_agreement(m, 0.95).expect("agreement");
    if a.icc.n_items_dropped == 0 {
        // complete data: ICC(1,1) from every rating is pingouin's ICC1, interval included
        let (u, want) = (&a.icc.all_ratings, &case["icc"]["ICC1"]);
        for (got, key) in [
            (u.value, "icc"),
            (u.f, "f"),
            (u.ci_low, "ci_low"),
            (u.ci_high, "ci_high"),
        ] {
            close(
                got.expect("defined"),
                want[key].as_f64().expect("n"),
                1e-6,
                &format!("{name} ICC1u {key}"),
            );
        }
    }
    for form in ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"] {
        let want = &case["icc"][form];
        let got = a.icc.form(form).expect("form");
        let w = |k: &str| want[k].as_f64().expect("number");
        close(
            got.value.expect("defined"),
            w("icc"),
            1e-10,
            &format!("{name} {form}"),
        );
        close(
            got.f.expect("f"),
            w("f"),
            1e-10,
            &format!("{name} {form} F"),
        );
        close(got.df1, w("df1"), 0.0, &format!("{name} {form} df1"));
        close(got.df2, w("df2"), 0.0, &format!("{name} {form} df2"));
        // p-values: relative, they reach 1e-34
        let p = got.p_value.expect("p");
        assert!(
            (p - w("p")).abs() <= 1e-6 * w("p") + 1e-300,
            "{name} {form} p {p} vs {}",
            w("p")
        );
        // intervals: statrs' F quantile (bisection) against scipy's
        close(
            got.ci_low.expect("lo"),
            w("ci_low"),
            1e-6,
            &format!("{name} {form} lo"),
        );
        close(
            got.ci_high.expect("hi"),
            w("ci_high"),
            1e-6,
            &format!("{name} {form} hi"),
        );
    }
    let kw = &case["kendall_w"];
    close(
        a.kendall_w.w.expect("w"),
        kw["w"].as_f64().expect("w"),
        1e-12,
        &format!("{name} W"),
    );
    close(
        a.kendall_w.chi2.expect("q"),
        kw["q"].as_f64().expect("q"),
        1e-12,
        &format!("{name} Q"),
    );
    close(
        a.kendall_w.df,
        kw["ddof1"].as_f64().expect("df"),
        0.0,
        &format!("{name} df"),
    );
    let p = a.kendall_w.p_value.expect("p");
    let wp = kw["p"].as_f64().expect("p");
    assert!(
        (p - wp).abs() <= 1e-6 * wp + 1e-300,
        "{name} W p {p} vs {wp}"
    );
}

fn reference() -> Value {
    json(&fixtures().join("pingouin/pingouin_reference.json"))
}

#[test]
fn shrout_fleiss_example_matches_pingouin_and_the_paper() {
    let m = sf_matrix();
    check(
        &m,
        &reference()["cases"]["shrout_fleiss_1979"],
        "shrout-fleiss",
    );
    // Shrout & Fleiss (1979) Table 4, two decimals
    let a = rating_agreement(&m, 0.95).expect("agreement");
    for (form, v) in [
        ("ICC(1,1)", 0.17),
        ("ICC(2,1)", 0.29),
        ("ICC(3,1)", 0.71),
        ("ICC(1,k)", 0.44),
        ("ICC(2,k)", 0.62),
        ("ICC(3,k)", 0.91),
    ] {
        let got = a.icc.form(form).and_then(|f| f.value).expect("defined");
        assert!((got - v).abs() < 0.005, "{form}: {got}");
    }
}

#[test]
fn wordsim_matches_pingouin() {
    let Some(dir) = crowdqc_testkit::fixtures::dataset_dir("snow2008-wordsim") else {
        return;
    };
    let m = matrix(&csv_rows(&dir), DuplicatePolicy::Error);
    check(&m, &reference()["cases"]["wordsim"], "wordsim");
}

/// Missing ratings: the items some worker did not rate are dropped (listwise), exactly
/// as pingouin's `nan_policy="omit"`.
#[test]
fn missing_ratings_are_listwise_deleted_like_pingouin() {
    let Some(dir) = crowdqc_testkit::fixtures::dataset_dir("snow2008-wordsim") else {
        return;
    };
    let case = &reference()["cases"]["wordsim_missing"];
    let dropped: Vec<(String, String)> = case["dropped"]
        .as_array()
        .expect("dropped")
        .iter()
        .map(|p| {
            (
                p[0].as_str().expect("s").into(),
                p[1].as_str().expect("s").into(),
            )
        })
        .collect();
    let rows: Vec<_> = csv_rows(&dir)
        .into_iter()
        .filter(|(i, w, _)| !dropped.iter().any(|(di, dw)| di == i && dw == w))
        .collect();
    let m = matrix(&rows, DuplicatePolicy::Error);
    check(&m, case, "wordsim-missing");
    let a = rating_agreement(&m, 0.95).expect("agreement");
    assert_eq!((a.icc.n_items, a.icc.n_items_dropped), (28, 2));
    assert_eq!((a.kendall_w.n_items, a.kendall_w.n_items_dropped), (28, 2));
}

#[test]
fn affect_block_matches_pingouin() {
    let Some(dir) = crowdqc_testkit::fixtures::dataset_dir("snow2008-affect") else {
        return;
    };
    let case = &reference()["cases"]["affect_anger_block"];
    let items: Vec<&str> = case["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| v.as_str().expect("s"))
        .collect();
    let rows: Vec<_> = csv_rows(&dir)
        .into_iter()
        .filter(|(i, _, _)| items.contains(&i.as_str()))
        .collect();
    let m = matrix(&rows, DuplicatePolicy::Error);
    assert_eq!((m.n_items(), m.n_workers()), (20, 10));
    check(&m, case, "affect-anger");
}

/// A constant rating column: ICC and W undefined, with the reason.
#[test]
fn constant_ratings_are_undefined_not_errors() {
    let rows: Vec<(String, String, f64)> = (0..5)
        .flat_map(|i| (0..3).map(move |j| (format!("i{i}"), format!("w{j}"), 4.0)))
        .collect();
    let m = matrix(&rows, DuplicatePolicy::Error);
    let a = rating_agreement(&m, 0.95).expect("agreement");
    for f in &a.icc.forms {
        assert!(f.value.is_none(), "{}", f.form);
        assert!(
            f.undefined
                .as_deref()
                .is_some_and(|r| r.contains("same value"))
        );
    }
    assert!(a.kendall_w.w.is_none() && a.kendall_w.undefined.is_some());
    let batch = a.to_record_batch().expect("batch");
    assert_eq!(batch.num_rows(), 8);
    assert_eq!(batch.column(1).null_count(), 8);
    assert!(a.icc.all_ratings.value.is_none());
}

/// Keep-all duplicates are refused with a message naming the fix.
#[test]
fn duplicates_need_a_policy() {
    let rows = vec![
        ("a".to_string(), "w".to_string(), 1.0),
        ("a".to_string(), "w".to_string(), 2.0),
        ("b".to_string(), "w".to_string(), 2.0),
    ];
    let m = matrix(&rows, DuplicatePolicy::KeepAll);
    let e = kendall_w(&m).expect_err("duplicates");
    assert!(e.to_string().contains("first or last"), "{e}");
    let m = matrix(&rows, DuplicatePolicy::Last);
    assert!(kendall_w(&m).is_ok());
}

/// ICC(1,1) from every rating on unequal groups, by exact arithmetic: items A = (1, 2, 3),
/// B = (4, 6), C = (5); MSB = 13.5 / 2, MSW = 4 / 3, n0 = (6 − 14/6) / 2, so
/// ICC = (MSB − MSW) / (MSB + (n0 − 1) MSW) = 195/283 and F = 81/16 on (2, 3) df.
#[test]
fn icc1_from_every_rating_with_unequal_groups() {
    let rows: Vec<(String, String, f64)> = [
        ("A", "x", 1.0),
        ("A", "y", 2.0),
        ("A", "z", 3.0),
        ("B", "x", 4.0),
        ("B", "w", 6.0),
        ("C", "y", 5.0),
    ]
    .iter()
    .map(|(i, w, x)| ((*i).to_string(), (*w).to_string(), *x))
    .collect();
    let m = matrix(&rows, DuplicatePolicy::Error);
    let a = rating_agreement(&m, 0.95).expect("agreement");
    // no item is rated by all four workers: the six forms are undefined ...
    assert!(a.icc.forms.iter().all(|f| f.value.is_none()));
    // ... the all-ratings form is not
    let u = &a.icc.all_ratings;
    assert!((u.value.expect("icc") - 195.0 / 283.0).abs() < 1e-14);
    assert!((u.f.expect("f") - 81.0 / 16.0).abs() < 1e-14);
    assert_eq!((u.df1, u.df2), (2.0, 3.0));
    let (lo, hi) = (u.ci_low.expect("lo"), u.ci_high.expect("hi"));
    assert!(lo < 195.0 / 283.0 && 195.0 / 283.0 < hi && hi <= 1.0);
}

fn matrix_of(rows: &[(&str, &str, f64)]) -> crowdqc_ratings::RatingMatrix {
    let mut b = crowdqc_ratings::RatingsBuilder::new(crowdqc_ratings::RatingsOptions::default())
        .expect("builder");
    for &(i, w, x) in rows {
        b.push_row(crowdqc_core::IdRef::Str(i), crowdqc_core::IdRef::Str(w), x)
            .expect("row");
    }
    b.finish().expect("matrix")
}

/// Brueckl's W by hand (exact arithmetic): A rates items 1–4 as 1, 2, 3, 4; B rates
/// 1–3 as 3, 2, 1; C rates 2–4 as 1, 2, 3. ρ(A,B) = −1 over 3 items (weight 2),
/// ρ(A,C) = 1 over 3 (weight 2), ρ(B,C) = −1 over items 2, 3 (weight 1): ρ̄ = −1/5;
/// ratings per item 2, 3, 3, 2: k̄ = 2.5; W = (1 − 0.2 · 1.5) / 2.5 = 0.28,
/// χ² = 2.5 · 3 · 0.28 = 2.1 on 3 df.
#[test]
fn kendall_w_incomplete_by_hand() {
    let m = matrix_of(&[
        ("i1", "A", 1.0),
        ("i2", "A", 2.0),
        ("i3", "A", 3.0),
        ("i4", "A", 4.0),
        ("i1", "B", 3.0),
        ("i2", "B", 2.0),
        ("i3", "B", 1.0),
        ("i2", "C", 1.0),
        ("i3", "C", 2.0),
        ("i4", "C", 3.0),
    ]);
    let w = crowdqc_ratings::kendall_w_incomplete(&m).expect("w");
    assert_eq!(w.rater_pairs, 3);
    assert!((w.mean_rho.expect("rho") + 0.2).abs() < 1e-15);
    assert!((w.mean_k - 2.5).abs() < 1e-15);
    assert!((w.w.expect("w") - 0.28).abs() < 1e-15, "{w:?}");
    assert!((w.chi2.expect("chi2") - 2.1).abs() < 1e-14);
    assert_eq!(w.df, 3.0);
    // rating_agreement reports it because items 1 and 4 were dropped
    let a = crowdqc_ratings::rating_agreement(&m, 0.95).expect("agreement");
    assert_eq!(a.kendall_w.n_items_dropped, 2);
    assert_eq!(a.kendall_w_incomplete.as_ref(), Some(&w));
    assert!(
        a.to_string()
            .contains("kendall W    0.2800 from every rating"),
        "{a}"
    );
}

/// irrNA's `ConsistNA` situation: every row and column has gaps, so listwise deletion
/// leaves nothing, but every worker orders the items the same way: W = 1 exactly.
#[test]
fn kendall_w_incomplete_is_one_for_consistent_gappy_rankings() {
    let mut rows = Vec::new();
    let items = ["a", "b", "c", "d", "e", "f"];
    let workers = ["w1", "w2", "w3", "w4"];
    for (j, w) in workers.iter().enumerate() {
        for (i, it) in items.iter().enumerate() {
            if (i + j) % 3 != 0 {
                // increasing in the item, on each worker's own scale
                rows.push((*it, *w, (10 * j + 3 * i) as f64));
            }
        }
    }
    let m = matrix_of(&rows);
    let a = crowdqc_ratings::rating_agreement(&m, 0.95).expect("agreement");
    assert_eq!(a.kendall_w.n_items, 0);
    assert!(a.kendall_w.w.is_none());
    let w = a.kendall_w_incomplete.expect("incomplete W");
    assert_eq!(w.mean_rho, Some(1.0));
    assert_eq!(w.w, Some(1.0));
}

/// On complete data without ties the generalisation is Kendall's W itself (Kendall's
/// identity ρ̄ = (mW − 1)/(m − 1)), which `kendall_w` computes from rank sums and
/// pingouin confirms (above).
#[test]
fn kendall_w_incomplete_equals_w_on_complete_untied_data() {
    // one column per rater, each a ranking without ties
    let t = [
        [1.0, 2.0, 5.0, 1.0],
        [2.0, 1.0, 3.0, 3.0],
        [3.0, 4.0, 1.0, 2.0],
        [4.0, 3.0, 2.0, 5.0],
        [5.0, 5.0, 4.0, 4.0],
    ];
    let names = ["t0", "t1", "t2", "t3", "t4"];
    let raters = ["r0", "r1", "r2", "r3"];
    let mut rows = Vec::new();
    for (i, r) in t.iter().enumerate() {
        for (j, x) in r.iter().enumerate() {
            rows.push((names[i], raters[j], *x));
        }
    }
    let m = matrix_of(&rows);
    let classic = crowdqc_ratings::kendall_w(&m).expect("w");
    let general = crowdqc_ratings::kendall_w_incomplete(&m).expect("w");
    assert!((classic.w.expect("w") - general.w.expect("w")).abs() < 1e-12);
    assert!((classic.chi2.expect("c") - general.chi2.expect("c")).abs() < 1e-10);
    // complete data: rating_agreement does not add it
    let a = crowdqc_ratings::rating_agreement(&m, 0.95).expect("agreement");
    assert!(a.kendall_w_incomplete.is_none());
}
