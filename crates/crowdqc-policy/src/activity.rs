//! Activity from timestamps: tasks per active day.

use crowdqc_core::JudgmentMatrix;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Per worker: judgments and the UTC calendar days with at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Activity {
    /// Judgments submitted.
    pub tasks: u64,
    /// UTC calendar days on which the worker submitted at least one judgment.
    pub days: u64,
}

impl Activity {
    /// Tasks per active day, `None` without a day.
    pub fn per_day(&self) -> Option<f64> {
        (self.days > 0).then(|| self.tasks as f64 / self.days as f64)
    }
}

/// Tasks and active UTC days per worker (index = worker code), `None` when the
/// judgments have no timestamp column.
pub fn activity_by_worker(m: &JudgmentMatrix) -> Option<Vec<Activity>> {
    let ts = m.timestamps()?;
    let mut buf: Vec<i64> = Vec::new();
    Some(
        (0..m.n_workers() as u32)
            .map(|w| {
                buf.clear();
                buf.extend(
                    m.worker_judgments(w)
                        .iter()
                        .map(|&p| ts[p as usize].div_euclid(DAY_MS)),
                );
                let tasks = buf.len() as u64;
                buf.sort_unstable();
                buf.dedup();
                Activity {
                    tasks,
                    days: buf.len() as u64,
                }
            })
            .collect(),
    )
}
