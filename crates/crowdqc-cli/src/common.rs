//! Shared pieces of the subcommands: input options, loading (with a progress bar on a
//! terminal), output, exit codes.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crowdqc::core::progress::Progress;
use crowdqc::core::summary::similar_labels;
use crowdqc::core::{ColumnMap, DuplicatePolicy, IngestOptions, JudgmentMatrix};
use crowdqc::{Error, Result};

use crate::progress::Bar;

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
    /// Name of the worker column (default: `worker`, `performer` or `annotator`).
    #[arg(long, value_name = "NAME")]
    pub worker_column: Option<String>,
    /// Name of the label column (default: `label`; gold also accepts `true_label`, `gold`).
    #[arg(long, value_name = "NAME")]
    pub label_column: Option<String>,
    /// Name of the optional timestamp column (default: `timestamp` when present).
    #[arg(long, value_name = "NAME")]
    pub timestamp_column: Option<String>,
    /// Name of the optional duration column, in milliseconds (default: `duration_ms`).
    #[arg(long, value_name = "NAME")]
    pub duration_column: Option<String>,
    /// Repeated (item, worker) pairs: keep-all, first, last or error.
    #[arg(long, default_value = "keep-all", value_name = "POLICY")]
    pub duplicates: String,
    /// Declared class set in class order, comma-separated (default: observed labels, sorted).
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub classes: Option<Vec<String>>,
    /// Let gold labels outside the class set extend it instead of failing.
    #[arg(long)]
    pub extend_classes: bool,
    /// Trim surrounding spaces from string labels (judgments, gold, --classes), so that
    /// `yes` and ` yes` are one class.
    #[arg(long)]
    pub trim_labels: bool,
}

impl InputOpts {
    /// The library's ingest options.
    ///
    /// # Errors
    /// An unknown duplicate policy.
    pub fn ingest_options(&self) -> Result<IngestOptions> {
        let duplicates: DuplicatePolicy = self.duplicates.parse()?;
        let mut columns = ColumnMap::default();
        columns.item.clone_from(&self.item_column);
        columns.worker.clone_from(&self.worker_column);
        columns.label.clone_from(&self.label_column);
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

/// Loads a judgment file (and optional gold file) into a matrix. On a terminal, a read
/// still running after two seconds shows a progress bar on stderr. Then says on stderr
/// what was done with duplicate `(item, worker)` pairs and warns about labels that
/// differ only by surrounding spaces or case.
///
/// # Errors
/// Those of [`crowdqc_io::read_judgments`].
pub fn load(path: &Path, input: &InputOpts, gold: Option<&Path>) -> Result<JudgmentMatrix> {
    let opts = input.ingest_options()?;
    let bar = Bar::stderr();
    let t0 = Instant::now();
    let mut shown = 0u64;
    let mut started = false;
    let m = crowdqc_io::read_judgments_with_progress(path, &opts, gold, &mut |p| {
        if !started && t0.elapsed() >= BAR_AFTER {
            bar.start(&format!("reading {}", path.display()), p.total);
            started = true;
        }
        if started {
            bar.advance(p.rows - shown);
            shown = p.rows;
        }
    });
    bar.finish();
    let m = m?;
    for line in ingest_notes(&m, input.trim_labels) {
        eprintln!("{line}");
    }
    Ok(m)
}

/// What ingest found that the user should know: duplicate pairs and what was done with
/// them, and labels that differ only by surrounding spaces or case.
pub fn ingest_notes(m: &JudgmentMatrix, trimmed: bool) -> Vec<String> {
    let r = m.report();
    let mut notes = Vec::new();
    if r.duplicate_pairs > 0 {
        let done = match r.duplicate_policy {
            DuplicatePolicy::KeepAll => {
                "all rows kept (--duplicates first or last keeps one)".to_string()
            }
            p => format!(
                "kept the {} row of each pair, dropped {} rows",
                p.as_str(),
                r.dropped_duplicate_rows
            ),
        };
        notes.push(format!(
            "note: {} duplicate (item, worker) pairs ({} extra rows), {} with conflicting labels; {done}",
            r.duplicate_pairs, r.duplicate_extra_rows, r.conflicting_duplicate_pairs
        ));
    }
    let similar = similar_labels(m.classes().iter().map(|l| l.to_string()));
    if !similar.is_empty() {
        let shown: Vec<String> = similar
            .iter()
            .take(3)
            .map(|g| {
                g.iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .collect();
        let fix = if trimmed {
            "they differ by case: fix the labels"
        } else {
            "use --trim-labels to trim spaces, or fix the labels"
        };
        notes.push(format!(
            "warning: {} groups of labels differ only by surrounding spaces or case and are separate classes (e.g. {}); {fix}",
            similar.len(),
            shown.join(", ")
        ));
    }
    notes
}

/// Writes `text` to stdout. A closed pipe (e.g. `crowdqc inspect f | head`) is not an
/// error.
///
/// # Errors
/// Other write failures.
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
///
/// # Errors
/// Serialization failures (non-string map keys), which are bugs.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::library("json output", e))
}

/// `s` cut to at most `width` characters, ending in `…` when cut, so text tables stay
/// aligned with long ids.
pub fn fit_width(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
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

/// Replaces Rust's panic output (message, location, backtrace) with one line telling the
/// user this is a bug, and exits with code 1. A closed stdout pipe exits quietly with 0.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if crowdqc_io::in_guarded_decode() {
            // a third-party decoder choked on a corrupt file: crowdqc-io catches this
            // and reports the file as invalid
            return;
        }
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        let location = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "error: internal error: {msg}{location}; this is a bug in crowdqc, please report it"
        );
        std::process::exit(1);
    }));
}
