//! The replay's decision log with ids and names resolved, as text and as an Arrow
//! table.

use std::fmt::Write as _;

use arrow_array::RecordBatch;
use crowdqc_core::{JudgmentMatrix, Result};
use serde::Serialize;

use crate::explain::Explanation;
use crate::replay::{Clock, ReplayReport};
use crate::report::WorkerDecision;
use crate::spec::Policy;
use crate::table::{self, Id};

/// Formats ms since the epoch as RFC 3339 UTC (`2024-05-01T12:00:00.000Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // civil_from_days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// One logged decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    /// When (ms since the epoch); `None` for a replay without a clock.
    pub timestamp_ms: Option<i64>,
    /// The same time in RFC 3339 (UTC).
    pub time: Option<String>,
    /// Gold answered at that moment.
    pub gold_answered: u64,
    /// Gold correct at that moment.
    pub gold_correct: u64,
    /// The decision (worker id, action, rules, tier move, explanations).
    #[serde(flatten)]
    pub decision: WorkerDecision,
}

/// A replay's log, ready to render or write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayLog {
    /// Policy name.
    pub policy: String,
    /// The policy's warnings and notes on the data.
    pub warnings: Vec<String>,
    /// What ordered the judgments.
    pub clock: Clock,
    /// Judgments replayed.
    pub judgments: u64,
    /// Judgments from workers while banned or suspended.
    pub after_restriction: u64,
    /// Workers untrusted by the end.
    pub untrusted: Vec<Id>,
    /// Decisions in order.
    pub events: Vec<LogEntry>,
}

impl ReplayReport {
    /// The log with ids, rule ids and tier names resolved.
    pub fn log(&self, policy: &Policy, m: &JudgmentMatrix) -> ReplayLog {
        let mut warnings = policy.warnings.clone();
        if self.clock == Clock::ItemOrder {
            warnings.push(
                "no timestamp column: judgments replayed item by item with no clock, so \
                 suspensions last to the end of the data and min_dwell never elapses \
                 (add a timestamp column for a real replay)"
                    .into(),
            );
        }
        if m.gold().is_empty() {
            warnings.push("no gold labels: gold rules never fire (pass --gold)".into());
        }
        let timed = self.clock == Clock::Timestamps;
        ReplayLog {
            policy: policy.name.clone(),
            warnings,
            clock: self.clock,
            judgments: m.n_judgments() as u64,
            after_restriction: self.after_restriction,
            untrusted: self
                .untrusted
                .iter()
                .map(|&w| Id::from(m.workers().get(w)))
                .collect(),
            events: self
                .events
                .iter()
                .map(|e| LogEntry {
                    timestamp_ms: timed.then_some(e.timestamp_ms),
                    time: timed.then(|| rfc3339(e.timestamp_ms)),
                    gold_answered: e.gold_answered,
                    gold_correct: e.gold_correct,
                    decision: WorkerDecision::resolve(
                        policy,
                        Id::from(m.workers().get(e.worker)),
                        &e.decision,
                        e.explanations.clone(),
                    ),
                })
                .collect(),
        }
    }
}

impl ReplayLog {
    /// The log table: `timestamp_ms` (null without a clock), `worker` (input type),
    /// `action`, `duration_ms`, `untrust`, `rules`, `gold_answered`, `gold_correct`,
    /// `explanation`.
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let e = &self.events;
        Ok(RecordBatch::try_from_iter([
            (
                "timestamp_ms",
                table::opt_ints(e.iter().map(|x| x.timestamp_ms)),
            ),
            (
                "worker",
                table::id_column(e.iter().map(|x| &x.decision.worker)),
            ),
            (
                "action",
                table::strings(e.iter().map(|x| x.decision.action.name())),
            ),
            (
                "duration_ms",
                table::opt_ints(e.iter().map(|x| x.decision.duration_ms)),
            ),
            (
                "untrust",
                table::bools(e.iter().map(|x| x.decision.untrust)),
            ),
            (
                "rules",
                table::strings(e.iter().map(|x| x.decision.rules.join(";"))),
            ),
            (
                "gold_answered",
                table::ints(e.iter().map(|x| table::count(x.gold_answered))),
            ),
            (
                "gold_correct",
                table::ints(e.iter().map(|x| table::count(x.gold_correct))),
            ),
            (
                "explanation",
                table::strings(e.iter().map(|x| x.decision.explanation_text())),
            ),
        ])?)
    }

    /// The log as text: a summary line, then one line per decision with its
    /// explanations.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        let order = match self.clock {
            Clock::Timestamps => "in time order",
            Clock::ItemOrder => "item by item",
        };
        let _ = writeln!(
            s,
            "policy `{}`: {} judgments replayed {order}, {} decisions; {} judgments came \
             from workers while banned or suspended",
            self.policy,
            self.judgments,
            self.events.len(),
            self.after_restriction
        );
        if !self.untrusted.is_empty() {
            let ids: Vec<String> = self.untrusted.iter().map(Id::to_string).collect();
            let _ = writeln!(s, "untrusted: {}", ids.join(", "));
        }
        for e in &self.events {
            let _ = writeln!(
                s,
                "{}  {}  {}  [{} of {} gold correct]",
                e.time.as_deref().unwrap_or("-"),
                e.decision.worker,
                e.decision.action_words(),
                e.gold_correct,
                e.gold_answered
            );
            for x in &e.decision.explanations {
                let _ = writeln!(s, "    {}", Explanation::text(x));
            }
        }
        s
    }
}
