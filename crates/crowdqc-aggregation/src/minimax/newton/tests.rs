//! Unit tests of the row solvers.

use super::super::kernel::{Fixed, Kernel, exp_rows};
use super::*;

#[test]
fn cholesky_solves_a_spd_system() {
    // [[4, 2], [2, 3]] x = [2, 1] -> x = [0.5, 0]
    let mut a = [4.0, 2.0, 2.0, 3.0];
    let mut b = [2.0, 1.0];
    assert!(cholesky_solve(&mut a, 2, &mut b));
    assert!((b[0] - 0.5).abs() < 1e-15 && b[1].abs() < 1e-15);
    let mut bad = [0.0, 1.0, 1.0, 0.0];
    assert!(!cholesky_solve(&mut bad, 2, &mut [1.0, 1.0]));
}

#[test]
fn label_counts_give_the_per_judgment_sums_against_zero_item_logits() {
    // a block's sums over judgments whose other party has all-zero logits (before
    // the first item pass) from weight totals and weighted label counts
    // (`Acc::add_counts`) against adding the judgments one by one
    let k = 3;
    let x = [0.3, -1.2, 0.5, 2.0, 0.1, -0.4, -0.7, 0.9, 0.0];
    let (mut e, mut mx) = (vec![0.0; k * k], vec![0.0; k]);
    exp_rows(k, &x, &mut e, &mut mx);
    let (zeros, ones) = (vec![0.0; k * k], vec![1.0; k * k]);
    let judgments: [([f64; 3], usize); 5] = [
        ([0.7, 0.2, 0.1], 0),
        ([0.0, 1.0, 0.0], 2),
        ([0.25, 0.25, 0.5], 1),
        ([0.6, 0.0, 0.4], 0),
        ([0.1, 0.8, 0.1], 2),
    ];
    let own = Side { x: &x, e: &e };
    let other = Side {
        x: &zeros,
        e: &ones,
    };
    let mut by_judgment = Acc::new(k);
    let mut z = vec![0.0; lane_scratch(k)];
    let mut stats = vec![0.0; k + k * k];
    for (w, l) in &judgments {
        Fixed::<3>.acc(own, other, w, *l, &mut by_judgment, &mut z);
        for r in 0..k {
            stats[r] += w[r];
            stats[k + r * k + l] += w[r];
        }
    }
    let mut by_counts = Acc::new(k);
    by_counts.add_counts(k, &e, &stats);
    let all = [true; 3];
    by_judgment.rows(k, &all);
    by_counts.rows(k, &all);
    for r in 0..k {
        for a in 0..k {
            let (u, v) = (by_judgment.g[r * k + a], by_counts.g[r * k + a]);
            assert!((u - v).abs() < 1e-12, "g[{r}, {a}]: {u} vs {v}");
            for b in 0..=a {
                let c = (r * k + a) * k + b;
                let (u, v) = (by_judgment.h[c], by_counts.h[c]);
                assert!((u - v).abs() < 1e-12, "h[{r}, {a}, {b}]: {u} vs {v}");
            }
        }
    }
    // and the values are not trivial: row 1's gradient in class 2 is W p − n
    let p: Vec<f64> = {
        let row = &x[k..2 * k];
        let t: f64 = row.iter().map(|v| v.exp()).sum();
        row.iter().map(|v| v.exp() / t).collect()
    };
    let (w1, n12) = (0.2 + 1.0 + 0.25 + 0.0 + 0.8, 1.0 + 0.8);
    assert!((by_counts.g[k + 2] - (w1 * p[2] - n12)).abs() < 1e-12);
}

#[test]
fn row_newton_reaches_the_stationary_point() {
    // one row problem: weights 1 on labels 0,0,1 (K = 2), lambda = 1, no offsets;
    // stationary: g = (p0 - 2/3)*3 + x0 ... checked through the final gradient
    let k = 2;
    let mut s = Scratch::new(k, k * k);
    let mut x = vec![0.0; k * k];
    let zeros = vec![0.0; k * k];
    let ones = vec![1.0; k * k];
    let other = Side {
        x: &zeros,
        e: &ones,
    };
    let w = [1.0, 0.0];
    let labels = [0usize, 0, 1];
    solve_rows(
        Fixed::<2>,
        Step::Newton,
        &mut x,
        None,
        1.0,
        25,
        1e-12,
        0.0,
        &mut s,
        |own, _, acc, z| {
            for &l in &labels {
                Fixed::<2>.acc(own, other, &w, l, acc, z);
            }
        },
    );
    let (a, b) = (x[0], x[1]);
    let p0 = a.exp() / (a.exp() + b.exp());
    // gradient of f = -Σ ln p + ½(a² + b²): 3 p0 - 2 + a = 0, (3(1-p0) - 1) + b = 0
    assert!((3.0 * p0 - 2.0 + a).abs() < 1e-10);
    assert!((3.0 * (1.0 - p0) - 1.0 + b).abs() < 1e-10);
    assert!(a > 0.0 && b < 0.0 && (a + b).abs() < 1e-10);
    // row 1 has zero weight: stays at 0
    assert_eq!(&x[2..], &[0.0, 0.0]);
}

