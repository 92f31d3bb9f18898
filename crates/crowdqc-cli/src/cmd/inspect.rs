//! `crowdqc inspect`: one pass over a judgment file (and optional gold file), printing
//! counts, classes, redundancy, duplicates and how gold joins.

use std::fmt::Write as _;
use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::core::summary::Spread;
use crowdqc::core::{ClassOrder, JudgmentMatrix, MatrixSummary};
use serde::Serialize;

use crate::common::{self, Format, InputOpts, fit_width};

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

/// Widest label column of the classes table; longer labels end in `…`.
const LABEL_WIDTH: usize = 40;

impl Summary {
    /// Summarises a loaded matrix.
    pub fn of(m: &JudgmentMatrix, file: &str) -> Summary {
        Summary {
            file: file.to_string(),
            summary: MatrixSummary::of(m),
        }
    }

    /// The aligned, human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let mut row = |k: &str, v: String| {
            let _ = writeln!(s, "  {k:<32} {v}");
        };
        let n = |v: u64| group(v);
        let spread = |o: &Option<Spread>| {
            o.map_or_else(
                || "-".to_string(),
                |x| {
                    format!(
                        "min {}  median {}  max {}  (mean {:.2})",
                        x.min, x.median, x.max, x.mean
                    )
                },
            )
        };
        row("file", self.file.clone());
        let this = &self.summary;
        row("judgments", n(this.judgments));
        if this.rows_read != this.judgments {
            row("rows read", n(this.rows_read));
        }
        row("items", n(this.items));
        row("workers", n(this.workers));
        row("judgments per item", spread(&this.judgments_per_item));
        row("judgments per worker", spread(&this.judgments_per_worker));
        row(
            "duplicate (item, worker) pairs",
            format!(
                "{}  ({} extra rows, {} conflicting pairs)",
                n(this.duplicate_pairs),
                n(this.duplicate_extra_rows),
                n(this.conflicting_duplicate_pairs)
            ),
        );
        row(
            "duplicate policy",
            format!(
                "{}  ({} rows dropped)",
                this.duplicate_policy.as_str(),
                n(this.dropped_duplicate_rows)
            ),
        );
        if this.timestamps || this.durations {
            let cols: Vec<&str> = [
                this.timestamps.then_some("timestamp"),
                this.durations.then_some("duration"),
            ]
            .into_iter()
            .flatten()
            .collect();
            row("optional columns", cols.join(", "));
        }
        if let Some(g) = &this.gold {
            row(
                "gold",
                format!(
                    "{} given, {} joined, {} unknown items{}",
                    n(g.given as u64),
                    n(g.joined as u64),
                    n(g.unknown_items as u64),
                    if g.unknown_examples.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (e.g. {})",
                            g.unknown_examples
                                .iter()
                                .take(3)
                                .map(|id| fit_width(id, LABEL_WIDTH))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ),
            );
            if g.repeated_rows > 0 {
                row("gold rows repeated", n(g.repeated_rows));
            }
        }
        let _ = writeln!(
            s,
            "  {:<32} {} ({})",
            "classes",
            this.classes.len(),
            match this.class_order {
                ClassOrder::Declared => "declared",
                ClassOrder::Numeric => "numeric",
                ClassOrder::Lexicographic => "lexicographic",
            }
        );
        let total: u64 = this.classes.iter().map(|c| c.count).sum();
        let labels: Vec<String> = this
            .classes
            .iter()
            .map(|c| fit_width(&c.label.to_string(), LABEL_WIDTH))
            .collect();
        let width = labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let has_gold = this.classes.iter().any(|c| c.gold.is_some());
        let _ = writeln!(
            s,
            "    {:<width$}  {:>12}  {:>7}{}",
            "label",
            "judgments",
            "share",
            if has_gold { "  gold items" } else { "" }
        );
        for (c, l) in this.classes.iter().zip(&labels) {
            let share = if total > 0 {
                100.0 * c.count as f64 / total as f64
            } else {
                0.0
            };
            let _ = writeln!(
                s,
                "    {l:<width$}  {:>12}  {share:>6.2}%{}",
                group(c.count),
                c.gold
                    .map(|g| format!("  {:>10}", group(g)))
                    .unwrap_or_default()
            );
        }
        for w in &this.warnings {
            let _ = writeln!(s, "  warning: {w}");
        }
        s
    }
}

/// `1234567` → `1,234,567`.
fn group(v: u64) -> String {
    let d = v.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, ch) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_and_truncation() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(92_721), "92,721");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(fit_width("abcdef", 4), "abc…");
        assert_eq!(fit_width("abcd", 4), "abcd");
    }
}
