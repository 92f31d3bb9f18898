//! crowdqc-gold (docs below are being written).
#![deny(missing_docs)]

mod interval;
mod score;

pub use interval::{
    Interval, IntervalMethod, binomial_interval, binomial_test, check_confidence,
    jeffreys_prob_below, lower_bound,
};
pub use score::{
    DivergenceDirection, Forgive, Forgiven, GoldItem, GoldParams, GoldScores, ModelComparison,
    WorkerGold,
};
mod schedule;
pub use schedule::{
    GoldPool, GoldReason, GoldScheduler, PageParams, PagePlan, PlanRow, RowKind, ScheduleParams,
    ScheduleStats, Slot, WorkerStatus, WorkerView, plan_pages,
};
