//! # crowdqc-policy
//!
//! Access rules for crowd workers that are declarative, explained, and statistically
//! honest: a policy file (TOML) of rules over per-worker evidence, tiers with
//! hysteresis, sequential tests with explicit false-ban and miss rates, a live
//! evaluator, a time-ordered replay of historical judgments, exact false-action
//! probabilities, and a simulator that shows what a policy does to good workers and
//! to spammers before it ships.
//!
//! ```
//! use crowdqc_core::evidence::WorkerEvidence;
//! use crowdqc_policy::{Action, parse_policy};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let policy = parse_policy(r#"
//! [[rules]]
//! id = "low-accuracy"
//! action = "suspend"
//! duration = "7d"
//! min_evidence = 20
//! when = [{ metric = "gold_accuracy", bound = "upper", confidence = 0.95, below = 0.75 }]
//! "#)?;
//! let mut ev = WorkerEvidence::default();
//! for i in 0..30 {
//!     ev.record_gold(i % 2 == 0); // 15 of 30 correct
//! }
//! let decision = policy.evaluate(&ev);
//! assert_eq!(decision.action, Action::Suspend);
//! let why = &policy.explain(&decision, &ev)[0];
//! assert_eq!(why.rule, "low-accuracy");
//! println!("{}", why.text());
//! // rule `low-accuracy` (line 2) -> suspend 7d: gold answered (min_evidence) = 30 >= 20 [...];
//! // gold_accuracy (95% one-sided wilson upper bound) over all gold = 0.649 < 0.750
//! // [15 of 30 gold correct]; N more correct gold answers would clear it: ...
//! # Ok(()) }
//! ```
//!
//! From judgments to the decisions table `crowdqc policy eval` writes (a fitted
//! aggregation model can fill `model_accuracy` and `spammer_score` through
//! [`EvidenceTable::fill_from_model`]):
//!
//! ```
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! use crowdqc_policy::{Action, EvidenceTable, parse_policy};
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for g in 0..4 {
//!     b.push_row(IdRef::Int(g), IdRef::Str("ann"), IdRef::Str("yes"))?;
//!     b.push_row(IdRef::Int(g), IdRef::Str("bob"), IdRef::Str("no"))?;
//!     b.push_gold_row(IdRef::Int(g), IdRef::Str("yes"))?;
//! }
//! let m = b.finish()?;
//! let policy = parse_policy(
//!     "[[rules]]\nid = \"wrong\"\naction = \"ban\"\nmin_evidence = 3\n\
//!      when = [{ metric = \"gold_wrong\", at_least = 3 }]\n",
//! )?;
//! let eval = policy.evaluate_table(&EvidenceTable::from_matrix(&m, &policy));
//! assert_eq!(eval.decisions[1].action, Action::Ban); // bob: 4 of 4 wrong
//! let table = eval.to_record_batch()?; // worker, action, duration_ms, untrust, rules, ...
//! assert_eq!(table.num_rows(), 2);
//! # Ok(()) }
//! ```
//!
//! ## The policy file
//!
//! A policy is a list of `[[rules]]` and optional `[tiers]`. Unknown keys, metrics and
//! actions are errors that name the line and list the valid options; thresholds
//! outside `[0, 1]`, negative durations and other out-of-range values are parameter
//! errors naming the key and line; a rule without `min_evidence` (and without a
//! sequential test) is accepted with a warning in [`Policy::warnings`].
//!
//! ```toml
//! name = "example"
//! description = "free text"
//!
//! [[rules]]
//! id = "spammer"                 # quoted in every explanation; unique
//! description = "answers look random"
//! action = "ban"                 # allow | warn | promote | demote | untrust | suspend | ban
//! untrust = true                 # also exclude the worker's judgments (re-aggregate)
//! sprt = { good = 0.85, bad = 0.5, alpha = 0.001, beta = 0.001, max_gold = 30 }
//!
//! [[rules]]
//! id = "last-10"
//! action = "suspend"
//! duration = "10d"               # s, m, h, d, w or "permanent" (ban only); suspend needs one
//! min_evidence = 5               # gold answers (judgments for non-gold rules) before it may fire
//! when = [                       # all must hold (AND)
//!   { metric = "gold_accuracy", window = 10, below = 0.80 },
//! ]
//!
//! [[rules]]
//! id = "confidently-weak"
//! action = "demote"
//! min_evidence = 20
//! posterior = { threshold = 0.80, probability = 0.99, prior = [0.5, 0.5] }
//!
//! [[rules]]
//! id = "too-fast"
//! action = "warn"
//! min_evidence = 50
//! when = [{ metric = "fast_share", fast_ms = 2000, above = 0.5 }]
//!
//! [tiers]
//! start = "probation"
//! promote_bound = "lower"        # promote on a confident lower bound...
//! demote_bound = "upper"         # ...demote on a confident upper bound (hysteresis)
//! confidence = 0.90              # one-sided
//! interval = "wilson"            # wilson | jeffreys | clopper-pearson
//! window = 50                    # last 50 gold answers (omit: all gold)
//! min_evidence = 20
//! min_dwell = "2h"               # minimum time in a tier before moving again
//! min_dwell_gold = 20            # and minimum gold answers in it
//! levels = [
//!   { name = "probation" },
//!   { name = "standard", promote_at = 0.85, demote_below = 0.80 },
//!   { name = "expert",   promote_at = 0.95, demote_below = 0.90 },
//! ]
//! ```
//!
//! **Conditions** (`when`): `metric` plus exactly one of `below`, `at_most`, `above`,
//! `at_least`. Metrics ([`Metric`]): `gold_accuracy` (point, or `bound = "lower"` /
//! `"upper"` with `confidence` and `interval`), `gold_correct`, `gold_wrong`,
//! `gold_answered` (all four over all gold or over the last `window` ≤ 128 gold
//! answers), `model_accuracy`, `peer_agreement`, `spammer_score`, `fast_share`
//! (`fast_ms` required), `judgments`, `tasks_per_day` (tasks ÷ UTC days with a task,
//! from timestamps: a daily quota is `{ metric = "tasks_per_day", below = 200 }`) and
//! `hourly_pay` (effective hourly pay from a [`pay`] table and durations). A
//! condition on an unknown value (no model, no durations, no timestamps) does not
//! hold; a policy with an `hourly_pay` rule and no pay table is an error
//! ([`check_pay`]).
//!
//! **Sequential tests**: `sprt` is Wald's sequential probability ratio test of
//! accuracy `good` (H0) against `bad` (H1) on all gold answers; the rule fires when
//! the log-likelihood ratio reaches ln((1−β)/α) and the test stops, clearing the
//! worker, at ln(β/(1−α)) or at `max_gold`. `alpha` is the false-action rate for a
//! worker at exactly `good` accuracy, `beta` the miss rate at `bad` ([`spec::Sprt`]).
//! `posterior` fires when P(accuracy < `threshold` | gold) ≥ `probability` under a
//! Beta `prior` (default Jeffreys ½, ½); it is re-checked after every answer, so its
//! real false-action rate is higher than 1 − `probability` — measure it with
//! [`exact`] or the simulator.
//!
//! ## Decisions
//!
//! - [`Policy::evaluate`]: a snapshot of [`WorkerEvidence`](crowdqc_core::evidence::WorkerEvidence) → a
//!   [`Decision`]: the most severe action among the rules that fired (allow <
//!   promote < warn < demote < untrust < suspend < ban), the untrust flag, the
//!   duration, the fired rules and a tier move. Sequential tests are judged on the
//!   cumulative counts. [`Policy::evaluate_all`] does many workers in parallel
//!   (1 000 000 workers in ~0.3 s here).
//! - [`Policy::step`] with a [`WorkerState`]: what a live platform calls after each
//!   answer. A rule is reported when it starts firing; bans and suspensions are
//!   applied (a suspended worker's sliding window is emptied, as Toloka does);
//!   sequential tests stop once they decide; tier moves respect the dwell.
//! - [`Policy::explain`]: per fired rule an [`Explanation`]: rule id and line, every
//!   compared quantity with its evidence ("18 of 20 gold correct"), value, threshold
//!   and confidence, and **what would change it** — the smallest run of correct gold
//!   answers that would clear the rule ("3 more correct gold answers would clear it:
//!   …"), or for a worker nothing fired on, the nearest restrictive rule and how many
//!   wrong answers would fire it.
//! - [`replay::replay`]: feeds judgments in timestamp order through [`Policy::step`]
//!   and logs each decision at the time it would have been made; the untrusted
//!   workers can be removed with `JudgmentMatrix::without_workers` before
//!   re-aggregating. [`replay::evidence_from_matrix`] computes evidence (gold counts
//!   and recent outcomes in time order, fast answers, leave-one-out peer agreement)
//!   for a one-shot evaluation.
//!
//! ## Worker statements and pay
//!
//! - [`statement`]: per worker, in plain words for the worker (no jargon, no ids but
//!   their own): work done, gold accuracy with its 95% interval, the standing under
//!   every rule and exactly what would change it ("8 more correct gold answers in a
//!   row would lift it", computed with windows, minimum answers and sequential tests;
//!   or that nothing the worker can do changes it), and with a pay table the effective
//!   hourly pay and the share of unpaid time. `Serialize` and `Display`;
//!   [`statement::statements_from_matrix`] from judgments.
//! - [`pay`]: the pay table format (rate, pools, platform cut, unpaid training and
//!   qualification work, hourly floor) and per-worker pay from `duration_ms`.
//! - [`activity`]: tasks per active day from timestamps.
//!
//! ## Statistics
//!
//! - Binomial bounds ([`stats`]): Wilson, Jeffreys and Clopper–Pearson one-sided
//!   bounds (Brown, Cai & DasGupta, *Statistical Science* 16, 2001), checked against
//!   the table of `qc-practice.md` §2.1 (e.g. 9/10 correct certifies only ≥ 0.65 at
//!   95%; a perfect streak of 16 is needed to certify 0.85).
//! - Wald, *Sequential Analysis* (1947): the SPRT minimises the expected number of
//!   gold answers among tests with the same error rates; its operating characteristic
//!   (P(ban) 0.006 / 0.50 / 0.95 at accuracy 0.92 / 0.86 / 0.80 for 0.92 vs 0.80,
//!   α = 1%, β = 5%) is reproduced exactly in the tests.
//! - Repeated testing: a rule re-checked after every answer is a sequence of tests
//!   with no multiplicity control. [`exact::fire_curve`] computes, by dynamic
//!   programming over the window (2^W states) or over the counts, the exact probability
//!   that rules fire within N gold answers: "under 85% of the last 10" bans a
//!   92%-accurate worker with probability 0.95 within 100 answers and a 95% one with
//!   0.75; Toloka's documented "2 wrong of 3, 2 wrong of 4, or under 80% of ≥ 5 of the
//!   last 10" suspends a 92% worker with probability 0.60 within 100.
//! - The recommended policy (`policies/recommended.toml`) bans 0.04% of 92%-accurate
//!   workers and 99.2% of uniform spammers within 30 gold answers (exact; confirmed
//!   by simulating 100 000 spammers and 20 000 good workers).
//!
//! ## Simulator
//!
//! [`simulate::simulate`] runs a policy and a gold schedule against simulated workers
//! (fixed accuracies, uniform and constant spammers, a worker who degrades) and
//! reports per archetype the probability of each action, the median gold answers until
//! it, and the share of work spent on gold; [`simulate::simulate_with`] accepts any
//! [`GoldSource`](crowdqc_core::evidence::GoldSource), e.g. the adaptive scheduler of
//! `crowdqc-gold`. Workers may have a speed ([`simulate::Pace`]: a seeded log-normal
//! task duration per worker, 8-hour days) so that daily quotas and pay floors can be
//! simulated: a quota of Q tasks a day removes exactly the workers slower than
//! shift ÷ Q per task. Deterministic per seed and identical for any thread count.
//!
//! ## Crate features
//!
//! None.

#![deny(missing_docs)]

pub mod activity;
pub mod eval;
pub mod evidence;
pub mod exact;
pub mod exact_report;
pub mod explain;
pub mod pay;
pub mod replay;
pub mod replay_log;
pub mod report;
pub mod simulate;
pub mod spec;
pub mod statement;
pub mod stats;
mod table;
pub mod timeline;
mod workers_table;

/// The owned id of every report table (core's, re-exported).
pub use crowdqc_core::Id;
pub use eval::{Ban, Decision, TierChange, WorkerState};
pub use evidence::{EvidenceTable, FitModel, ModelFit, check_pay, needs_model};
pub use exact_report::{CurveMethod, ExactOptions, ExactReport, ExactRow, exact_report};
pub use explain::{Clause, Explanation};
pub use replay_log::{LogEntry, ReplayLog};
pub use report::{Evaluation, TierMove, WorkerDecision};
pub use spec::{
    Action, Bound, Comparison, Condition, Metric, Policy, Rule, Tiers, parse_policy, read_policy,
};
pub use timeline::{ReplayOptions, TimeUnit};
