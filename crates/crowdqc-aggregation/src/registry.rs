//! Run-time method registry: method name → fitted `Box<dyn FittedModel>` (for the CLI
//! and anyone choosing a method from configuration).
//!
//! ```
//! use crowdqc_aggregation::registry::{self, RunOptions};
//! # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y")] {
//! #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! # }
//! # let matrix = b.finish()?;
//! let model = registry::fit("ds", &matrix, &RunOptions::default())?;
//! assert_eq!(model.method(), "ds");
//! assert!(registry::method("kos").is_some());
//! # Ok(()) }
//! ```

use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix, Result};

use crate::{
    CommonSettings, DawidSkene, GoldMajorityVote, MajorityVote, OneCoinDawidSkene, TieRule, Wawa,
    ZeroBasedSkill,
};

/// What a method is and what it can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    /// The name used by [`fit`] and the CLI's `--method`.
    pub name: &'static str,
    /// One line for help texts.
    pub summary: &'static str,
    /// Whether the method uses gold labels (the matrix's gold) when asked to.
    pub uses_gold: bool,
    /// Whether the method iterates (`max_iter` / `tol` apply).
    pub iterative: bool,
    /// Whether the method draws random numbers (`seed` applies).
    pub seeded: bool,
}

/// Every method, in the CLI's order.
pub const METHODS: &[MethodInfo] = &[
    info(
        "mv",
        "majority vote (ties: lowest class index, or seeded random with a seed)",
        false,
        false,
        true,
    ),
    info(
        "wmv",
        "weighted majority vote with caller-given per-worker weights",
        false,
        false,
        false,
    ),
    info(
        "wawa",
        "worker agreement with aggregate (crowd-kit Wawa)",
        false,
        false,
        false,
    ),
    info(
        "zbs",
        "zero-based skill (crowd-kit ZeroBasedSkill)",
        false,
        true,
        false,
    ),
    info(
        "gold-mv",
        "majority vote weighted by each worker's accuracy on gold",
        true,
        false,
        false,
    ),
    info(
        "ds",
        "Dawid-Skene, full confusion matrices; gold items clamped",
        true,
        true,
        false,
    ),
    info(
        "one-coin-ds",
        "one-coin Dawid-Skene (one accuracy per worker)",
        false,
        true,
        false,
    ),
    info(
        "glad",
        "GLAD: worker ability and item difficulty (Whitehill et al. 2009)",
        false,
        true,
        false,
    ),
    info(
        "mace",
        "MACE: spammer-aware variational model (Hovy et al. 2013)",
        false,
        true,
        true,
    ),
    info(
        "kos",
        "KOS message passing (Karger, Oh, Shah 2011), two classes only",
        false,
        true,
        true,
    ),
    info(
        "mmsr",
        "matrix-mean-subsequence-reduced skills (Ma & Olshevsky 2020)",
        false,
        true,
        true,
    ),
    info(
        "minimax",
        "minimax conditional entropy, categorical (Zhou et al. 2012/2014)",
        false,
        true,
        false,
    ),
    info(
        "minimax-ordinal",
        "minimax conditional entropy, ordinal classes (Zhou et al. 2014); needs numeric or declared class order",
        false,
        true,
        false,
    ),
    info(
        "auto",
        "picks a gold-free method by held-out judgment likelihood over seeded folds",
        false,
        true,
        true,
    ),
    info(
        "ebcc",
        "EBCC: correlated workers via latent subtypes, variational Bayes (Li et al. 2019)",
        false,
        true,
        true,
    ),
    info(
        "ibcc",
        "IBCC: independent Bayesian classifier combination, variational Bayes",
        false,
        true,
        false,
    ),
];

const fn info(
    name: &'static str,
    summary: &'static str,
    uses_gold: bool,
    iterative: bool,
    seeded: bool,
) -> MethodInfo {
    MethodInfo {
        name,
        summary,
        uses_gold,
        iterative,
        seeded,
    }
}

/// The method named `name`, if any.
pub fn method(name: &str) -> Option<&'static MethodInfo> {
    METHODS.iter().find(|m| m.name == name)
}

