//! Worker statements: for each worker, in plain words, the work they did, their
//! accuracy on gold questions with its interval, where they stand under each rule
//! of the policy and exactly what would change it, and — with a pay table — what the
//! work effectively paid per hour, unpaid qualification and training time included.
//!
//! The words are for the worker: no statistical jargon and no ids but their own.
//! [`Statement`] and [`Statements`] are `Serialize` (JSON for platforms) and
//! `Display` (the text a worker reads).
//!
//! ```
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! use crowdqc_policy::parse_policy;
//! use crowdqc_policy::statement::{Change, statements_from_matrix};
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for g in 0..10 {
//!     // ann answers 6 of 10 gold questions correctly
//!     let label = if g < 6 { "yes" } else { "no" };
//!     b.push_row(IdRef::Int(g), IdRef::Str("ann"), IdRef::Str(label))?;
//!     b.push_gold_row(IdRef::Int(g), IdRef::Str("yes"))?;
//! }
//! let m = b.finish()?;
//! let policy = parse_policy(
//!     "[[rules]]\nid = \"accuracy\"\naction = \"suspend\"\nduration = \"7d\"\n\
//!      min_evidence = 10\nwhen = [{ metric = \"gold_accuracy\", below = 0.8 }]\n",
//! )?;
//! let s = statements_from_matrix(&m, &policy, None)?;
//! let ann = s.worker("ann")?;
//! // 6/10 -> 14/18 = 0.78 still under 0.8, 16/20 = 0.8 clears it
//! assert_eq!(ann.rules[0].change, Change::CorrectAnswers { answers: 10 });
//! assert!(ann.to_string().contains("10 more correct gold answers in a row would lift it"));
//! println!("{ann}");
//! # Ok(()) }
//! ```
//!
//! **What would change it** is exact: the smallest number of further correct gold
//! answers after which the rule no longer applies (windows of the last N answers,
//! minimum-answer conditions and sequential tests all taken into account; see
//! [`change`]), or for a rule that does not apply, how many wrong answers in a row
//! would make it apply. When no number of correct answers changes a rule (wrong
//! answers it never forgets, a permanent ban, a rule about something else than gold
//! answers), the statement says so and what, if anything, would.

pub mod change;
mod table;
mod text;
mod words;

use crowdqc_core::interval::{two_sided_z, wilson_z};
use crowdqc_core::{Error, JudgmentMatrix, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::activity::{Activity, activity_by_worker};
use crate::eval::rule_fires;
use crate::evidence::{EvidenceTable, check_pay};
use crate::pay::{PayTable, WorkerPay, pay_by_worker};
use crate::spec::{Action, Policy};
use crate::table::Id;

/// Two-sided confidence of the gold accuracy interval (as `crowdqc gold score`).
pub const GOLD_CONFIDENCE: f64 = 0.95;

/// The work a worker did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkDone {
    /// Tasks (judgments) submitted.
    pub tasks: u64,
    /// Gold (known-answer) questions answered.
    pub gold_answered: u64,
    /// Of those, answered correctly.
    pub gold_correct: u64,
    /// Days (UTC) with at least one task, when timestamps are known.
    pub active_days: Option<u64>,
    /// Tasks per active day, when timestamps are known.
    pub tasks_per_day: Option<f64>,
}

/// Accuracy on gold with its interval: Wilson at 95% two-sided, the interval
/// `crowdqc gold score` reports by default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldAccuracy {
    /// Correct gold answers.
    pub correct: u64,
    /// Gold answers.
    pub answered: u64,
    /// correct / answered.
    pub accuracy: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// Two-sided confidence of the interval.
    pub confidence: f64,
}

