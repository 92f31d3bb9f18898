//! # crowdqc-policy
//!
//! (guide written below)

#![deny(missing_docs)]

pub mod eval;
pub mod exact;
pub mod explain;
pub mod replay;
pub mod simulate;
pub mod spec;
pub mod stats;

pub use eval::{Decision, TierChange, WorkerState};
pub use explain::{Clause, Explanation};
pub use spec::{
    Action, Bound, Comparison, Condition, Metric, Policy, Rule, Tiers, parse_policy, read_policy,
};
