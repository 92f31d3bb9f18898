//! The gold score report as text.

use std::fmt::Write as _;

use super::{GoldScoreReport, WorkerRow};
use crate::table::Id;

/// An id cut to `width` characters (the last one an ellipsis) so tables stay aligned.
fn cell(id: &Id, width: usize) -> String {
    let s = id.to_string();
    if s.chars().count() <= width {
        s
    } else {
        s.chars().take(width - 1).chain(['…']).collect()
    }
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

impl GoldScoreReport {
    /// The report as text: totals, the `top` workers with the lowest interval bound,
    /// contested gold items, and with a model the workers whose gold and model
    /// accuracy diverge.
    pub fn text(&self, top: usize) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "gold items {}  gold answers {}  correct {} ({:.2}%)",
            self.gold_items,
            self.gold_answered,
            self.gold_correct,
            100.0 * self.gold_accuracy.unwrap_or(0.0)
        );
        if self.gold_without_judgments > 0 {
            let _ = writeln!(
                o,
                "note: {} gold items have no judgments and are not scored (e.g. {})",
                self.gold_without_judgments,
                self.gold_without_judgments_examples.join(", ")
            );
        }
        let _ = writeln!(
            o,
            "interval {} at {}%; {}",
            self.interval,
            100.0 * self.confidence,
            self.duplicate_rule
        );
        if self.duplicate_pairs > 0 {
            let _ = writeln!(
                o,
                "note: {} repeated (item, worker) pairs in the judgments",
                self.duplicate_pairs
            );
        }
        if !self.forgiven_workers_changed.is_empty() {
            let _ = writeln!(
                o,
                "forgive changed the scores of {} workers",
                self.forgiven_workers_changed.len()
            );
        }
        let mut rows: Vec<&WorkerRow> = self
            .workers
            .iter()
            .filter(|r| r.gold_answered > 0)
            .collect();
        rows.sort_by(|a, b| a.gold_accuracy_low.total_cmp(&b.gold_accuracy_low));
        let _ = writeln!(
            o,
            "\n{:<20} {:>8} {:>8} {:>9} {:>9} {:>9}",
            "worker", "answered", "correct", "accuracy", "low", "high"
        );
        for r in rows.iter().take(top) {
            let _ = writeln!(
                o,
                "{:<20} {:>8} {:>8} {:>9} {:>9.4} {:>9.4}",
                cell(&r.worker, 20),
                r.gold_answered,
                r.gold_correct,
                num(r.gold_accuracy),
                r.gold_accuracy_low,
                r.gold_accuracy_high
            );
        }
        if rows.len() > top {
            let _ = writeln!(o, "... {} more workers (use --out)", rows.len() - top);
        }
        let unscored = self.workers.len() - rows.len();
        if unscored > 0 {
            let _ = writeln!(o, "{unscored} workers answered no gold item");
        }
        let contested: Vec<_> = self.items.iter().filter(|r| r.contested).collect();
        let _ = writeln!(
            o,
            "\ncontested gold items: {} (consensus >= {} against gold, >= {} answers)",
            contested.len(),
            self.contest_confidence,
            self.contest_min_answers
        );
        for r in contested.iter().take(top) {
            let _ = writeln!(
                o,
                "  {:<20} gold {:<10} consensus {:<10} ({})  missed {}/{} (expected {}, p {})",
                cell(&r.item, 20),
                cell(&r.gold_label, 10),
                cell(&r.consensus_label, 10),
                num(r.consensus_confidence),
                r.misses,
                r.answers,
                r.expected_misses
                    .map_or_else(|| "-".into(), |v| format!("{v:.1}")),
                r.miss_p_value
                    .map_or_else(|| "-".into(), |v| format!("{v:.2e}")),
            );
        }
        if contested.len() > top {
            let _ = writeln!(o, "  ... {} more (use --items-out)", contested.len() - top);
        }
        if self.model.is_some() {
            let flagged: Vec<&WorkerRow> = self
                .workers
                .iter()
                .filter(|r| {
                    r.model
                        .as_ref()
                        .is_some_and(|m| m.model_divergence.is_some())
                })
                .collect();
            let _ = writeln!(
                o,
                "\ngold vs model accuracy: {} workers diverge (model outside the gold interval) \
                 — gold recognition or bad gold; review, do not act automatically",
                flagged.len()
            );
            for r in flagged.iter().take(top) {
                let Some(m) = &r.model else { continue };
                let _ = writeln!(
                    o,
                    "  {:<20} gold {} ({}/{})  model {}  p {}  q {}  {}",
                    cell(&r.worker, 20),
                    num(r.gold_accuracy),
                    r.gold_correct,
                    r.gold_answered,
                    num(m.model_accuracy),
                    m.model_p_value
                        .map_or_else(|| "-".into(), |v| format!("{v:.3e}")),
                    m.model_q_value
                        .map_or_else(|| "-".into(), |v| format!("{v:.3e}")),
                    m.model_divergence.unwrap_or("")
                );
            }
        }
        o
    }
}
