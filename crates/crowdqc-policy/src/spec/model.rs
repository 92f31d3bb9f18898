//! The validated, compiled form of a policy file.

use serde::{Deserialize, Serialize};

use crate::stats::IntervalMethod;

/// What a rule does when it fires, ordered from mildest to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Nothing to do (also the outcome when no rule fires).
    #[default]
    Allow,
    /// Move the worker one tier up.
    Promote,
    /// Tell the worker (and the requester) without restricting.
    Warn,
    /// Move the worker one tier down.
    Demote,
    /// Exclude the worker's judgments and re-aggregate (Appen's "untrusted").
    Untrust,
    /// Suspend access for a duration; the sliding gold window is reset afterwards
    /// (Toloka: "the history … is not saved after the ban is lifted").
    Suspend,
    /// Remove access (permanently unless a duration is given).
    Ban,
}

impl Action {
    /// All actions, mildest first.
    pub const ALL: [Action; 7] = [
        Action::Allow,
        Action::Promote,
        Action::Warn,
        Action::Demote,
        Action::Untrust,
        Action::Suspend,
        Action::Ban,
    ];

    /// Name as written in policy files.
    pub fn name(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Promote => "promote",
            Action::Warn => "warn",
            Action::Demote => "demote",
            Action::Untrust => "untrust",
            Action::Suspend => "suspend",
            Action::Ban => "ban",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A measurement a condition compares with a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of gold answered correctly (all time, or over `window`), as a point
    /// estimate or a one-sided interval bound (`bound`, `confidence`, `interval`).
    GoldAccuracy,
    /// Gold answered correctly (all time or over `window`).
    GoldCorrect,
    /// Gold answered wrongly (all time or over `window`).
    GoldWrong,
    /// Gold answered (all time or over `window`).
    GoldAnswered,
    /// Accuracy implied by a truth-inference model.
    ModelAccuracy,
    /// Agreement with the other workers' consensus.
    PeerAgreement,
    /// Raykar–Yu spammer score (≈0 spammer, ≈1 perfect).
    SpammerScore,
    /// Share of answers faster than `fast_ms` milliseconds.
    FastShare,
    /// Judgments submitted (activity).
    Judgments,
    /// Tasks per active day: judgments ÷ UTC calendar days with at least one (needs
    /// timestamps); a daily quota is `{ metric = "tasks_per_day", below = 200 }`.
    TasksPerDay,
    /// Effective hourly pay after the platform's cut, unpaid qualification and
    /// training time included (needs a pay table and durations; see [`crate::pay`]).
    HourlyPay,
}

impl Metric {
    /// Name as written in policy files.
    pub fn name(self) -> &'static str {
        match self {
            Metric::GoldAccuracy => "gold_accuracy",
            Metric::GoldCorrect => "gold_correct",
            Metric::GoldWrong => "gold_wrong",
            Metric::GoldAnswered => "gold_answered",
            Metric::ModelAccuracy => "model_accuracy",
            Metric::PeerAgreement => "peer_agreement",
            Metric::SpammerScore => "spammer_score",
            Metric::FastShare => "fast_share",
            Metric::Judgments => "judgments",
            Metric::TasksPerDay => "tasks_per_day",
            Metric::HourlyPay => "hourly_pay",
        }
    }

    /// Whether the metric is computed from gold answers.
    pub fn is_gold(self) -> bool {
        matches!(
            self,
            Metric::GoldAccuracy | Metric::GoldCorrect | Metric::GoldWrong | Metric::GoldAnswered
        )
    }

    /// Whether the metric is a probability/share in `[0, 1]` (thresholds must be too).
    pub fn is_share(self) -> bool {
        !matches!(
            self,
            Metric::GoldCorrect
                | Metric::GoldWrong
                | Metric::GoldAnswered
                | Metric::Judgments
                | Metric::TasksPerDay
                | Metric::HourlyPay
        )
    }
}

