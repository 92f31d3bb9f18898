//! `crowdqc gold score` (workers' gold accuracy with intervals, gold item report,
//! forgive) and `crowdqc gold plan` (lay tasks out into pages with gold mixed in).

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use crowdqc::aggregation::registry::{RunOptions, fit_with_progress};
use crowdqc::core::columns::Role;
use crowdqc::gold::{
    GoldParams, GoldScoreReport, Id, PageParams, PagePlanReport, check_disjoint, forgive_edits,
    read_gold_rows, read_ids,
};
use crowdqc::{Error, Result};

use crate::common::{self, Format, InputOpts};
use crate::progress::Bar;

/// Subcommands of `crowdqc gold`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Score every worker on gold: accuracy with a confidence interval, per-gold-item
    /// exposure, miss rate and contested flag; optionally forgive bad gold first.
    Score(Box<ScoreArgs>),
    /// Lay tasks out into pages with gold mixed in (Appen's page model) for a set of
    /// workers: least-exposed gold first, never the same gold twice to a worker.
    Plan(PlanArgs),
    /// Run a platform's task requests and gold answers (in row order) through the
    /// online gold scheduler; resume from and save its state between runs.
    Schedule(ScheduleArgs),
}

/// Arguments of `crowdqc gold schedule`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// Events: integer `worker`; rows with `item` and `label` are gold answers, others
    /// task requests.
    pub events: PathBuf,
    /// Gold file (integer item ids) with `label`, `true_label` or `gold`.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Decisions (.parquet or .csv): row, worker, decision, item, reason, correct.
    #[arg(long, value_name = "DECISIONS")]
    pub out: PathBuf,
    /// Resume from this state file (same gold and parameters, else an error naming
    /// what differs).
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
pub struct ScoreArgs {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: PathBuf,
    /// Gold labels file with an item column and `label`, `true_label` or `gold`.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Write the per-worker table here (.parquet or .csv): worker, gold_answered,
    /// gold_correct, gold_accuracy, gold_accuracy_low, gold_accuracy_high.
    #[arg(long, value_name = "WORKERS")]
    pub out: Option<PathBuf>,
    /// Write the per-gold-item table here (.parquet or .csv).
    #[arg(long, value_name = "ITEMS")]
    pub items_out: Option<PathBuf>,
    /// Confidence interval of the accuracy: wilson, jeffreys or clopper-pearson.
    #[arg(long, default_value = "wilson", value_name = "METHOD")]
    pub interval: String,
    /// Two-sided confidence level of the interval, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// A gold item is contested when at least this share of its votes picks another
    /// label, in (0.5, 1].
    #[arg(long, default_value_t = 0.8, value_name = "SHARE")]
    pub contest_confidence: f64,
    /// ...and it has at least this many answers.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub contest_min_answers: u64,
    /// Fit this aggregation method (without gold: ds, one-coin-ds, glad, mace, mv, wawa,
    /// ...) and use its posteriors as the consensus for the contested flag and its
    /// worker accuracy for the gold-vs-model comparison (columns model_accuracy,
    /// model_p_value, model_q_value, model_divergence). Default: vote shares, no
    /// comparison.
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
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
///
/// # Errors
/// Bad arguments or input files, I/O failures.
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
    for p in [&a.out, &a.items_out].into_iter().flatten() {
        crowdqc_io::check_output_path(p)?;
    }
    let m = common::load(&a.judgments, &a.input, Some(&a.gold))?;
    let correct = a
        .correct
        .iter()
        .map(|s| match s.split_once('=') {
            Some((i, l)) => Ok((i.to_string(), l.to_string())),
            None => Err(Error::param(
                "correct",
                format!("expected ITEM=LABEL, got `{s}`"),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let edits = forgive_edits(&m, &a.forgive, &correct)?;
    let model = match &a.model {
        Some(name) => Some(fit_with_progress(
            name,
            &m,
            &RunOptions::default(),
            &Bar::stderr(),
        )?),
        None => None,
    };
    let r = GoldScoreReport::build(&m, &params, model.as_deref(), &edits)?;
    if let Some(p) = &a.out {
        crowdqc_io::write_table(p, &r.worker_batch()?)?;
    }
    if let Some(p) = &a.items_out {
        crowdqc_io::write_table(p, &r.item_batch()?)?;
    }
    common::print_out(&match a.format {
        Format::Json => common::to_json(&r)?,
        Format::Text => r.text(a.top),
    })
}

fn plan(a: PlanArgs) -> Result<()> {
    let params = PageParams::new(a.page_size, a.gold_per_page)
        .redundancy(a.redundancy)
        .quiz(a.quiz)
        .max_exposure(a.max_exposure)
        .seed(a.seed);
    params.validate()?;
    crowdqc_io::check_output_path(&a.out)?;
    let read = |p: &Path, f: &dyn Fn(&[RecordBatch]) -> Result<Vec<Id>>| {
        let t = crowdqc_io::read_table_with_lines(p)?;
        f(&t.clone().into_batches()).map_err(|e| t.locate(e))
    };
    let tasks = read(&a.tasks, &|b| read_ids(b, Role::Item, true))?;
    let workers = read(&a.workers, &|b| read_ids(b, Role::Worker, true))?;
    let gt = crowdqc_io::read_table_with_lines(&a.gold)?;
    let gold = read_gold_rows(&gt.clone().into_batches()).map_err(|e| gt.locate(e))?;
    check_disjoint(&tasks, &gold).map_err(|e| gt.locate(e))?;
    let r = PagePlanReport::build(&tasks, &gold, &workers, &params)?;
    crowdqc_io::write_table(&a.out, &r.to_record_batch()?)?;
    common::print_out(&match a.format {
        Format::Json => common::to_json(&r)?,
        Format::Text => format!("{}layout written to {}\n", r.text(), a.out.display()),
    })
}

fn schedule(a: ScheduleArgs) -> Result<()> {
    use crowdqc::gold::{GoldScheduler, ScheduleParams, pool_from_gold_rows, run_events};
    let params = (ScheduleParams::new().quiz(a.quiz).threshold(a.threshold)).seed(a.seed);
    crowdqc_io::check_output_path(&a.out)?;
    if let Some(p) = &a.save_state {
        crowdqc_io::check_file_path(p)?;
    }
    let gt = crowdqc_io::read_table_with_lines(&a.gold)?;
    let gold = read_gold_rows(&gt.clone().into_batches()).map_err(|e| gt.locate(e))?;
    let (pool, labels) = pool_from_gold_rows(&gold).map_err(|e| gt.locate(e))?;
    let mut s = match &a.state {
        Some(p) => GoldScheduler::resume_file(params, pool, p)?,
        None => GoldScheduler::new(params, pool)?,
    };
    let et = crowdqc_io::read_table_with_lines(&a.events)?;
    let d = run_events(&mut s, &labels, &et.clone().into_batches()).map_err(|e| et.locate(e))?;
    crowdqc_io::write_table(&a.out, &d)?;
    if let Some(p) = &a.save_state {
        s.write_state(p)?;
    }
    common::print_out(&format!("{:?}\n", s.stats()))
}
