//! Gold: per-worker gold accuracy with intervals; gold items often missed or contested.

use crowdqc_core::Result;
use crowdqc_gold::GoldScoreReport;

use crate::html::{self, Cell, Section};
use crate::plot;

/// Workers drawn in the gold accuracy chart (those with the lowest interval bound).
pub const MAX_CHART_WORKERS: usize = 40;

/// Renders the section.
///
/// # Errors
/// A chart that cannot be drawn.
pub fn render(g: &GoldScoreReport, top: usize) -> Result<Section> {
    let pct = format!("{:.0}%", g.confidence * 100.0);
    let mut pairs = vec![
        ("gold items", html::count(g.gold_items as u64)),
        ("gold answers", html::count(g.gold_answered)),
        ("correct", html::count(g.gold_correct)),
        ("gold accuracy", html::num(g.gold_accuracy, 4)),
        ("interval", format!("{} at {pct}", g.interval)),
        (
            "contested",
            format!(
                "{} gold items (at least {} answers, and at least {:.0}% of the consensus on \
                 another label)",
                g.contested,
                g.contest_min_answers,
                g.contest_confidence * 100.0
            ),
        ),
        ("duplicates", g.duplicate_rule.to_string()),
    ];
    if let Some(m) = g.model {
        pairs.push(("consensus", format!("posteriors of {m}")));
    }
    if g.gold_without_judgments > 0 {
        pairs.push((
            "not judged",
            format!(
                "{} gold items have no judgment (e.g. {})",
                g.gold_without_judgments,
                g.gold_without_judgments_examples.join(", ")
            ),
        ));
    }
    let mut body = html::facts(&pairs);
    let mut answered: Vec<&crowdqc_gold::WorkerRow> =
        g.workers.iter().filter(|w| w.gold_answered > 0).collect();
    answered.sort_by(|a, b| {
        a.gold_accuracy_low
            .total_cmp(&b.gold_accuracy_low)
            .then(b.gold_answered.cmp(&a.gold_answered))
    });
    let chart: Vec<(String, f64, f64, f64)> = answered
        .iter()
        .take(MAX_CHART_WORKERS)
        .map(|w| {
            (
                format!("{} (n={})", w.worker, w.gold_answered),
                w.gold_accuracy.unwrap_or(f64::NAN),
                w.gold_accuracy_low,
                w.gold_accuracy_high,
            )
        })
        .collect();
    if !chart.is_empty() {
        body.push_str(&html::figure(
            &plot::forest("gold accuracy", &chart)?,
            &format!(
                "Gold accuracy of the {} workers with the lowest {pct} lower bound (of {} who \
                 answered gold), with {} intervals.",
                chart.len(),
                answered.len(),
                g.interval
            ),
        ));
    }
    let rows: Vec<Vec<Cell>> = answered
        .iter()
        .map(|w| {
            let model = w.model.as_ref();
            vec![
                Cell::text(w.worker.to_string()),
                Cell::int(w.gold_answered),
                Cell::int(w.gold_correct),
                Cell::num(w.gold_accuracy, 3),
                Cell::text(html::interval(w.gold_accuracy_low, w.gold_accuracy_high, 3)),
                Cell::num(model.and_then(|m| m.model_accuracy), 3),
                Cell::text(
                    model
                        .and_then(|m| m.model_divergence)
                        .unwrap_or("")
                        .replace('_', " "),
                ),
            ]
        })
        .collect();
    body.push_str("<h3>Per-worker gold accuracy, lowest bound first</h3>\n");
    body.push_str(&html::table(
        &[
            "worker",
            "gold answers",
            "correct",
            "gold accuracy",
            &format!("{pct} interval"),
            "model accuracy",
            "gold vs model",
        ],
        &rows,
    ));
    let mut items: Vec<&crowdqc_gold::ItemRow> = g.items.iter().filter(|i| i.answers > 0).collect();
    items.sort_by(|a, b| {
        b.contested
            .cmp(&a.contested)
            .then(
                b.miss_rate
                    .unwrap_or(0.0)
                    .total_cmp(&a.miss_rate.unwrap_or(0.0)),
            )
            .then(b.answers.cmp(&a.answers))
    });
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .take(top)
        .map(|i| {
            vec![
                Cell::text(i.item.to_string()),
                Cell::text(i.gold_label.to_string()),
                Cell::int(i.answers),
                Cell::int(i.misses),
                Cell::num(i.miss_rate, 3),
                Cell::text(i.consensus_label.to_string()),
                Cell::num(i.consensus_confidence, 3),
                Cell::num(i.miss_p_value, 4),
                Cell::text(if i.contested { "contested" } else { "" }),
            ]
        })
        .collect();
    body.push_str(&format!(
        "<h3>Gold items most often missed or contested (top {})</h3>\n",
        rows.len()
    ));
    body.push_str(&html::para(
        "A contested gold item is one whose consensus confidently picks another label: check \
         the gold answer before holding misses against workers.",
    ));
    body.push_str(&html::table(
        &[
            "item",
            "gold label",
            "answers",
            "misses",
            "miss rate",
            "consensus",
            "its confidence",
            "miss p-value",
            "flag",
        ],
        &rows,
    ));
    Ok(Section {
        id: "gold",
        title: "Gold",
        body,
    })
}
