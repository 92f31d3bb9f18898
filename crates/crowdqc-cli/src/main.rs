//! The `crowdqc` command line: parses, calls the `crowdqc` library, renders (docs/cli.md).
//! Exit codes: 0 success, 1 runtime failure, 2 bad input, 130 / 143 SIGINT / SIGTERM.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod args;
mod cmd;
mod common;

/// Quality control and consensus scoring for crowdsourced labels.
#[derive(Debug, Parser)]
#[command(name = "crowdqc", version, about, propagate_version = true)]
#[command(after_help = "Every flag in detail, and the output columns: docs/cli.md")]
struct Cli {
    /// Refuse (exit 2) work whose largest table exceeds this (e.g. 4G; default: free memory).
    #[arg(long, global = true, value_name = "BYTES", value_parser = crowdqc::core::memory::parse_bytes)]
    max_memory: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Summarise a judgment file: counts, classes, redundancy, duplicates, gold join.
    Inspect(Box<cmd::inspect::Args>),
    /// Inter-annotator agreement coefficients with intervals.
    Agreement(cmd::agreement::Args),
    /// Truth inference and worker reliability (majority vote ... Dawid–Skene ... MACE).
    Aggregate(cmd::aggregate::Args),
    /// Gold scoring and gold planning.
    #[command(subcommand)]
    Gold(cmd::gold::Command),
    /// Access-rule policies: evaluate, replay, simulate.
    #[command(subcommand)]
    Policy(cmd::policy::Command),
    /// Pairwise comparisons: Bradley–Terry, Crowd-BT, ... with worker reliability.
    #[command(subcommand)]
    Pairwise(cmd::pairwise::Command),
    /// Numeric or ordinal ratings: aggregate (scores, worker bias) and agreement (ICC, W).
    #[command(subcommand)]
    Ratings(cmd::ratings::Command),
    /// One self-contained HTML quality report: data, agreement, truth, workers, gold, policy.
    Report(Box<cmd::report::Args>),
    /// The worker's side: plain-language statements of standing and pay.
    #[command(subcommand)]
    Workers(cmd::workers::Command),
}

fn main() -> ExitCode {
    crowdqc::terminal::install_panic_hook();
    crowdqc::terminal::install_signal_handler();
    // Lets tests check that a panic never reaches the user as a Rust panic.
    if std::env::var_os("CROWDQC_DEBUG_PANIC").is_some() {
        panic!("deliberate panic requested by CROWDQC_DEBUG_PANIC");
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    crowdqc::core::memory::set_limit(cli.max_memory);
    let result = match cli.command {
        Command::Inspect(a) => cmd::inspect::run(*a),
        Command::Agreement(a) => cmd::agreement::run(a),
        Command::Aggregate(a) => cmd::aggregate::run(a),
        Command::Gold(c) => cmd::gold::run(c),
        Command::Policy(c) => cmd::policy::run(c),
        Command::Pairwise(c) => cmd::pairwise::run(c),
        Command::Ratings(c) => cmd::ratings::run(c),
        Command::Report(a) => cmd::report::run(*a),
        Command::Workers(c) => cmd::workers::run(c),
    };
    common::exit(result)
}
