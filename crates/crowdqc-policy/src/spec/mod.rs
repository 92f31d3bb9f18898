//! Policy files: the validated model and the TOML reader.

mod model;
mod parse;

pub use model::{
    Action, Bound, Comparison, Condition, Metric, Policy, PosteriorRule, Rule, Sprt, TierLevel,
    Tiers,
};
pub use parse::{MAX_DURATION_MS, MAX_RULES, parse_duration, parse_policy, read_policy};
