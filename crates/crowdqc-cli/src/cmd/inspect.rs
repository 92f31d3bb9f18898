//! `crowdqc inspect`: one pass over a judgment file (and optional gold file), printing
//! counts, classes, redundancy, duplicates and how gold joins.

use std::fmt::Write as _;
use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::core::{ClassOrder, JudgmentMatrix};
use serde::Serialize;
use serde_json::Value;

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

/// Minimum, median and maximum of a count distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// Smallest count.
    pub min: u64,
    /// Median (mean of the two middle values for an even number).
    pub median: f64,
    /// Largest count.
    pub max: u64,
    /// Mean.
    pub mean: f64,
}

impl Spread {
    /// Spread of the differences of consecutive CSR offsets.
    fn of_offsets(offsets: &[usize]) -> Option<Spread> {
        let mut counts: Vec<u64> = offsets.windows(2).map(|w| (w[1] - w[0]) as u64).collect();
        if counts.is_empty() {
            return None;
        }
        counts.sort_unstable();
        let n = counts.len();
        let median = if n % 2 == 1 {
            counts[n / 2] as f64
        } else {
            (counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0
        };
        let sum: u64 = counts.iter().sum();
        Some(Spread {
            min: counts[0],
            median,
            max: counts[n - 1],
            mean: sum as f64 / n as f64,
        })
    }
}

/// One class and its number of judgments.
#[derive(Debug, Clone, Serialize)]
pub struct ClassCount {
    /// The label (a number for integer labels).
    pub label: Value,
    /// Judgments with this label.
    pub count: u64,
    /// Gold items with this label (when gold was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold: Option<u64>,
}

/// How gold joined.
#[derive(Debug, Clone, Serialize)]
pub struct GoldSummary {
    /// Distinct gold items given.
    pub given: usize,
    /// Gold items that have judgments (usable gold).
    pub joined: usize,
    /// Gold items with no judgment.
    pub unknown_items: usize,
    /// Some of those ids.
    pub unknown_examples: Vec<String>,
    /// Gold rows repeating an item with the same label.
    pub repeated_rows: u64,
}

/// Everything `inspect` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The judgments file.
    pub file: String,
    /// Rows read from the file.
    pub rows_read: u64,
    /// Judgments kept (after the duplicate policy).
    pub judgments: u64,
    /// Items with at least one judgment.
    pub items: usize,
    /// Workers with at least one judgment.
    pub workers: usize,
    /// Classes in class order, with their counts.
    pub classes: Vec<ClassCount>,
    /// How the class order was decided: declared, numeric or lexicographic.
    pub class_order: &'static str,
    /// Judgments per item.
    pub judgments_per_item: Option<Spread>,
    /// Judgments per worker.
    pub judgments_per_worker: Option<Spread>,
    /// Distinct (item, worker) pairs judged more than once.
    pub duplicate_pairs: u64,
    /// Rows beyond the first of each duplicate pair.
    pub duplicate_extra_rows: u64,
    /// Duplicate pairs whose labels differ.
    pub conflicting_duplicate_pairs: u64,
    /// The duplicate policy applied.
    pub duplicate_policy: &'static str,
    /// Rows dropped by the duplicate policy.
    pub dropped_duplicate_rows: u64,
    /// Whether a timestamp column was read.
    pub timestamps: bool,
    /// Whether a duration column was read.
    pub durations: bool,
    /// Gold join, when a gold file was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold: Option<GoldSummary>,
    /// Things worth a look before scoring (gold that does not join, conflicting
    /// duplicates, declared classes never used).
    pub warnings: Vec<String>,
}

