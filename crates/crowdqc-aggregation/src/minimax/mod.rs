//! Minimax conditional entropy (Zhou, Basu, Mao & Platt, NIPS 2012; Zhou, Liu, Platt &
//! Meek, ICML 2014), categorical and ordinal.
//!
//! D. Zhou, Q. Liu, J. C. Platt, C. Meek. *Aggregating Ordinal Labels from Crowds by
//! Minimax Conditional Entropy.* ICML 2014. D. Zhou, J. C. Platt, S. Basu, Y. Mao.
//! *Learning from the Wisdom of Crowds by Minimax Entropy.* NIPS 2012.
//!
//! ## Model
//! Worker `w` answers item `i` whose true class is `k` with label `l` with probability
//! `P(l | k, w, i) ∝ exp(σ_w[k, l] + τ_i[k, l])`: a worker confusion and an item
//! confusion (the dual of the minimax entropy program). The fit maximises the
//! marginal likelihood of the judgments minus L2 penalties `λ_w/2 Σ ‖σ_w‖²` and
//! `λ_i/2 Σ ‖τ_i‖²`, with a uniform class prior.
//! - **Categorical**: `σ_w` and `τ_i` are free `K × K` matrices.
//! - **Ordinal** ([`Minimax::ordinal`]): for each threshold `s` between ordered classes,
//!   four parameters, one for each way the true class `k` and the label `l` fall on
//!   either side of `s` (`k ≥ s, l ≥ s`; `k ≥ s, l < s`; `k < s, l < s`; `k < s, l ≥
//!   s`); `σ_w[k, l]` is the sum over the thresholds (`4K` parameters per worker and
//!   per item). Needs ordered classes: numeric labels, or a declared class order
//!   (otherwise [`Error::InvalidParameter`](crowdqc_core::Error) `classes`, saying how to
//!   declare it).
//!
//! ## Fit
//! As in the authors' code (Zhou and Liu's MATLAB, `MinimaxEntropy_Categorical_
//! crowd_model.m` and `..._Ordinal_...` in Zheng et al. 2017's benchmark): posteriors
//! start at the majority-vote shares, all parameters at 0; each outer iteration
//! updates every worker's parameters with the items' fixed, then every item's with
//! the workers' fixed, then the posteriors (E-step); it stops when no posterior moves
//! by more than `tol` or after `max_iter` iterations. The objective trace is the
//! penalised log marginal likelihood per judgment.
//!
//! **Change from the authors' code**: each block (a worker's or an item's
//! parameters) is solved by damped Newton (backtracking until the gradient's squared
//! norm falls by the Armijo factor: the block objective is strictly convex, so its one
//! stationary point is its minimum, and no pass needs the objective) instead of L-BFGS,
//! with the authors' stopping rules: every gradient component at most `1e-3`
//! (`optTol`), at most 25 steps, or a step whose predicted decrease is at most `1e-3`
//! (their `progTol` on the function change; that last step is taken without
//! re-evaluating the block). The categorical problem separates by true class (row `k`
//! of `σ_w` only meets row `k` of the items' matrices), so each row is a
//! `K`-dimensional problem with an exact `K × K` Hessian; the ordinal block is one
//! `4K`-dimensional problem. Warm-started, a block needs 1–3 passes over its
//! judgments per M-step (L-BFGS: up to 25 iterations, each with line-search
//! evaluations). Both reach the same optimum to these tolerances: on every dataset
//! the authors' code finished on, the accuracy is the same (table below). The item
//! M-step and its E-step share one chunk of work, so an outer iteration is two
//! parallel sweeps (workers, then items). Ties in the labels go to the lowest class
//! index (the authors break them at random).
//!
//! **Change from the authors' code: items whose penalty dominates step by `−g/λ_i`**
//! (session 12). An item's rows all carry the item's posterior as weights, so row `r`'s
//! data Hessian is `μ_i(r) Σ_j (diag p_j − p_j p_jᵀ)`, at most `n_i μ_i(r) / 2` in norm
//! (a softmax covariance has eigenvalues in `[0, ½]`), while the item penalty is
//! `λ_i = λ_w · (mean judgments per worker) / (mean judgments per item)`, far above it
//! on large data (the bench's 1e6 judgments, 5 per item, 1 000 workers:
//! `λ_i = 50 K²`, 1 250 at K = 5, against a bound of 2.5). When `n_i · max_r μ_i(r) / 2
//! ≤ 0.01 λ_i` the item's rows step
//! by `d = −g / λ_i` from passes that add gradients only (no `K³` Hessian sums per
//! judgment, no `K × K` solve): then `g(x + d) = −H̄_data g(x) / λ_i`, a contraction of
//! factor at most 0.01 towards the same optimum, under the same stopping rules (every
//! gradient component at most `1e-3`, at most 25 steps, predicted decrease `‖g‖² / (2
//! λ_i)` at most `1e-3`, within a factor 1.01 of the Newton decrement) and the same
//! line search (the merit `‖g‖²` falls at rate at least `2 ‖g‖²` along `d`). Other items
//! keep the Newton step: at K = 2 on the bench data (`λ_i = 200`) those whose largest
//! posterior exceeds 0.8, and on the gold datasets of the accuracy table nearly all
//! (websearch: `λ_i ≈ 94` against a bound of about 3). Measured
//! at 1e6 judgments: item passes per solve in the three outer iterations 1.2083, 1.0,
//! 1.0 (K = 5; Newton: 1.2080, 1.0, 1.0) and 1.9379, 1.4585, 1.0038 (K = 2; Newton
//! 1.9378, 1.4582, 1.0038); a unit test solves one block both ways to the same optimum
//! (`1e-15`) and with the authors' tolerances in the same number of passes. The last
//! bits of the posteriors change.
//!
//! **The first workers' M-step on label counts.** Before the first item pass every
//! item's logits are 0 (the authors' start), so every judgment of a worker sees the
//! same softmax of the worker's own row, and the worker's block problem depends on
//! its judgments only through, per true class `r`, the posterior total `W_r = Σ_j
//! μ_j(r)` and the weighted label counts `n_r[l] = Σ_{j: l_j = l} μ_j(r)`. That first
//! M-step is solved from these sums (one pass over the judgments to add them, then
//! Newton passes that cost `O(K³)` per worker instead of a pass over its judgments
//! each): the same block problem, with the same stopping rules, whose sums are
//! associated differently from adding judgment by judgment, so the last bits (and,
//! where a stopping test is that close, a Newton step) differ. Every later M-step sums
//! judgment by judgment.
//!
//! **The later workers' M-steps four judgments at a time** (session 10). A worker's
//! judgments are gathered into blocks of four, row by row of its logits, and each pass
//! sums, per row `r` and in four vector lanes (every fourth judgment in each, the lanes
//! added in a fixed order at the end), `G[a] = Σ_j μ_j(r) p_j[a]` and `M[a, b] = Σ_j
//! μ_j(r) p_j[a] p_j[b]`; the gradient is `G − n_r` (the weighted label counts, added
//! once per M-step) and the Hessian `diag G − M`, plus the penalty. The same block
//! problem and stopping rules as adding judgment by judgment; the sums are associated
//! differently, so the last bits differ. Rows that have stopped are skipped. Under
//! AVX2 (chosen at run time) each lane operation is one 256-bit instruction; without
//! it, two 128-bit ones, with the same bits (no fused multiply-add).
//! The workers' passes read their judgments' items and labels from copies in worker
//! order (made once per fit), not at random positions of the matrix's arrays. The
//! `K × K` Newton systems are solved by the square-root-free Cholesky factorisation
//! `L D Lᵀ` (two divisions per row, no square root; session 10, last bits differ).
//!
//! ## Accuracy on real data
//!
//! Accuracy on gold with the defaults (`tests/it/minimax.rs` asserts every cell to
//! ±0.002, next to the authors' code run under Octave where it finished:
//! `fixtures/aggregation-advanced/minimax_reference.json`). Ordinal: numeric labels
//! taken in numeric order; adultcontent2 with `G < P < R < X` declared; `–`: string
//! labels with no order.
//!
//! | dataset | minimax | authors' code | minimax-ordinal | authors' code |
//! |---|---|---|---|---|
//! | welinder2010-bluebirds | 0.9167 | 0.9167 | 0.9167 | 0.9167 |
//! | zheng2017-product | 0.8413 | | 0.8413 | |
//! | zhou2012-dogs | 0.8377 | | 0.8315 | |
//! | zheng2017-face | 0.6524 | 0.6524 | 0.6575 | 0.6575 |
//! | venanzi2014-weather-sentiment-amt | 0.8600 | 0.8600 | 0.8600 | 0.8600 |
//! | zhou2012-websearch | 0.8888 | 0.8888 | 0.8963 | 0.8967 |
//! | snow2008-rte | 0.9237 | | 0.9237 | |
//! | snow2008-temp | 0.9437 | 0.9437 | 0.9437 | 0.9437 |
//! | snow2008-wsd | 0.9944 | 0.9944 | 0.9944 | 0.9944 |
//! | gal-adultcontent2 | 0.7568 | | 0.7718 | |
//! | gal-barzanmozafari | 0.7290 | | 0.7290 | |
//! | gal-copyright-infringement | 0.7778 | | – | |
//! | gal-hitspam-crowdflower | 0.6600 | | – | |
//! | gal-adultcontent-toy | 0.6000 | 0.6000 | – | |
//! | crowdkit-toy | 0.5000 | 0.5000 | – | |
//! | crowdkit-simple | 1.0000 | 1.0000 | – | |
//!
//! Issue 11's figures for the authors' code (adultcontent2 ordinal 0.7718) and Zheng et al.'s published minimax accuracies
//! (dogs 0.8377, weather 0.8600, product 0.8409, RTE 0.925) agree with this table
//! except RTE (one item: 0.9237 here) and product (three items: 0.8413 here).
//! With [`learn_prior`](MinimaxParams::learn_prior) product rises to 0.9363 (88% of
//! its items are one class) and websearch falls to 0.7591, hence off by default
//! (`tests/it/minimax.rs`).
//!
//! **Defaults** (the authors', one for all datasets, no per-dataset tuning): worker
//! penalty `0.25 K²`, item penalty `λ_w · (mean judgments per worker) / (mean
//! judgments per item)`, at most 50 outer iterations, `tol = 5e-3`. The option
//! [`learn_prior`](MinimaxParams::learn_prior) (off by default, not in the authors'
//! code) re-estimates the class prior as the mean posterior every iteration.
//! The inner stop on predicted progress ([`inner_progress_tol`](
//! MinimaxParams::inner_progress_tol), `1e-3`) follows the authors' `progTol`.
//!
//! ## Speed
//! Per outer iteration (mean of the first three, the fit's final worker confusion
//! included) 21× (K = 2) and 45× (K = 5) a Dawid–Skene iteration at 1e6 judgments in
//! CPU time of one thread (ordinal: 30× and 97×); before session 10, in the same run,
//! 31×, 65×, 45× and 119× (`benches/README.md`, "Session 10 (helper minimax)";
//! Dawid–Skene's per-iteration time varies between runs, so compare ratios within one
//! run). The issue's target of 20× is missed narrowly at K = 2 in that run (19× against
//! another run's Dawid–Skene) and clearly at K = 5. Session 10's gains: the four-judgment worker passes
//! and the `L D Lᵀ` solves (above), the worker-order copies of items and labels, and the
//! final worker confusion with the fixed-`K` kernel and deeper prefetching (it had cost
//! as much as an outer iteration's item sweep).
//! Session 11: the row Newton solver (`newton::solve_rows`) — its copies of the
//! lane-major sums into rows, its line-search tests and its `K × K` `L D Lᵀ` solves —
//! is compiled for each fixed `K` like the per-judgment kernels (it had run with `K`
//! known only at run time, and at the bench's five judgments per item those loops cost
//! more than the judgments' own sums). The same operations in the same order: the
//! posteriors are bit-identical (categorical and ordinal). One thread's CPU time for the
//! three outer iterations at 1e6 judgments: K = 5 1.05 → 0.93 s, K = 2 0.28 → 0.26 s
//! (medians of six on a loaded machine); 200 000 judgments at K = 5 under callgrind:
//! 2.445 → 2.131 G instructions for the whole program (0.244 G of them the data).
//! Profile of that fit at K = 5 (1e6 judgments, one thread): the item sweep and the
//! worker sweep (gather and Newton passes) cost about the same per outer iteration;
//! each item solve makes one pass over its judgments after the first outer iteration
//! (1.2, 1.0, 1.0 on average; the item penalty is large, so one Newton step reaches the
//! progress tolerance), each worker solve 4.1 (on label counts), 3.0 and 2.0. What
//! remains per item: the pass, the `K` solves, the E-step's softmax per judgment and
//! `2K + 1` library `exp`/`ln`, and the `K²` `exp` of its rebuilt table rows.
//! Session 12: items step by `−g/λ_i` where the penalty dominates (above; the item pass
//! adds gradients only), an item's E-step with at most 32 judgments normalises `prior ·
//! Π p` directly (one `ln` for the log-likelihood instead of `K` `ln` and `K` `exp`; the
//! log form if the products would underflow), an item's table is rebuilt by a
//! vectorisable `exp` (`kernel/fexp.rs`: within 4 ulp of the library's, `K²` values in
//! one loop instead of `K²` calls), and the item sweep's chunks are compiled for AVX2
//! when the CPU has it (no FMA: same bits as without). Together the last bits change;
//! the accuracy table and every test above are unchanged. 200 000 judgments, K = 5,
//! one thread under callgrind: 2.139 → 1.567 (scaled steps) → 1.496 (E-step) → 1.373
//! (AVX2) → 1.317 G instructions for the whole program (about 0.28 G of it making the
//! data). One thread's CPU time for the three outer iterations at 1e6 judgments
//! (`examples/speed_profile`, medians of five alternated with main's build, load ~7.5):
//! K = 5 0.83 → 0.65 s, K = 2 0.25 → 0.24 s; Dawid–Skene's 20 iterations 0.15 s and
//! 0.09 s in the same runs, so about 29× and 18× per outer iteration in CPU time (the
//! issue's 20× is still missed at K = 5). In criterion's wall time on two threads
//! (quiet, alternated with main's build, `benches/README.md` "Session 12"): K = 5
//! 45.1–45.6× → 39.0–40.4×, K = 2 15.9–17.5× → 16.6–17.1×. What remains at K = 5: the
//! workers' Newton passes (3 and 2 per solve in the second and third outer iterations) are
//! about a third of the fit's instructions and more of its time (random reads of the
//! gather); per item, its two passes over its judgments (the gradient at the old logits,
//! the E-step at the new) and the per-item bookkeeping.
//! Skipping the (judgment, class) rows of zero posterior weight, with posteriors below
//! `1e-12` of their item's largest set to 0, was measured and not done: on the bench
//! data no posterior is that small (none below `1e-8`), so it would skip nothing.
//! An outer iteration sweeps the judgments several times (2–5 Newton passes per
//! worker, the item passes, the E-step) and each sweep
//! evaluates a `K`-way softmax for each of the `K` true classes. What makes a sweep
//! cheap: `exp(σ + τ) = exp(σ − max σ) · exp(τ − max τ) · e^{max σ + max τ}`, so the
//! other party's exponentials are tabulated (the workers' once per item sweep; the
//! items' kept in the state and rebuilt by the item pass only for the logit rows that
//! moved, and read by each item solve's first Newton pass) and the block's own once per
//! Newton pass; a worker's item rows are gathered once per M-step into a buffer its
//! Newton passes read from cache (`K²` products per judgment instead of `K²` library
//! `exp`; a row whose products would underflow is evaluated directly); the line search
//! tests the gradient's norm, so a pass computes no objective (no `ln`); the
//! per-judgment kernels and the Cholesky factorisation are compiled for each small `K`
//! (loops unrolled), and the kernels keep the `K` true classes in the vector lanes
//! (exponential tables and gradient/Hessian sums stored class-minor), each lane doing
//! one row's operations in the row's order, so the results do not depend on the
//! vector width (no FMA); Hessians are accumulated in their lower triangle (all the Cholesky
//! solve reads), and the ordinal block's parameter-space Hessian is assembled from
//! suffix sums in `O(K³)`; the worker sweep prefetches the item rows it gathers. What
//! remains: one division and `K(K+1)/2` Hessian updates per row and judgment in every
//! Newton pass, the random reads of the gather, and per-item solves of a few judgments
//! each.
//! The authors' MATLAB code takes 20–800 s per variant on datasets of 4 000–6 000
//! judgments under Octave.
//!
//! Deterministic and bit-identical for any thread count: every block's solve is
//! sequential, items are processed in fixed chunks whose sums are added in order.
//!
//! # Examples
//! ```
//! use crowdqc_aggregation::minimax::Minimax;
//! use crowdqc_core::estimator::{Estimator, FittedModel};
//! # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"),
//! #                   ("t2", "a", "y"), ("t2", "b", "y"), ("t2", "c", "y")] {
//! #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! # }
//! # let matrix = b.finish()?;
//! let model = Minimax::params().fit(&matrix)?;
//! assert_eq!(model.labels(), [0, 1]); // t1 = "x", t2 = "y"
//! let row = model.posteriors().row(0).sum();
//! assert!((row - 1.0).abs() < 1e-12);
//! # Ok(()) }
//! ```

mod confusion;
mod fit;
pub(crate) mod kernel;
mod model;
mod newton;
mod params;
mod run;

pub use model::MinimaxModel;
pub use params::{MinimaxParams, MinimaxVariant};

/// Minimax conditional entropy: namespace for [`Minimax::params`].
#[derive(Debug, Clone, Copy)]
pub struct Minimax;

impl Minimax {
    /// Default parameters: categorical, the authors' defaults (see [`MinimaxParams`]).
    pub fn params() -> MinimaxParams {
        MinimaxParams::default()
    }

    /// The ordinal variant with the authors' defaults.
    pub fn ordinal() -> MinimaxParams {
        MinimaxParams::default().variant(MinimaxVariant::Ordinal)
    }
}
