//! Agreement: every coefficient with its interval, and per-item agreement.

use crowdqc_core::Result;

use crate::html::{self, Cell, Section};
use crate::{QualityReport, plot};

/// The coefficients shown: name, value, interval low and high (NaN when undefined).
pub fn coefficient_rows(r: &QualityReport) -> Vec<(String, f64, f64, f64)> {
    r.agreement
        .coefficients
        .iter()
        .map(|c| {
            let (lo, hi) = c.ci().map_or((f64::NAN, f64::NAN), |i| (i.low, i.high));
            (
                c.name.title().to_string(),
                c.value.unwrap_or(f64::NAN),
                lo,
                hi,
            )
        })
        .collect()
}

/// Renders the section.
///
/// # Errors
/// A chart that cannot be drawn.
pub fn render(r: &QualityReport) -> Result<Section> {
    let a = &r.agreement;
    let rows: Vec<Vec<Cell>> = a
        .coefficients
        .iter()
        .map(|c| {
            let ci = c.ci();
            vec![
                Cell::text(c.name.title()),
                Cell::num(c.value, 4),
                Cell::num(c.se, 4),
                Cell::text(ci.map_or_else(|| "–".into(), |i| html::interval(i.low, i.high, 4))),
                Cell::text(ci.map_or("", |i| i.kind.label())),
                Cell::text(
                    c.interpretation
                        .map(str::to_string)
                        .or_else(|| c.reason.clone())
                        .unwrap_or_default(),
                ),
            ]
        })
        .collect();
    let pct = format!("{:.0}% interval", a.confidence * 100.0);
    let mut body = html::table(
        &[
            "coefficient",
            "value",
            "standard error",
            &pct,
            "interval",
            "reading",
        ],
        &rows,
    );
    body.push_str(&html::list(&a.interval_notes()));
    let shown: Vec<(String, f64, f64, f64)> = coefficient_rows(r)
        .into_iter()
        .filter(|c| c.1.is_finite())
        .collect();
    if !shown.is_empty() {
        body.push_str(&html::figure(
            &plot::forest("coefficient", &shown)?,
            &format!(
                "Each coefficient with its {pct} (the level: {}).",
                a.level.as_str()
            ),
        ));
    }
    let pairwise: Vec<f64> = r.item_agreement.iter().filter_map(|i| i.pairwise).collect();
    let (labels, counts) = plot::binned(&pairwise, 0.0, 1.0, 10, 1);
    body.push_str(&html::figure(
        &plot::bars(
            "pairwise agreement within the item",
            "items",
            &labels,
            &counts,
            None,
        )?,
        &format!(
            "Per-item agreement: the share of agreeing pairs of judgments, for the {} items with \
             at least two judgments (bins of 0.1, labelled by their start).",
            pairwise.len()
        ),
    ));
    Ok(Section {
        id: "agreement",
        title: "Agreement",
        body,
    })
}
