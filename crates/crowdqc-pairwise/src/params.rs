//! [`Method`] and [`PairwiseParams`]: which model to fit and how.

use crowdqc_core::{Error, Result};

use crate::data::Comparisons;
use crate::model::PairwiseFit;

/// A scoring method for comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Bradley–Terry by Hunter's MM algorithm, crowd-kit's `BradleyTerry` (scores are
    /// strengths summing to 1; a tie counts half a win for each side).
    Bt,
    /// Davidson's (1970) tie extension of Bradley–Terry: `P(tie) ∝ ν·√(p_i p_j)`, with
    /// the tie parameter `ν` estimated.
    BtTies,
    /// Noisy Bradley–Terry (crowd-kit's `NoisyBradleyTerry` model): each worker answers
    /// by the BT order with probability `skill`, else picks the left item with
    /// probability `bias`; scores are `expit(log-strength)` as in crowd-kit.
    NoisyBt,
    /// Crowd-BT (Chen et al., WSDM 2013): each worker agrees with the BT order with
    /// probability `η` (reliability) and reverses it otherwise; strengths sum to 1.
    CrowdBt,
    /// Elo ratings, comparisons processed in input order (order-dependent by design).
    Elo,
    /// Share of comparisons won (ties count half).
    WinRate,
}

impl Method {
    /// Every method, in CLI order.
    pub const ALL: [Method; 6] = [
        Method::Bt,
        Method::BtTies,
        Method::NoisyBt,
        Method::CrowdBt,
        Method::Elo,
        Method::WinRate,
    ];

    /// The method's name as the CLI spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Method::Bt => "bt",
            Method::BtTies => "bt-ties",
            Method::NoisyBt => "noisy-bt",
            Method::CrowdBt => "crowd-bt",
            Method::Elo => "elo",
            Method::WinRate => "win-rate",
        }
    }

    /// Whether the method estimates a per-worker reliability.
    pub const fn has_reliability(self) -> bool {
        matches!(self, Method::NoisyBt | Method::CrowdBt)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                Error::param(
                    "method",
                    format!(
                        "unknown method `{s}`; one of {}",
                        Method::ALL.map(Method::name).join(", ")
                    ),
                )
            })
    }
}

/// Parameters of a pairwise fit. Build with [`PairwiseParams::new`] and the consuming
/// setters; [`fit`](Self::fit) validates first.
///
/// ```
/// use crowdqc_pairwise::{Comparisons, Method, Outcome, PairwiseParams};
/// # fn main() -> crowdqc_core::Result<()> {
/// // worker 0: item 0 beats 1, 1 beats 2, 0 beats 2
/// let c = Comparisons::from_codes([
///     (0, 0, 1, Outcome::Left),
///     (0, 1, 2, Outcome::Left),
///     (0, 2, 0, Outcome::Right),
/// ])?;
/// let fit = PairwiseParams::new(Method::Bt).max_iter(10).tol(0.0).fit(&c)?;
/// // crowd-kit's test value after 10 iterations: [0.934, 0.065, 0.0]
/// assert!((fit.scores()[0] - 0.934).abs() < 5e-3);
/// assert_eq!(fit.ranks(), [1, 2, 3]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PairwiseParams {
    pub(crate) method: Method,
    pub(crate) max_iter: Option<usize>,
    pub(crate) tol: Option<f64>,
    pub(crate) prior: Option<f64>,
    pub(crate) reliability_prior: (f64, f64),
    pub(crate) elo_k: f64,
    pub(crate) bootstrap: usize,
    pub(crate) seed: u64,
}

impl PairwiseParams {
    /// Parameters of `method` with its defaults.
    pub fn new(method: Method) -> Self {
        PairwiseParams {
            method,
            max_iter: None,
            tol: None,
            prior: None,
            reliability_prior: (1.0, 1.0),
            elo_k: 32.0,
            bootstrap: 0,
            seed: 0,
        }
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Maximum iterations of the iterative methods (default 100 for `bt`, `bt-ties` —
    /// crowd-kit's `n_iter` — and 500 EM iterations for `crowd-bt`, `noisy-bt`). 0
    /// returns the starting point (equal strengths).
    #[must_use]
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = Some(n);
        self
    }

    /// Convergence tolerance, finite and ≥ 0 (default 1e-5; 0 runs `max_iter`
    /// iterations). `bt` and `bt-ties` stop when the L1 change of the normalised
    /// strengths is below it; `crowd-bt` and `noisy-bt` when the log-likelihood improves
    /// by less than `tol` per comparison.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = Some(tol);
        self
    }

