//! `crowdqc workers statement`: each worker's statement in plain words.

use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::policy::pay::read_pay;
use crowdqc::policy::statement::statements_from_matrix;
use crowdqc::policy::{check_pay, read_policy};

use crate::common::{self, Format, InputOpts};

/// Subcommands of `crowdqc workers`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Per worker, in plain words: work done, gold accuracy with its interval, where
    /// they stand under each rule and exactly what would change it, and (with --pay)
    /// the effective hourly pay with the share of unpaid time.
    Statement(StatementArgs),
}

/// Arguments of `crowdqc workers statement`.
#[derive(Debug, clap::Args)]
pub struct StatementArgs {
    /// Judgments file (.parquet, .csv, .arrow/.ipc).
    pub judgments: PathBuf,
    /// Gold labels file.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Pay table (TOML: rate, platform_cut, hourly_floor, pools, unpaid work; see
    /// docs/pay.md); needs a duration_ms column.
    #[arg(long, value_name = "PAY.toml")]
    pub pay: Option<PathBuf>,
    /// Only this worker's statement (an id not in the data is an error).
    #[arg(long, value_name = "ID")]
    pub worker: Option<String>,
    /// Also write one row per worker here (.parquet or .csv): action, gold accuracy
    /// and interval, tasks per day, hourly pay, unpaid share, the statement text.
    #[arg(long, value_name = "TABLE")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Runs the subcommand.
///
/// # Errors
/// Bad arguments, policy, pay table or input files; a worker not in the data.
pub fn run(cmd: Command) -> Result<()> {
    let Command::Statement(a) = cmd;
    let policy = read_policy(&a.policy)?;
    let pay = a.pay.as_deref().map(read_pay).transpose()?;
    check_pay(&policy, pay.as_ref())?;
    if let Some(p) = &a.out {
        crowdqc::io::check_output_path(p)?;
    }
    let m = common::load(&a.judgments, &a.input, Some(&a.gold))?;
    let mut s = statements_from_matrix(&m, &policy, pay.as_ref())?;
    if let Some(w) = &a.worker {
        s = s.only(w)?;
    }
    for n in &s.notes {
        eprintln!("note: {n}");
    }
    if let Some(p) = &a.out {
        crowdqc::io::write_table(p, &s.to_record_batch()?)?;
    }
    common::print_out(&match a.format {
        Format::Json => common::to_json(&s)?,
        Format::Text => s.to_string(),
    })
}