/// One `K = 3` block of ten judgments against random other-party logits, every row's
/// gradient computed directly from the softmax definition.
fn scaled_case() -> (Vec<Vec<f64>>, Vec<[f64; 3]>, Vec<usize>) {
    let mut next = crate::test_rng::xorshift(11);
    let mut unif = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
    let k = 3;
    let others: Vec<Vec<f64>> = (0..10)
        .map(|_| (0..k * k).map(|_| 4.0 * unif() - 2.0).collect())
        .collect();
    let w: Vec<[f64; 3]> = (0..10)
        .map(|_| {
            let v = [unif(), unif(), unif()];
            let s: f64 = v.iter().sum();
            [v[0] / s, v[1] / s, v[2] / s]
        })
        .collect();
    let labels: Vec<usize> = (0..10).map(|j| j * 7 % k).collect();
    (others, w, labels)
}

/// The block objective's gradient at `x` (`K = 3`, penalty `lambda`), from the softmax.
fn direct_gradient(
    x: &[f64],
    lambda: f64,
    (others, w, labels): &(Vec<Vec<f64>>, Vec<[f64; 3]>, Vec<usize>),
) -> Vec<f64> {
    let k = 3;
    let mut g: Vec<f64> = x.iter().map(|v| lambda * v).collect();
    for ((q, wj), &l) in others.iter().zip(w).zip(labels) {
        for r in 0..k {
            let e: Vec<f64> = (0..k)
                .map(|c| (x[r * k + c] + q[r * k + c]).exp())
                .collect();
            let t: f64 = e.iter().sum();
            for c in 0..k {
                g[r * k + c] += wj[r] * (e[c] / t - if c == l { 1.0 } else { 0.0 });
            }
        }
    }
    g
}

/// Solves the [`scaled_case`] block with `step` and penalty `lambda`; returns the
/// logits and the passes made.
fn solve_case(step: Step, lambda: f64, tol: f64, prog_tol: f64) -> (Vec<f64>, usize) {
    let k = 3;
    let (others, w, labels) = scaled_case();
    let tables: Vec<Vec<f64>> = others
        .iter()
        .map(|q| {
            let (mut e, mut mx) = (vec![0.0; k * k], vec![0.0; k]);
            exp_rows(k, q, &mut e, &mut mx);
            e
        })
        .collect();
    let mut s = Scratch::new(k, k * k);
    let mut x = vec![0.3, -0.2, 0.1, 0.0, 0.05, -0.1, 0.2, 0.2, -0.3];
    let passes = solve_rows(
        Fixed::<3>,
        step,
        &mut x,
        None,
        lambda,
        25,
        tol,
        prog_tol,
        &mut s,
        |own, _, acc, z| {
            for (((q, e), wj), &l) in others.iter().zip(&tables).zip(&w).zip(&labels) {
                let other = Side { x: q, e };
                match step {
                    Step::Newton => Fixed::<3>.acc(own, other, wj, l, acc, z),
                    Step::Scaled => Fixed::<3>.grad(own, other, wj, l, acc, z),
                }
            }
        },
    );
    (x, passes)
}

#[test]
fn scaled_step_reaches_the_newton_optimum_when_the_penalty_dominates() {
    // ten judgments with weights at most 1: data curvature at most 5 per row, so the
    // scaled step applies from lambda = 500 (contraction factor at most 0.01)
    assert!(scaled_step_applies(10, 1.0, 500.0));
    assert!(!scaled_step_applies(10, 1.0, 499.0));
    let case = scaled_case();
    let lambda = 500.0;
    // to convergence: both at the stationary point
    let (xn, _) = solve_case(Step::Newton, lambda, 1e-13, 0.0);
    let (xs, ps) = solve_case(Step::Scaled, lambda, 1e-13, 0.0);
    for x in [&xn, &xs] {
        let g = direct_gradient(x, lambda, &case);
        assert!(g.iter().all(|v| v.abs() < 1e-12), "gradient {g:?}");
    }
    for (a, b) in xn.iter().zip(&xs) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }
    // a contraction of factor at most 0.01 per pass: few passes even to 1e-13
    assert!(ps <= 8, "{ps} passes");
    // the moves are not trivial: the start is far from the optimum
    assert!(
        xn.iter()
            .zip([0.3, -0.2, 0.1])
            .any(|(a, b)| (a - b).abs() > 1e-4)
    );
    // with the authors' tolerances: the same number of passes, and both within the
    // tolerance's reach of the optimum (|g| <= 1e-3 means |x - x*| <= 1e-3 / lambda)
    let (xn3, pn3) = solve_case(Step::Newton, lambda, 1e-3, 1e-3);
    let (xs3, ps3) = solve_case(Step::Scaled, lambda, 1e-3, 1e-3);
    assert_eq!(pn3, ps3);
    for ((a, b), c) in xn3.iter().zip(&xs3).zip(&xn) {
        assert!(
            (a - c).abs() < 1e-5 && (b - c).abs() < 1e-5,
            "{a} {b} vs {c}"
        );
    }
}
