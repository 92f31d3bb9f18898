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
//! parameters) is solved by damped Newton instead of L-BFGS, with the same stopping
//! rule (every gradient component at most `1e-3`, at most 25 steps). The categorical
//! problem separates by true class (row `k` of `σ_w` only meets row `k` of the items'
//! matrices), so each row is a `K`-dimensional problem with an exact `K × K` Hessian;
//! the ordinal block is one `4K`-dimensional problem. Newton needs 1–3 passes over a
//! block's judgments per M-step once warm, where L-BFGS needs up to 25; both stop at
//! the same optimum. The item M-step and its E-step share one chunk of work, so an
//! outer iteration is two parallel sweeps (workers, then items). Ties in the labels go
//! to the lowest class index (the authors break them at random).
//!
//! **Defaults** (the authors', one for all datasets, no per-dataset tuning): worker
//! penalty `0.25 K²`, item penalty `λ_w · (mean judgments per worker) / (mean
//! judgments per item)`, at most 50 outer iterations, `tol = 5e-3`. The option
//! [`learn_prior`](MinimaxParams::learn_prior) (off by default, not in the authors'
//! code) re-estimates the class prior as the mean posterior every iteration.
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

mod fit;
mod model;
mod newton;
mod params;

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