/// What would change a rule's outcome for the worker.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Change {
    /// The rule applies; this many more correct gold answers (in a row) would lift it.
    CorrectAnswers {
        /// Further correct gold answers needed (exact, minimal).
        answers: u64,
    },
    /// The rule (a promotion) does not apply yet; this many more correct gold
    /// answers would earn it.
    CorrectToEarn {
        /// Further correct gold answers needed.
        answers: u64,
    },
    /// The rule does not apply; this many wrong gold answers in a row would make it
    /// apply.
    WrongAnswers {
        /// Wrong gold answers in a row that would trigger it.
        answers: u64,
    },
    /// The rule does not apply and is far from applying (no run of wrong answers
    /// within the look-ahead, or it does not look at gold answers and is clear).
    Clear,
    /// The rule's sequential test has ended for the worker without applying (it
    /// cleared them, or reached its last gold answer): it will not apply.
    Ended,
    /// Nothing the worker can do through their answers changes it.
    Nothing {
        /// Why, in words.
        reason: String,
    },
    /// Something other than gold answers would change it, in words (doing more tasks
    /// a day, the pay rate, agreement with other workers).
    Other {
        /// What would, in words.
        what: String,
    },
}

/// Where the worker stands under one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleStanding {
    /// The rule's id in the policy file (for the platform; the text does not show it).
    pub rule_id: String,
    /// Whether the rule applies to the worker now.
    pub applies: bool,
    /// What the rule does.
    pub action: Action,
    /// For how long (ms), for suspensions and temporary bans.
    pub duration_ms: Option<i64>,
    /// The rule in plain words, with the worker's own figures.
    pub rule: String,
    /// What would change the outcome.
    pub change: Change,
    /// The whole standing as one or two sentences.
    pub text: String,
}

/// Pay for the worker's work, from a pay table and durations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayLine {
    /// Currency of the amounts.
    pub currency: String,
    /// The figures.
    #[serde(flatten)]
    pub pay: WorkerPay,
    /// Share of each payment the platform keeps.
    pub platform_cut: f64,
    /// The hourly floor of the pay table, if any.
    pub hourly_floor: Option<f64>,
    /// Whether the effective hourly pay is below the floor.
    pub below_floor: Option<bool>,
}

/// One worker's statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// The worker's own id.
    pub worker: Id,
    /// Work done.
    pub work: WorkDone,
    /// Accuracy on gold, when they answered any.
    pub gold: Option<GoldAccuracy>,
    /// The overall outcome: the most severe action of the rules that apply.
    pub action: Action,
    /// Its duration (ms), for suspensions and temporary bans.
    pub duration_ms: Option<i64>,
    /// The overall outcome in words.
    pub outcome: String,
    /// One entry per rule of the policy, in policy order.
    pub rules: Vec<RuleStanding>,
    /// Pay, with a pay table.
    pub pay: Option<PayLine>,
}

/// Statements for every worker of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statements {
    /// The policy's name.
    pub policy: String,
    /// Caveats about the data (no timestamps, no gold, ...), for the platform.
    pub notes: Vec<String>,
    /// One statement per worker, in table order.
    pub statements: Vec<Statement>,
}

impl Statements {
    /// The statement of the worker whose id reads `id`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `--worker` when no worker has that id.
    pub fn worker(&self, id: &str) -> Result<&Statement> {
        self.statements
            .iter()
            .find(|s| s.worker.to_string() == id)
            .ok_or_else(|| {
                Error::param(
                    "--worker",
                    format!(
                        "no worker `{id}` in the judgments ({} workers); check the id \
                         and the worker column",
                        self.statements.len()
                    ),
                )
            })
    }

    /// Keeps only the statement of worker `id`.
    ///
    /// # Errors
    /// As [`Statements::worker`].
    pub fn only(mut self, id: &str) -> Result<Self> {
        let s = self.worker(id)?.clone();
        self.statements = vec![s];
        Ok(self)
    }
}

