//! Shared pieces of the subcommands: input options, loading, output, exit codes.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crowdqc::core::{IngestOptions, JudgmentMatrix};
use crowdqc::terminal::Bar;
use crowdqc::{Error, Result};

/// Output format of a subcommand's report on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A human-readable table.
    #[default]
    Text,
    /// One JSON document.
    Json,
}

/// How to read a judgment file (flattened into every subcommand that reads one).
#[derive(Debug, Clone, clap::Args)]
pub struct InputOpts {
    #[command(flatten)]
    pub columns: crate::args::Columns,
    /// Name of the optional timestamp column (default: `timestamp` when present).
    #[arg(long, value_name = "NAME")]
    pub timestamp_column: Option<String>,
    /// Name of the optional duration column, in milliseconds (default: `duration_ms`).
    #[arg(long, value_name = "NAME")]
    pub duration_column: Option<String>,
    /// Declared class set in class order, comma-separated (default: observed labels, sorted).
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub classes: Option<Vec<String>>,
    /// Let gold labels outside the class set extend it instead of failing.
    #[arg(long)]
    pub extend_classes: bool,
    /// Trim surrounding spaces from string labels (judgments, gold, --classes).
    #[arg(long)]
    pub trim_labels: bool,
}

impl InputOpts {
    /// The library's ingest options (errors: an unknown duplicate policy).
    pub fn ingest_options(&self) -> Result<IngestOptions> {
        let (mut columns, duplicates) = self.columns.map()?;
        columns.timestamp.clone_from(&self.timestamp_column);
        columns.duration.clone_from(&self.duration_column);
        let mut opts = IngestOptions::default()
            .with_columns(columns)
            .with_duplicates(duplicates)
            .with_extend_classes_with_gold(self.extend_classes)
            .with_trim_labels(self.trim_labels);
        opts.classes.clone_from(&self.classes);
        Ok(opts)
    }
}

/// Ingest taking longer than this shows a progress bar (on a terminal).
const BAR_AFTER: Duration = Duration::from_secs(2);

/// Loads a judgment file (and optional gold file) following a read plan (one pass when
/// `None`; see [`crowdqc_io::plan_read_spilled`]), with a progress bar after two seconds
/// on a terminal; prints the library's ingest notes (duplicates, near-equal labels).
pub fn load(
    path: &Path,
    input: &InputOpts,
    gold: Option<&Path>,
    plan: Option<&crowdqc_io::ReadPlan>,
) -> Result<JudgmentMatrix> {
    let opts = input.ingest_options()?;
    let bar = Bar::stderr_after(BAR_AFTER);
    let (m, notes) = crowdqc::pipeline::read_judgments(path, &opts, gold, plan, &bar)?;
    for line in notes {
        eprintln!("{line}");
    }
    Ok(m)
}

/// Writes `text` to stdout; a closed pipe (`crowdqc inspect f | head`) is not an error.
pub fn print_out(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            path: "<stdout>".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Pretty JSON of a serializable report, with a trailing newline.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::library("json output", e))
}

/// Prints the error (if any) and maps it to the exit code: 0 ok, 2 bad input, 1 runtime;
/// notes stale temporary files of killed runs that were removed.
pub fn exit(result: Result<()>) -> ExitCode {
    for p in crowdqc_io::take_removed_stale() {
        eprintln!(
            "note: removed {}, a temporary file left by an interrupted crowdqc run",
            p.display()
        );
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_user_error() { 2 } else { 1 })
        }
    }
}
