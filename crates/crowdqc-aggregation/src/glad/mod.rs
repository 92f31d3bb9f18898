//! GLAD: worker ability and item difficulty (Whitehill et al. 2009).
//!
//! J. Whitehill, P. Ruvolo, T. Wu, J. Bergsma, J. Movellan. *Whose Vote Should Count
//! More: Optimal Integration of Labels from Labelers of Unknown Expertise.* NIPS 2009.
//!
//! ## Model
//! Worker `w` has an ability `alpha_w` (any real; 0 = random, negative = adversarial),
//! item `t` an inverse difficulty `beta_t = exp(b_t) > 0`. The worker answers item `t`
//! correctly with probability `σ(alpha_w · beta_t)` (logistic σ); a wrong answer is
//! uniform over the other `K − 1` observed classes (crowd-kit's multi-class extension;
//! Whitehill's paper is binary, where the two coincide). True classes have uniform
//! priors over the observed classes. Gaussian priors N(1, 1) on every `alpha_w` and
//! every `b_t = ln beta_t`, as in crowd-kit.
//!
//! ## Fit
//! MAP estimation by EM, in log space:
//! - **E-step** over items (CSR by item): `ln q[t, c] = ln p_c + Σ_j ln P(l_j | c)`,
//!   normalised by log-sum-exp. Each item costs `O(n_t + K)`, not `O(n_t · K)`, because
//!   `ln σ(x) − ln(1 − σ(x)) = x`.
//! - **M-step**: block coordinate ascent on the expected complete-data log-likelihood
//!   plus log priors: [`newton_steps`](GladParams::newton_steps) damped Newton steps
//!   on every `alpha_w` (a concave 1-D problem per worker, over the worker index), then
//!   on every `b_t` (per item, over the CSR), from flat arrays. Each trial point's
//!   slope and function value come from one pass (the value's `ln(1 + e^{−|x|})`
//!   terms are summed as one `ln` per 512 judgments of a product of factors in
//!   `[1, 2]`, so the value costs no transcendental function of its own). A step is
//!   accepted when the function value did not decrease, or when the function is
//!   concave along it and the slope at the new point still points the same way (no
//!   overshoot: the function rose along the whole step, by less than rounding can
//!   show): every ability problem is concave, a difficulty's is concave in `beta` (a
//!   monotone reparametrisation of `ln beta`) while `ln beta <= mu_b + 1`. Otherwise
//!   the step is halved. So every accepted step raises the EM auxiliary function or
//!   leaves it unchanged, and the objective rises monotonically (unit tests of the
//!   acceptance on functions where an unchecked overshoot or an unchecked
//!   non-concave step descends; monotone trace tested on real data). crowd-kit runs scipy's conjugate gradient
//!   (25 iterations, tol 1e-2) on a melted frame of `M · K` rows instead; both climb
//!   the same function.
//! - **Objective** (the fit report's trace, and the stopping rule): the log posterior
//!   of the parameters, `ln p(labels | alpha, beta) + ln p(alpha) + ln p(beta)`, per
//!   judgment. Stop when one iteration raises it by less than `tol`. This is the
//!   quantity EM provably increases; crowd-kit instead stops on its auxiliary `Q`
//!   divided by `M · K` (judgments × classes), and compares its first value against an
//!   un-normalised `Q` (so it never stops at iteration 1).
//!
//! Posteriors are those of the final E-step, which runs after the final M-step, so
//! they are consistent with the returned abilities (crowd-kit returns the posteriors
//! of the E-step *before* its last M-step). Labels are the argmax; ties go to the
//! lowest class index. Worker accuracy is the model's probability of a correct answer
//! averaged over the worker's judgments.
//!
//! Deterministic (no randomness) and bit-identical for any thread count: every
//! parallel pass writes per-worker or per-item results computed sequentially, and the
//! objective sums fixed chunks of 1024 items in index order.
//!
//! ## Checked against
//! crowd-kit 1.4.2 `GLAD` (`crowdkit/aggregation/classification/glad.py`) on the real
//! datasets: accuracy on gold is recorded in this crate's integration tests next to
//! crowd-kit's and the Zheng et al. (2017) reference outputs. Values differ from
//! crowd-kit's at the 1e-3 level because the optimiser and stopping rule differ (see
//! above); the model, priors and initialisation (`alpha = 1`, `ln beta = 1`) are the
//! same.
//!
//! ## Accuracy on gold (real datasets, defaults)
//!
//! | dataset | crowdqc | crowd-kit 1.4.2 | Zheng et al. c_GLAD |
//! |---|---|---|---|
//! | welinder2010-bluebirds | 0.7222 | 0.7222 | 0.7685 |
//! | zheng2017-product | 0.9283 | 0.9283 | 0.9223 |
//! | zhou2012-dogs | 0.8340 | 0.8340 | 0.8352 |
//! | zheng2017-face | 0.6284 | 0.6301 (stopped after 2 iterations; 0.6284 run to convergence) | 0.6301 |
//! | venanzi2014-weather-sentiment-amt | 0.8533 | 0.8533 | |
//! | zhou2012-websearch | 0.8244 | 0.8213 | |
//! | snow2008-rte | 0.9250 | 0.9250 | |
//! | snow2008-temp | 0.9351 | 0.9351 | |
//! | snow2008-wsd | 0.9944 | 0.9944 | |
//! | gal-adultcontent2 (333 gold) | 0.7598 | 0.7598 | |
//! | gal-barzanmozafari | 0.6930 | 0.6940 (stopped after 2 iterations; 0.6930 run to convergence) | |
//! | gal-hitspam-crowdflower (100 gold) | 0.6600 | 0.6600 | |
//!
//! On face and barzanmozafari crowd-kit's `GLAD()` is one gold item ahead, and not
//! because it finds a better optimum of the same model: its objective `Q` (per melted
//! row) *decreases* at its second iteration (face −0.20532 → −0.20551, barzan
//! −0.26153 → −0.26282), its stop test `Q − last_Q < tol` fires on that decrease, and
//! it returns the posteriors of the E-step after a single M-step. With its stop test
//! disabled (`tol = -inf`, 100 iterations) crowd-kit's own GLAD converges to exactly
//! the accuracy here (0.628425 and 0.693; stored in `fixtures/aggregation-advanced/
//! crowdkit_glad_unstopped.json`). Looser tolerances here (up to `1e-3`) leave face
//! at 0.6284 (reaching barzan's 0.694 only at `1e-3`, which costs dogs an item); only
//! stopping after the first iteration would match, which costs dogs and RTE. Run to
//! convergence (`tol = 1e-10`), this implementation and crowd-kit's reach the same
//! accuracy on every stored dataset (bluebirds, dogs, face, weather, RTE, temp, wsd,
//! barzan, copyright; `tests/it/glad.rs`): the same optimum. On copyright (9 gold
//! items) both default runs stop early at 0.4444, converged both give 0.5556.
//!
//! Class priors stay uniform, as in crowd-kit: estimating them (tried) lowers accuracy
//! on 8 of these datasets (bluebirds 0.722 → 0.593, adultcontent2 0.760 → 0.706).
//! Labels agree with crowd-kit's item by item on ≥ 98% of the items of every stored
//! dataset. Zheng et al.'s numbers come from a different GLAD implementation
//! (Whitehill's code, other priors and stopping).
//!
//! ## Speed
//! Per EM iteration 2.1–7.3× a Dawid–Skene iteration of this crate (release build,
//! 2 shared cores, synthetic crowds of 1e5 and 1e6 judgments, K = 2 and 5: 2.8 / 3.0 /
//! 31.7 / 34.1 ms per iteration vs DS 0.49 / 1.39 / 4.5 / 7.4 ms, best of 5 rounds;
//! `tests/it/glad.rs`, `timing_per_iteration_vs_dawid_skene`), measured before the
//! checked step acceptance. With it, on the same machine under heavy shared load
//! (load average about 10): 4.8 / 13.6 / 149 / 182 ms vs DS 0.79 / 3.1 / 15.7 /
//! 24.1 ms (4.4–9.5×); in the same conditions the previous rule measured 4.2 ms at
//! 1e5 judgments, K = 2 (4.6–4.8 ms now). An iteration is two
//! passes over the judgments (abilities over worker-ordered records, then each item's
//! difficulty step fused with its E-step) with three `exp` per judgment; crowd-kit
//! takes ~100 s for a fit on 1e5 judgments. Extra memory: 24 bytes per judgment (the
//! worker-order slot of each judgment, the item of each slot, and per slot the
//! posterior of the label given and `exp(−|alpha · beta|)`, so that the ability passes
//! read sequentially).
//!
//! # Examples
//! ```
//! use crowdqc_aggregation::glad::Glad;
//! use crowdqc_core::estimator::{Estimator, FittedModel};
//! # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"),
//! #                   ("t2", "a", "y"), ("t2", "b", "y"), ("t2", "c", "y")] {
//! #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! # }
//! # let matrix = b.finish()?;
//! let model = Glad::params().max_iter(50).fit(&matrix)?;
//! assert_eq!(model.labels(), [0, 1]); // t1 = "x", t2 = "y"
//! let row = model.posteriors().row(0).sum();
//! assert!((row - 1.0).abs() < 1e-12);
//! # Ok(()) }
//! ```

mod fit;
mod model;
mod params;

pub use model::GladModel;
pub use params::GladParams;

/// GLAD: namespace for [`Glad::params`].
#[derive(Debug, Clone, Copy)]
pub struct Glad;

impl Glad {
    /// Default parameters (crowd-kit's): `max_iter = 100`, `tol = 1e-5`, N(1, 1) priors.
    pub fn params() -> GladParams {
        GladParams::default()
    }
}
