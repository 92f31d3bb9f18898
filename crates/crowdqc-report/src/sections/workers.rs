//! Workers: model and gold accuracy against volume, confusion heat maps of the least
//! and most reliable workers, spammer scores.

use std::collections::HashMap;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use crowdqc_core::estimator::FittedModel;
use crowdqc_core::interval::two_sided_z;
use crowdqc_core::{JudgmentMatrix, Result};
use crowdqc_gold::GoldScoreReport;

use crate::html::{self, Cell, Section};
use crate::plot::{self, Series};

/// One worker's row.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRow {
    /// Worker id.
    pub worker: String,
    /// Judgments.
    pub judgments: u64,
    /// The model's accuracy estimate (NaN when the method cannot score the worker).
    pub model_accuracy: f64,
    /// A Wilson interval around it with the worker's judgments as trials (see
    /// [`WorkersSection::build`]).
    pub model_interval: Option<(f64, f64)>,
    /// Raykar & Yu's spammer score (NaN when unavailable).
    pub spammer_score: f64,
    /// Gold answers, accuracy and its interval (with gold).
    pub gold: Option<(u64, Option<f64>, f64, f64)>,
}

/// A worker's confusion matrix as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionView {
    /// Worker id.
    pub worker: String,
    /// Judgments.
    pub judgments: u64,
    /// Model accuracy.
    pub accuracy: f64,
    /// Row `t`, column `o`: the share of the worker's answers `o` on items whose true
    /// class is `t`, each item weighted by the model's posterior of `t`.
    pub cells: Vec<Vec<f64>>,
}

/// What the workers section shows.
#[derive(Debug, Clone)]
pub struct WorkersSection {
    /// The method.
    pub method: String,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Class labels, in class order.
    pub classes: Vec<String>,
    /// One row per worker, in worker order.
    pub rows: Vec<WorkerRow>,
    /// Heat maps of the least reliable workers (least first).
    pub least: Vec<ConfusionView>,
    /// Heat maps of the most reliable workers (most first).
    pub most: Vec<ConfusionView>,
    /// Workers with at least this many judgments were eligible for the heat maps.
    pub min_judgments: u64,
}

/// The Wilson score interval for a share `p` of `n` trials at normal quantile `z`.
pub fn wilson(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let d = 1.0 + z2 / n;
    let c = (p + z2 / (2.0 * n)) / d;
    let h = z / d * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((c - h).max(0.0), (c + h).min(1.0))
}

fn confusion(m: &JudgmentMatrix, model: &dyn FittedModel, w: u32) -> Vec<Vec<f64>> {
    let k = m.n_classes();
    let mut c = vec![vec![0.0; k]; k];
    let (items, classes) = (m.judgment_items(), m.judgment_classes());
    for &p in m.worker_judgments(w) {
        let p = p as usize;
        let o = classes[p] as usize;
        for (t, q) in model.posterior_row(items[p] as usize) {
            c[t as usize][o] += q;
        }
    }
    for row in &mut c {
        let s: f64 = row.iter().sum();
        if s > 0.0 {
            row.iter_mut().for_each(|v| *v /= s);
        }
    }
    c
}

/// Workers drawn in the accuracy scatter plot (the most active).
pub const MAX_SCATTER_WORKERS: usize = 3000;

/// Heat maps are drawn for at most this many classes.
pub const MAX_HEATMAP_CLASSES: usize = 12;

