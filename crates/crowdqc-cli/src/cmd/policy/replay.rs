//! `crowdqc policy replay`: a time-ordered replay of judgments.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
use crowdqc::policy::replay::replay;
use crowdqc::policy::{Explanation, read_policy};
use crowdqc::{Error, Result};
use serde_json::{Value, json};

use super::{ReplayArgs, action_words, decision_json, warnings_text};
use crate::common::{self, Format};

/// Formats ms since the epoch as RFC 3339 UTC (`2024-05-01T12:00:00.000Z`).
fn rfc3339(ms: i64) -> String {
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

/// Runs `crowdqc policy replay`.
pub(super) fn run(a: ReplayArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    if let Some(p) = &a.out {
        crowdqc_io::check_output_path(p)?;
    }
    let m = common::load(&a.judgments, &a.input, a.gold.as_deref())?;
    let r = replay(&policy, &m)?;
    let name = |w: u32| m.workers().get(w).to_string();
    if let Some(p) = &a.out {
        let ev = &r.events;
        let cols: Vec<(&str, ArrayRef)> = vec![
            (
                "timestamp_ms",
                Arc::new(Int64Array::from_iter_values(
                    ev.iter().map(|e| e.timestamp_ms),
                )),
            ),
            (
                "worker",
                Arc::new(StringArray::from_iter_values(
                    ev.iter().map(|e| name(e.worker)),
                )),
            ),
            (
                "action",
                Arc::new(StringArray::from_iter_values(
                    ev.iter().map(|e| e.decision.action.name()),
                )),
            ),
            (
                "duration_ms",
                Arc::new(Int64Array::from(
                    ev.iter()
                        .map(|e| e.decision.duration_ms)
                        .collect::<Vec<_>>(),
                )),
            ),
            (
                "untrust",
                Arc::new(BooleanArray::from(
                    ev.iter().map(|e| e.decision.untrust).collect::<Vec<_>>(),
                )),
            ),
            (
                "rules",
                Arc::new(StringArray::from_iter_values(ev.iter().map(|e| {
                    e.decision
                        .fired
                        .iter()
                        .map(|&i| policy.rules[i as usize].id.as_str())
                        .collect::<Vec<_>>()
                        .join(";")
                }))),
            ),
            (
                "gold_answered",
                Arc::new(Int64Array::from_iter_values(
                    ev.iter().map(|e| e.gold_answered as i64),
                )),
            ),
            (
                "gold_correct",
                Arc::new(Int64Array::from_iter_values(
                    ev.iter().map(|e| e.gold_correct as i64),
                )),
            ),
            (
                "explanation",
                Arc::new(StringArray::from_iter_values(ev.iter().map(|e| {
                    e.explanations
                        .iter()
                        .map(Explanation::text)
                        .collect::<Vec<_>>()
                        .join(" | ")
                }))),
            ),
        ];
        let batch = RecordBatch::try_from_iter(cols).map_err(|e| Error::External {
            context: "decision log".into(),
            message: e.to_string(),
        })?;
        crowdqc_io::write_table(p, &batch)?;
    }
    let untrusted: Vec<String> = r.untrusted.iter().map(|&w| name(w)).collect();
    match a.format {
        Format::Json => {
            let events: Vec<Value> = r
                .events
                .iter()
                .map(|e| {
                    let mut v =
                        decision_json(&policy, &name(e.worker), &e.decision, &e.explanations);
                    v["timestamp_ms"] = json!(e.timestamp_ms);
                    v["time"] = json!(rfc3339(e.timestamp_ms));
                    v["gold_answered"] = json!(e.gold_answered);
                    v["gold_correct"] = json!(e.gold_correct);
                    v
                })
                .collect();
            common::print_out(&common::to_json(&json!({
                "policy": policy.name,
                "warnings": policy.warnings,
                "judgments": m.n_judgments(),
                "after_restriction": r.after_restriction,
                "untrusted": untrusted,
                "events": events,
            }))?)
        }
        Format::Text => {
            let mut s = warnings_text(&policy);
            let _ = writeln!(
                s,
                "policy `{}`: {} judgments replayed in time order, {} decisions; {} judgments came from workers while banned or suspended",
                policy.name,
                m.n_judgments(),
                r.events.len(),
                r.after_restriction
            );
            if m.gold().is_empty() {
                s.push_str("warning: no gold labels: gold rules never fire (pass --gold)\n");
            }
            if !untrusted.is_empty() {
                let _ = writeln!(s, "untrusted: {}", untrusted.join(", "));
            }
            for e in &r.events {
                let _ = writeln!(
                    s,
                    "{}  {}  {}  [{} of {} gold correct]",
                    rfc3339(e.timestamp_ms),
                    name(e.worker),
                    action_words(&policy, &e.decision),
                    e.gold_correct,
                    e.gold_answered
                );
                for x in &e.explanations {
                    let _ = writeln!(s, "    {}", x.text());
                }
            }
            common::print_out(&s)
        }
    }
}
