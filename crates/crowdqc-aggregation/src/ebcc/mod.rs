//! EBCC: enhanced Bayesian classifier combination (Li, Rubinstein & Cohn 2019), and
//! IBCC, its one-subtype case.
//!
//! Y. Li, B. I. P. Rubinstein, T. Cohn. *Exploiting Worker Correlation for Label
//! Aggregation in Crowdsourcing.* ICML 2019, PMLR 97:3886–3895. Reference code:
//! `github.com/yuan-li/truth-inference-at-scale` (`code/ebcc.py`, `code/ibcc.py`).
//!
//! ## Model
//! Item `i` has a true class `z_i ~ τ` and, within it, a latent subtype `g_i ~ π_{z_i}`
//! (`M` subtypes per class). Worker `w` answers item `i` with label `l` with
//! probability `v[w, z_i, g_i, l]`: a confusion row per *(class, subtype)*, so workers
//! who err on the same kind of item err together — the correlation that
//! Dawid–Skene's independent workers cannot express. Priors: `τ ~ Dir(α)` (the
//! empirical class prior by default: `α_k` = the sum over items of the share of their
//! judgments that say `k`), `π_k ~ Dir(a_pi / M)`, `v[w, k, m] ~ Dir(b_v, …, a_v, …,
//! b_v)` with `a_v` on the correct label. With `M = 1` this is IBCC (Kim &
//! Ghahramani 2012), exposed as [`Ibcc`] (registry `ibcc`) with the authors' `ibcc`
//! defaults (`α = 1`, one run).
//!
//! ## Fit
//! Mean-field variational Bayes, as the authors': `q(z, g)` per item (responsibilities
//! over the `K·M` class-subtype pairs), Dirichlet posteriors for `τ`, `π_k` and every
//! `v[w, k, m]`. Each iteration updates the Dirichlet posteriors from the
//! responsibilities (one pass over the judgments by worker), then the
//! responsibilities (one pass by item: `ln q(i, k, m) = E ln τ_k + E ln π_km + Σ_j
//! E ln v[w_j, k, m, l_j]` and a softmax), and stops when no item's class posterior
//! moved by more than [`tol`](EbccParams::tol) (`1e-3`; the authors' `np.allclose`).
//! The **ELBO** is computed every iteration in closed form, `Σ_i ln Z_i − Σ KL(q ‖
//! prior)` over every Dirichlet block, and recorded in the fit report; each
//! coordinate update maximises it, so it never decreases within a restart (tested).
//! (The authors compute an ELBO once, at the end, from parameters one half-step
//! older than the responsibilities; it selects restarts the same way but its values
//! differ from these.)
//!
//! **Initialisation and restarts** (the authors' protocol): the class posteriors
//! start at the vote shares; each restart splits every item's share of each class
//! over the subtypes by a Dirichlet(1, …, 1) draw, and the restart with the highest
//! final ELBO is kept. The draw of item `i` in restart `r` comes from ChaCha8 seeded
//! by the master [`seed`](EbccParams::seed) and a hash of the item's id, stream `r`:
//! restarts differ, and the fit does not depend on the order of the rows. The default
//! is 10 restarts (the authors' notebook runs 40; see
//! [`n_restarts`](EbccParams::n_restarts)). With `M = 1` the start is not random.
//!
//! Labels are the argmax of the class posteriors; ties go to the lowest class index.
//! Deterministic for a seed and bit-identical for any thread count: the worker pass
//! writes each worker's own cells, the item pass runs over fixed chunks of 512 items
//! whose sums are added in chunk order.
//!
//! ## Accuracy and reference
//! The authors' code run unchanged on the shared datasets (their 40-seed protocol,
//! `fixtures/aggregation-advanced/ebcc_reference.json`, script and commit in that
//! folder's README) and this implementation agree: IBCC's posteriors equal the
//! authors' `ibcc` to 1e-6 on every dataset with at most 1 000 items, EBCC run from
//! the authors' own initial responsibilities reproduces their posteriors, and the
//! accuracies of the best restarts are compared in `tests/it/ebcc.rs`. On
//! snow2008-rte the authors' code gives 0.93125, as published, and so does this one.
//!
//! ## Cost
//! Per iteration `O(judgments · K · M)` additions, `O(items · K · M)` exponentials and
//! `O(workers · K² · M)` digamma / log-gamma evaluations; memory `(items + workers ·
//! K) · K · M` doubles, twice (the best restart's state is kept while the next runs).
//! Per iteration at 1e6 judgments EBCC costs 13.0× (K = 2) and 14.3× (K = 5) a
//! Dawid–Skene iteration and IBCC 4.4× and 2.8× (release timing test, best of 3
//! interleaved rounds, shared 2-core machine under load; the criterion group
//! `ebcc_vs_ds_1e6` gave 9.3× and 7.7×; `benches/README.md`; issue 11's target 20×,
//! before 18–26×): the worker sweep prefetches the item rows it reads at random, the
//! special functions of a Dirichlet cell are evaluated together (and not at all for a
//! cell with no count), and the E-step's `K·M` exponentials per item run on vector
//! lanes. The default fit runs up to 10 restarts of up to 500 iterations.
//!
//! # Examples
//! ```
//! use crowdqc_aggregation::ebcc::{Ebcc, Ibcc};
//! use crowdqc_core::estimator::{Estimator, FittedModel};
//! # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"),
//! #                   ("t2", "a", "y"), ("t2", "b", "y"), ("t2", "c", "y")] {
//! #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! # }
//! # let matrix = b.finish()?;
//! let model = Ebcc::params().n_restarts(3).seed(7).fit(&matrix)?;
//! assert_eq!(model.labels()[1], 1); // t2: every worker said "y"
//! for row in model.posteriors().rows() {
//!     assert!((row.sum() - 1.0).abs() < 1e-9);
//! }
//! assert_eq!(model.restart_elbos().len(), 3);
//! let elbo = &model.fit_report().objective; // never decreases
//! assert!(elbo.windows(2).all(|w| w[1] >= w[0] - 1e-9 * w[0].abs()));
//! let ibcc = Ibcc::params().fit(&matrix)?;
//! assert_eq!(ibcc.method(), "ibcc");
//! assert_eq!(ibcc.confusion().dim(), (3, 2, 2)); // [worker, true, observed]
//! # Ok(()) }
//! ```

mod ctx;
mod fit;
mod model;
mod params;

pub use model::EbccModel;
pub use params::{EbccParams, MAX_SUBTYPES};

/// EBCC: namespace for [`Ebcc::params`].
#[derive(Debug, Clone, Copy)]
pub struct Ebcc;

impl Ebcc {
    /// The authors' defaults (`M = 10`, `a_pi = 0.1`, `(a_v, b_v) = (4, 1)`,
    /// empirical class prior, ≤ 500 iterations, tolerance 1e-3) with 10 seeded
    /// restarts.
    pub fn params() -> EbccParams {
        EbccParams::default()
    }
}

/// IBCC (variational independent Bayesian classifier combination): namespace for
/// [`Ibcc::params`].
#[derive(Debug, Clone, Copy)]
pub struct Ibcc;

impl Ibcc {
    /// EBCC with one subtype per class and the authors' `ibcc` defaults: class prior
    /// Dirichlet(1), `(a_v, b_v) = (4, 1)`, ≤ 500 iterations, tolerance 1e-3, one run.
    pub fn params() -> EbccParams {
        EbccParams::ibcc()
    }
}
