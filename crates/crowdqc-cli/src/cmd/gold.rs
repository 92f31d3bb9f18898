//! `crowdqc gold score|plan|schedule`: gold accuracy, page layouts, the online scheduler.

use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::aggregation::registry::{RunOptions, fit_with_progress};
use crowdqc::core::columns::Role;
use crowdqc::gold::{
    GoldParams, GoldScheduler, GoldScoreReport, PageParams, PagePlanReport, ScheduleParams,
    check_disjoint, forgive_edits, parse_corrections, pool_from_gold_rows, read_gold_rows,
    read_ids, run_events,
};

use crate::args::{Judgments, Output, read_with};
use crate::common::{self, Format};
use crate::progress::Bar;

/// Subcommands of `crowdqc gold`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Score every worker and every gold item on gold; optionally forgive bad gold first.
    Score(Box<ScoreArgs>),
    /// Lay tasks out into pages with gold mixed in (Appen's page model).
    Plan(PlanArgs),
    /// Run a platform's task requests and gold answers through the online gold scheduler.
    Schedule(ScheduleArgs),
}

/// Arguments of `crowdqc gold schedule`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// Events: integer `worker`; rows with `item` and `label` are gold answers.
    pub events: PathBuf,
    /// Gold file (integer item ids) with `label`, `true_label` or `gold`.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Decisions (.parquet or .csv; columns in docs/cli.md).
    #[arg(long, value_name = "DECISIONS")]
    pub out: PathBuf,
    /// Resume from this state file (same gold and parameters).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Save the scheduler's state here afterwards (versioned, exact).
    #[arg(long, value_name = "FILE")]
    pub save_state: Option<PathBuf>,
    /// Quiz length (0 = none).
    #[arg(long, default_value_t = 0, value_name = "Q")]
    pub quiz: u32,
    /// Accuracy threshold of the adaptive rate.
    #[arg(long, default_value_t = 0.8, value_name = "T")]
    pub threshold: f64,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Arguments of `crowdqc gold score`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("gold", |a| a.required(true)))]
pub struct ScoreArgs {
    #[command(flatten)]
    pub data: Judgments,
    #[command(flatten)]
    pub output: Output,
    /// Write the per-gold-item table here (.parquet or .csv).
    #[arg(long, value_name = "ITEMS")]
    pub items_out: Option<PathBuf>,
    /// Confidence interval of the accuracy: wilson, jeffreys or clopper-pearson.
    #[arg(long, default_value = "wilson", value_name = "METHOD")]
    pub interval: String,
    /// Two-sided confidence level of the interval, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// A gold item is contested when at least this share of its votes picks another label,
    #[arg(long, default_value_t = 0.8, value_name = "SHARE")]
    pub contest_confidence: f64,
    /// ...and it has at least this many answers.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub contest_min_answers: u64,
    /// Fit this method (ds, mace, …) for the consensus and a gold-vs-model comparison.
    #[arg(long, value_name = "METHOD")]
    pub model: Option<String>,
    /// Forgive: drop this gold item before scoring (repeatable).
    #[arg(long, value_name = "ITEM")]
    pub forgive: Vec<String>,
    /// Forgive: correct a gold answer before scoring, as ITEM=LABEL (repeatable).
    #[arg(long, value_name = "ITEM=LABEL")]
    pub correct: Vec<String>,
    /// Rows of the worker table printed in text output (worst lower bound first).
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub top: usize,
}