    /// Strength of the prior on item strengths: each item gets `prior` virtual wins and
    /// `prior` virtual losses against a virtual item of strength 1 (Chen et al.'s
    /// virtual-node regulariser). Finite, ≥ 0. Default 0: the maximum-likelihood fit,
    /// as crowd-kit's `BradleyTerry` and the Crowd-BT evaluation below (an item that
    /// never wins then gets strength 0, one that never loses dominates its component).
    #[must_use]
    pub fn prior(mut self, prior: f64) -> Self {
        self.prior = Some(prior);
        self
    }

    /// Beta(`a`, `b`) prior on each worker's reliability (`crowd-bt` η, `noisy-bt`
    /// skill), MAP-estimated; both ≥ 1, default (1, 1): the maximum-likelihood
    /// reliability. (2, 1) adds one virtual agreeing answer per worker.
    #[must_use]
    pub fn reliability_prior(mut self, a: f64, b: f64) -> Self {
        self.reliability_prior = (a, b);
        self
    }

    /// Elo's K-factor (default 32; ratings start at 1500 on the 400-point logistic
    /// scale). Finite, > 0.
    #[must_use]
    pub fn elo_k(mut self, k: f64) -> Self {
        self.elo_k = k;
        self
    }

    /// Bootstrap replicates for standard errors (default 0: standard errors from the
    /// observed information). With `n > 0`, comparisons are resampled with replacement
    /// `n` times (seeded, see [`seed`](Self::seed)) and the standard error is the
    /// replicates' standard deviation of the log-strength. At most 10 000.
    #[must_use]
    pub fn bootstrap(mut self, n: usize) -> Self {
        self.bootstrap = n;
        self
    }

    /// Seed of the bootstrap (default 0).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub(crate) fn iterations(&self) -> usize {
        self.max_iter.unwrap_or(if self.method.has_reliability() {
            500
        } else {
            100
        })
    }

    pub(crate) fn tolerance(&self) -> f64 {
        self.tol.unwrap_or(1e-5)
    }

    pub(crate) fn prior_strength(&self) -> f64 {
        self.prior.unwrap_or(0.0)
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter and its constraint.
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = self.tol
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(Error::param(
                "tol",
                format!("must be finite and >= 0, got {t}"),
            ));
        }
        if let Some(p) = self.prior
            && !(p.is_finite() && p >= 0.0)
        {
            return Err(Error::param(
                "prior",
                format!("must be finite and >= 0, got {p}"),
            ));
        }
        let (a, b) = self.reliability_prior;
        if !(a.is_finite() && b.is_finite() && a >= 1.0 && b >= 1.0) {
            return Err(Error::param(
                "reliability_prior",
                format!("both Beta parameters must be finite and >= 1, got ({a}, {b})"),
            ));
        }
        if !(self.elo_k.is_finite() && self.elo_k > 0.0) {
            return Err(Error::param(
                "elo_k",
                format!("must be finite and > 0, got {}", self.elo_k),
            ));
        }
        if self.bootstrap > 10_000 {
            return Err(Error::param(
                "bootstrap",
                format!("must be at most 10000, got {}", self.bootstrap),
            ));
        }
        if let Some(n) = self.max_iter
            && n > 1_000_000
        {
            return Err(Error::param(
                "max_iter",
                format!("must be at most 1000000, got {n}"),
            ));
        }
        Ok(())
    }

    /// Fits the method to `data`.
    ///
    /// # Errors
    /// Those of [`validate`](Self::validate); [`Error::InsufficientData`] when
    /// `crowd-bt`/`noisy-bt` get only ties; [`Error::Numerical`] for a non-finite
    /// objective. No comparisons at all give an empty fit (as crowd-kit).
    pub fn fit(&self, data: &Comparisons) -> Result<PairwiseFit> {
        self.fit_with_progress(data, &crowdqc_core::progress::NoProgress)
    }

    /// [`fit`](Self::fit), reporting to `progress` (one unit per iteration, then one
    /// per bootstrap replicate) and polling it between iterations and replicates, as
    /// the aggregation crate's EM loops do.
    ///
    /// # Errors
    /// Those of [`fit`](Self::fit); [`Error::Interrupted`] once `progress` asks to stop.
    pub fn fit_with_progress(
        &self,
        data: &Comparisons,
        progress: &dyn crowdqc_core::progress::Progress,
    ) -> Result<PairwiseFit> {
        self.validate()?;
        crate::fit::fit(self, data, progress)
    }
}