impl WorkersSection {
    /// Per-worker rows from the model (accuracy, spammer score from the library's
    /// workers table) and gold; heat maps of the two least and two most accurate
    /// workers among those with at least the median number of judgments (and 10).
    /// The model interval is the Wilson interval of the model's accuracy with the
    /// worker's judgments as trials: the uncertainty of a worker's skill given that
    /// many answers, not counting the model's own uncertainty.
    ///
    /// # Errors
    /// The library's workers table failing (not expected).
    pub fn build(
        m: &JudgmentMatrix,
        model: &dyn FittedModel,
        gold: Option<&GoldScoreReport>,
        confidence: f64,
    ) -> Result<Self> {
        let z = two_sided_z(confidence);
        let acc = model.worker_accuracy();
        let table = crowdqc_aggregation::report::workers_table(m, model)?;
        let spam: Vec<f64> = table
            .column_by_name("spammer_score")
            .and_then(|c| c.as_primitive_opt::<Float64Type>())
            .map_or_else(
                || vec![f64::NAN; m.n_workers()],
                |a| {
                    (0..a.len())
                        .map(|i| if a.is_null(i) { f64::NAN } else { a.value(i) })
                        .collect()
                },
            );
        let by_id: HashMap<String, &crowdqc_gold::WorkerRow> = gold
            .map(|g| {
                g.workers
                    .iter()
                    .map(|w| (w.worker.to_string(), w))
                    .collect()
            })
            .unwrap_or_default();
        let rows: Vec<WorkerRow> = (0..m.n_workers() as u32)
            .map(|w| {
                let id = m.workers().get(w).to_string();
                let n = m.worker_count(w) as u64;
                let a = acc[w as usize];
                let g = by_id.get(&id).map(|r| {
                    (
                        r.gold_answered,
                        r.gold_accuracy,
                        r.gold_accuracy_low,
                        r.gold_accuracy_high,
                    )
                });
                WorkerRow {
                    model_interval: (a.is_finite() && n > 0).then(|| wilson(a, n as f64, z)),
                    worker: id,
                    judgments: n,
                    model_accuracy: a,
                    spammer_score: spam[w as usize],
                    gold: gold.map(|_| g.unwrap_or((0, None, 0.0, 1.0))),
                }
            })
            .collect();
        let mut counts: Vec<u64> = rows.iter().map(|r| r.judgments).collect();
        counts.sort_unstable();
        let median = counts.get(counts.len() / 2).copied().unwrap_or(0);
        let min_judgments = median
            .max(10)
            .min(counts.last().copied().unwrap_or(0))
            .max(1);
        let mut eligible: Vec<usize> = (0..rows.len())
            .filter(|&w| rows[w].judgments >= min_judgments && rows[w].model_accuracy.is_finite())
            .collect();
        eligible.sort_by(|&a, &b| {
            rows[a]
                .model_accuracy
                .total_cmp(&rows[b].model_accuracy)
                .then(a.cmp(&b))
        });
        let small = m.n_classes() <= MAX_HEATMAP_CLASSES;
        let view = |w: usize| ConfusionView {
            worker: rows[w].worker.clone(),
            judgments: rows[w].judgments,
            accuracy: rows[w].model_accuracy,
            cells: confusion(m, model, w as u32),
        };
        let n_each = eligible.len().min(4) / 2;
        let least = if small {
            eligible.iter().take(n_each).map(|&w| view(w)).collect()
        } else {
            Vec::new()
        };
        let most = if small {
            eligible
                .iter()
                .rev()
                .take(n_each)
                .map(|&w| view(w))
                .collect()
        } else {
            Vec::new()
        };
        Ok(WorkersSection {
            method: model.method().to_string(),
            confidence,
            classes: m.classes().iter().map(|l| l.to_string()).collect(),
            rows,
            least,
            most,
            min_judgments,
        })
    }

