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
    /// Trial logits (`K × K`) and their row-normalised exponentials.
    trial: Vec<f64>,
    etrial: Vec<f64>,
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

/// The exponential tables of the active rows of the trial logits: the caller's table
/// `ex` of the same logits when given (the values [`exp_row`] would compute, so no
/// `exp`), else computed.
#[inline(always)]
fn first_table(k: usize, ex: Option<&[f64]>, s: &mut Scratch) {
    match ex {
        Some(e) => s.etrial.copy_from_slice(e),
        None => {
            for r in (0..k).filter(|&r| s.active[r]) {
                exp_row(k, &s.trial, &mut s.etrial, r);
            }
        }
    }
}

/// How a row solve steps.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Step {
    /// Damped Newton, `d = −H⁻¹ g` with the exact Hessian `H = λ I + H_data`.
    Newton,
    /// `d = −g / λ`: for a block whose data curvature is at most a small fraction `ρ`
    /// of its penalty `λ` (`0 ⪯ H_data ⪯ ρ λ I`, see [`scaled_step_applies`]), the
    /// step is a contraction of factor `ρ` towards the row's optimum
    /// (`g(x + d) = −H̄_data g(x) / λ`, `H̄_data` the mean data Hessian on the segment),
    /// so it converges to the same optimum under the same stopping rules, and a pass
    /// needs the gradient only (no `K³` Hessian sums per judgment, no `K × K` solve).
    /// The line search's merit `‖g‖²` still falls at rate at least `2 ‖g‖²` along `d`
    /// (`gᵀ H g / λ ≥ ‖g‖²`), so the Armijo test is unchanged; the predicted decrease is
    /// `‖g‖² / (2 λ)`, within a factor `1 + ρ` of the Newton decrement's.
    Scaled,
}

/// Largest ratio of a row's data curvature bound to its penalty for which
/// [`Step::Scaled`] is used.
pub(super) const SCALED_MAX_RATIO: f64 = 0.01;

/// Whether [`Step::Scaled`] applies to a block of `n` judgments whose rows' weights are
/// at most `w_max` each, with penalty `lambda`: a judgment's softmax Hessian `diag p −
/// p pᵀ` has eigenvalues in `[0, ½]` (`vᵀ (diag p − p pᵀ) v` is the variance of `v`
/// under `p`, at most `(max v − min v)² / 4 ≤ ½` for a unit `v`), so a row's data
/// Hessian is at most `n w_max / 2` in norm; the scaled step is used when that is at
/// most [`SCALED_MAX_RATIO`]` · λ` (contraction factor at most 0.01 per pass).
pub(super) fn scaled_step_applies(n: usize, w_max: f64, lambda: f64) -> bool {
    0.5 * n as f64 * w_max <= SCALED_MAX_RATIO * lambda
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
/// `step`: [`Step::Newton`] (the pass adds gradients and Hessians) or
/// [`Step::Scaled`] (the pass adds gradients only, [`Kernel::grad`](
/// super::kernel::Kernel::grad)).
///
/// `dim`: `K` (a compile-time constant for the fixed-size kernels, so that every loop
/// over a row and the `K × K` solves unroll; the same operations in the same order
/// either way, so the same bits).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn solve_rows<D: Dim>(
    dim: D,
    step: Step,
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
        let newton = step == Step::Newton;
        if newton {
            s.acc.clear();
        } else {
            s.acc.clear_g();
        }
        first_table(k, first.then_some(ex).flatten(), s);
        let own = Side {
            x: &s.trial,
            e: &s.etrial,
        };
        pass(own, &s.active, &mut s.acc, &mut s.z);
        passes += 1;
        if newton {
            s.acc.rows(k, &s.active);
        } else {
            s.acc.rows_g(k, &s.active);
        }
        for r in 0..k {
            if !s.active[r] {
                continue;
            }
            let tr = &s.trial[r * k..(r + 1) * k];
            let g = &mut s.acc.g[r * k..(r + 1) * k];
            let h = &mut s.acc.h[r * k * k..(r + 1) * k * k];
            for c in 0..k {
                g[c] += lambda * tr[c];
            }
            if newton {
                for c in 0..k {
                    h[c * k + c] += lambda;
                }
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
            s.gd[r] = if newton {
                direction(h, g, k, d)
            } else {
                let inv = 1.0 / lambda;
                for c in 0..k {
                    d[c] = -inv * g[c];
                }
                -inv * sq_norm(g)
            };
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
mod tests;
