//! Statements as an Arrow table (one row per worker).

use arrow_array::RecordBatch;
use crowdqc_core::Result;

use super::Statements;
use crate::table::{self, Id, count};

impl Statements {
    /// One row per worker: `worker` (input type), `action`, `duration_ms`, `tasks`,
    /// `gold_answered`, `gold_correct`, `gold_accuracy`, `gold_low`, `gold_high`
    /// (Wilson 95%), `tasks_per_day`, `rules_applying` (count), `hourly_pay`,
    /// `unpaid_share`, `earned`, `below_floor`, `statement` (the text).
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let s = &self.statements;
        let pay = |f: &dyn Fn(&super::PayLine) -> Option<f64>| {
            table::floats(s.iter().map(|x| x.pay.as_ref().and_then(f)))
        };
        Ok(RecordBatch::try_from_iter([
            ("worker", Id::column(s.iter().map(|x| &x.worker))),
            ("action", table::strings(s.iter().map(|x| x.action.name()))),
            (
                "duration_ms",
                table::opt_ints(s.iter().map(|x| x.duration_ms)),
            ),
            ("tasks", table::ints(s.iter().map(|x| count(x.work.tasks)))),
            (
                "gold_answered",
                table::ints(s.iter().map(|x| count(x.work.gold_answered))),
            ),
            (
                "gold_correct",
                table::ints(s.iter().map(|x| count(x.work.gold_correct))),
            ),
            (
                "gold_accuracy",
                table::floats(s.iter().map(|x| x.gold.as_ref().map(|g| g.accuracy))),
            ),
            (
                "gold_low",
                table::floats(s.iter().map(|x| x.gold.as_ref().map(|g| g.low))),
            ),
            (
                "gold_high",
                table::floats(s.iter().map(|x| x.gold.as_ref().map(|g| g.high))),
            ),
            (
                "tasks_per_day",
                table::floats(s.iter().map(|x| x.work.tasks_per_day)),
            ),
            (
                "rules_applying",
                table::ints(
                    s.iter()
                        .map(|x| x.rules.iter().filter(|r| r.applies).count() as i64),
                ),
            ),
            ("hourly_pay", pay(&|p| p.pay.hourly)),
            ("unpaid_share", pay(&|p| p.pay.unpaid_share)),
            ("earned", pay(&|p| Some(p.pay.earned))),
            (
                "below_floor",
                table::opt_bools(s.iter().map(|x| x.pay.as_ref().and_then(|p| p.below_floor))),
            ),
            (
                "statement",
                table::strings(s.iter().map(ToString::to_string)),
            ),
        ])?)
    }
}
