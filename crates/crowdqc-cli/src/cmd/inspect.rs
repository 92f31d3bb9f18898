//! `crowdqc inspect`: one pass over a judgment file (and optional gold file), printing
//! counts, classes, redundancy, duplicates and how gold joins.

use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::core::{JudgmentMatrix, MatrixSummary};
use serde::Serialize;

use crate::common::{self, Format, InputOpts};

/// Arguments of `crowdqc inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Judgments file (.parquet, .csv, .tsv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: PathBuf,
    /// Gold labels file with an item column and `label`, `true_label` or `gold`.
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// What `inspect --format json` prints: the file and the library's summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The judgments file.
    pub file: String,
    /// The matrix summary.
    #[serde(flatten)]
    pub summary: MatrixSummary,
}

impl Summary {
    /// Summarises a loaded matrix.
    pub fn of(m: &JudgmentMatrix, file: &str) -> Summary {
        Summary {
            file: file.to_string(),
            summary: MatrixSummary::of(m),
        }
    }

    /// The aligned, human-readable report: the file, then the library's rendering.
    pub fn to_text(&self) -> String {
        format!("  {:<32} {}\n{}", "file", self.file, self.summary)
    }
}

/// Runs the subcommand.
///
/// # Errors
/// Unreadable or invalid input files (exit code 2), output failures (exit code 1).
pub fn run(args: Args) -> Result<()> {
    let m = common::load(&args.judgments, &args.input, args.gold.as_deref())?;
    let summary = Summary::of(&m, &args.judgments.display().to_string());
    let text = match args.format {
        Format::Text => summary.to_text(),
        Format::Json => common::to_json(&summary)?,
    };
    common::print_out(&text)
}