/// Point estimate or one-sided confidence bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// The ratio correct / answered.
    #[default]
    Point,
    /// One-sided lower confidence bound ("confidently at least").
    Lower,
    /// One-sided upper confidence bound ("confidently at most").
    Upper,
}

/// How a value is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// value < threshold
    Below,
    /// value <= threshold
    AtMost,
    /// value > threshold
    Above,
    /// value >= threshold
    AtLeast,
}

impl Comparison {
    /// Whether `value` satisfies the comparison.
    #[inline]
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Below => value < threshold,
            Comparison::AtMost => value <= threshold,
            Comparison::Above => value > threshold,
            Comparison::AtLeast => value >= threshold,
        }
    }

    /// Symbol for explanations.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Below => "<",
            Comparison::AtMost => "<=",
            Comparison::Above => ">",
            Comparison::AtLeast => ">=",
        }
    }

    /// Whether more correct gold answers push a value away from firing (true for
    /// below/at_most conditions on accuracy-like metrics).
    pub fn fires_on_low(self) -> bool {
        matches!(self, Comparison::Below | Comparison::AtMost)
    }
}

/// One condition of a rule: `metric comparison threshold`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// What is measured.
    pub metric: Metric,
    /// How it is compared.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: f64,
    /// Last N gold answers only (gold metrics), `None` = all time.
    pub window: Option<u32>,
    /// Point estimate or confidence bound (`gold_accuracy` only).
    pub bound: Bound,
    /// One-sided confidence of the bound.
    pub confidence: f64,
    /// Interval method of the bound.
    pub interval: IntervalMethod,
    /// Fast-answer threshold in ms (`fast_share` only).
    pub fast_ms: Option<f64>,
}

/// Wald's sequential probability ratio test on gold answers.
///
/// H0: accuracy = `good`, H1: accuracy = `bad`. Each correct answer adds
/// ln(bad/good) to the log-likelihood ratio, each wrong one ln((1−bad)/(1−good)). The
/// rule fires (H1 accepted) when the ratio reaches A = ln((1−β)/α) and the worker is
/// cleared (H0 accepted, the test stops) when it reaches B = ln(β/(1−α)). `alpha` is
/// the false-action rate for a worker at exactly `good` accuracy, `beta` the miss rate
/// for one at exactly `bad` (Wald 1945; boundaries are Wald's approximations, and the
/// true error rates are slightly lower).
#[derive(Debug, Clone, PartialEq)]
pub struct Sprt {
    /// Accuracy of a good worker (H0).
    pub good: f64,
    /// Accuracy of a bad worker (H1), `< good`.
    pub bad: f64,
    /// False-action (false-ban) rate at `good`.
    pub alpha: f64,
    /// Miss rate at `bad`.
    pub beta: f64,
    /// Truncation: after this many gold answers without a decision the test stops
    /// undecided (route to review); `None` = never.
    pub max_gold: Option<u64>,
    /// ln(bad/good): LLR increment per correct answer.
    pub step_correct: f64,
    /// ln((1−bad)/(1−good)): LLR increment per wrong answer.
    pub step_wrong: f64,
    /// Upper boundary A = ln((1−β)/α).
    pub upper: f64,
    /// Lower boundary B = ln(β/(1−α)).
    pub lower: f64,
}

impl Sprt {
    /// Log-likelihood ratio after `correct` of `answered`.
    #[inline]
    pub fn llr(&self, correct: u64, answered: u64) -> f64 {
        correct as f64 * self.step_correct
            + (answered - correct.min(answered)) as f64 * self.step_wrong
    }
}

/// A Beta-posterior threshold rule: fires when P(accuracy < `threshold` | gold) ≥
/// `probability` under a Beta(`prior`) prior.
#[derive(Debug, Clone, PartialEq)]
pub struct PosteriorRule {
    /// Accuracy threshold.
    pub threshold: f64,
    /// Posterior probability needed to fire.
    pub probability: f64,
    /// Beta prior (a, b); default Jeffreys (½, ½).
    pub prior: (f64, f64),
}

