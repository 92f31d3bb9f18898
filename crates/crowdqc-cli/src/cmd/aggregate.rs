//! `crowdqc aggregate` (being implemented).

use crowdqc::Result;

/// Arguments of `crowdqc aggregate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Judgments file (.parquet, .csv, .arrow/.ipc).
    pub judgments: std::path::PathBuf,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    let _ = args;
    Err(crate::common::not_yet("aggregate"))
}
