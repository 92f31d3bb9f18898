//! [`CommonSettings`]: the iteration cap, tolerance and seed that many methods share,
//! applied the same way by every front end (the registry behind the CLI, the Python
//! package) instead of one `if let Some(..)` block per method and setting.

use crate::auto::AutoParams;
use crate::registry::RunOptions;
use crate::{
    DawidSkeneParams, EbccParams, GladParams, KosParams, MaceParams, MinimaxParams, MmsrParams,
    OneCoinDawidSkeneParams, ZeroBasedSkillParams,
};

/// A method's parameter builder that takes some of the shared settings. A method
/// without a setting keeps its builder unchanged (zbs has no tolerance, ds no seed):
/// the settings are documented per method in [`crate::registry::METHODS`].
///
/// ```
/// use crowdqc_aggregation::registry::RunOptions;
/// use crowdqc_aggregation::{CommonSettings, DawidSkene};
/// let opts = RunOptions { max_iter: Some(7), tol: Some(1e-3), seed: Some(1), ..Default::default() };
/// let p = DawidSkene::params().with_options(&opts);
/// assert_eq!(p, DawidSkene::params().max_iter(7).tol(1e-3));
/// ```
pub trait CommonSettings: Sized {
    /// Sets the iteration cap (the identity for methods without one).
    fn set_max_iter(self, _n: usize) -> Self {
        self
    }
    /// Sets the convergence tolerance (the identity for methods without one).
    fn set_tol(self, _tol: f64) -> Self {
        self
    }
    /// Sets the seed (the identity for deterministic methods).
    fn set_seed(self, _seed: u64) -> Self {
        self
    }
    /// Applies the settings of `opts` that are `Some`.
    fn with_options(self, opts: &RunOptions) -> Self {
        let mut p = self;
        if let Some(n) = opts.max_iter {
            p = p.set_max_iter(n);
        }
        if let Some(t) = opts.tol {
            p = p.set_tol(t);
        }
        if let Some(s) = opts.seed {
            p = p.set_seed(s);
        }
        p
    }
}

macro_rules! settings {
    ($t:ty: $($set:ident($arg:ty) => $via:ident),*) => {
        impl CommonSettings for $t {
            $(fn $set(self, v: $arg) -> Self { self.$via(v) })*
        }
    };
}

settings!(DawidSkeneParams: set_max_iter(usize) => max_iter, set_tol(f64) => tol);
settings!(OneCoinDawidSkeneParams: set_max_iter(usize) => max_iter, set_tol(f64) => tol);
settings!(ZeroBasedSkillParams: set_max_iter(usize) => n_iter);
settings!(GladParams: set_max_iter(usize) => max_iter, set_tol(f64) => tol);
settings!(MaceParams: set_max_iter(usize) => max_iter, set_tol(f64) => tol, set_seed(u64) => seed);
settings!(KosParams: set_max_iter(usize) => n_iter, set_seed(u64) => seed);
settings!(MmsrParams: set_max_iter(usize) => max_iter, set_tol(f64) => tol, set_seed(u64) => seed);
settings!(MinimaxParams: set_max_iter(usize) => max_iter, set_tol(f64) => tol);
settings!(EbccParams: set_max_iter(usize) => max_iter, set_tol(f64) => tol, set_seed(u64) => seed);
settings!(AutoParams: set_seed(u64) => seed);
