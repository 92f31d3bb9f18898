//! `crowdqc gold score | plan | schedule` over files: gold scoring with an optional
//! model, page layouts from task, worker and gold tables, and the online scheduler run
//! over a table of events.

use std::path::Path;

use arrow_array::RecordBatch;
use crowdqc_aggregation::registry::{RunOptions, fit_with_progress};
use crowdqc_core::columns::Role;
use crowdqc_core::progress::Progress;
use crowdqc_core::{JudgmentMatrix, Result};
use crowdqc_gold::{
    GoldParams, GoldScheduler, GoldScoreReport, PageParams, PagePlanReport, ScheduleParams,
    check_disjoint, forgive_edits, parse_corrections, pool_from_gold_rows, read_gold_rows,
    read_ids, run_events,
};

use super::read_with;

/// Scores every worker and gold item of `m` on gold with `params`, after forgiving the
/// gold items `forgive` and applying the corrections `correct` (`ITEM=LABEL`); with
/// `model` (a registry method), its consensus and the gold-vs-model comparison too.
///
/// # Errors
/// A malformed correction or an item that is not gold ([`forgive_edits`]); the model's
/// fit; those of [`GoldScoreReport::build`].
pub fn score(
    m: &JudgmentMatrix,
    params: &GoldParams,
    model: Option<&str>,
    forgive: &[String],
    correct: &[String],
    progress: &dyn Progress,
) -> Result<GoldScoreReport> {
    let edits = forgive_edits(m, forgive, &parse_corrections(correct)?)?;
    let fit = |name| fit_with_progress(name, m, &RunOptions::default(), progress);
    let model = model.map(fit).transpose()?;
    GoldScoreReport::build(m, params, model.as_deref(), &edits)
}

/// Lays the tasks of the table `tasks` out into pages for the workers of `workers`,
/// with the gold of `gold` mixed in ([`PagePlanReport::build`]).
///
/// # Errors
/// Unreadable tables, missing or repeated ids, gold items that are also tasks (naming
/// file and line), and those of [`PagePlanReport::build`].
pub fn plan(
    tasks: &Path,
    workers: &Path,
    gold: &Path,
    params: &PageParams,
) -> Result<PagePlanReport> {
    let ids = |path, role| read_with(path, |t| read_ids(&t.clone().into_batches(), role, true));
    let tasks = ids(tasks, Role::Item)?;
    let workers = ids(workers, Role::Worker)?;
    let gold = read_with(gold, |t| {
        let gold = read_gold_rows(&t.clone().into_batches())?;
        check_disjoint(&tasks, &gold).map(|()| gold)
    })?;
    PagePlanReport::build(&tasks, &gold, &workers, params)
}

/// Runs the events of the table `events` (task requests and gold answers) through the
/// online gold scheduler over the gold of `gold`, new or resumed from the state file
/// `state`: the scheduler afterwards and its decisions ([`run_events`]).
///
/// # Errors
/// Unreadable tables or bad rows (naming file and line); a state file that does not
/// match the gold or parameters.
pub fn schedule(
    events: &Path,
    gold: &Path,
    state: Option<&Path>,
    params: ScheduleParams,
) -> Result<(GoldScheduler, RecordBatch)> {
    let (pool, labels) = read_with(gold, |t| {
        pool_from_gold_rows(&read_gold_rows(&t.clone().into_batches())?)
    })?;
    let mut s = match state {
        Some(p) => GoldScheduler::resume_file(params, pool, p)?,
        None => GoldScheduler::new(params, pool)?,
    };
    let decisions = read_with(events, |t| {
        run_events(&mut s, &labels, &t.clone().into_batches())
    })?;
    Ok((s, decisions))
}
