//! Shared pieces of the subcommands: input options, loading, output, exit codes.

use std::path::Path;
use std::process::ExitCode;

use crowdqc::core::{DuplicatePolicy, IngestOptions, JudgmentMatrix};
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
    /// Name of the item column (default: `item`, or crowd-kit's `task`).
    #[arg(long, value_name = "NAME")]
    pub item_column: Option<String>,
    /// Name of the worker column (default: `worker`).
    #[arg(long, value_name = "NAME")]
    pub worker_column: Option<String>,
    /// Name of the label column (default: `label`; gold also accepts `true_label`).
    #[arg(long, value_name = "NAME")]
    pub label_column: Option<String>,
    /// Repeated (item, worker) pairs: keep-all, first, last or error.
    #[arg(long, default_value = "keep-all", value_name = "POLICY")]
    pub duplicates: String,
    /// Declared class set in class order, comma-separated (default: observed labels, sorted).
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub classes: Option<Vec<String>>,
    /// Let gold labels outside the class set extend it instead of failing.
    #[arg(long)]
    pub extend_classes: bool,
}

impl InputOpts {
    /// The library's ingest options.
    pub fn ingest_options(&self) -> Result<IngestOptions> {
        let duplicates: DuplicatePolicy = self.duplicates.parse()?;
        let mut opts = IngestOptions {
            duplicates,
            ..IngestOptions::default()
        };
        opts.columns.item = self.item_column.clone();
        opts.columns.worker = self.worker_column.clone();
        opts.columns.label = self.label_column.clone();
        opts.classes = self.classes.clone();
        opts.extend_classes_with_gold = self.extend_classes;
        Ok(opts)
    }
}

/// Loads a judgment file (and optional gold file) into a matrix.
pub fn load(path: &Path, input: &InputOpts, gold: Option<&Path>) -> Result<JudgmentMatrix> {
    crowdqc_io::read_judgments(path, &input.ingest_options()?, gold)
}

/// Error for a subcommand that is not available yet.
pub fn not_yet(what: &str) -> Error {
    Error::External {
        context: what.into(),
        message: "not implemented yet".into(),
    }
}

/// Prints the error (if any) and maps it to the exit code: 0 ok, 2 bad input, 1 runtime.
pub fn exit(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_user_error() { 2 } else { 1 })
        }
    }
}
