//! Truth inference: the label distribution, the confidence of each item's label, and
//! the items most in doubt.

use crowdqc_aggregation::report::AggregateSummary;
use crowdqc_core::estimator::FittedModel;
use crowdqc_core::{JudgmentMatrix, Result};

use crate::html::{self, Cell, Section};
use crate::plot;

/// Labels drawn in the label distribution (the most given).
pub const MAX_LABEL_BARS: usize = 40;

/// One item whose label is least certain.
#[derive(Debug, Clone, PartialEq)]
pub struct DoubtRow {
    /// Item id.
    pub item: String,
    /// The model's label.
    pub label: String,
    /// Its posterior probability.
    pub confidence: f64,
    /// The next most probable label and its probability.
    pub runner_up: Option<(String, f64)>,
    /// Judgments of the item.
    pub judgments: u64,
    /// The votes, `label: count`, most voted first.
    pub votes: String,
}

/// What the truth-inference section shows.
#[derive(Debug, Clone)]
pub struct TruthSection {
    /// The library's summary of the fit (method, iterations, label distribution).
    pub summary: AggregateSummary,
    /// Per item with judgments, the posterior of its label, in item order.
    pub confidence: Vec<f64>,
    /// The items most in doubt, least confident first.
    pub doubt: Vec<DoubtRow>,
    /// Against the gold of judged gold items (not used to fit): labels that equal
    /// the gold label, and gold items scored.
    pub gold_accuracy: Option<(u64, u64)>,
}

fn votes(m: &JudgmentMatrix, i: u32) -> String {
    let mut tally = vec![0u64; m.n_classes()];
    for &c in &m.judgment_classes()[m.item_range(i)] {
        tally[c as usize] += 1;
    }
    let mut v: Vec<(usize, u64)> = tally.into_iter().enumerate().filter(|p| p.1 > 0).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.iter()
        .map(|&(c, n)| format!("{}: {n}", m.classes().label(c as u32)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl TruthSection {
    /// Summarises a model fitted on `m`, keeping the `top` least confident items.
    pub fn build(m: &JudgmentMatrix, model: &dyn FittedModel, top: usize) -> Self {
        let labels = model.labels();
        let k = m.n_classes().max(1) as f64;
        let mut conf: Vec<(u32, f64)> = Vec::new();
        for i in 0..m.n_items() as u32 {
            if m.item_count(i) == 0 {
                continue;
            }
            let row = model.posterior_row(i as usize);
            let l = labels[i as usize];
            let p = if row.is_empty() {
                1.0 / k
            } else {
                row.iter().find(|e| e.0 == l).map_or(0.0, |e| e.1)
            };
            conf.push((i, p));
        }
        let mut order: Vec<usize> = (0..conf.len()).collect();
        order.sort_by(|&a, &b| conf[a].1.total_cmp(&conf[b].1).then(a.cmp(&b)));
        let doubt = order
            .iter()
            .take(top)
            .map(|&j| {
                let (i, p) = conf[j];
                let l = labels[i as usize];
                let mut row = model.posterior_row(i as usize);
                row.retain(|e| e.0 != l);
                row.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                DoubtRow {
                    item: m.items().get(i).to_string(),
                    label: m.classes().label(l).to_string(),
                    confidence: p,
                    runner_up: row
                        .first()
                        .map(|&(c, q)| (m.classes().label(c).to_string(), q)),
                    judgments: m.item_count(i) as u64,
                    votes: votes(m, i),
                }
            })
            .collect();
        let g = m.gold();
        let scored: Vec<u32> = g
            .items()
            .iter()
            .copied()
            .filter(|&i| m.item_count(i) > 0 && g.label(i).is_some())
            .collect();
        let correct = scored
            .iter()
            .filter(|&&i| g.label(i) == Some(labels[i as usize]))
            .count() as u64;
        TruthSection {
            gold_accuracy: (!scored.is_empty()).then_some((correct, scored.len() as u64)),
            summary: AggregateSummary::new(m, model, None, None),
            confidence: conf.into_iter().map(|c| c.1).collect(),
            doubt,
        }
    }

    /// Renders the section.
    ///
    /// # Errors
    /// A chart that cannot be drawn.
    pub fn render(&self) -> Result<Section> {
        let s = &self.summary;
        let fit = &s.fit;
        let mut body = html::facts(&[
            ("method", s.method.clone()),
            (
                "fit",
                format!(
                    "{} iterations, stopped: {}{}",
                    fit.iterations,
                    fit.stop_reason,
                    s.objective
                        .map_or_else(String::new, |o| format!(", objective {o:.6}"))
                ),
            ),
            (
                "accuracy on gold",
                self.gold_accuracy.map_or_else(
                    || "no gold given".into(),
                    |(c, n)| {
                        format!(
                            "{} ({c} of {n} judged gold items; gold is not used to fit)",
                            html::num(Some(c as f64 / n as f64), 4)
                        )
                    },
                ),
            ),
        ]);
        // the most frequent labels, in class order, when there are too many to draw
        let dist = &s.label_distribution;
        let mut shown: Vec<usize> = (0..dist.len()).collect();
        if shown.len() > MAX_LABEL_BARS {
            shown.sort_by(|&a, &b| dist[b].items.cmp(&dist[a].items).then(a.cmp(&b)));
            shown.truncate(MAX_LABEL_BARS);
            shown.sort_unstable();
        }
        let labels: Vec<String> = shown.iter().map(|&c| dist[c].label.to_string()).collect();
        let items: Vec<f64> = shown.iter().map(|&c| dist[c].items as f64).collect();
        let cut = if shown.len() < dist.len() {
            format!(" The {} most given of {} labels.", shown.len(), dist.len())
        } else {
            String::new()
        };
        body.push_str(&html::figure(
            &plot::bars("label", "items", &labels, &items, None)?,
            &format!(
                "Label distribution: items per label given by {}.{cut}",
                s.method
            ),
        ));
        let (bl, bc) = plot::binned(&self.confidence, 0.0, 1.0, 20, 2);
        body.push_str(&html::figure(
            &plot::bars("posterior of the chosen label", "items", &bl, &bc, None)?,
            &format!(
                "Confidence: the posterior probability of each item's label, for the {} judged \
                 items (bins of 0.05, labelled by their start).",
                self.confidence.len()
            ),
        ));
        let rows: Vec<Vec<Cell>> = self
            .doubt
            .iter()
            .map(|d| {
                vec![
                    Cell::text(d.item.clone()),
                    Cell::text(d.label.clone()),
                    Cell::num(Some(d.confidence), 3),
                    Cell::text(
                        d.runner_up
                            .as_ref()
                            .map_or_else(String::new, |r| r.0.clone()),
                    ),
                    Cell::num(d.runner_up.as_ref().map(|r| r.1), 3),
                    Cell::int(d.judgments),
                    Cell::text(d.votes.clone()),
                ]
            })
            .collect();
        body.push_str(&format!(
            "<h3>The {} items most in doubt</h3>\n",
            self.doubt.len()
        ));
        body.push_str(&html::table(
            &[
                "item",
                "label",
                "confidence",
                "runner-up",
                "its posterior",
                "judgments",
                "votes",
            ],
            &rows,
        ));
        Ok(Section {
            id: "truth",
            title: "Truth inference",
            body,
        })
    }
}
