//! The variational M-step of a worker with a single judgment, tabulated.
//!
//! Such a worker's new parameters, objective penalty and E-step tables depend only on
//! its expected spamming count `u = 1 − know ∈ [0, 1]` (with a symmetric Dirichlet
//! prior the label given only decides which strategy entry is which). Computed
//! directly they cost about eight `ψ`/`ln Γ` evaluations (two with a recurrence), an
//! `exp` and a `ln_1p` per worker and iteration: with 10⁶ one-judgment workers that
//! was 11× the fit with 5,000 workers at the same number of judgments (issue 12, F9).
//! Here the [`NF`] outputs are piecewise polynomials in `u` fitted once per fit:
//! [`PIECES`] pieces of equal width, each interpolating the direct computation at the
//! Chebyshev nodes of degree [`DEG`], stored as monomial coefficients in the piece's
//! local variable `t ∈ [−1, 1]` and evaluated by Estrin's scheme for all outputs at
//! once (lanes of the same multiplications and additions, so the compiler vectorises
//! it and the bits do not depend on the CPU).
//!
//! Before use the table is checked against the direct computation between the nodes
//! (the points where an interpolant is worst) and at the piece ends; if any output is
//! off by more than [`MAX_REL_ERR`] relative to `max(|value|, 1)` (possible with
//! extreme priors, where a pole of `ψ` comes close to `[0, 1]`), the fit keeps the
//! direct computation. The direct values themselves carry rounding noise of a few
//! 1e-14 (the special functions' recurrences, and `ln Γ(K g0 + u) − ln Γ(K g0)` in the
//! penalty), which bounds what the check can demand; against SciPy both agree to
//! 1e-13 (`fit/tests.rs`), and a fit with the table equals one without it to 1e-10 in
//! the posteriors (same test file).

/// Outputs per `u`: `ln P(spam)`, `ln P(know)`, `ln ξ` of the label given and of any
/// other observed label, then the E-step tables of the label given (`ln(spam·ξ)`,
/// `ln(1 + know/(spam·ξ))`, `know / (spam·ξ + know)`) and the objective penalty.
pub(super) const NF: usize = 8;
/// Index of each output in the arrays of [`NF`] values.
pub(super) const LSPAM: usize = 0;
pub(super) const LKNOW: usize = 1;
pub(super) const LXI_GIVEN: usize = 2;
pub(super) const LXI_OTHER: usize = 3;
pub(super) const LA: usize = 4;
pub(super) const LD: usize = 5;
pub(super) const RK: usize = 6;
pub(super) const PEN: usize = 7;
/// Outputs of [`OneTable::eval_step`]: [`LA`] to [`PEN`], which are contiguous.
pub(super) const STEP: usize = 4;
const _: () = assert!(LD == LA + 1 && RK == LA + 2 && PEN == LA + 3 && PEN + 1 == NF);

/// Pieces of `[0, 1]` (a power of two: `u · PIECES` is exact).
const PIECES: usize = 64;
/// Polynomial degree per piece ([`OneTable::eval`] is written for 7).
const DEG: usize = 7;
/// Largest error accepted against the direct computation, relative to `max(|value|, 1)`.
pub(super) const MAX_REL_ERR: f64 = 1e-13;

/// Piecewise polynomials of the [`NF`] outputs over `u ∈ [0, 1]`.
pub(super) struct OneTable {
    /// `coef[piece][d][f]`: coefficient of `t^d` of output `f`.
    coef: Vec<[[f64; NF]; DEG + 1]>,
}

impl OneTable {
    /// Fits the table to `direct` (the M-step's own computation for one judgment) and
    /// checks it; `None` when an output is not reproduced to [`MAX_REL_ERR`].
    pub(super) fn build(direct: impl Fn(f64) -> [f64; NF]) -> Option<OneTable> {
        let table = OneTable::fit(&direct);
        (table.max_rel_err(&direct) <= MAX_REL_ERR).then_some(table)
    }

