//! Gold scheduling: per request ([`GoldScheduler`]) and per batch of pages
//! ([`plan_pages`]).

mod batch;
mod online;
mod params;
mod pool;
mod state;

pub use batch::{PageParams, PagePlan, PlanRow, RowKind, plan_pages};
pub use online::{GoldReason, GoldScheduler, ScheduleStats, Slot, WorkerStatus, WorkerView};
pub use params::{AdaptiveRule, ScheduleParams};
pub use pool::GoldPool;
pub use state::{STATE_MAGIC, STATE_VERSION};
