//! M-MSR: robust rank-one matrix completion (Ma & Olshevsky 2020).
//!
//! Q. Ma, A. Olshevsky. *Adversarial Crowdsourcing Through Robust Rank-One Matrix
//! Completion.* NeurIPS 2020 (crowd-kit's `MMSR`).
//!
//! ## Model and algorithm
//! One-coin workers: worker `w` answers correctly with probability `p_w`, otherwise
//! uniformly among the other `K − 1` classes (`K` = observed classes). For two workers
//! `i ≠ j`, `C_ij = K/(K−1) · agree_ij − 1/(K−1)` (agreement rate over the items both
//! labelled) has expectation `s_i s_j` with `s_w = (K p_w − 1)/(K − 1)`. M-MSR fits the
//! rank-one `u vᵀ` to `|C|` on the observed pairs only, each update being a *trimmed
//! mean* (drop up to `F` values on each side of the current estimate,
//! `F = ⌊min degree / 2⌋ − 1`), which makes it robust to adversarial workers. Then
//! `|s| = u · √(‖v‖/‖u‖)`, signs come from the signed agreement graph, `s` is clipped to
//! `[−1/(K−1) + 1/√n, 1 − 1/√n]` (`n` items), and each worker's vote weighs
//! `ln((K−1) p_w / (1 − p_w))`. Multi-class works exactly like crowd-kit: one
//! symmetric one-coin model over all labels (no one-vs-rest).
//!
//! ## Memory: linear, never dense
//! crowd-kit builds a dense workers × items observation matrix and dense workers ×
//! workers matrices (and a dense graph for the signs), which is what makes it try to
//! allocate tens of GiB on modest inputs. Here `C` is a sparse symmetric CSR over the
//! worker pairs that share an item (rows of workers with more than one judgment; see
//! *Speed* for the single-judgment workers), built per worker with a scratch counter
//! (`O(Σ_t n_t²)` time; memory `O(workers + co-occurring pairs)`, i.e. linear in the
//! judgments for bounded redundancy: about 36 bytes per ordered co-occurring pair,
//! i.e. at most `36 (r − 1)` bytes per judgment at redundancy `r`, plus a transient
//! copy while the graph is built). Convergence is measured as
//! `‖u vᵀ − u' v'ᵀ‖_F` over *all* worker pairs (crowd-kit's loss) without forming it:
//! `‖du vᵀ + u' dvᵀ‖²_F = |du|²|v|² + 2 (du·u')(v·dv) + |u'|²|dv|²`.
//!
//! ## Posteriors and labels
//! Posteriors are the one-coin posteriors given the estimated skills under a uniform
//! class prior: softmax over classes of the skill-weighted votes. Their argmax is
//! crowd-kit's weighted majority vote (ties to the lowest class index, as crowd-kit's
//! sorted weighted vote).
//!
//! ## Differences from crowd-kit 1.4.2 (`crowdkit/aggregation/classification/m_msr.py`)
//! - **Signs**: crowd-kit builds a dense auxiliary graph over workers *and* positive
//!   edges, in which a pair of workers that share no item counts as negatively
//!   correlated (its `C` entry is `−1/(K−1)`), and takes the eigenvector of the
//!   smallest eigenvalue. Here only observed pairs vote, each with the weight of its
//!   evidence: the signs are those of the leading eigenvector of the lazy random walk
//!   `(I + D⁻¹ W) / 2` with `W_ij = n_ij · C_ij` (`n_ij` judgment pairs behind the
//!   entry), started from all ones; the overall sign is chosen so that most workers
//!   are positive, as in crowd-kit. On a consistent signed graph both give
//!   the same signs. On a *balanced* component (two camps, every nonzero weight
//!   positive within a camp and negative across) the signs are the iteration's limit
//!   in closed form, `sign(Σ d_i S_i) · S_i` (`S` the camps, `d` the sums of `|W|`),
//!   and **0 when `Σ d_i S_i = 0`** (e.g. two-class items of one-judgment workers
//!   split 5–5): there the start vector has no component on the sign vector, the
//!   iterates decay towards 0 and their signs were left to rounding and the stopping
//!   time; with sign 0 those workers get `s = 0`, no vote (since session 9; before,
//!   the power iteration's last values decided). The accuracy table below is
//!   unchanged by it.
//! - `F` is clamped at 0: crowd-kit's `F = −1` (some worker with fewer than two
//!   co-workers) makes its trimming keep only the largest value.
//! - A neighbour whose current estimate is 0 is skipped in the trimmed mean
//!   (crowd-kit divides by 0 and propagates `inf`/`NaN`).
//! - A worker who shares no item with anyone keeps crowd-kit's random initial value
//!   in crowd-kit; here they get `s = 0` (weight 0: no information).
//! - After every iteration `u` and `v` are rescaled to equal norms (only `u vᵀ` is
//!   identified and the trimmed means are equivariant to the scaling), so neither
//!   drifts to 0 or infinity. The norms, the loss's dot products and the final
//!   `‖u‖`, `‖v‖` are summed per fixed block of 4 096 workers (each in worker order
//!   from −0) and the blocks' sums added in block order, so that the pass runs on all
//!   threads with the same bits for any thread count (since session 10; before, one
//!   sequential sum over all workers: a last-bit change of every fit with more than
//!   4 096 workers, e.g. F9's posterior hash `c9c238b544d5611a` → `cb706c154488427a`). When `|C|` admits no rank-one fit and the iteration
//!   still diverges, the last finite iterate is kept and the fit report says it did
//!   not converge (crowd-kit propagates `inf`/`NaN`).
//! - `u` and `v` are drawn from one seeded ChaCha8 stream (crowd-kit draws both with
//!   the same seed, so they start equal).
//! - Duplicate `(item, worker)` judgments each count as a pair (crowd-kit keeps the
//!   last one in its dense observation matrix).
//!
//! ## Accuracy on gold (real datasets, defaults)
//!
//! | dataset | crowdqc | crowd-kit 1.4.2 | labels equal |
//! |---|---|---|---|
//! | welinder2010-bluebirds | 0.7130 | 0.7130 | 100% |
//! | zheng2017-product | 0.9263 | error: "Skill value is missing in 24945 assignments" | |
//! | zhou2012-dogs | 0.8240 | 0.8278 | 98.1% |
//! | zheng2017-face | 0.6301 | 0.6301 | 100% |
//! | venanzi2014-weather-sentiment-amt | 0.8567 | 0.8600 | 99.7% |
//! | zhou2012-websearch | 0.6706 | 0.6834 | |
//! | snow2008-rte | 0.9275 | 0.8575 | 89.0% |
//! | snow2008-temp | 0.9307 | 0.9242 | 97.6% |
//! | snow2008-wsd | 0.9944 | 0.9944 | 100% |
//! | gal-adultcontent2 (333 gold) | 0.7628 | 0.7508 | |
//! | gal-barzanmozafari | 0.6920 | 0.6910 | 97.3% |
//!
//! Weighting the sign votes by evidence matters: with unweighted edge signs, RTE drops
//! to 0.9025 and adultcontent2 to 0.7207 (workers sharing one item with a few others
//! get flipped to "adversarial").
//!
//! The result does not depend on the seed on these datasets (the same fixed point is
//! reached from any start). Recorded in `tests/it/mmsr.rs`. Deterministic for a seed,
//! bit-identical for any thread count.
//!
//! ## Speed
//! A half-step costs one division per graph entry and one sort per worker. Rows of up
//! to 32 co-workers are sorted on the stack by a pruned Batcher network with
//! branch-free `min`/`max`, which gives the order of a library sort, so the trimmed
//! sums are the same bits. The graph is built into flat arrays per chunk of 4 096
//! workers (no allocation per worker), and the sign step's edge weights and degree
//! sums are computed once.
//!
//! **Single-judgment workers** have no graph row: a worker with one judgment
//! `(t, c)` has the same entries as every other single-judgment worker of class `c`
//! on `t` (its co-workers are `t`'s workers, and each entry depends only on the
//! co-worker's answers to `t` and on `c`), so they share one list per (item, class),
//! sorted once per half-step (once per item when the classes' lists are equal, as with
//! two classes); each worker's trimmed mean leaves its own value out of it
//! (`single.rs`, `loo.rs`: one branch-free counting pass, the kept values summed with
//! the others masked to +0; four viewers of a list at once in vector lanes, each lane
//! the same operations as one viewer alone). The sign step takes the signs of
//! balanced components in closed form (`balance.rs`: one traversal; F9's items are
//! all balanced, so no iteration runs), and iterates the viewers of a group as one
//! value on unbalanced components, unless some value there ends near rounding level
//! (then the per-worker iteration runs: `signs.rs`). Each iteration writes its new
//! `u`, `v` into second buffers that are then swapped in (no copies of the previous
//! iterate), and every per-worker pass (the groups' results written back, the
//! rebalancing and the loss, the final skills) runs in parallel over fixed chunks.
//! The row pass of a half-step skips the chunks whose workers are all viewers, keeps
//! its scratch for long rows per chunk (no table of per-worker slices, which at 10⁶
//! workers was 16 MB read by every half-step), and the pass that writes the viewers'
//! results also sums the squares of the new vector per block of 4 096 workers (the
//! blocks of the rebalancing norms: the same bits, one pass over `u`, `v` fewer per
//! half-step; since session 11).
//! **The fit is bit-identical to the plain graph's** (unit tests on random mixed data with repeat workers, pairs
//! sharing several items, duplicate answers, lists shorter and longer than 32).
//! Summing the kept range from prefix sums (O(1) per worker) was tried in session 8
//! and dropped: it changes the last bits, and the trimming turns one ulp into a
//! different kept set where symmetric workers reach bit-equal values (fits moved by
//! up to 6.5e-4 on random data). Session 10 tried it with an exact-sum definition
//! (the kept values' exact sum rounded once, so that prefix sums give the plain
//! graph's bits by construction): correct, but slower on F9's lists of ten values
//! than the four-viewer lanes (`benches/README.md`, session 10), so not adopted.
//! With one worker per judgment at 1e6 judgments (redundancy 10) the fit's CPU time
//! is ~1.0 s against 0.15 s for the same judgments from 5 000 workers (one thread):
//! issue 12's target (within 3×) is still missed (`benches/README.md`, session 10).
//! Session 11's profile of that fit (callgrind, one thread, 1e5 judgments): the
//! groups' half-step is ~70% of the fit's instructions (per item and half-step: ten
//! ratios, one sort of ten values, three four-viewer passes), the per-worker passes
//! (write-back, rebalancing and loss) ~15%, preparation (groups, graph, start) and the
//! final signs/skills/posteriors the rest. Tried there and not kept (no gain): a
//! table of the fully trimmed viewers' results per list (only ~19% of viewers have
//! `F` values on both sides of their current value: most are trimmed on one side
//! only, keeping six of nine values, so the table was built for nothing; +33%
//! instructions), a memo of the kept sets already summed per list (~40% hits, not
//! enough to skip a four-viewer pass: +20%), the masks of the masked sums as float
//! compares (±0), eight viewers per pass instead of four (+10% CPU time).
//!
//! # Examples
//! ```
//! use crowdqc_aggregation::mmsr::Mmsr;
//! use crowdqc_core::estimator::{Estimator, FittedModel};
//! # use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! # fn main() -> crowdqc_core::Result<()> {
//! # let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! # for (i, w, l) in [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"),
//! #                   ("t2", "a", "y"), ("t2", "b", "y"), ("t2", "c", "y"),
//! #                   ("t3", "a", "x"), ("t3", "b", "x"), ("t3", "c", "x")] {
//! #     b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))?;
//! # }
//! # let matrix = b.finish()?;
//! let model = Mmsr::params().fit(&matrix)?;
//! assert_eq!(model.labels(), [0, 1, 0]);
//! assert_eq!(model.n_worker_pairs(), 3);
//! # Ok(()) }
//! ```

mod balance;
mod fit;
mod loo;
mod model;
mod params;
mod signs;
mod single;
mod sums;
#[cfg(test)]
mod tests;
mod trim;

pub use model::MmsrModel;
pub use params::MmsrParams;

/// M-MSR: namespace for [`Mmsr::params`].
#[derive(Debug, Clone, Copy)]
pub struct Mmsr;

impl Mmsr {
    /// Default parameters (crowd-kit's): at most 10 000 iterations, `tol = 1e-10`.
    pub fn params() -> MmsrParams {
        MmsrParams::default()
    }
}