impl Summary {
    /// Summarises a loaded matrix.
    pub fn of(m: &JudgmentMatrix, file: &str) -> Summary {
        let r = m.report();
        let gold_counts = r.gold.as_ref().map(|_| {
            let mut c = vec![0u64; m.n_classes()];
            for &i in m.gold().items() {
                if let Some(l) = m.gold().label(i) {
                    c[l as usize] += 1;
                }
            }
            c
        });
        let mut warnings = Vec::new();
        if let Some(g) = &r.gold {
            if g.joined == 0 && g.given > 0 {
                warnings.push(format!(
                    "none of the {} gold items has a judgment: check that the gold file's item ids \
                     match the judgments'",
                    g.given
                ));
            } else if g.unknown_items > 0 {
                warnings.push(format!(
                    "{} of {} gold items have no judgment and are not used",
                    g.unknown_items, g.given
                ));
            }
        }
        if r.conflicting_duplicate_pairs > 0 && r.dropped_duplicate_rows == 0 {
            warnings.push(format!(
                "{} (item, worker) pairs were judged more than once with different labels; \
                 all are kept (choose --duplicates first or last to keep one)",
                r.conflicting_duplicate_pairs
            ));
        }
        let unseen = m.classes().unseen();
        if !unseen.is_empty() {
            let shown: Vec<String> = unseen
                .iter()
                .take(10)
                .map(|&c| m.classes().label(c).to_string())
                .collect();
            warnings.push(format!(
                "{} classes never used by a judgment: {}{}",
                unseen.len(),
                shown.join(", "),
                if unseen.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                }
            ));
        }
        let classes = m
            .classes()
            .iter()
            .zip(m.classes().counts())
            .enumerate()
            .map(|(k, (label, &count))| ClassCount {
                label: common::id_json(label),
                count,
                gold: gold_counts.as_ref().map(|g| g[k]),
            })
            .collect();
        Summary {
            file: file.to_string(),
            rows_read: r.rows_read,
            judgments: m.n_judgments() as u64,
            items: m.n_items(),
            workers: m.n_workers(),
            classes,
            class_order: match m.classes().order() {
                ClassOrder::Declared => "declared",
                ClassOrder::Numeric => "numeric",
                ClassOrder::Lexicographic => "lexicographic",
            },
            judgments_per_item: Spread::of_offsets(m.item_offsets()),
            judgments_per_worker: Spread::of_offsets(m.worker_offsets()),
            duplicate_pairs: r.duplicate_pairs,
            duplicate_extra_rows: r.duplicate_extra_rows,
            conflicting_duplicate_pairs: r.conflicting_duplicate_pairs,
            duplicate_policy: r.duplicate_policy.as_str(),
            dropped_duplicate_rows: r.dropped_duplicate_rows,
            timestamps: m.timestamps().is_some(),
            durations: m.durations().is_some(),
            gold: r.gold.as_ref().map(|g| GoldSummary {
                given: g.given,
                joined: g.joined,
                unknown_items: g.unknown_items,
                unknown_examples: g.unknown_examples.clone(),
                repeated_rows: g.repeated_rows,
            }),
            warnings,
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
        row("judgments", n(self.judgments));
        if self.rows_read != self.judgments {
            row("rows read", n(self.rows_read));
        }
        row("items", n(self.items as u64));
        row("workers", n(self.workers as u64));
        row("judgments per item", spread(&self.judgments_per_item));
        row("judgments per worker", spread(&self.judgments_per_worker));
        row(
            "duplicate (item, worker) pairs",
            format!(
                "{}  ({} extra rows, {} conflicting pairs)",
                n(self.duplicate_pairs),
                n(self.duplicate_extra_rows),
                n(self.conflicting_duplicate_pairs)
            ),
        );
        row(
            "duplicate policy",
            format!(
                "{}  ({} rows dropped)",
                self.duplicate_policy,
                n(self.dropped_duplicate_rows)
            ),
        );
        if self.timestamps || self.durations {
            let cols: Vec<&str> = [
                self.timestamps.then_some("timestamp"),
                self.durations.then_some("duration"),
            ]
            .into_iter()
            .flatten()
            .collect();
            row("optional columns", cols.join(", "));
        }
        if let Some(g) = &self.gold {
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
                                .map(String::as_str)
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
            self.classes.len(),
            self.class_order
        );
        let total: u64 = self.classes.iter().map(|c| c.count).sum();
        let labels: Vec<String> = self
            .classes
            .iter()
            .map(|c| match &c.label {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            })
            .collect();
        let width = labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let has_gold = self.classes.iter().any(|c| c.gold.is_some());
        let _ = writeln!(
            s,
            "    {:<width$}  {:>12}  {:>7}{}",
            "label",
            "judgments",
            "share",
            if has_gold { "  gold items" } else { "" }
        );
        for (c, l) in self.classes.iter().zip(&labels) {
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
        for w in &self.warnings {
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
    fn spread_and_grouping() {
        let s = Spread::of_offsets(&[0, 3, 4, 8, 10]).expect("non-empty");
        assert_eq!((s.min, s.median, s.max), (1, 2.5, 4));
        assert!((s.mean - 2.5).abs() < 1e-12);
        let s = Spread::of_offsets(&[0, 3, 4, 9]).expect("non-empty");
        assert_eq!((s.min, s.median, s.max), (1, 3.0, 5));
        assert_eq!(Spread::of_offsets(&[0]), None);
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(92_721), "92,721");
        assert_eq!(group(1_234_567), "1,234,567");
    }
}
