//! `crowdqc policy eval|replay|simulate`: access rules over worker evidence, a
//! time-ordered replay of judgments, and the policy simulator.

use std::path::PathBuf;

use crowdqc::aggregation::registry::{RunOptions, fit_with_progress};
use crowdqc::core::evidence::GoldSource;
use crowdqc::gold::{GoldPool, GoldScheduler, ScheduleParams};
use crowdqc::policy::pay::{pay_by_worker, read_pay};
use crowdqc::policy::replay::replay_with;
use crowdqc::policy::simulate::{SimComparison, SimConfig, SimReport, simulate_with_progress};
use crowdqc::policy::{
    EvidenceTable, ExactOptions, FitModel, Policy, ReplayOptions, check_pay, exact_report,
    read_policy,
};
use crowdqc::{Error, Result};

use crate::cmd::worker_policy::PolicyArgs;
use crate::common::{self, Format, InputOpts};
use crate::progress::Bar;

/// Subcommands of `crowdqc policy`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Evaluate a policy for every worker, from judgments + gold or from a table of
    /// per-worker statistics; print each decision with its explanation.
    Eval(EvalArgs),
    /// Replay judgments in timestamp order and log each decision at the moment a live
    /// platform would have made it.
    Replay(ReplayArgs),
    /// Run policies against simulated workers: per archetype, the probability of each
    /// action, the median gold answers until it, and the share of work spent on gold.
    Simulate(SimulateArgs),
    /// Probability that restrictive rules (all together) fire within N gold answers,
    /// for workers of given accuracies: exact (dynamic programming) when the chain is
    /// small enough, otherwise a labelled Monte Carlo with 95% intervals.
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
    /// Simulated workers per accuracy when the rules are too large for the exact
    /// chain (a sliding window over 20 answers, or windows with cumulative rules); at
    /// most 10,000,000.
    #[arg(long, default_value_t = 100_000, value_name = "R")]
    pub runs: u64,
    /// Seed of that Monte Carlo.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Write the table here (.parquet or .csv).
    #[arg(long, value_name = "TABLE")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `crowdqc policy eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub decide: PolicyArgs,
    /// Judgments file (.parquet, .csv, .arrow/.ipc); evidence is computed from it.
    #[arg(required_unless_present = "stats", conflicts_with = "stats")]
    pub judgments: Option<PathBuf>,
    /// Gold labels file (with JUDGMENTS).
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// A table of per-worker statistics instead of judgments: column `worker` and any of
    /// gold_answered, gold_correct, recent_gold (0/1 string, oldest first),
    /// model_accuracy, peer_agreement, spammer_score, fast_share, judgments,
    /// tasks_per_day, hourly_pay, tier (level name or index).
    #[arg(long, value_name = "WORKERS")]
    pub stats: Option<PathBuf>,
    /// Fit Dawid–Skene for model_accuracy and spammer_score: auto (when the policy
    /// uses them), always or never.
    #[arg(long, default_value = "auto", value_name = "WHEN")]
    pub model: FitModel,
    /// Pay table (TOML, see docs/pay.md) for hourly_pay rules; needs a duration_ms
    /// column in JUDGMENTS.
    #[arg(long, value_name = "PAY.toml")]
    pub pay: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Arguments of `crowdqc policy replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Judgments file with a timestamp column.
    pub judgments: PathBuf,
    /// Gold labels file.
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// Unit of a plain integer timestamp column: s, ms, us or ns (required for one;
    /// Arrow timestamp columns and RFC 3339 strings carry their unit).
    #[arg(long, value_name = "UNIT")]
    pub time_unit: Option<String>,
    /// Write the decision log here (.parquet or .csv): timestamp_ms, worker, action,
    /// duration_ms, untrust, rules, gold_answered, gold_correct, explanation.
    #[arg(long, value_name = "LOG")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Arguments of `crowdqc policy simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Policy file(s) (TOML); several are compared side by side.
    #[arg(long, value_name = "P.toml", required = true)]
    pub policy: Vec<PathBuf>,
    /// Worker archetypes, comma-separated: accuracies (0.92), uniform, constant,
    /// degrade:FROM>TO@SHARE; each may add a speed, ~MEDIAN[/SPREAD] (a log-normal
    /// task duration across workers, e.g. 0.97~150s/0.3 or uniform~20s), for quota
    /// and pay rules.
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
    /// Task slots per worker (one a minute of simulated time); at most 10,000,000, and
    /// archetypes × runs × tasks at most 2e10.
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
    /// Gold schedule: `fixed` (each slot gold with probability --gold-rate, after
    /// --front-gold) or `adaptive` (crowdqc-gold's scheduler: 10 onboarding gold at
    /// rate 0.5, then a rate driven by the Wilson interval around 0.8, between 0.02 and
    /// 0.3; --gold-rate and --front-gold are ignored).
    #[arg(long, default_value = "fixed", value_name = "KIND")]
    pub schedule: String,
    /// Gold items available to the adaptive schedule (each served at most once per
    /// worker); at most 1,000,000, and pool × archetypes × runs at most 2e10.
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub gold_pool: u64,
    /// Working time per day of workers with a speed (e.g. 8h).
    #[arg(long, default_value = "8h", value_name = "DURATION")]
    pub shift: String,
    /// Pay table: simulated tasks pay its default rate after the platform's cut,
    /// its qualification gold unpaid (for hourly_pay rules).
    #[arg(long, value_name = "PAY.toml")]
    pub pay: Option<PathBuf>,
    /// Write the per-archetype table here (.parquet or .csv; all policies).
    #[arg(long, value_name = "TABLE")]
    pub out: Option<PathBuf>,
    /// Output format (text: one table per policy, then a side-by-side Markdown table).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the subcommand.
