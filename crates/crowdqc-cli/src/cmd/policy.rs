//! `crowdqc policy eval|replay|simulate`: access rules over worker evidence, a
//! time-ordered replay of judgments, and the policy simulator.

use std::fmt::Write as _;
use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::policy::explain::fmt_duration;
use crowdqc::policy::{Action, Decision, Explanation, Policy};
use serde_json::{Value, json};

use crate::common::{Format, InputOpts};

mod eval;
mod exact;
mod replay;
mod simulate;

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
    /// Exact probability (dynamic programming, no simulation) that restrictive rules
    /// fire within N gold answers, for workers of given accuracies.
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
    /// Gold answers.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub horizon: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `crowdqc policy eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Judgments file (.parquet, .csv, .arrow/.ipc); evidence is computed from it.
    #[arg(required_unless_present = "stats", conflicts_with = "stats")]
    pub judgments: Option<PathBuf>,
    /// Gold labels file (with JUDGMENTS).
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// A table of per-worker statistics instead of judgments: column `worker` and any of
    /// gold_answered, gold_correct, recent_gold (0/1 string, oldest first),
    /// model_accuracy, peer_agreement, spammer_score, fast_share, judgments, tier
    /// (level name or index).
    #[arg(long, value_name = "WORKERS")]
    pub stats: Option<PathBuf>,
    /// Fit Dawid–Skene for model_accuracy and spammer_score: auto (when the policy
    /// uses them), always or never.
    #[arg(long, default_value = "auto", value_name = "WHEN")]
    pub model: String,
    /// Write the decisions table here (.parquet or .csv): worker, action,
    /// duration_ms, untrust, rules, tier, explanation.
    #[arg(long, value_name = "DECISIONS")]
    pub out: Option<PathBuf>,
    /// Also list workers for whom nothing fired (text output).
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
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
    /// degrade:FROM>TO@SHARE.
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
    /// Task slots per worker (one a minute of simulated time).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub tasks: u64,
    /// Simulated workers per archetype.
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
    /// worker).
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub gold_pool: u32,
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
        Command::Eval(a) => eval::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Exact(a) => exact::run(a),
    }
}

fn warnings_text(p: &Policy) -> String {
    p.warnings
        .iter()
        .map(|w| format!("warning: {w}\n"))
        .collect()
}
fn action_words(p: &Policy, d: &Decision) -> String {
    let mut s = d.action.name().to_string();
    if let Some(ms) = d.duration_ms {
        let _ = write!(s, " {}", fmt_duration(ms));
    }
    if d.untrust && d.action != Action::Untrust {
        s.push_str(" + untrust");
    }
    if let (Some(tc), Some(t)) = (d.tier, &p.tiers) {
        let _ = write!(
            s,
            " (tier {} -> {})",
            t.levels[tc.from as usize].name, t.levels[tc.to as usize].name
        );
    }
    s
}

fn decision_json(p: &Policy, worker: &str, d: &Decision, x: &[Explanation]) -> Value {
    json!({
        "worker": worker,
        "action": d.action.name(),
        "duration_ms": d.duration_ms,
        "untrust": d.untrust,
        "rules": d.fired.iter().map(|&i| p.rules[i as usize].id.as_str()).collect::<Vec<_>>(),
        "tier": d.tier.and_then(|tc| p.tiers.as_ref().map(|t| json!({
            "from": t.levels[tc.from as usize].name, "to": t.levels[tc.to as usize].name
        }))),
        "explanations": x,
    })
}
