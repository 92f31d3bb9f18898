//! `crowdqc inspect`: counts, classes, redundancy, duplicates and how gold joins.

use crowdqc::Result;
use crowdqc::core::MatrixSummary;

use crate::args::Judgments;
use crate::common::Format;

/// Arguments of `crowdqc inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: Judgments,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// What `inspect --format json` prints: the file and the library's summary.
#[derive(Debug, serde::Serialize)]
struct Summary {
    file: String,
    #[serde(flatten)]
    summary: MatrixSummary,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    let m = args.data.load()?;
    let file = args.data.judgments.display().to_string();
    let s = Summary {
        file,
        summary: MatrixSummary::of(&m),
    };
    args.format
        .print(&s, || format!("  {:<32} {}\n{}", "file", s.file, s.summary))
}