///
/// # Errors
/// Bad arguments, policy or input files; I/O failures.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Eval(a) => eval(a),
        Command::Replay(a) => replay(a),
        Command::Simulate(a) => simulate(a),
        Command::Exact(a) => exact(a),
    }
}

fn check_out(p: Option<&PathBuf>) -> Result<()> {
    p.map_or(Ok(()), |p| crowdqc_io::check_output_path(p))
}

fn eval(a: EvalArgs) -> Result<()> {
    let policy = a.decide.open()?;
    let pay = a.pay.as_deref().map(read_pay).transpose()?;
    if a.stats.is_none() {
        check_pay(&policy, pay.as_ref())?;
    }
    let table = match (&a.judgments, &a.stats) {
        (Some(j), _) => {
            let m = common::load(j, &a.input, a.gold.as_deref())?;
            let mut t = EvidenceTable::from_matrix(&m, &policy);
            if let Some(p) = &pay {
                t.fill_pay(&pay_by_worker(&m, p)?)?;
            }
            if a.model.wanted(&policy) {
                let model = fit_with_progress("ds", &m, &RunOptions::default(), &Bar::stderr())?;
                t.fill_from_model(model.as_ref());
            }
            t
        }
        (None, Some(s)) => {
            let t = crowdqc_io::read_table_with_lines(s)?;
            EvidenceTable::from_stats(&t.clone().into_batches(), &policy)
                .map_err(|e| t.locate(e))?
        }
        (None, None) => {
            return Err(Error::param(
                "JUDGMENTS",
                "give a judgments file or --stats WORKERS",
            ));
        }
    };
    a.decide.show(&policy.evaluate_table(&table))
}

fn replay(a: ReplayArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    check_out(a.out.as_ref())?;
    let unit = a.time_unit.as_deref().map(str::parse).transpose()?;
    let schema = crowdqc_io::BatchReader::open(&a.judgments)?.schema();
    let opts = ReplayOptions::for_schema(&schema, a.input.timestamp_column.as_deref(), unit)
        .map_err(|e| e.in_file(&a.judgments))?;
    let m = common::load(&a.judgments, &a.input, a.gold.as_deref())?;
    let log = replay_with(&policy, &m, &opts)?.log(&policy, &m);
    if let Some(p) = &a.out {
        crowdqc_io::write_table(p, &log.to_record_batch()?)?;
    }
    common::print_out(&match a.format {
        Format::Json => common::to_json(&log)?,
        Format::Text => log.text(),
    })
}

fn simulate(a: SimulateArgs) -> Result<()> {
    let policies: Vec<Policy> = a
        .policy
        .iter()
        .map(|p| read_policy(p))
        .collect::<Result<_>>()?;
    check_out(a.out.as_ref())?;
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
    let (rate, front) = (a.gold_rate, a.front_gold);
    let gold: Box<dyn Fn(u64) -> Box<dyn GoldSource> + Sync> = match a.schedule.as_str() {
        "fixed" => Box::new(move |seed| {
            Box::new(crowdqc::policy::simulate::FixedRateGold::new(
                rate, front, seed,
            )) as _
        }),
        "adaptive" => {
            let simulated = a.runs.saturating_mul(cfg.workers.len() as u64);
            let pool = GoldPool::synthetic(a.gold_pool, a.classes, simulated)?;
            // validate once, so the per-worker factory cannot fail
            GoldScheduler::new(ScheduleParams::new(), pool.clone())?;
            Box::new(move |seed| {
                Box::new(
                    GoldScheduler::new(ScheduleParams::new().seed(seed), pool.clone())
                        .expect("parameters validated above"),
                ) as _
            })
        }
        other => {
            return Err(Error::param(
                "--schedule",
                format!("unknown value `{other}`; valid: fixed, adaptive"),
            ));
        }
    };
    let reports: Vec<SimReport> = policies
        .iter()
        .map(|p| simulate_with_progress(p, &cfg, gold.as_ref(), &Bar::stderr()))
        .collect::<Result<_>>()?;
    if let Some(p) = &a.out {
        crowdqc_io::write_table(p, &SimReport::table(&reports)?)?;
    }
    let all = SimComparison::new(&policies, reports);
    common::print_out(&match a.format {
        Format::Json => common::to_json(&all)?,
        Format::Text => all.to_string(),
    })
}

fn exact(a: ExactArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    check_out(a.out.as_ref())?;
    let opts = ExactOptions::new()
        .rules(a.rules)
        .accuracies(a.accuracy)
        .horizon(a.horizon)
        .runs(a.runs)
        .seed(a.seed);
    let r = exact_report(&policy, &opts, &Bar::stderr())?;
    if let Some(p) = &a.out {
        crowdqc_io::write_table(p, &r.to_record_batch()?)?;
    }
    common::print_out(&match a.format {
        Format::Json => common::to_json(&r)?,
        Format::Text => r.text(),
    })
}
