//! Argument groups shared by several subcommands (`#[command(flatten)]`), and how each
//! is used: columns, outputs and the stdout format.

use std::path::PathBuf;

use arrow_array::RecordBatch;
use crowdqc::Result;
use crowdqc::core::{ColumnMap, DuplicatePolicy, JudgmentMatrix};
use crowdqc::pipeline::FitTables;

use crate::common::{self, Format, InputOpts};

/// Item, worker and label columns and the duplicate rule of an `(item, worker, label)` file.
#[derive(Debug, Clone, clap::Args)]
pub struct Columns {
    /// Name of the item column (default: `item`, or crowd-kit's `task`).
    #[arg(long, value_name = "NAME")]
    pub item_column: Option<String>,
    /// Name of the worker column (default: `worker`, `performer` or `annotator`).
    #[arg(long, value_name = "NAME")]
    pub worker_column: Option<String>,
    /// Name of the label column (default: `label`; gold also accepts `true_label`, `gold`).
    #[arg(long, value_name = "NAME")]
    pub label_column: Option<String>,
    /// Repeated (item, worker) pairs: keep-all, first, last or error.
    #[arg(long, default_value = "keep-all", value_name = "POLICY")]
    pub duplicates: String,
}

impl Columns {
    /// The library's column map and duplicate policy (errors: an unknown policy).
    pub fn map(&self) -> Result<(ColumnMap, DuplicatePolicy)> {
        let mut columns = ColumnMap::default();
        columns.item.clone_from(&self.item_column);
        columns.worker.clone_from(&self.worker_column);
        columns.label.clone_from(&self.label_column);
        Ok((columns, self.duplicates.parse()?))
    }
}

impl Format {
    /// Prints `value` as JSON, or `text()`.
    pub fn print<T: serde::Serialize>(
        self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> Result<()> {
        common::print_out(&match self {
            Format::Json => common::to_json(value)?,
            Format::Text => text(),
        })
    }
}

/// One optional output table and the stdout format.
#[derive(Debug, Clone, clap::Args)]
pub struct Output {
    /// Write the table here (.parquet or .csv; columns in docs/cli.md).
    #[arg(long, value_name = "TABLE")]
    pub out: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

impl Output {
    /// Checks that `--out` can be written (before any long work).
    pub fn check(&self) -> Result<()> {
        self.out
            .as_deref()
            .map_or(Ok(()), crowdqc::io::check_output_path)
    }

    /// Writes the table to `--out`, if given.
    pub fn write(&self, table: impl FnOnce() -> Result<RecordBatch>) -> Result<()> {
        self.out
            .as_deref()
            .map_or(Ok(()), |p| crowdqc::io::write_table(p, &table()?))
    }
}

/// The item and worker tables of a fit and the format of its summary.
#[derive(Debug, Clone, clap::Args)]
pub struct FitOutput {
    /// Write one row per item here (.parquet or .csv; columns in docs/cli.md).
    #[arg(long, value_name = "ITEMS")]
    pub out: Option<PathBuf>,
    /// Write one row per worker here (.parquet or .csv; columns in docs/cli.md).
    #[arg(long = "workers-out", value_name = "WORKERS")]
    pub workers_out: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

impl FitOutput {
    /// The library's item and worker tables of the fit.
    pub fn tables(&self) -> FitTables {
        FitTables::new(self.out.clone(), self.workers_out.clone())
    }
}

/// A judgments file, a gold file (required with `mut_arg("gold", …)`) and how to read them.
#[derive(Debug, Clone, clap::Args)]
pub struct Judgments {
    /// Judgments file (.parquet, .csv, .tsv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: PathBuf,
    /// Gold labels file with an item column and `label`, `true_label` or `gold`.
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputOpts,
}

impl Judgments {
    /// Loads the judgments (and gold) as [`common::load`].
    pub fn load(&self) -> Result<JudgmentMatrix> {
        common::load(&self.judgments, &self.input, self.gold.as_deref(), None)
    }
}
