//! Typed reports of a policy evaluation: one decision per worker with ids, rule ids
//! and tier names resolved, convertible to an Arrow table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use arrow_array::RecordBatch;
use crowdqc_core::Result;
use rayon::prelude::*;
use serde::Serialize;

use crate::eval::Decision;
use crate::evidence::EvidenceTable;
use crate::explain::{Explanation, fmt_duration};
use crate::spec::{Action, Policy};
use crate::table::{self, Id};

/// A tier move with level names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierMove {
    /// Level before.
    pub from: String,
    /// Level after.
    pub to: String,
}

/// One worker's decision with names resolved (a row of [`Evaluation`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerDecision {
    /// Worker id.
    pub worker: Id,
    /// The most severe action that fired (`allow` when none).
    pub action: Action,
    /// Duration of the action, ms (suspension, temporary ban).
    pub duration_ms: Option<i64>,
    /// Whether the worker's judgments are to be excluded.
    pub untrust: bool,
    /// Ids of the rules that fired, in policy order.
    pub rules: Vec<String>,
    /// A tier move, if any.
    pub tier: Option<TierMove>,
    /// Why (each fired rule, a tier move, or the restrictive rule nearest to firing).
    pub explanations: Vec<Explanation>,
    /// Whether rules over a gold window could be evaluated for this worker (false for
    /// stats rows without `recent_gold`).
    pub window_evaluated: bool,
}

impl WorkerDecision {
    /// A decision with the worker id, rule ids and tier names resolved.
    pub fn resolve(
        policy: &Policy,
        worker: Id,
        d: &Decision,
        explanations: Vec<Explanation>,
    ) -> Self {
        WorkerDecision {
            worker,
            action: d.action,
            duration_ms: d.duration_ms,
            untrust: d.untrust,
            rules: d
                .fired
                .iter()
                .map(|&i| policy.rules[i as usize].id.clone())
                .collect(),
            tier: d.tier.and_then(|tc| {
                policy.tiers.as_ref().map(|t| TierMove {
                    from: t.levels[tc.from as usize].name.clone(),
                    to: t.levels[tc.to as usize].name.clone(),
                })
            }),
            explanations,
            window_evaluated: true,
        }
    }

    /// Whether anything happened (a rule fired or the tier moved).
    pub fn is_event(&self) -> bool {
        !self.rules.is_empty() || self.tier.is_some()
    }

    /// The action in words: `suspend 7d + untrust (tier standard -> probation)`.
    pub fn action_words(&self) -> String {
        let mut s = self.action.name().to_string();
        if let Some(ms) = self.duration_ms {
            let _ = write!(s, " {}", fmt_duration(ms));
        }
        if self.untrust && self.action != Action::Untrust {
            s.push_str(" + untrust");
        }
        if let Some(t) = &self.tier {
            let _ = write!(s, " (tier {} -> {})", t.from, t.to);
        }
        s
    }

    /// The explanations joined into one line (` | ` between them).
    pub fn explanation_text(&self) -> String {
        self.explanations
            .iter()
            .map(Explanation::text)
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

/// The decisions of a policy for every worker of an [`EvidenceTable`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Policy name.
    pub policy: String,
    /// The policy's warnings and the evidence's notes.
    pub warnings: Vec<String>,
    /// Workers evaluated.
    pub workers: usize,
    /// Workers per action name (every action, zeros included).
    pub summary: BTreeMap<&'static str, u64>,
    /// Workers whose judgments are to be excluded.
    pub untrusted: Vec<Id>,
    /// One decision per worker, in table order.
    pub decisions: Vec<WorkerDecision>,
}

impl Policy {
    /// Evaluates the policy for every worker of the table (in parallel, identical for
    /// any thread count) and explains each decision. Rules over a gold window are
    /// skipped for workers whose window is unknown ([`Policy::evaluate_known`]).
    pub fn evaluate_table(&self, t: &EvidenceTable) -> Evaluation {
        let decisions: Vec<WorkerDecision> = (0..t.len())
            .into_par_iter()
            .with_min_len(1024)
            .map(|w| {
                let known = t.window_known.get(w).copied().unwrap_or(true);
                let ev = &t.evidence[w];
                let d = self.evaluate_known(ev, known);
                let x = self.explain_known(&d, ev, known);
                let mut row = WorkerDecision::resolve(self, t.workers[w].clone(), &d, x);
                row.window_evaluated = known || self.uses_window().is_empty();
                row
            })
            .collect();
        let mut summary: BTreeMap<&'static str, u64> =
            Action::ALL.iter().map(|a| (a.name(), 0)).collect();
        for d in &decisions {
            *summary.entry(d.action.name()).or_default() += 1;
        }
        Evaluation {
            policy: self.name.clone(),
            warnings: self.warnings.iter().chain(&t.notes).cloned().collect(),
            workers: decisions.len(),
            summary,
            untrusted: decisions
                .iter()
                .filter(|d| d.untrust)
                .map(|d| d.worker.clone())
                .collect(),
            decisions,
        }
    }
}

impl Evaluation {
    /// The decisions table: `worker` (input type), `action`, `duration_ms`, `untrust`,
    /// `rules` (`;`-separated ids), `tier` (level moved to), `window_evaluated`,
    /// `explanation` (empty when nothing happened).
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let d = &self.decisions;
        Ok(RecordBatch::try_from_iter([
            ("worker", table::id_column(d.iter().map(|r| &r.worker))),
            ("action", table::strings(d.iter().map(|r| r.action.name()))),
            (
                "duration_ms",
                table::opt_ints(d.iter().map(|r| r.duration_ms)),
            ),
            ("untrust", table::bools(d.iter().map(|r| r.untrust))),
            ("rules", table::strings(d.iter().map(|r| r.rules.join(";")))),
            (
                "tier",
                table::opt_strings(d.iter().map(|r| r.tier.as_ref().map(|t| t.to.as_str()))),
            ),
            (
                "window_evaluated",
                table::bools(d.iter().map(|r| r.window_evaluated)),
            ),
            (
                "explanation",
                table::strings(d.iter().map(|r| {
                    if r.is_event() {
                        r.explanation_text()
                    } else {
                        String::new()
                    }
                })),
            ),
        ])?)
    }

    /// The report as text: warnings, counts per action, untrusted workers, then each
    /// worker something happened to (every worker with `all`) with its explanations.
    pub fn text(&self, all: bool) -> String {
        let mut s = String::new();
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        let _ = writeln!(
            s,
            "policy `{}`: {} workers",
            self.policy,
            self.decisions.len()
        );
        for a in Action::ALL.iter().rev() {
            let n = self.summary.get(a.name()).copied().unwrap_or(0);
            if n > 0 {
                let _ = writeln!(s, "  {:<8} {n}", a.name());
            }
        }
        if !self.untrusted.is_empty() {
            let ids: Vec<String> = self.untrusted.iter().map(Id::to_string).collect();
            let _ = writeln!(
                s,
                "untrusted ({}; exclude their judgments and re-aggregate): {}",
                ids.len(),
                ids.join(", ")
            );
        }
        for d in self.decisions.iter().filter(|d| all || d.is_event()) {
            let _ = writeln!(s, "\n{}: {}", d.worker, d.action_words());
            for x in &d.explanations {
                let _ = writeln!(s, "  {}", x.text());
            }
            if !d.window_evaluated {
                let _ = writeln!(
                    s,
                    "  window rules not evaluated: aggregate stats do not say which gold \
                     answers were recent"
                );
            }
        }
        s
    }
}
