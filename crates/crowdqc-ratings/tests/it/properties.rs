//! Invariances (row order, id relabelling, rayon thread count) and hand-computed
//! single iterations of CATD and CRH from the papers' formulas.

use crowdqc_core::DuplicatePolicy;
use crowdqc_ratings::{Method, RatingMatrix, RatingParams, rating_agreement};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{by_id, matrix};

/// Seeded crowd: `n` items, `k` workers, each worker with a bias and a noise level;
/// `p` = probability a worker rates an item.
fn crowd(n: usize, k: usize, p: f64, seed: u64) -> Vec<(String, String, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let bias: Vec<f64> = (0..k).map(|_| rng.random_range(-1.0..1.0)).collect();
    let sd: Vec<f64> = (0..k).map(|_| rng.random_range(0.2..3.0)).collect();
    let mut rows = Vec::new();
    for i in 0..n {
        let truth = rng.random_range(0.0..10.0);
        for j in 0..k {
            if rng.random::<f64>() < p {
                let noise: f64 = (0..3).map(|_| rng.random_range(-1.0..1.0)).sum();
                let x = (truth + bias[j] + sd[j] * noise).round();
                rows.push((format!("item{i}"), format!("w{j}"), x));
            }
        }
    }
    rows
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

fn fit_all(m: &RatingMatrix) -> Vec<Vec<f64>> {
    Method::ALL
        .iter()
        .map(|&me| RatingParams::new(me).fit(m).expect("fit").scores().to_vec())
        .collect()
}

#[test]
fn scores_are_invariant_to_row_order_and_relabelling() {
    let rows = crowd(300, 25, 0.4, 7);
    let m = matrix(&rows, DuplicatePolicy::Error);
    let mut shuffled: Vec<_> = rows
        .iter()
        .map(|(i, w, x)| (format!("zz-{i}"), format!("{w}-renamed"), *x))
        .collect();
    shuffle(&mut shuffled, 11);
    let m2 = matrix(&shuffled, DuplicatePolicy::Error);
    for (a, b) in fit_all(&m).iter().zip(fit_all(&m2)) {
        let (a, b) = (by_id(&m, a), by_id(&m2, &b));
        for (id, x) in &a {
            let y = b[&format!("zz-{id}")];
            assert!((x - y).abs() < 1e-9 * x.abs().max(1.0), "{id}: {x} vs {y}");
        }
    }
    // agreement on a complete block
    let rows = crowd(200, 6, 1.0, 3);
    let mut shuffled = rows.clone();
    shuffle(&mut shuffled, 5);
    let a = rating_agreement(&matrix(&rows, DuplicatePolicy::Error), 0.95).expect("a");
    let b = rating_agreement(&matrix(&shuffled, DuplicatePolicy::Error), 0.95).expect("b");
    for (x, y) in a.icc.forms.iter().zip(&b.icc.forms) {
        let (x, y) = (x.value.expect("x"), y.value.expect("y"));
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }
    assert_eq!(a.kendall_w.w, b.kendall_w.w); // rank sums are exact
}

#[test]
fn results_are_bit_identical_for_any_thread_count() {
    // enough items for several parallel chunks
    let rows = crowd(9000, 12, 0.5, 21);
    let m = matrix(&rows, DuplicatePolicy::Error);
    let complete = matrix(&crowd(5000, 20, 1.0, 22), DuplicatePolicy::Error);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            let scores = fit_all(&m);
            let stats: Vec<_> = Method::ALL
                .iter()
                .map(|&me| {
                    let f = RatingParams::new(me).fit(&m).expect("fit");
                    (f.worker_stats().to_vec(), f.std_errors().to_vec())
                })
                .collect();
            let a = rating_agreement(&complete, 0.95).expect("agreement");
            (scores, stats, a)
        })
    };
    let one = run(1);
    for t in [2, 3, 4] {
        let other = run(t);
        assert!(one.0 == other.0, "scores differ with {t} threads");
        assert!(one.1 == other.1, "worker stats differ with {t} threads");
        assert!(one.2 == other.2, "agreement differs with {t} threads");
    }
}