    /// Renders the section.
    ///
    /// # Errors
    /// A chart that cannot be drawn.
    pub fn render(&self) -> Result<Section> {
        let pct = format!("{:.0}%", self.confidence * 100.0);
        // the most active workers, when there are too many points to draw
        let mut drawn: Vec<&WorkerRow> = self.rows.iter().collect();
        if drawn.len() > MAX_SCATTER_WORKERS {
            drawn.sort_by_key(|r| std::cmp::Reverse(r.judgments));
            drawn.truncate(MAX_SCATTER_WORKERS);
        }
        let mut series = vec![Series {
            name: format!("model ({})", self.method),
            points: drawn
                .iter()
                .filter(|r| r.model_accuracy.is_finite())
                .map(|r| (r.judgments as f64, r.model_accuracy, r.model_interval))
                .collect(),
        }];
        if self.rows.iter().any(|r| r.gold.is_some()) {
            series.push(Series {
                name: "gold".into(),
                points: drawn
                    .iter()
                    .filter_map(|r| match r.gold {
                        Some((n, Some(a), lo, hi)) if n > 0 => {
                            Some((r.judgments as f64, a, Some((lo, hi))))
                        }
                        _ => None,
                    })
                    .collect(),
            });
        }
        let mut body = html::figure(
            &plot::scatter("judgments by the worker (log scale)", "accuracy", &series)?,
            &format!(
                "Accuracy against volume, one point per worker and estimate, with {pct} \
                 intervals: gold accuracy with its Wilson interval; the model's accuracy with \
                 a Wilson interval taking the worker's judgments as trials (it leaves out the \
                 model's own uncertainty).{}",
                if self.rows.len() > MAX_SCATTER_WORKERS {
                    format!(
                        " The {MAX_SCATTER_WORKERS} most active of {} workers are drawn.",
                        self.rows.len()
                    )
                } else {
                    String::new()
                }
            ),
        );
        let spam: Vec<f64> = self.rows.iter().map(|r| r.spammer_score).collect();
        let (bl, bc) = plot::binned(&spam, 0.0, 1.0, 10, 1);
        body.push_str(&html::figure(
            &plot::bars("spammer score", "workers", &bl, &bc, None)?,
            "Spammer scores (Raykar & Yu): 0 for answers independent of the truth, 1 for a \
             perfect worker.",
        ));
        if self.least.is_empty() {
            body.push_str(&html::para(&format!(
                "No confusion heat maps: they are drawn for up to {MAX_HEATMAP_CLASSES} classes \
                 and workers the model scores."
            )));
        }
        for (title, views) in [
            ("Least reliable", &self.least),
            ("Most reliable", &self.most),
        ] {
            if views.is_empty() {
                continue;
            }
            body.push_str(&format!(
                "<h3>{title} workers (at least {} judgments)</h3>\n",
                self.min_judgments
            ));
            for v in views {
                body.push_str(&html::figure(
                    &plot::heatmap(&self.classes, &v.cells)?,
                    &format!(
                        "Worker {}: {} judgments, model accuracy {}. Row: the true class as the \
                         model weighs it; column: the answer given.",
                        v.worker,
                        v.judgments,
                        html::num(Some(v.accuracy), 3)
                    ),
                ));
            }
        }
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        let few = |r: &WorkerRow| r.judgments < self.min_judgments;
        order.sort_by(|&a, &b| {
            let (x, y) = (&self.rows[a], &self.rows[b]);
            few(x)
                .cmp(&few(y))
                .then(x.spammer_score.total_cmp(&y.spammer_score))
                .then(y.judgments.cmp(&x.judgments))
                .then(a.cmp(&b))
        });
        let gold = self.rows.iter().any(|r| r.gold.is_some());
        let rows: Vec<Vec<Cell>> = order
            .iter()
            .map(|&w| {
                let r = &self.rows[w];
                let mut row = vec![
                    Cell::text(r.worker.clone()),
                    Cell::int(r.judgments),
                    Cell::num(Some(r.model_accuracy), 3),
                    Cell::text(
                        r.model_interval
                            .map_or_else(String::new, |i| html::interval(i.0, i.1, 3)),
                    ),
                    Cell::num(Some(r.spammer_score), 3),
                ];
                if let Some((n, a, lo, hi)) = r.gold {
                    row.push(Cell::int(n));
                    row.push(Cell::num(a, 3));
                    row.push(Cell::text(if n > 0 {
                        html::interval(lo, hi, 3)
                    } else {
                        String::new()
                    }));
                } else if gold {
                    row.extend([Cell::text(""), Cell::text(""), Cell::text("")]);
                }
                row
            })
            .collect();
        let mut headers = vec![
            "worker".to_string(),
            "judgments".into(),
            "model accuracy".into(),
            format!("{pct} interval"),
            "spammer score".into(),
        ];
        if gold {
            headers.extend([
                "gold answers".into(),
                "gold accuracy".into(),
                format!("{pct} interval"),
            ]);
        }
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        body.push_str(&format!(
            "<h3>All workers: lowest spammer score first among those with at least {} \
             judgments, then the others</h3>\n",
            self.min_judgments
        ));
        body.push_str(&html::table(&h, &rows));
        Ok(Section {
            id: "workers",
            title: "Workers",
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_closed_form() {
        // statsmodels 0.15.0 proportion_confint(8, 10, method="wilson") (alpha 0.05)
        let (lo, hi) = wilson(0.8, 10.0, two_sided_z(0.95));
        assert!((lo - 0.490_162_471_536_641_83).abs() < 1e-12, "{lo}");
        assert!((hi - 0.943_317_848_545_624_7).abs() < 1e-12, "{hi}");
    }
}
