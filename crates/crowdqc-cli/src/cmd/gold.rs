//! `crowdqc gold ...` (being implemented).

use crowdqc::Result;

/// Subcommands of `crowdqc gold`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Not yet available.
    Pending,
}

/// Runs the subcommand.
pub fn run(cmd: Command) -> Result<()> {
    let _ = cmd;
    Err(crate::common::not_yet("gold"))
}
