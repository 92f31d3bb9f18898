//! KOS: iterative message passing for binary crowdsourcing (Karger, Oh & Shah 2011).
//!
//! D. R. Karger, S. Oh, D. Shah. *Iterative Learning for Reliable Crowdsourcing
//! Systems.* NIPS 2011; extended as *Budget-Optimal Task Allocation for Reliable
//! Crowdsourcing Systems*, Operations Research 62(1), 2014.
//!
//! **Binary only**: with more than two observed classes `fit` returns
//! [`Error::InvalidParameter`](crowdqc_core::Error::InvalidParameter) naming `method`
//! and suggesting a multi-class method (Dawid–Skene, GLAD, MACE, M-MSR).
//!
//! ## Algorithm
//! Answers are coded `A = +1` for the lower observed class index and `−1` for the
//! other. Every judgment (edge item `t` — worker `j`) carries two messages:
//! `x_{t→j} = Σ_{j' ≠ j} A_tj' y_{j'→t}` and `y_{j→t} = Σ_{t' ≠ t} A_t'j x_{t'→j}`.
//! Worker messages start i.i.d. N(1, 1) (seeded ChaCha8, drawn in judgment order), and
//! [`n_iter`](KosParams::n_iter) rounds are run. The item score is
//! `x_t = Σ_j A_tj y_{j→t}` and the label its sign (a score of exactly 0 is a tie and
//! goes to the lower class index).
//!
//! Messages grow geometrically (KOS is a power iteration); here the worker messages
//! are divided by their largest magnitude after every round, which changes no sign
//! and no ranking, so the result equals unnormalised KOS while never overflowing.
//! crowd-kit instead stops early when a message exceeds 1e300, and its `sign` of a
//! zero score raises a `KeyError`.
//!
//! ## Posteriors
//! `P(lower class) = σ(x_t)` (logistic of the final item score, with worker messages
//! scaled to a largest magnitude of 1), `P(other) = 1 − σ(x_t)`. This is a
//! **ranking-quality score, not a calibrated probability**: KOS has no likelihood,
//! and the scale of its messages is arbitrary. Use its labels and ranking; prefer
//! Dawid–Skene or GLAD when calibrated confidences matter.
//!
//! ## Accuracy on gold (binary real datasets, defaults)
//!
//! | dataset | crowdqc | crowd-kit 1.4.2 |
//! |---|---|---|
//! | welinder2010-bluebirds | 0.7222 | 0.7222 |
//! | zheng2017-product | 0.8955 | 0.8955 |
//! | snow2008-rte | 0.4975 | 0.4975 |
//! | snow2008-temp | 0.5693 | 0.5693 |
//! | gal-barzanmozafari | 0.6580 | 0.6580 |
//! | gal-hitspam-crowdflower (100 gold) | 0.6600 | 0.6600 |
//!
//! ## Checked against
//! crowd-kit 1.4.2 `KOS` (`crowdkit/aggregation/classification/kos.py`): on every
//! binary real dataset with gold, the accuracy on gold is identical to crowd-kit's
//! (recorded in `tests/it/kos.rs`). KOS can lock onto a dominant answer pattern
//! rather than the truth (e.g. RTE: 0.4975 in both implementations): it is a
//! reference method, not a recommended default.
//!
//! Why RTE and TEMP end near chance (checked with an independent implementation
//! written from the paper, which agrees with crowd-kit on every item): KOS is a power
//! iteration whose guarantees assume every worker answers about as many items. There,
//! a few workers answered 20–40 times more items than the median (RTE: 4 workers give
//! 35% of the answers, one of them 800 items against a median of 20) and they are
//! biased near-chance guessers who mostly give the same label; the leading direction
//! of the answer matrix follows their bias, neither the truth nor its negation, and
//! accuracy falls as iterations proceed (RTE about 0.78 after 1 round, 0.56 after 5,
//! 0.4975 from 20 on). On regular assignments with hammers and spammers, the paper's
//! setting, it beats majority vote (0.94 against 0.82 in that check).
//!
//! Bit-identical for any thread count: item and worker sums are sequential per item /
//! worker, and the rescaling uses a maximum, which any reduction order computes
//! exactly.
//!
//! # Examples
//! ```
//! use crowdqc_aggregation::kos::Kos;
//! use crowdqc_core::estimator::{Estimator, FittedModel};
//! # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"),
//! #                   ("t2", "a", "y"), ("t2", "b", "y"), ("t2", "c", "y")] {
//! #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! # }
//! # let matrix = b.finish()?;
//! let model = Kos::params().n_iter(20).seed(1).fit(&matrix)?;
//! assert_eq!(model.labels(), [0, 1]); // t1 = "x", t2 = "y"
//! # Ok(()) }
//! ```

mod fit;
mod model;
mod params;

pub use model::KosModel;
pub use params::KosParams;

/// KOS: namespace for [`Kos::params`].
#[derive(Debug, Clone, Copy)]
pub struct Kos;

impl Kos {
    /// Default parameters (crowd-kit's): 100 iterations, seed 0.
    pub fn params() -> KosParams {
        KosParams::default()
    }
}