/// Gold accuracy with the gold layer's interval, `None` without gold answers.
pub fn gold_accuracy(correct: u64, answered: u64) -> Option<GoldAccuracy> {
    (answered > 0).then(|| {
        let ci = wilson_z(correct, answered, two_sided_z(GOLD_CONFIDENCE));
        GoldAccuracy {
            correct,
            answered,
            accuracy: correct as f64 / answered as f64,
            low: ci.low,
            high: ci.high,
            confidence: GOLD_CONFIDENCE,
        }
    })
}

/// Statements for every worker of an evidence table (e.g. with a fitted model
/// filled in), with optional activity and pay aligned with the table's rows. Workers
/// are done in parallel (rayon); the result is in table order and identical for any
/// thread count.
///
/// # Errors
/// A policy that looks at pay without `pay` ([`check_pay`]); `activity` or `pay`
/// of another length than the table.
pub fn statements(
    policy: &Policy,
    table: &EvidenceTable,
    activity: Option<&[Activity]>,
    pay: Option<(&PayTable, &[WorkerPay])>,
) -> Result<Statements> {
    check_pay(policy, pay.map(|p| p.0))?;
    let n = table.len();
    if activity.is_some_and(|a| a.len() != n) || pay.is_some_and(|p| p.1.len() != n) {
        return Err(Error::param(
            "statements",
            format!("activity or pay rows do not match the {n} workers of the evidence"),
        ));
    }
    let statements = (0..n)
        .into_par_iter()
        .with_min_len(256)
        .map(|w| {
            let ev = &table.evidence[w];
            let mut ev = ev.clone();
            if let Some((_, p)) = pay {
                ev.hourly_pay = p[w].hourly;
            }
            let known = table.window_known.get(w).copied().unwrap_or(true);
            let d = policy.evaluate_known(&ev, known);
            let rules = policy
                .rules
                .iter()
                .filter(|r| known || !r.uses_window())
                .map(|r| words::standing(r, &ev, rule_fires(r, &ev), pay.map(|p| p.0)))
                .collect();
            let act = activity.map(|a| a[w]);
            Statement {
                worker: table.workers[w].clone(),
                work: WorkDone {
                    tasks: ev.judgments,
                    gold_answered: ev.gold_answered,
                    gold_correct: ev.gold_correct,
                    active_days: act.map(|a| a.days),
                    tasks_per_day: act.and_then(|a| a.per_day()).or(ev.tasks_per_day),
                },
                gold: gold_accuracy(ev.gold_correct, ev.gold_answered),
                action: d.action,
                duration_ms: d.duration_ms,
                outcome: words::outcome(policy, &d),
                rules,
                pay: pay.map(|(t, p)| PayLine {
                    currency: t.currency.clone(),
                    pay: p[w].clone(),
                    platform_cut: t.platform_cut,
                    hourly_floor: t.hourly_floor,
                    below_floor: p[w].below_floor(t),
                }),
            }
        })
        .collect();
    Ok(Statements {
        policy: policy.name.clone(),
        notes: table.notes.clone(),
        statements,
    })
}

/// Statements from judgments (with gold joined): evidence as
/// [`EvidenceTable::from_matrix`], activity from timestamps, pay from `pay` and the
/// `duration_ms` column.
///
/// # Errors
/// Pay requested without durations (naming `duration_ms` / `--duration-column`); a
/// policy that looks at pay without a pay table; those of [`pay_by_worker`].
pub fn statements_from_matrix(
    m: &JudgmentMatrix,
    policy: &Policy,
    pay: Option<&PayTable>,
) -> Result<Statements> {
    check_pay(policy, pay)?;
    let mut table = EvidenceTable::from_matrix(m, policy);
    let worker_pay = pay.map(|p| pay_by_worker(m, p)).transpose()?;
    if let Some(wp) = &worker_pay {
        table.fill_pay(wp)?;
    }
    let activity = activity_by_worker(m);
    statements(
        policy,
        &table,
        activity.as_deref(),
        pay.zip(worker_pay.as_deref()),
    )
}