fn hand_case() -> RatingMatrix {
    let rows = [
        ("A", "x", 1.0),
        ("A", "y", 2.0),
        ("A", "z", 4.0),
        ("A", "u", 9.0),
        ("B", "x", 0.0),
        ("B", "y", 2.0),
        ("B", "z", 3.0),
        ("B", "u", 5.0),
        ("C", "x", 7.0),
    ];
    let rows: Vec<_> = rows
        .iter()
        .map(|(i, w, x)| ((*i).to_string(), (*w).to_string(), *x))
        .collect();
    matrix(&rows, DuplicatePolicy::Error)
}

/// One CATD iteration by hand: start at the medians A = 3, B = 2.5, C = 7; squared
/// residuals x 10.25 (3 ratings), y 1.25, z 1.25, u 42.25 (2 ratings each); weights
/// `χ²_{0.025}(n) / Σ r²` with the table quantiles χ²_{0.025}(2) = 0.0506356,
/// χ²_{0.025}(3) = 0.2157953; the new score of A is the weighted mean.
#[test]
fn catd_one_iteration_by_hand() {
    let m = hand_case();
    let f = RatingParams::new(Method::Catd)
        .max_iter(1)
        .fit(&m)
        .expect("fit");
    let (c2, c3) = (0.050_635_6, 0.215_795_3);
    let w = [c3 / 10.25, c2 / 1.25, c2 / 1.25, c2 / 42.25];
    let a = (w[0] * 1.0 + w[1] * 2.0 + w[2] * 4.0 + w[3] * 9.0) / w.iter().sum::<f64>();
    let b = (w[0] * 0.0 + w[1] * 2.0 + w[2] * 3.0 + w[3] * 5.0) / w.iter().sum::<f64>();
    let s = f.scores();
    assert!(
        (s[0] - a).abs() < 1e-6 && (s[1] - b).abs() < 1e-6,
        "{s:?} vs {a} {b}"
    );
    assert!((s[2] - 7.0).abs() < 1e-12);
    let got = f.weights().expect("weights");
    for (g, e) in got.iter().zip(w) {
        assert!((g / e - 1.0).abs() < 1e-6, "{g} vs {e}");
    }
    assert!(!f.converged() && f.iterations() == 1);
}

/// One CRH iteration by hand: losses `Σ |x − median| / sd_item` with population sds
/// sd_A = √9.5, sd_B = √3.25 (C has one rating: no loss); weights
/// `−ln(loss / Σ loss)`; the new score is the lower weighted median.
#[test]
fn crh_one_iteration_by_hand() {
    let m = hand_case();
    let f = RatingParams::new(Method::Crh)
        .max_iter(1)
        .fit(&m)
        .expect("fit");
    let (sa, sb) = (9.5f64.sqrt(), 3.25f64.sqrt());
    let loss = [
        2.0 / sa + 2.5 / sb,
        1.0 / sa + 0.5 / sb,
        1.0 / sa + 0.5 / sb,
        6.0 / sa + 2.5 / sb,
    ];
    let total: f64 = loss.iter().sum();
    let w: Vec<f64> = loss.iter().map(|l| -(l / total).ln()).collect();
    let got = f.weights().expect("weights");
    for (g, e) in got.iter().zip(&w) {
        assert!((g - e).abs() < 1e-8, "{g} vs {e}");
    }
    // A: values 1 (x), 2 (y), 4 (z), 9 (u); half the weight is reached at ...
    let half = w.iter().sum::<f64>() / 2.0;
    let a = if w[0] >= half {
        1.0
    } else if w[0] + w[1] >= half {
        2.0
    } else if w[0] + w[1] + w[2] >= half {
        4.0
    } else {
        9.0
    };
    assert_eq!(f.scores()[0], a);
    assert_eq!(f.scores()[2], 7.0);
}
