//! `crowdqc policy eval|replay|simulate|exact`: access rules over worker evidence.

use std::path::PathBuf;

use crowdqc::pipeline::policy as pipeline;
use crowdqc::policy::pay::read_pay;
use crowdqc::policy::replay::replay_with;
use crowdqc::policy::simulate::economy::EconomyConfig;
use crowdqc::policy::simulate::{SimComparison, SimConfig, SimReport, simulate_with_progress};
use crowdqc::policy::{ExactOptions, FitModel, Policy, check_pay, exact_report, read_policy};
use crowdqc::terminal::Bar;
use crowdqc::{Error, Result};

use crate::args::{Judgments, Output};
use crate::cmd::worker_policy::PolicyArgs;
use crate::common::{self, InputOpts};

/// Subcommands of `crowdqc policy`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Evaluate a policy for every worker, from judgments + gold or per-worker statistics.
    Eval(EvalArgs),
    /// Replay judgments in timestamp order, logging each decision when it would be made.
    Replay(ReplayArgs),
    /// Run policies against simulated workers: per archetype, each action's probability.
    Simulate(SimulateArgs),
    /// Probability that restrictive rules fire within N gold answers, by worker accuracy.
    Exact(ExactArgs),
}

/// Arguments of `crowdqc policy exact`.
#[derive(Debug, clap::Args)]
pub struct ExactArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Rule ids, comma-separated (default: every rule that untrusts, suspends or bans).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub rules: Option<Vec<String>>,
    /// Worker accuracies, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.97,0.95,0.92,0.90,0.85,0.80,0.70,0.50"
    )]
    pub accuracy: Vec<f64>,
    /// Gold answers (1 to 5000).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub horizon: u64,
    /// Simulated workers per accuracy when the exact chain is too large; at most 1e7.
    #[arg(long, default_value_t = 100_000, value_name = "R")]
    pub runs: u64,
    /// Seed of that Monte Carlo.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    #[command(flatten)]
    pub output: Output,
}

/// Arguments of `crowdqc policy eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub decide: PolicyArgs,
    /// Judgments file (.parquet, .csv, .arrow/.ipc); evidence is computed from it.
    #[arg(required_unless_present = "stats", conflicts_with = "stats")]
    pub judgments: Option<PathBuf>,
    /// Gold labels file (with JUDGMENTS).
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// A table of per-worker statistics instead of judgments (columns in docs/cli.md).
    #[arg(long, value_name = "WORKERS")]
    pub stats: Option<PathBuf>,
    /// Fit Dawid–Skene for model_accuracy and spammer_score: auto, always or never.
    #[arg(long, default_value = "auto", value_name = "WHEN")]
    pub model: FitModel,
    /// Pay table (TOML, docs/pay.md) for hourly_pay rules; needs a duration_ms column.
    #[arg(long, value_name = "PAY.toml")]
    pub pay: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputOpts,
}

/// Arguments of `crowdqc policy replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    #[command(flatten)]
    pub data: Judgments,
    /// Unit of a plain integer timestamp column: s, ms, us or ns (required for one).
    #[arg(long, value_name = "UNIT")]
    pub time_unit: Option<String>,
    #[command(flatten)]
    pub output: Output,
}

/// Arguments of `crowdqc policy simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Policy file(s) (TOML); several are compared side by side.
    #[arg(long, value_name = "P.toml", required = true)]
    pub policy: Vec<PathBuf>,
    /// Worker archetypes, comma-separated: 0.92, uniform, constant, degrade:FROM>TO@SHARE,
    /// each optionally ~MEDIAN[/SPREAD] for a task duration (docs/cli.md).
    #[arg(
        long,
        default_value = "0.97,0.92,0.85,0.70,uniform,constant,degrade:0.95>0.70@0.5",
        value_name = "SPEC"
    )]
    pub workers: String,
    /// Share of task slots that are gold, in (0, 1].
    #[arg(long, default_value_t = 0.1, value_name = "R")]
    pub gold_rate: f64,
    /// Gold slots served first to every worker (e.g. a quiz).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub front_gold: u64,
    /// Task slots per worker (one a minute); at most 1e7, archetypes × runs × tasks ≤ 2e10.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub tasks: u64,
    /// Simulated workers per archetype; at most 1,000,000.
    #[arg(long, default_value_t = 1000, value_name = "R")]
    pub runs: u64,
    /// Seed.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Classes of gold items (a spammer is right 1/K of the time).
    #[arg(long, default_value_t = 2, value_name = "K")]
    pub classes: u32,
    /// Gold schedule: `fixed` (--gold-rate after --front-gold) or `adaptive` (docs/cli.md).
    #[arg(long, default_value = "fixed", value_name = "KIND")]
    pub schedule: String,
    /// Gold items of the adaptive schedule; at most 1e6, pool × archetypes × runs ≤ 2e10.
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub gold_pool: u64,
    /// Working time per day of workers with a speed (e.g. 8h).
    #[arg(long, default_value = "8h", value_name = "DURATION")]
    pub shift: String,
    /// Pay table (TOML) for hourly_pay rules: tasks pay its default rate after the cut.
    #[arg(long, value_name = "PAY.toml")]
    pub pay: Option<PathBuf>,
    #[command(flatten)]
    pub output: Output,
    /// Instead, the gold economy: adaptive vs flat 10/20/30% gold (docs/gold-economy.md).
    #[arg(long)]
    pub economy: bool,
}

