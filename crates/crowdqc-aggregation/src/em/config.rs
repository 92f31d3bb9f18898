//! What an EM run is told and what it returns.

use crowdqc_core::estimator::FitReport;
use crowdqc_core::progress::Progress;

use super::MStep;

/// How an initial confusion enters the first M-step (crowd-kit's
/// `initial_error_strategy`); the loop's M-steps never use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialConfusion {
    /// The given matrices replace the first M-step's counts (then floored and
    /// normalised over each worker's observed labels). A warm start.
    Assign,
    /// The given values are added to the first M-step's counts (pseudo-counts).
    Addition,
}

/// When EM stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StopRule {
    /// crowd-kit 1.4's rule: stop when its per-judgment objective (an ELBO with the
    /// log-prior counted once per judgment) improves by less than `tol`, or decreases.
    /// That objective is not the one EM maximises, so it can stop early (on the 1979
    /// Dawid–Skene data after 4 iterations). The default, for parity.
    #[default]
    CrowdKit,
    /// Stop when the marginal log-likelihood per judgment improves by less than `tol`
    /// (the classic rule; EM never decreases it). The fit report's objective is then
    /// that log-likelihood per judgment, and the posteriors returned are those of the
    /// returned parameters (an E-step with the final confusion and priors), where
    /// crowd-kit's rule returns the posteriors its last M-step was computed from.
    LogLikelihood,
}

/// How the priors are handled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Priors {
    Estimated,
    Fixed(Vec<f64>),
}

/// One EM run's settings.
pub(crate) struct EmConfig<'a> {
    pub(crate) method: &'static str,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) m_step: MStep,
    pub(crate) priors: Priors,
    /// `[w][observed][true]` initial confusion (active classes) for the first M-step.
    pub(crate) initial: Option<(&'a [f64], InitialConfusion)>,
    /// A warm start: `([w][observed][true]` confusion in worker order, priors`), both
    /// over the active classes; replaces the majority-vote start and first M-step.
    pub(crate) start: Option<(&'a [f64], &'a [f64])>,
    pub(crate) stop: StopRule,
    /// Told the iteration limit, advanced once per iteration, checked for an
    /// interruption before each iteration.
    pub(crate) progress: &'a dyn Progress,
    /// Return the posteriors (the model keeps them): written by the last pass when it
    /// is known to be the last, else computed at the end from the pass's prepared
    /// data; otherwise return the last pass's parameters.
    pub(crate) keep: bool,
}

/// What an EM run returns (active classes).
pub(crate) struct EmResult {
    /// The posteriors `(n_items, k)`, when the run kept them (the fixed-point path).
    pub(crate) q: Option<Vec<f64>>,
    /// Otherwise the parameters of the last pass, whose E-step gives the posteriors:
    /// `log2` confusion `[w][observed][true]` in worker order, and `log2` priors.
    pub(crate) last_pass: Option<(Vec<f64>, Vec<f64>)>,
    pub(crate) priors: Vec<f64>,
    /// `[w][observed][true]`.
    pub(crate) conf: Vec<f64>,
    pub(crate) report: FitReport,
    pub(crate) log_likelihood: Vec<f64>,
}
