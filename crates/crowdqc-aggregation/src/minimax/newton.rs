//! The M-step solvers: damped Newton on one worker's (or one item's) parameters, with
//! every judgment's contribution accumulated row by row of the `K × K` confusion
//! logits. No allocation: every buffer lives in a [`Scratch`] reused across blocks.

use super::kernel::{Acc, Dim, Side, dispatch, exp_row, lane_scratch};

/// Armijo constant of the backtracking line search. The search's merit function is
/// `‖g‖²`, the squared gradient of the block objective: a Newton step `d = −H⁻¹ g`
/// descends it at rate `2 gᵀ H d = −2 ‖g‖²`, so a step fraction `t` is accepted when
/// `‖g(x + t d)‖² ≤ (1 − 2 ARMIJO t) ‖g(x)‖²`. The objective is strictly convex (L2
/// penalty), so its only stationary point is the minimum; a pass needs the gradient and
/// Hessian only, no objective value (no logarithm per judgment).
const ARMIJO: f64 = 1e-4;
/// Smallest step fraction tried before a block gives up for this M-step.
const MIN_STEP: f64 = 1e-10;

/// Buffers of one thread's solves (sized for `K` classes and `d` parameters per block).
pub(super) struct Scratch {
    k: usize,
    acc: Acc,
    z: Vec<f64>,
    active: Vec<bool>,
    /// Trial logits (`K × K`), their row-normalised exponentials and row maxima.
    trial: Vec<f64>,
    etrial: Vec<f64>,
    mo: Vec<f64>,
    /// Per row (categorical) or for the whole block (ordinal): current value, step,
    /// directional derivative, step fraction, Newton steps taken (`f_cur`: the merit
    /// `‖g‖²` at the current point).
    f_cur: Vec<f64>,
    dir: Vec<f64>,
    gd: Vec<f64>,
    t: Vec<f64>,
    steps: Vec<usize>,
    /// Ordinal: parameters, gradient, Hessian (`d × d`) of the block.
    xd: Vec<f64>,
    gx: Vec<f64>,
    hx: Vec<f64>,
    /// Ordinal: 2-D suffix sums of one row's Hessian (`(K + 1)²`).
    sfx: Vec<f64>,
}

impl Scratch {
    pub(super) fn new(k: usize, d: usize) -> Self {
        Scratch {
            k,
            acc: Acc::new(k),
            z: vec![0.0; lane_scratch(k)],
            active: vec![false; k],
            trial: vec![0.0; k * k],
            etrial: vec![0.0; k * k],
            mo: vec![0.0; k],
            f_cur: vec![0.0; k],
            dir: vec![0.0; d.max(k * k)],
            gd: vec![0.0; k],
            t: vec![0.0; k],
            steps: vec![0; k],
            xd: vec![0.0; d],
            gx: vec![0.0; d],
            hx: vec![0.0; d * d],
            sfx: vec![0.0; (k + 1) * (k + 1)],
        }
    }
}

/// Solves `a x = b` (`a` is `n × n`, symmetric positive definite, overwritten by its
/// factor) by the square-root-free Cholesky factorisation `a = L D Lᵀ`; `b` becomes
/// `x`. False when `a` is not positive definite. Reads the lower triangle of `a` only.
#[inline(always)]
fn cholesky_solve(a: &mut [f64], n: usize, b: &mut [f64]) -> bool {
    dispatch!(n, d => cholesky_in(d, a, b))
}

/// [`cholesky_solve`] for `n = d.n()` (a constant for small `n`: the loops unroll).
/// `L` (unit lower triangular) is stored below the diagonal of `a`, `D` on it. Two
/// divisions per row (a reciprocal pivot for the column, the solve's `y / D`) and no
/// square root, instead of the `n (n + 1) / 2` divisions and `n` square roots of the
/// `L Lᵀ` form (the same solution; the last bits differ).
#[inline(always)]
fn cholesky_in<D: Dim>(d: D, a: &mut [f64], b: &mut [f64]) -> bool {
    let n = d.n();
    let (a, b) = (&mut a[..n * n], &mut b[..n]);
    for j in 0..n {
        let mut dj = a[j * n + j];
        for p in 0..j {
            dj -= a[j * n + p] * a[j * n + p] * a[p * n + p];
        }
        if !(dj > 0.0 && dj.is_finite()) {
            return false;
        }
        a[j * n + j] = dj;
        let rj = 1.0 / dj;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for p in 0..j {
                s -= a[i * n + p] * (a[j * n + p] * a[p * n + p]);
            }
            a[i * n + j] = s * rj;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for p in 0..i {
            s -= a[i * n + p] * b[p];
        }
        b[i] = s;
    }
    for i in 0..n {
        b[i] /= a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for p in i + 1..n {
            s -= a[p * n + i] * b[p];
        }
        b[i] = s;
    }
    true
}

/// Newton direction `dir = −h⁻¹ g` (steepest descent if `h` is not positive
/// definite); returns `g · dir`.
#[inline(always)]
fn direction(h: &mut [f64], g: &[f64], n: usize, dir: &mut [f64]) -> f64 {
    for (d, &gv) in dir.iter_mut().zip(g) {
        *d = -gv;
    }
    if !cholesky_solve(h, n, dir) {
        for (d, &gv) in dir.iter_mut().zip(g) {
            *d = -gv;
        }
    }
    g.iter().zip(dir.iter()).map(|(a, b)| a * b).sum()
}

