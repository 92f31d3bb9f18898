//! `crowdqc gold score|plan|schedule`: gold accuracy, page layouts, the online scheduler.

use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::gold::{GoldParams, PageParams, ScheduleParams};
use crowdqc::pipeline::gold;
use crowdqc::terminal::Bar;

use crate::args::{Judgments, Output};
use crate::common::{self, Format};

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
    let (forgive, correct) = (&a.forgive, &a.correct);
    let r = gold::score(
        &m,
        &params,
        a.model.as_deref(),
        forgive,
        correct,
        &Bar::stderr(),
    )?;
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
    let r = gold::plan(&a.tasks, &a.workers, &a.gold, &params)?;
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
    let (s, d) = gold::schedule(&a.events, &a.gold, a.state.as_deref(), params)?;
    crowdqc_io::write_table(&a.out, &d)?;
    if let Some(p) = &a.save_state {
        s.write_state(p)?;
    }
    common::print_out(&format!("{:?}\n", s.stats()))
}