/// Runs the subcommand.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Eval(a) => eval(a),
        Command::Replay(a) => replay(a),
        Command::Simulate(a) => simulate(a),
        Command::Exact(a) => exact(a),
    }
}

fn eval(a: EvalArgs) -> Result<()> {
    let policy = a.decide.open()?;
    let pay = a.pay.as_deref().map(read_pay).transpose()?;
    let table = if let Some(j) = &a.judgments {
        check_pay(&policy, pay.as_ref())?;
        let m = common::load(j, &a.input, a.gold.as_deref(), None)?;
        pipeline::evidence(&m, &policy, pay.as_ref(), a.model, &Bar::stderr())?
    } else {
        let s = a
            .stats
            .as_ref()
            .ok_or_else(|| Error::param("JUDGMENTS", "give a judgments file or --stats WORKERS"))?;
        pipeline::evidence_from_stats(s, &policy)?
    };
    a.decide.show(&policy.evaluate_table(&table))
}

fn replay(a: ReplayArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    a.output.check()?;
    let column = a.data.input.timestamp_column.as_deref();
    let opts = pipeline::replay_options(&a.data.judgments, column, a.time_unit.as_deref())?;
    let m = a.data.load()?;
    let log = replay_with(&policy, &m, &opts)?.log(&policy, &m);
    a.output.write(|| log.to_record_batch())?;
    a.output.format.print(&log, || log.text())
}

fn simulate(a: SimulateArgs) -> Result<()> {
    let policies: Vec<Policy> = a
        .policy
        .iter()
        .map(|p| read_policy(p))
        .collect::<Result<_>>()?;
    if a.economy {
        return economy(&a, &policies);
    }
    a.output.check()?;
    let shift = crowdqc::policy::spec::parse_duration("--shift", &a.shift)?.unwrap_or(0);
    let mut cfg = SimConfig::new()
        .roster(&a.workers)?
        .shift_ms(shift)
        .gold_rate(a.gold_rate)
        .front_gold(a.front_gold)
        .tasks(a.tasks)
        .runs(a.runs)
        .seed(a.seed)
        .classes(a.classes);
    if let Some(p) = &a.pay {
        cfg = cfg.pay(&read_pay(p)?);
    }
    cfg.validate()?;
    let gold = pipeline::gold_factory(&a.schedule, &cfg, a.gold_pool)?;
    let reports: Vec<SimReport> = policies
        .iter()
        .map(|p| simulate_with_progress(p, &cfg, gold.as_ref(), &Bar::stderr()))
        .collect::<Result<_>>()?;
    a.output.write(|| SimReport::table(&reports))?;
    let all = SimComparison::new(&policies, reports);
    a.output.format.print(&all, || all.to_string())
}

fn exact(a: ExactArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    a.output.check()?;
    let opts = ExactOptions::new()
        .rules(a.rules)
        .accuracies(a.accuracy)
        .horizon(a.horizon)
        .runs(a.runs)
        .seed(a.seed);
    let r = exact_report(&policy, &opts, &Bar::stderr())?;
    a.output.write(|| r.to_record_batch())?;
    a.output.format.print(&r, || r.text())
}

fn economy(a: &SimulateArgs, policies: &[Policy]) -> Result<()> {
    let cfg = EconomyConfig::new()
        .tasks(a.tasks)
        .runs(a.runs)
        .seed(a.seed);
    let tables = pipeline::economy(policies, &cfg.classes(a.classes), a.gold_pool)?;
    a.output
        .format
        .print(&tables, || tables.iter().map(ToString::to_string).collect())
}