/// [`direction`] out of line: the ordinal solver's `4K × 4K` systems (inlining it
/// there measured 0.6% more instructions).
#[inline(never)]
fn direction_out(h: &mut [f64], g: &[f64], n: usize, dir: &mut [f64]) -> f64 {
    direction(h, g, n, dir)
}

/// Row-normalised exponentials of the active rows of the trial logits.
#[inline(always)]
fn trial_exp(k: usize, trial: &[f64], active: &[bool], e: &mut [f64], mo: &mut [f64]) {
    for r in (0..k).filter(|&r| active[r]) {
        mo[r] = exp_row(k, trial, e, r);
    }
}

/// The exponential tables of the trial logits: the caller's table `ex` of the same
/// logits when given (the values [`trial_exp`] would compute, so no `exp`), else
/// computed.
#[inline(always)]
fn first_table(k: usize, ex: Option<&[f64]>, s: &mut Scratch) {
    match ex {
        Some(e) => {
            s.etrial.copy_from_slice(e);
            for r in 0..k {
                let row = &s.trial[r * k..(r + 1) * k];
                s.mo[r] = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            }
        }
        None => trial_exp(k, &s.trial, &s.active, &mut s.etrial, &mut s.mo),
    }
}

/// `‖v‖²`, the line search's merit function (of the gradient).
#[inline(always)]
fn sq_norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}

#[inline(always)]
fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Categorical M-step of one block: every row of the `K × K` logits `x` is its own
/// problem `min −Σ_j w_j[r] ln softmax(x[r] + other_j[r])[l_j] + λ/2 ‖x[r]‖²`; the rows
/// share passes over the judgments. `pass(trial, active, acc, z)` must clear nothing
/// and add every judgment of the block with
/// [`Kernel::acc`](super::kernel::Kernel::acc). A row stops when every
/// gradient component is at most `tol`, after `max_steps` Newton steps, or after a
/// step whose predicted decrease (half the Newton decrement) is at most `prog_tol`
/// (that step is taken without another pass); a trial step is accepted on the gradient
/// norm ([`ARMIJO`]). `ex`: the row-normalised exponentials
/// of `x` ([`exp_rows`](super::kernel::exp_rows)) when the caller has them, used by
/// the first pass instead of recomputing them. Returns the passes made.
///
/// `dim`: `K` (a compile-time constant for the fixed-size kernels, so that every loop
/// over a row and the `K × K` solves unroll; the same operations in the same order
/// either way, so the same bits).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn solve_rows<D: Dim>(
    dim: D,
    x: &mut [f64],
    ex: Option<&[f64]>,
    lambda: f64,
    max_steps: usize,
    tol: f64,
    prog_tol: f64,
    s: &mut Scratch,
    mut pass: impl FnMut(Side<'_>, &[bool], &mut Acc, &mut [f64]),
) -> usize {
    let k = dim.n();
    debug_assert_eq!(k, s.k);
    s.trial.copy_from_slice(x);
    s.active.fill(true);
    s.steps.fill(0);
    s.t.fill(1.0);
    let mut first = true;
    let mut passes = 0;
    while s.active.iter().any(|&a| a) {
        s.acc.clear();
        first_table(k, first.then_some(ex).flatten(), s);
        let own = Side {
            x: &s.trial,
            e: &s.etrial,
        };
        pass(own, &s.active, &mut s.acc, &mut s.z);
        passes += 1;
        s.acc.rows(k, &s.active);
        for r in 0..k {
            if !s.active[r] {
                continue;
            }
            let tr = &s.trial[r * k..(r + 1) * k];
            let g = &mut s.acc.g[r * k..(r + 1) * k];
            let h = &mut s.acc.h[r * k * k..(r + 1) * k * k];
            for c in 0..k {
                g[c] += lambda * tr[c];
                h[c * k + c] += lambda;
            }
            let psi = sq_norm(g);
            let accept = first || psi <= (1.0 - 2.0 * ARMIJO * s.t[r]) * s.f_cur[r];
            if !accept {
                s.t[r] *= 0.5;
                if s.t[r] < MIN_STEP {
                    s.active[r] = false; // keep x[r]
                    continue;
                }
                let (t, d) = (s.t[r], &s.dir[r * k..(r + 1) * k]);
                for c in 0..k {
                    s.trial[r * k + c] = x[r * k + c] + t * d[c];
                }
                continue;
            }
            x[r * k..(r + 1) * k].copy_from_slice(&s.trial[r * k..(r + 1) * k]);
            s.f_cur[r] = psi;
            if max_abs(g) <= tol || s.steps[r] >= max_steps {
                s.active[r] = false;
                continue;
            }
            s.steps[r] += 1;
            let d = &mut s.dir[r * k..(r + 1) * k];
            s.gd[r] = direction(h, g, k, d);
            s.t[r] = 1.0;
            if -0.5 * s.gd[r] <= prog_tol {
                // the Newton model predicts a change below `prog_tol`: take the step
                // and stop without another pass (the authors' L-BFGS stops on a
                // function change below its progTol)
                for c in 0..k {
                    x[r * k + c] += d[c];
                }
                s.active[r] = false;
                continue;
            }
            for c in 0..k {
                s.trial[r * k + c] = x[r * k + c] + d[c];
            }
        }
        first = false;
    }
    passes
}

mod ordinal;
pub(super) use ordinal::{ordinal_features, solve_ordinal};

#[cfg(test)]
mod tests {
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
}
