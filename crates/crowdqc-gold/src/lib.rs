//! # crowdqc-gold
//!
//! Gold (known-answer) questions done with honest uncertainty: score workers on gold
//! with confidence intervals, find bad gold and forgive it retroactively, compare gold
//! accuracy with a model's, and schedule gold — per task request, the way a platform
//! calls it, or as a batch of pages.
//!
//! ## Why
//!
//! Platforms cut workers off on point estimates over a handful of gold answers, yet
//! 9 of 10 correct certifies only about 65% accuracy at 95% confidence (one-sided
//! Wilson bound), and a perfect streak of 16 (Wilson) or 19 (Clopper–Pearson) answers
//! is needed before "at least 85%" can be claimed. Gold answers are sometimes wrong,
//! and a gold item every worker misses is more likely bad gold than a bad crowd.
//! This crate reports accuracy as an interval, flags contested gold, lets a reviewer
//! forgive it (re-scoring everyone who answered it), and spends gold where it buys
//! information: on new and uncertain workers, with a covert floor for trusted ones.
//!
//! ## Example
//!
//! ```
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! use crowdqc_gold::{Forgive, GoldParams, IntervalMethod};
//!
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (item, worker, label) in [
//!     ("q1", "ann", "cat"), ("q1", "bob", "cat"), ("q1", "cy", "cat"),
//!     ("q2", "ann", "dog"), ("q2", "bob", "dog"), ("q2", "cy", "cat"),
//!     ("t9", "ann", "dog"),
//! ] {
//!     b.push_row(IdRef::Str(item), IdRef::Str(worker), IdRef::Str(label))?;
//! }
//! b.push_gold_row(IdRef::Str("q1"), IdRef::Str("dog"))?; // a wrong gold answer
//! b.push_gold_row(IdRef::Str("q2"), IdRef::Str("dog"))?;
//! let m = b.finish()?;
//!
//! let scores = GoldParams::new()
//!     .interval(IntervalMethod::Wilson)
//!     .confidence(0.95)
//!     .score(&m)?;
//! let ann = scores.worker(0);
//! assert_eq!((ann.answered, ann.correct), (2, 1));
//! assert!(ann.interval.low < 0.1 && ann.interval.high > 0.9); // two answers say little
//!
//! // every worker answered `cat` on q1: the crowd confidently contests its gold
//! let contested: Vec<u32> = scores.contested().map(|g| g.item).collect();
//! assert_eq!(contested, [0]);
//!
//! // forgive: correct q1 to the consensus and re-score everyone retroactively
//! let fix = Forgive::Correct { item: 0, class: scores.items()[0].consensus_class };
//! let fixed = scores.forgive(&m, &[fix])?;
//! assert_eq!(fixed.scores.worker(0).correct, 2);
//! assert_eq!(fixed.changed_workers, [0, 1, 2]);
//! # Ok(()) }
//! ```
//!
//! The tables `crowdqc gold score` writes, from the library (worker ids keep their
//! input type; counts are `Int64`):
//!
//! ```
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! use crowdqc_gold::{GoldParams, GoldScoreReport};
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (item, worker, label) in [(1, 10, 0), (1, 11, 1), (2, 10, 1), (2, 11, 1)] {
//!     b.push_row(IdRef::Int(item), IdRef::Int(worker), IdRef::Int(label))?;
//! }
//! b.push_gold_row(IdRef::Int(1), IdRef::Int(0))?;
//! b.push_gold_row(IdRef::Int(2), IdRef::Int(1))?;
//! let m = b.finish()?;
//! let report = GoldScoreReport::build(&m, &GoldParams::new(), None, &[])?;
//! let workers = report.worker_batch()?; // worker, gold_answered, gold_correct, ...
//! assert_eq!(workers.schema().field(0).data_type(), &arrow_schema::DataType::Int64);
//! assert_eq!(report.workers[0].gold_correct, 2); // worker 10: both right
//! let items = report.item_batch()?; // item, gold_label, answers, exposure, misses, ...
//! assert_eq!(items.num_rows(), 2);
//! # Ok(()) }
//! ```
//!
//! Scheduling, per request:
//!
//! ```
//! use crowdqc_gold::{GoldPool, GoldScheduler, ScheduleParams, Slot};
//! # fn main() -> crowdqc_core::Result<()> {
//! let pool = GoldPool::new((0..50).map(|item| (item, item % 2)))?; // (item, answer)
//! let params = ScheduleParams::new().quiz(4).quiz_pass(0.75).threshold(0.85).seed(7);
//! let mut sched = GoldScheduler::new(params, pool)?;
//! let mut gold_seen = 0;
//! for _ in 0..100 {
//!     match sched.next(17) {
//!         Slot::Gold { item, .. } => {
//!             sched.record_answer(17, item, item % 2)?; // this worker is always right
//!             gold_seen += 1;
//!         }
//!         Slot::Regular => { /* serve a regular task */ }
//!         Slot::AwaitQuiz | Slot::Excluded => unreachable!("answers are recorded at once"),
//!     }
//! }
//! assert!(gold_seen >= 4); // the quiz, then front-loaded and adaptive gold
//! # Ok(()) }
//! ```
//!
//! ## Statistics
//!
//! - **Intervals** ([`binomial_interval`], [`lower_bound`]): Wilson score, equal-tailed
//!   Jeffreys (with Brown et al.'s boundary modification) and Clopper–Pearson, as
//!   recommended by Brown, Cai & DasGupta, "Interval Estimation for a Binomial
//!   Proportion", *Statistical Science* 16(2), 2001. Checked against statsmodels 0.15.0
//!   `proportion_confint` to 1e-9, and against the exact Clopper–Pearson closed forms at
//!   `x = 0` and `x = n`. [`jeffreys_prob_below`] gives the posterior probability that a
//!   worker is below a threshold.
//! - **Contested gold** ([`GoldItem::contested`]): the consensus (vote shares by
//!   default, or posteriors from any aggregation method passed to
//!   [`GoldParams::score_with`]) gives another class at least `contest_confidence`
//!   probability on an item with at least `contest_min_answers` answers — Appen's
//!   "missed and contested" review signal.
//! - **Missed more than explained** ([`GoldItem::miss_p_value`]): each answer to a gold
//!   item is right with the answering worker's accuracy on the *other* gold items
//!   (Beta(1, 1)-smoothed); the misses are then Poisson-binomial and the upper-tail
//!   p-value says whether the item is missed more than its workers explain — Appen's
//!   "missed %" turned into a test that does not blame hard-working crowds for bad gold.
//! - **Forgive** ([`GoldScores::forgive`]): drop or correct gold items; only their
//!   judgments are revisited, and the result equals a full re-score (tested).
//! - **Gold vs model** ([`GoldScores::compare_with_model`]): the model accuracy outside
//!   the worker's gold interval is flagged as "gold recognition or bad gold", with the
//!   exact two-sided binomial p-value ([`binomial_test`], the test Clopper–Pearson
//!   inverts) and Benjamini–Hochberg q-values for screening many workers.
//! - **Scheduling** ([`GoldScheduler`], [`ScheduleParams`]): quiz (Appen's quiz mode),
//!   front-loaded gold (Hata et al., CSCW 2017: the first few tasks predict long-term
//!   quality), then a rate in proportion to the posterior probability that the worker
//!   is below the threshold, down to a covert floor (adaptive testing beats flat rates:
//!   Bragg, Mausam & Weld, AAMAS 2016; measured by `crowdqc policy simulate --economy`:
//!   a third of the gold of the flat rate that catches spammers as fast). Never the same gold twice to a
//!   worker, least-exposed gold first, retirement of over-exposed gold (leakage:
//!   Checco, Bates & Demartini, JAIR 2020). [`plan_pages`] lays out pages with a fixed
//!   number of gold rows per page (Appen's page model).
//!
//! **Duplicates**: each judgment on a gold item counts as one gold answer
//! ([`DUPLICATE_RULE`] = `DuplicateRule::CountAll` of `crowdqc_core::votes`; crowd-kit's
//! `get_accuracy` drops identical `(task, worker, label)` rows instead); choose the
//! `first` or `last` duplicate policy at ingest to count one answer per `(item, worker)`.
//! Gold item *exposure* counts distinct workers.
//!
//! **Sharing with access policies**: [`GoldScores::to_evidence`] converts scores to
//! `crowdqc_core::evidence::WorkerEvidence`, and [`GoldScheduler`] implements
//! `crowdqc_core::evidence::GoldSource`, so the policy simulator can drive it as a
//! `Box<dyn GoldSource>`.
//!
//! ## Performance
//!
//! Scoring is one pass over the judgments of gold items (flat arrays, no hashing) plus
//! one interval per worker (parallel for the Beta-quantile intervals, bit-identical for
//! any thread count). A scheduling decision touches one worker's compact state (a
//! sorted list of seen gold and a few counters) and an exposure-ordered array with O(1)
//! updates. See `benches/benches/gold.rs`.
//!
//! ## Crate features
//!
//! - `serde`: `Serialize`/`Deserialize` for the params, decisions and reports.

#![deny(missing_docs)]

mod interval;
mod mergeable;
mod report;
mod schedule;
mod score;
mod table;

/// The owned id of every report table (core's, re-exported).
pub use crowdqc_core::Id;
pub use interval::{
    Interval, IntervalMethod, binomial_interval, binomial_test, check_confidence,
    jeffreys_prob_below, lower_bound,
};
pub use mergeable::GoldCounts;
pub use report::events::{pool_from_gold_rows, run_events};
pub use report::plan::{LayoutRow, PagePlanReport, check_disjoint, read_gold_rows, read_ids};
pub use report::{
    DUPLICATE_RULE_TEXT, GoldScoreReport, ItemRow, ModelRow, WorkerRow, forgive_edits,
    parse_corrections,
};
pub use schedule::{
    AdaptiveRule, GoldPool, GoldReason, GoldScheduler, PageParams, PagePlan, PlanRow, RowKind,
    STATE_MAGIC, STATE_VERSION, ScheduleParams, ScheduleStats, Slot, WorkerStatus, WorkerView,
    plan_pages,
};
pub use score::{
    ConfusionCell, DUPLICATE_RULE, DivergenceDirection, Forgive, Forgiven, GoldItem, GoldParams,
    GoldScores, MAX_DENSE_CONFUSION_CELLS, ModelComparison, WorkerGold,
};
