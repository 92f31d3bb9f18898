//! The aligned, human-readable rendering of a [`MatrixSummary`] (what
//! `crowdqc inspect` prints).

use std::fmt;

use crate::classes::ClassOrder;
use crate::summary::{MatrixSummary, Spread};
use crate::text::{fit_width, group_thousands as group};

/// Widest label or id shown; longer ones end in `…`.
const LABEL_WIDTH: usize = 40;

fn spread(o: &Option<Spread>) -> String {
    o.map_or_else(
        || "-".to_string(),
        |x| {
            format!(
                "min {}  median {}  max {}  (mean {:.2})",
                x.min, x.median, x.max, x.mean
            )
        },
    )
}

impl fmt::Display for MatrixSummary {
    /// One `key value` line per count (keys padded to 32 columns, two-space indent),
    /// then the classes table (label, judgments, share and gold items when gold was
    /// joined) and the warnings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = |f: &mut fmt::Formatter<'_>, k: &str, v: String| writeln!(f, "  {k:<32} {v}");
        row(f, "judgments", group(self.judgments))?;
        if self.rows_read != self.judgments {
            row(f, "rows read", group(self.rows_read))?;
        }
        row(f, "items", group(self.items))?;
        row(f, "workers", group(self.workers))?;
        row(f, "judgments per item", spread(&self.judgments_per_item))?;
        row(
            f,
            "judgments per worker",
            spread(&self.judgments_per_worker),
        )?;
        row(
            f,
            "duplicate (item, worker) pairs",
            format!(
                "{}  ({} extra rows, {} conflicting pairs)",
                group(self.duplicate_pairs),
                group(self.duplicate_extra_rows),
                group(self.conflicting_duplicate_pairs)
            ),
        )?;
        row(
            f,
            "duplicate policy",
            format!(
                "{}  ({} rows dropped)",
                self.duplicate_policy.as_str(),
                group(self.dropped_duplicate_rows)
            ),
        )?;
        let optional: Vec<&str> = [
            self.timestamps.then_some("timestamp"),
            self.durations.then_some("duration"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !optional.is_empty() {
            row(f, "optional columns", optional.join(", "))?;
        }
        if let Some(g) = &self.gold {
            let examples = if g.unknown_examples.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> = g
                    .unknown_examples
                    .iter()
                    .take(3)
                    .map(|id| fit_width(id, LABEL_WIDTH))
                    .collect();
                format!(" (e.g. {})", shown.join(", "))
            };
            row(
                f,
                "gold",
                format!(
                    "{} given, {} joined, {} unknown items{examples}",
                    group(g.given as u64),
                    group(g.joined as u64),
                    group(g.unknown_items as u64),
                ),
            )?;
            if g.repeated_rows > 0 {
                row(f, "gold rows repeated", group(g.repeated_rows))?;
            }
        }
        let order = match self.class_order {
            ClassOrder::Declared => "declared",
            ClassOrder::Numeric => "numeric",
            ClassOrder::Lexicographic => "lexicographic",
        };
        row(f, "classes", format!("{} ({order})", self.classes.len()))?;
        let total: u64 = self.classes.iter().map(|c| c.count).sum();
        let labels: Vec<String> = self
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
        let has_gold = self.classes.iter().any(|c| c.gold.is_some());
        let gold_head = if has_gold { "  gold items" } else { "" };
        writeln!(
            f,
            "    {:<width$}  {:>12}  {:>7}{gold_head}",
            "label", "judgments", "share"
        )?;
        for (c, l) in self.classes.iter().zip(&labels) {
            let share = if total > 0 {
                100.0 * c.count as f64 / total as f64
            } else {
                0.0
            };
            let gold = c
                .gold
                .map(|g| format!("  {:>10}", group(g)))
                .unwrap_or_default();
            writeln!(
                f,
                "    {l:<width$}  {:>12}  {share:>6.2}%{gold}",
                group(c.count)
            )?;
        }
        for w in &self.warnings {
            writeln!(f, "  warning: {w}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{IdRef, IngestOptions, JudgmentMatrixBuilder, MatrixSummary};

    #[test]
    fn text_of_a_small_matrix_with_gold_and_a_long_label() {
        let long = "x".repeat(50);
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
        for (i, w, l) in [
            ("1", "7", "no"),
            ("1", "8", long.as_str()),
            ("2", "7", "no"),
        ] {
            b.push_row(IdRef::Str(i), IdRef::Str(w), IdRef::Str(l))
                .expect("row");
        }
        b.push_gold_row(IdRef::Str("2"), IdRef::Str("no"))
            .expect("gold");
        b.push_gold_row(IdRef::Str("9"), IdRef::Str("no"))
            .expect("gold");
        let m = b.finish().expect("matrix");
        let text = MatrixSummary::of(&m).to_string();
        let lines: Vec<&str> = text.lines().collect();
        let cut = format!("{}…", "x".repeat(39));
        let expected = [
            format!("  {:<32} 3", "judgments"),
            format!("  {:<32} 2", "items"),
            format!("  {:<32} 2", "workers"),
            format!(
                "  {:<32} min 1  median 1.5  max 2  (mean 1.50)",
                "judgments per item"
            ),
            format!(
                "  {:<32} min 1  median 1.5  max 2  (mean 1.50)",
                "judgments per worker"
            ),
            format!(
                "  {:<32} 0  (0 extra rows, 0 conflicting pairs)",
                "duplicate (item, worker) pairs"
            ),
            format!("  {:<32} keep-all  (0 rows dropped)", "duplicate policy"),
            format!(
                "  {:<32} 2 given, 1 joined, 1 unknown items (e.g. 9)",
                "gold"
            ),
            format!("  {:<32} 2 (lexicographic)", "classes"),
            format!("    {:<40}     judgments    share  gold items", "label"),
            format!("    {:<40}             2   66.67%           1", "no"),
            format!("    {cut}             1   33.33%           0"),
            "  warning: 1 of 2 gold items have no judgment and are not used".to_string(),
        ];
        assert_eq!(
            lines,
            expected.iter().map(String::as_str).collect::<Vec<_>>()
        );
    }
}