    /// Interpolation at the Chebyshev nodes of every piece, converted to monomials.
    fn fit(direct: &impl Fn(f64) -> [f64; NF]) -> OneTable {
        let n = DEG + 1;
        let nodes: Vec<f64> = (0..n)
            .map(|i| (std::f64::consts::PI * (i as f64 + 0.5) / n as f64).cos())
            .collect();
        // monomial coefficients of the Chebyshev polynomials T_0..T_DEG
        let mut cheb = vec![vec![0.0; n]; n];
        cheb[0][0] = 1.0;
        if n > 1 {
            cheb[1][1] = 1.0;
        }
        for k in 2..n {
            for d in 0..n {
                let up = if d > 0 { 2.0 * cheb[k - 1][d - 1] } else { 0.0 };
                cheb[k][d] = up - cheb[k - 2][d];
            }
        }
        let mut coef = vec![[[0.0; NF]; DEG + 1]; PIECES];
        for (piece, pc) in coef.iter_mut().enumerate() {
            let values: Vec<[f64; NF]> = nodes
                .iter()
                .map(|&t| direct((piece as f64 + 0.5 * (t + 1.0)) / PIECES as f64))
                .collect();
            for f in 0..NF {
                // Chebyshev coefficients by the discrete cosine sums at the nodes
                for (k, tk) in cheb.iter().enumerate() {
                    let mut a = 0.0;
                    for (i, v) in values.iter().enumerate() {
                        let th = std::f64::consts::PI * (i as f64 + 0.5) / n as f64;
                        a += v[f] * (k as f64 * th).cos();
                    }
                    a *= if k == 0 { 1.0 } else { 2.0 } / n as f64;
                    for (row, &m) in pc.iter_mut().zip(tk) {
                        row[f] += a * m;
                    }
                }
            }
        }
        OneTable { coef }
    }

    /// Largest error (relative to `max(|value|, 1)`) against `direct` at `2·DEG + 3`
    /// evenly spaced points per piece, its ends included (between the nodes, where an
    /// interpolant is worst).
    pub(super) fn max_rel_err(&self, direct: &impl Fn(f64) -> [f64; NF]) -> f64 {
        let per = 2 * (DEG + 1);
        let mut worst = 0.0f64;
        for piece in 0..PIECES {
            for i in 0..=per {
                let u = (piece as f64 + i as f64 / per as f64) / PIECES as f64;
                let (got, want) = (self.eval(u), direct(u));
                for f in 0..NF {
                    let err = if got[f] == want[f] {
                        0.0
                    } else {
                        (got[f] - want[f]).abs() / want[f].abs().max(1.0)
                    };
                    // NaN (an infinite or zero output) rejects the table
                    worst = if err.is_nan() {
                        f64::INFINITY
                    } else {
                        worst.max(err)
                    };
                }
            }
        }
        worst
    }

    /// The [`NF`] outputs at `u` (`u` outside `[0, 1]`, which rounding cannot
    /// produce, extrapolates the nearest piece).
    #[inline]
    pub(super) fn eval(&self, u: f64) -> [f64; NF] {
        self.eval_lanes::<0, NF>(u)
    }

    /// The outputs the iterations need, [`LA`], [`LD`], [`RK`] and [`PEN`] (in that
    /// order), at `u`: the same bits as [`eval`](Self::eval) gives for them.
    #[inline]
    pub(super) fn eval_step(&self, u: f64) -> [f64; STEP] {
        self.eval_lanes::<LA, STEP>(u)
    }

    /// Outputs `F0..F0 + N` at `u` (every lane is computed on its own, so a subset
    /// has the bits of the full evaluation).
    #[inline]
    fn eval_lanes<const F0: usize, const N: usize>(&self, u: f64) -> [f64; N] {
        let x = u * PIECES as f64;
        // `as` saturates: NaN and negatives go to piece 0
        let piece = (x as usize).min(PIECES - 1);
        let t = 2.0 * (x - piece as f64) - 1.0;
        let c = &self.coef[piece];
        // Estrin's scheme (a shorter dependency chain than Horner's rule):
        // (c0 + c1 t) + t² (c2 + c3 t) + t⁴ ((c4 + c5 t) + t² (c6 + c7 t)),
        // every step a lane-wise multiplication or addition of the outputs
        let (t2, mut acc) = (t * t, [0.0; N]);
        let t4 = t2 * t2;
        for (i, a) in acc.iter_mut().enumerate() {
            let f = F0 + i;
            let p01 = c[0][f] + c[1][f] * t;
            let p23 = c[2][f] + c[3][f] * t;
            let p45 = c[4][f] + c[5][f] * t;
            let p67 = c[6][f] + c[7][f] * t;
            *a = (p01 + p23 * t2) + (p45 + p67 * t2) * t4;
        }
        acc
    }
}
