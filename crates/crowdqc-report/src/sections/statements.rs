//! Worker statements and pay: each worker's own statement (work done, gold accuracy,
//! where they stand under each rule and what would change it) and, with a pay table,
//! effective hourly pay and the share of unpaid time.

use std::fmt::Write as _;

use crowdqc_core::Result;
use crowdqc_policy::statement::Statements;

use crate::html::{self, Cell, Section};
use crate::plot;

/// Statements written out in full (the table lists every worker).
pub const MAX_FULL_STATEMENTS: usize = 500;

/// Renders the section.
///
/// # Errors
/// A chart that cannot be drawn.
pub fn render(s: &Statements) -> Result<Section> {
    let mut body = html::para(
        "What each worker would be told, in their words: work done, gold accuracy, where \
         they stand under each rule of the policy and what would change it.",
    );
    body.push_str(&html::list(&s.notes));
    let pay = s.statements.iter().any(|x| x.pay.is_some());
    if pay {
        let hourly: Vec<f64> = s
            .statements
            .iter()
            .filter_map(|x| x.pay.as_ref().and_then(|p| p.pay.hourly))
            .collect();
        let hi = hourly.iter().copied().fold(0.0f64, f64::max).max(1.0);
        let (labels, counts) = plot::binned(&hourly, 0.0, hi, 12, 2);
        let currency = s
            .statements
            .iter()
            .find_map(|x| x.pay.as_ref().map(|p| p.currency.clone()))
            .unwrap_or_default();
        let floor = s
            .statements
            .iter()
            .find_map(|x| x.pay.as_ref().and_then(|p| p.hourly_floor));
        body.push_str(&html::figure(
            &plot::bars(
                &format!("effective hourly pay ({currency})"),
                "workers",
                &labels,
                &counts,
                None,
            )?,
            &format!(
                "Effective hourly pay of the {} workers with timed work: pay for paid tasks \
                 after the platform's cut, over all time spent, paid and unpaid{}.",
                hourly.len(),
                floor.map_or_else(String::new, |f| format!("; the table's floor is {f:.2}"))
            ),
        ));
    }
    let rows: Vec<Vec<Cell>> = s
        .statements
        .iter()
        .map(|x| {
            let mut row = vec![
                Cell::text(x.worker.to_string()),
                Cell::int(x.work.tasks),
                Cell::text(x.gold.as_ref().map_or_else(String::new, |g| {
                    format!(
                        "{} {}",
                        html::num(Some(g.accuracy), 3),
                        html::interval(g.low, g.high, 3)
                    )
                })),
                Cell::text(x.outcome.clone()),
            ];
            if pay {
                let p = x.pay.as_ref();
                row.push(Cell::num(p.and_then(|p| p.pay.hourly), 2));
                row.push(Cell::num(p.and_then(|p| p.pay.unpaid_share), 3));
                row.push(Cell::text(match p.and_then(|p| p.below_floor) {
                    Some(true) => "below floor",
                    _ => "",
                }));
            }
            row
        })
        .collect();
    let mut headers = vec!["worker", "tasks", "gold accuracy (95% interval)", "outcome"];
    if pay {
        headers.extend(["hourly pay", "unpaid share of time", "floor"]);
    }
    body.push_str(&html::table(&headers, &rows));
    let shown = s.statements.len().min(MAX_FULL_STATEMENTS);
    let _ = writeln!(
        body,
        "<h3>Statements ({shown} of {}; open one to read it)</h3>",
        s.statements.len()
    );
    for x in s.statements.iter().take(MAX_FULL_STATEMENTS) {
        let _ = writeln!(
            body,
            "<details><summary>{}: {}</summary><pre>{}</pre></details>",
            html::escape(&x.worker.to_string()),
            html::escape(&x.outcome),
            html::escape(&x.to_string())
        );
    }
    Ok(Section {
        id: "statements",
        title: "Worker statements",
        body,
    })
}