/// One rule: all its conditions (and its sequential tests) must hold for it to fire.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Unique id, quoted in every explanation.
    pub id: String,
    /// Free text.
    pub description: Option<String>,
    /// What happens when it fires.
    pub action: Action,
    /// For suspend (required) and ban (optional): how long, in ms.
    pub duration_ms: Option<i64>,
    /// Also exclude the worker's judgments (untrust) when it fires.
    pub untrust: bool,
    /// Minimum evidence before the rule may fire (gold answers, all time, for rules
    /// with gold conditions or sequential tests; judgments otherwise); 0 = none.
    pub min_evidence: u64,
    /// Conditions (AND).
    pub conditions: Vec<Condition>,
    /// Sequential test (AND with the conditions).
    pub sprt: Option<Sprt>,
    /// Beta-posterior test (AND with the conditions).
    pub posterior: Option<PosteriorRule>,
    /// Line of the rule in the policy file (1-based), 0 when built in code.
    pub line: usize,
}

impl Rule {
    /// Whether a condition looks at a window of the last gold answers.
    pub fn uses_window(&self) -> bool {
        self.conditions.iter().any(|c| c.window.is_some())
    }

    /// Whether the rule's evidence unit is gold answers.
    pub fn counts_gold(&self) -> bool {
        self.sprt.is_some()
            || self.posterior.is_some()
            || self.conditions.iter().any(|c| c.metric.is_gold())
    }

    /// Whether the rule has statistical error control (a sequential test), so it
    /// needs no minimum evidence.
    pub fn is_sequential(&self) -> bool {
        self.sprt.is_some()
    }
}

/// One tier level.
#[derive(Debug, Clone, PartialEq)]
pub struct TierLevel {
    /// Name.
    pub name: String,
    /// Enter this level from the one below when the promote value reaches this.
    pub promote_at: Option<f64>,
    /// Leave this level for the one below when the demote value falls under this.
    pub demote_below: Option<f64>,
}

/// Tiers with hysteresis: promotion and demotion use separate thresholds (and, by
/// default, opposite confidence bounds), and a worker must dwell a minimum time and
/// number of gold answers in a tier before moving again.
#[derive(Debug, Clone, PartialEq)]
pub struct Tiers {
    /// Levels, lowest first.
    pub levels: Vec<TierLevel>,
    /// Starting level index.
    pub start: u16,
    /// Bound used for promotion (default lower).
    pub promote_bound: Bound,
    /// Bound used for demotion (default upper).
    pub demote_bound: Bound,
    /// One-sided confidence of the bounds.
    pub confidence: f64,
    /// Interval method.
    pub interval: IntervalMethod,
    /// Window of last gold answers, `None` = all time.
    pub window: Option<u32>,
    /// Minimum gold answers before any tier change.
    pub min_evidence: u64,
    /// Minimum time in a tier before moving again (ms).
    pub min_dwell_ms: i64,
    /// Minimum gold answers in a tier before moving again.
    pub min_dwell_gold: u64,
}

/// A validated access policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Rules, in file order.
    pub rules: Vec<Rule>,
    /// Tiers, if any.
    pub tiers: Option<Tiers>,
    /// Non-fatal findings (e.g. a rule without minimum evidence), for the text output.
    pub warnings: Vec<String>,
}

impl Policy {
    /// The fast-answer threshold used by `fast_share` conditions, if any.
    pub fn fast_ms(&self) -> Option<f64> {
        self.rules
            .iter()
            .flat_map(|r| &r.conditions)
            .find_map(|c| c.fast_ms)
    }

    /// Rules with a condition on `metric`, as `(id, line)`.
    pub fn rules_using(&self, metric: Metric) -> Vec<(&str, usize)> {
        self.rules
            .iter()
            .filter(|r| r.conditions.iter().any(|c| c.metric == metric))
            .map(|r| (r.id.as_str(), r.line))
            .collect()
    }

    /// Index of a rule by id.
    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }
}