/// Arguments of `crowdqc gold plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Tasks file with an `item` (or `task`) column.
    #[arg(long, value_name = "TASKS")]
    pub tasks: PathBuf,
    /// Gold file with an item column and `label`, `true_label` or `gold`.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Workers file with a `worker` column.
    #[arg(long, value_name = "WORKERS")]
    pub workers: PathBuf,
    /// Rows per page (at most 100,000).
    #[arg(long, default_value_t = 10, value_name = "P")]
    pub page_size: u32,
    /// Gold rows per page (Appen: 1 for 1–19 rows per page, 2 for 20–29).
    #[arg(long, default_value_t = 1, value_name = "G")]
    pub gold_per_page: u32,
    /// Judgments per task, each by a distinct worker.
    #[arg(long, default_value_t = 1, value_name = "R")]
    pub redundancy: u32,
    /// A quiz page of Q gold rows before each worker's work (0 = none).
    #[arg(long, default_value_t = 0, value_name = "Q")]
    pub quiz: u32,
    /// Stop using a gold item in work pages once this many workers have it (0 = never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_exposure: u32,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Layout output (.parquet or .csv): worker, page, position, item, kind, gold_label.
    #[arg(long, value_name = "LAYOUT")]
    pub out: PathBuf,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the subcommand.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Score(a) => score(*a),
        Command::Plan(a) => plan(a),
        Command::Schedule(a) => schedule(a),
    }
}

fn score(a: ScoreArgs) -> Result<()> {
    let params = GoldParams::new()
        .interval(a.interval.parse()?)
        .confidence(a.confidence)
        .contest_confidence(a.contest_confidence)
        .contest_min_answers(a.contest_min_answers);
    params.validate()?;
    for p in [&a.output.out, &a.items_out].into_iter().flatten() {
        crowdqc_io::check_output_path(p)?;
    }
    let m = a.data.load()?;
    let edits = forgive_edits(&m, &a.forgive, &parse_corrections(&a.correct)?)?;
    let fit = |name| fit_with_progress(name, &m, &RunOptions::default(), &Bar::stderr());
    let model = a.model.as_deref().map(fit).transpose()?;
    let r = GoldScoreReport::build(&m, &params, model.as_deref(), &edits)?;
    a.output.write(|| r.worker_batch())?;
    if let Some(p) = &a.items_out {
        crowdqc_io::write_table(p, &r.item_batch()?)?;
    }
    a.output.format.print(&r, || r.text(a.top))
}

fn plan(a: PlanArgs) -> Result<()> {
    let params = PageParams::new(a.page_size, a.gold_per_page)
        .redundancy(a.redundancy)
        .quiz(a.quiz)
        .max_exposure(a.max_exposure)
        .seed(a.seed);
    params.validate()?;
    crowdqc_io::check_output_path(&a.out)?;
    let ids = |t: &crowdqc_io::Table, role| read_ids(&t.clone().into_batches(), role, true);
    let tasks = read_with(&a.tasks, |t| ids(t, Role::Item))?;
    let workers = read_with(&a.workers, |t| ids(t, Role::Worker))?;
    let gold = read_with(&a.gold, |t| {
        let gold = read_gold_rows(&t.clone().into_batches())?;
        check_disjoint(&tasks, &gold).map(|()| gold)
    })?;
    let r = PagePlanReport::build(&tasks, &gold, &workers, &params)?;
    crowdqc_io::write_table(&a.out, &r.to_record_batch()?)?;
    let text = || format!("{}layout written to {}\n", r.text(), a.out.display());
    a.format.print(&r, text)
}

fn schedule(a: ScheduleArgs) -> Result<()> {
    let params = (ScheduleParams::new().quiz(a.quiz).threshold(a.threshold)).seed(a.seed);
    crowdqc_io::check_output_path(&a.out)?;
    if let Some(p) = &a.save_state {
        crowdqc_io::check_file_path(p)?;
    }
    let (pool, labels) = read_with(&a.gold, |t| {
        pool_from_gold_rows(&read_gold_rows(&t.clone().into_batches())?)
    })?;
    let mut s = match &a.state {
        Some(p) => GoldScheduler::resume_file(params, pool, p)?,
        None => GoldScheduler::new(params, pool)?,
    };
    let d = read_with(&a.events, |t| {
        run_events(&mut s, &labels, &t.clone().into_batches())
    })?;
    crowdqc_io::write_table(&a.out, &d)?;
    if let Some(p) = &a.save_state {
        s.write_state(p)?;
    }
    common::print_out(&format!("{:?}\n", s.stats()))
}
