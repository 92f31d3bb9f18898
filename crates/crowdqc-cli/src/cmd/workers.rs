//! `crowdqc workers statement`: each worker's statement in plain words.

use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::policy::pay::read_pay;
use crowdqc::policy::statement::statements_from_matrix;
use crowdqc::policy::{check_pay, read_policy};

use crate::args::{Judgments, Output};

/// Subcommands of `crowdqc workers`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Per worker, in plain words: work, gold accuracy, standing, what would change it, pay.
    Statement(StatementArgs),
}

/// Arguments of `crowdqc workers statement`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("gold", |a| a.required(true)))]
pub struct StatementArgs {
    #[command(flatten)]
    pub data: Judgments,
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Pay table (TOML, see docs/pay.md); needs a duration_ms column.
    #[arg(long, value_name = "PAY.toml")]
    pub pay: Option<PathBuf>,
    /// Only this worker's statement (an id not in the data is an error).
    #[arg(long, value_name = "ID")]
    pub worker: Option<String>,
    #[command(flatten)]
    pub output: Output,
}

/// Runs the subcommand.
pub fn run(cmd: Command) -> Result<()> {
    let Command::Statement(a) = cmd;
    let policy = read_policy(&a.policy)?;
    let pay = a.pay.as_deref().map(read_pay).transpose()?;
    check_pay(&policy, pay.as_ref())?;
    a.output.check()?;
    let m = a.data.load()?;
    let mut s = statements_from_matrix(&m, &policy, pay.as_ref())?;
    if let Some(w) = &a.worker {
        s = s.only(w)?;
    }
    for n in &s.notes {
        eprintln!("note: {n}");
    }
    a.output.write(|| s.to_record_batch())?;
    a.output.format.print(&s, || s.to_string())
}
