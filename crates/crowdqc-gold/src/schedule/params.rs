//! [`ScheduleParams`]: the gold scheduler's policy.

use crowdqc_core::{Error, Result};

use crate::interval::check_confidence;

/// How a [`GoldScheduler`](crate::GoldScheduler) decides when to serve gold.
///
/// Per worker, in order:
/// 1. **Quiz** (Appen's quiz mode): the first `quiz` slots are gold; regular work
///    starts only once all are answered and at least `quiz_pass` of them are correct;
///    a worker who fails is excluded. `quiz = 0` (default) disables it.
/// 2. **Onboarding** (front-loaded gold): until the worker has `onboarding_gold` gold
///    answers (quiz included), each slot is gold with probability `onboarding_rate`.
/// 3. **Adaptive** ([`AdaptiveRule`]): by default the rate is
///    `floor + (max_rate − floor) · P(accuracy < threshold)`, the probability under the
///    Jeffreys posterior Beta(c + ½, n − c + ½) after `c` correct of `n` gold answers —
///    gold goes to workers who may be below the threshold, and a worker shown to be
///    above it gets the covert `floor`. [`AdaptiveRule::Wilson`] is the older rule.
///
/// ```
/// use crowdqc_gold::ScheduleParams;
/// let p = ScheduleParams::new().quiz(5).quiz_pass(0.8).threshold(0.85).floor(0.02).seed(7);
/// assert!(p.validate().is_ok());
/// assert!(ScheduleParams::new().floor(0.5).max_rate(0.3).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ScheduleParams {
    pub(crate) quiz: u32,
    pub(crate) quiz_pass: f64,
    pub(crate) onboarding_gold: u32,
    pub(crate) onboarding_rate: f64,
    pub(crate) threshold: f64,
    pub(crate) confidence: f64,
    pub(crate) max_rate: f64,
    pub(crate) floor: f64,
    pub(crate) max_exposure: u32,
    pub(crate) seed: u64,
    pub(crate) rule: AdaptiveRule,
}

/// How the adaptive phase of a [`GoldScheduler`](crate::GoldScheduler) turns a worker's
/// gold record (`c` correct of `n`) into the probability that a slot is gold.
///
/// Measured with `crowdqc policy simulate --economy` (policy `recommended.toml`, binary
/// gold, 1000 task slots per worker): good workers (0.97, 0.92, 0.85) get 5.4% gold
/// under `Posterior` and 18.6% under `Wilson`, and uniform spammers are caught as fast
/// (half within 50 vs 58 task slots).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AdaptiveRule {
    /// `floor + (max_rate − floor) · P(accuracy < threshold)` under the Jeffreys
    /// posterior Beta(c + ½, n − c + ½) (the default): gold in proportion to the
    /// suspicion that the worker is below the threshold. `confidence` is not used.
    #[default]
    Posterior,
    /// A Wilson interval `[lo, hi]` at `confidence`: `max_rate` while it straddles
    /// `threshold`; otherwise, with half-width `u` and distance `d` from the interval to
    /// the threshold, `max(floor, max_rate · u / (u + d))` (sessions 1–5's rule; it
    /// decays like 1/√n, so workers near the threshold keep a high rate for long).
    Wilson,
}

impl std::str::FromStr for AdaptiveRule {
    type Err = Error;

    /// `posterior` or `wilson` (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "posterior" => Ok(AdaptiveRule::Posterior),
            "wilson" => Ok(AdaptiveRule::Wilson),
            _ => Err(Error::param(
                "rule",
                format!("the adaptive gold rule is `posterior` or `wilson`, got {s:?}"),
            )),
        }
    }
}

impl Default for ScheduleParams {
    fn default() -> Self {
        ScheduleParams {
            quiz: 0,
            quiz_pass: 0.7,
            onboarding_gold: 10,
            onboarding_rate: 0.5,
            threshold: 0.8,
            confidence: 0.95,
            max_rate: 0.3,
            floor: 0.02,
            max_exposure: 0,
            seed: 0,
            rule: AdaptiveRule::Posterior,
        }
    }
}

