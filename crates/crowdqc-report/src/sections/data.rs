//! The data at a glance: counts, classes, duplicates, redundancy and activity.

use crowdqc_core::Result;
use crowdqc_core::summary::Spread;

use crate::html::{self, Cell, Section};
use crate::{QualityReport, plot};

fn spread(s: Option<&Spread>) -> String {
    s.map_or_else(
        || "–".into(),
        |s| {
            format!(
                "min {}, median {}, mean {}, max {}",
                s.min,
                html::num(Some(s.median), 1),
                html::num(Some(s.mean), 2),
                s.max
            )
        },
    )
}

/// Renders the section.
///
/// # Errors
/// A chart that cannot be drawn.
pub fn render(r: &QualityReport) -> Result<Section> {
    let d = &r.data;
    let mut pairs = vec![
        ("rows read", html::count(d.rows_read)),
        ("judgments", html::count(d.judgments)),
        ("items", html::count(d.items)),
        ("workers", html::count(d.workers)),
        ("classes", html::count(d.classes.len() as u64)),
        ("judgments per item", spread(d.judgments_per_item.as_ref())),
        (
            "judgments per worker",
            spread(d.judgments_per_worker.as_ref()),
        ),
        (
            "duplicate (item, worker) pairs",
            format!(
                "{} ({} extra rows, {} with conflicting labels; policy {}, {} rows dropped)",
                html::count(d.duplicate_pairs),
                html::count(d.duplicate_extra_rows),
                html::count(d.conflicting_duplicate_pairs),
                d.duplicate_policy.as_str(),
                html::count(d.dropped_duplicate_rows)
            ),
        ),
    ];
    if let Some(g) = &d.gold {
        pairs.push((
            "gold",
            format!(
                "{} gold items given, {} of them judged",
                html::count(g.given as u64),
                html::count(g.joined as u64)
            ),
        ));
    }
    let mut body = html::facts(&pairs);
    if !d.warnings.is_empty() {
        body.push_str("<div class=\"warn\">");
        body.push_str(&html::list(&d.warnings));
        body.push_str("</div>");
    }
    let rows: Vec<Vec<Cell>> = d
        .classes
        .iter()
        .map(|c| {
            let share = c.count as f64 / d.judgments.max(1) as f64;
            let mut row = vec![
                Cell::text(c.label.to_string()),
                Cell::int(c.count),
                Cell::num(Some(share), 3),
            ];
            if d.gold.is_some() {
                row.push(Cell::int(c.gold.unwrap_or(0)));
            }
            row
        })
        .collect();
    let mut headers = vec!["class", "judgments", "share"];
    if d.gold.is_some() {
        headers.push("gold items");
    }
    body.push_str(&html::table(&headers, &rows));
    let (labels, counts) = plot::count_bins(&r.per_item);
    body.push_str(&html::figure(
        &plot::bars("judgments per item", "items", &labels, &counts, None)?,
        "Redundancy: how many judgments each item received (wide ranges in equal bins \
         labelled by their first value).",
    ));
    let (labels, counts) = plot::count_bins(&r.per_worker);
    body.push_str(&html::figure(
        &plot::bars("judgments per worker", "workers", &labels, &counts, None)?,
        "Activity: how many judgments each worker gave (wide ranges in equal bins labelled \
         by their first value).",
    ));
    Ok(Section {
        id: "data",
        title: "Data at a glance",
        body,
    })
}