/// Options common to the methods; `None` keeps each method's own default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOptions {
    /// Maximum iterations (iterative methods).
    pub max_iter: Option<usize>,
    /// Convergence tolerance (iterative methods).
    pub tol: Option<f64>,
    /// Seed (randomised methods; for `mv` it switches ties to seeded random).
    pub seed: Option<u64>,
    /// Use the matrix's gold (methods with `uses_gold`; `ds` clamps gold items).
    pub use_gold: bool,
    /// Per-worker weights for `wmv` (indexed by worker index).
    pub weights: Option<Vec<f64>>,
}

/// Fits the method named `name` with `opts`.
///
/// # Errors
/// An unknown method name ([`Error::InvalidParameter`] `method`, listing the names);
/// `wmv` without weights; anything the method's own `fit` returns.
pub fn fit(name: &str, m: &JudgmentMatrix, opts: &RunOptions) -> Result<Box<dyn FittedModel>> {
    fit_with_progress(name, m, opts, &NoProgress)
}

/// Like [`fit`], reporting to `progress` and stopping with
/// [`Error::Interrupted`] at the next iteration boundary once it asks to (see
/// [`Estimator::fit_with_progress`]; closed-form methods ignore it).
///
/// # Errors
/// As [`fit`], plus [`Error::Interrupted`].
pub fn fit_with_progress(
    name: &str,
    m: &JudgmentMatrix,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<Box<dyn FittedModel>> {
    fn boxed<M: FittedModel + 'static>(r: Result<M>) -> Result<Box<dyn FittedModel>> {
        r.map(|m| Box::new(m) as Box<dyn FittedModel>)
    }
    crate::common::check_dense_memory(name, m)?;
    match name {
        "mv" => {
            let mut p = MajorityVote::params();
            if let Some(seed) = opts.seed {
                p = p.tie_rule(TieRule::Random { seed });
            }
            boxed(p.fit_with_progress(m, progress))
        }
        "wmv" => {
            let w = opts.weights.clone().ok_or_else(|| {
                Error::param("weights", "wmv needs per-worker weights (none given)")
            })?;
            boxed(
                MajorityVote::params()
                    .weights(w)
                    .fit_with_progress(m, progress),
            )
        }
        "wawa" => boxed(Wawa::params().fit_with_progress(m, progress)),
        "zbs" => boxed(
            ZeroBasedSkill::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "gold-mv" => boxed(GoldMajorityVote::params().fit_with_progress(m, progress)),
        "ds" => boxed(
            DawidSkene::params()
                .clamp_gold(opts.use_gold)
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "one-coin-ds" => boxed(
            OneCoinDawidSkene::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        other => match fit_external(other, m, opts, progress) {
            Some(r) => r,
            None => Err(Error::param(
                "method",
                format!(
                    "unknown method `{other}`; one of {}",
                    METHODS
                        .iter()
                        .map(|m| m.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        },
    }
}

/// The methods implemented in `glad`, `mace`, `kos`, `mmsr`, `minimax`, `auto` and `ebcc`.
fn fit_external(
    name: &str,
    m: &JudgmentMatrix,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Option<Result<Box<dyn FittedModel>>> {
    fn boxed<M: FittedModel + 'static>(r: Result<M>) -> Option<Result<Box<dyn FittedModel>>> {
        Some(r.map(|m| Box::new(m) as Box<dyn FittedModel>))
    }
    match name {
        "glad" => boxed(
            crate::glad::Glad::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "mace" => boxed(
            crate::mace::Mace::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "kos" => boxed(
            crate::kos::Kos::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "mmsr" => boxed(
            crate::mmsr::Mmsr::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "minimax" => boxed(
            crate::minimax::Minimax::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "minimax-ordinal" => boxed(
            crate::minimax::Minimax::ordinal()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "auto" => boxed(
            crate::auto::Auto::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "ebcc" => boxed(
            crate::ebcc::Ebcc::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        "ibcc" => boxed(
            crate::ebcc::Ibcc::params()
                .with_options(opts)
                .fit_with_progress(m, progress),
        ),
        _ => None,
    }
}
