//! MACE: multi-annotator competence estimation (Hovy et al. 2013).
//!
//! D. Hovy, T. Berg-Kirkpatrick, A. Vaswani, E. Hovy. *Learning Whom to Trust with
//! MACE.* NAACL-HLT 2013, 1120–1130.
//!
//! ## Model
//! The true class of each item is uniform over the observed classes. On each
//! judgment, worker `w` *spams* with probability `spamming_w` and then answers from
//! their own *strategy* distribution `ξ_w`; otherwise they answer the true class:
//! `P(answer l | true c) = spamming_w · ξ_w[l] + (1 − spamming_w) · [l = c]`.
//! Variational Bayes (default) puts a Beta(`spam_prior`, `competence_prior`) prior on
//! spamming and a symmetric Dirichlet(`strategy_prior`) on each strategy; EM uses
//! additive smoothing instead.
//!
//! ## Fit
//! - **E-step** in log space over the CSR by item: `ln q[t, c] = ln(1/K) + Σ_j
//!   ln P(l_j | c)`, with `ln(spam·ξ)` and `ln(spam·ξ + know)` tabulated per
//!   `(worker, label)` once per iteration, so an item costs `O(n_t + K)` additions and
//!   no transcendental function. crowd-kit multiplies probabilities per item, which
//!   underflows to 0 at high redundancy (then every class ties).
//! - **M-step** per worker over the worker index: expected knowing count `Σ q[t, l] ·
//!   know / (spam·ξ[l] + know)`, spamming counts per label; VB sets `E[ln θ]` with the
//!   digamma function, EM normalises smoothed counts.
//! - **Objective**: VB: the evidence lower bound (`Σ_t ln Z_t` minus the KL divergences
//!   of the Beta and Dirichlet posteriors from their priors); EM: the log marginal
//!   likelihood plus the log prior that the smoothing implies. Both never decrease
//!   across iterations; reported per judgment. A restart stops at `max_iter` or when
//!   the objective rises by less than `tol`.
//! - **Restarts**: restart `r` draws its initial parameters (crowd-kit's and Hovy's
//!   `U(1, 2.5)` draws, normalised) from ChaCha8 stream `r` of the master
//!   [`seed`](MaceParams::seed), so restarts differ; the restart with the best final
//!   objective is kept (ties: the lowest index). Every restart's objective is in
//!   [`MaceModel::restart_objectives`].
//!
//! **Option** [`estimate_class_priors`](MaceParams::estimate_class_priors) (off by
//! default; not in Hovy et al. or crowd-kit) also estimates the class distribution
//! (VB: Dirichlet(1) prior). On zheng2017-product (88% of items are class `0`) the
//! uniform prior lets spammers' `0`-biased strategies explain the `0` answers away
//! (accuracy 0.842, below majority vote's 0.897); estimating the priors gives 0.931.
//! It costs accuracy elsewhere (adultcontent2 0.781 → 0.739, barzan 0.722 → 0.694,
//! websearch 0.838 → 0.826), hence off by default.
//!
//! Labels are the argmax of the posteriors; ties go to the lowest class index.
//! Deterministic for a seed and bit-identical for any thread count (per-worker and
//! per-item passes are sequential inside, sums run over fixed chunks in index order).
//!
//! ## Differences from crowd-kit 1.4.2 (`crowdkit/aggregation/classification/mace.py`)
//! Do not expect numeric parity; these are crowd-kit defects fixed here:
//! - **Identical restarts**: crowd-kit passes the same `random_state` to every restart,
//!   so its 10 restarts are 10 copies of one.
//! - **Parameter misalignment**: crowd-kit indexes parameters by `pd.factorize` codes
//!   (first-appearance order of workers and labels) but rebuilds the strategies from a
//!   `groupby(["worker", "label"])`, which is sorted. Whenever the two orders differ,
//!   workers (and labels) receive each other's strategies. Here every array is indexed
//!   by the matrix's worker and class indices throughout.
//! - **Underflow**: products of per-judgment probabilities instead of log sums.
//! - **No stopping rule**: crowd-kit always runs 50 iterations, which leaves product,
//!   RTE and adultcontent2 unconverged; here a restart runs up to 500 and stops when
//!   the objective rises by less than `tol` (every restart converges on the real
//!   datasets of the tests; product needs about 210 iterations).
//! - The restart is chosen by the objective above; crowd-kit uses `Σ ln(Z_t + 1e-8)`
//!   computed with the sub-normalised variational weights.
//!
//! Accuracy on gold of both implementations on the real datasets is recorded in this
//! crate's integration tests (`tests/it/mace.rs`), including crowd-kit run with ids
//! renamed so that its two orders agree (which removes its misalignment): with that,
//! crowd-kit's accuracy equals this implementation's on bluebirds (0.861), dogs
//! (0.830), face (0.644), weather (0.857), RTE (0.926) and barzan (0.722), and is
//! within one item on temp and websearch. Unaligned crowd-kit scores 0.806 on
//! bluebirds, 0.635 on face, 0.693 on barzan and 0.667 on copyright (here: 0.861,
//! 0.644, 0.722, 0.778), but 0.929 on product and 0.867 on weather (here: 0.842 and
//! 0.857): its scrambled strategies happen to help there. Those two numbers are not
//! reachable by MACE's model: crowd-kit's own variational mode with the misalignment
//! removed gives 0.816 and 0.857; on weather every restart here reaches the same
//! optimum (0.857 for 12 seeds), and no tried variant of the model reaches 0.867
//! (estimated class priors 0.860, strategy priors 1–10, Beta(1, 1) spamming priors:
//! at most 0.860; `tests/it/mace.rs`).
//!
//! Speed: one restart's iteration costs 0.8–2.3× a Dawid–Skene iteration (release,
//! 2 shared cores, 1e5–1e6 judgments, K = 2 and 5: 2.4 / 2.5 / 45 / 102 ms; the
//! crate's timing test in `tests/it/glad.rs`); the default fit runs up to 10 × 500 of
//! them (restarts stop at convergence: 11–70 iterations on most real datasets of the
//! tests, about 210 on product). crowd-kit's default fit (10 identical restarts × 50
//! iterations) takes about 75 s on 1e5 judgments. [`fit_with_progress`](
//! crowdqc_core::estimator::Estimator::fit_with_progress) reports `n_restarts ×
//! max_iter` units (a restart that converges early advances by the rest of its
//! budget) and can be interrupted between iterations.
//!
//! One pass over the workers does the whole M-step: expected counts, the new
//! parameters, the objective penalty and the per-(worker, label) tables of the next
//! E-step (`ln(spam·ξ + know) − ln(spam·ξ)` and `know / (spam·ξ + know)` from one
//! `exp` as softplus and sigmoid). `ψ` and `ln Γ` at `a + b` of the Beta posterior
//! depend only on the worker's judgment count (`a + b = n + a0 + b0`) and come from a
//! table. Variational Bayes with workers of a single judgment: their whole M-step is a
//! function of one number (the expected spamming count `u ∈ [0, 1]`), tabulated once
//! per fit as piecewise polynomials (64 pieces of degree 7, checked against the direct
//! computation before use; `fit/one.rs`), which replaces about eight `ψ`/`ln Γ`, an
//! `exp` and a `ln_1p` per such worker and iteration. Results differ from the direct
//! computation in the last digits (posteriors by less than 1e-10 in the tests). Such a
//! worker's M-step reads one posterior entry (its item's, at its label), so it runs
//! inside the E-step, just before the item's posterior row is replaced (`fit/estep.rs`):
//! its state is two numbers in position order (expected knowing count and
//! `know / (spam·ξ + know)`), streamed with the judgments, and the worker pass visits
//! only the other workers. With 10⁶ one-judgment workers the fit costs about 2.3× the
//! fit with 5,000 workers on the same judgments in CPU time (issue 12's target: 3×;
//! `benches/README.md`, session 8).
//!
//! # Examples
//! ```
//! use crowdqc_aggregation::mace::Mace;
//! use crowdqc_core::estimator::{Estimator, FittedModel};
//! # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"),
//! #                   ("t2", "a", "y"), ("t2", "b", "y"), ("t2", "c", "y")] {
//! #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! # }
//! # let matrix = b.finish()?;
//! let model = Mace::params().n_restarts(3).seed(7).fit(&matrix)?;
//! assert_eq!(model.labels(), [0, 1]); // t1 = "x", t2 = "y"
//! assert_eq!(model.restart_objectives().len(), 3);
//! let spam = model.spamming(); // per worker, in [0, 1]
//! assert!(spam.iter().all(|s| (0.0..=1.0).contains(s)));
//! # Ok(()) }
//! ```

mod fit;
mod model;
mod params;
pub(crate) mod special;

pub use model::MaceModel;
pub use params::{MaceMethod, MaceParams};

/// MACE: namespace for [`Mace::params`].
#[derive(Debug, Clone, Copy)]
pub struct Mace;

impl Mace {
    /// Default parameters: crowd-kit's (variational Bayes, 10 restarts) except up to
    /// 500 iterations per restart with a stopping rule (crowd-kit: always 50).
    pub fn params() -> MaceParams {
        MaceParams::default()
    }
}