impl ScheduleParams {
    /// The defaults: no quiz (pass mark 0.7 when enabled), 10 onboarding gold at rate
    /// 0.5, threshold 0.8 (95% confidence for the Wilson rule), adaptive rate from 0.02
    /// to 0.3 by the posterior rule, no retirement, seed 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// A flat gold rate `r` for every slot (no onboarding boost, `floor = max_rate =
    /// r`): the classic "mix in r of gold" baseline, e.g. for a policy simulator's
    /// `--gold-rate`. No gold item is still ever served twice to a worker.
    ///
    /// ```
    /// use crowdqc_gold::ScheduleParams;
    /// assert!(ScheduleParams::fixed_rate(0.1).validate().is_ok());
    /// assert!(ScheduleParams::fixed_rate(1.5).validate().is_err());
    /// ```
    pub fn fixed_rate(r: f64) -> Self {
        ScheduleParams {
            onboarding_gold: 0,
            onboarding_rate: r,
            max_rate: r,
            floor: r,
            ..Self::default()
        }
    }

    /// Quiz length `Q` (gold items before any regular work; 0 = no quiz; default 0).
    #[must_use]
    pub fn quiz(mut self, q: u32) -> Self {
        self.quiz = q;
        self
    }

    /// Share of quiz answers that must be correct, in [0, 1] (default 0.7).
    #[must_use]
    pub fn quiz_pass(mut self, p: f64) -> Self {
        self.quiz_pass = p;
        self
    }

    /// Gold answers (quiz included) before the adaptive rate applies (default 10).
    #[must_use]
    pub fn onboarding_gold(mut self, n: u32) -> Self {
        self.onboarding_gold = n;
        self
    }

    /// Gold probability per slot during onboarding, in [0, 1] (default 0.5).
    #[must_use]
    pub fn onboarding_rate(mut self, r: f64) -> Self {
        self.onboarding_rate = r;
        self
    }

    /// The accuracy threshold the platform acts on, in (0, 1) (default 0.8).
    #[must_use]
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }

    /// Two-sided confidence of the Wilson interval, in (0, 1) (default 0.95).
    #[must_use]
    pub fn confidence(mut self, c: f64) -> Self {
        self.confidence = c;
        self
    }

    /// Largest adaptive gold probability, in [floor, 1] (default 0.3).
    #[must_use]
    pub fn max_rate(mut self, r: f64) -> Self {
        self.max_rate = r;
        self
    }

    /// Covert floor: the smallest gold probability, even for trusted workers, in
    /// [0, max_rate] (default 0.02).
    #[must_use]
    pub fn floor(mut self, r: f64) -> Self {
        self.floor = r;
        self
    }

    /// Retire a gold item from regular-work gold once this many distinct workers have
    /// seen it (0 = never; default 0). Quizzes may still use retired items, so a quiz
    /// is always possible.
    #[must_use]
    pub fn max_exposure(mut self, n: u32) -> Self {
        self.max_exposure = n;
        self
    }

    /// Seed of every random choice (default 0).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The adaptive rule (default [`AdaptiveRule::Posterior`]).
    #[must_use]
    pub fn rule(mut self, rule: AdaptiveRule) -> Self {
        self.rule = rule;
        self
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter.
    pub fn validate(&self) -> Result<()> {
        let unit = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::param(name, format!("must be in [0, 1], got {v}")))
            }
        };
        unit("quiz_pass", self.quiz_pass)?;
        unit("onboarding_rate", self.onboarding_rate)?;
        unit("max_rate", self.max_rate)?;
        unit("floor", self.floor)?;
        if !(self.threshold > 0.0 && self.threshold < 1.0) {
            return Err(Error::param(
                "threshold",
                format!("must be strictly between 0 and 1, got {}", self.threshold),
            ));
        }
        check_confidence(self.confidence)?;
        if self.floor > self.max_rate {
            return Err(Error::param(
                "floor",
                format!(
                    "must be <= max_rate ({}), got {}",
                    self.max_rate, self.floor
                ),
            ));
        }
        Ok(())
    }
}
