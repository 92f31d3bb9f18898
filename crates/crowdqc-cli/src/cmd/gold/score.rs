//! `crowdqc gold score`: gold accuracy with intervals per worker, the gold item
//! report, forgive, and the gold-vs-model comparison.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt64Array};
use crowdqc::core::{IdRef, JudgmentMatrix};
use crowdqc::gold::{
    DivergenceDirection, Forgive, GoldParams, GoldScores, IntervalMethod, ModelComparison,
};
use crowdqc::{Error, Result};
use serde_json::{Value, json};

use super::ScoreArgs;
use crate::common::{self, Format};

/// Runs `crowdqc gold score`.
pub(super) fn run(a: ScoreArgs) -> Result<()> {
    let method: IntervalMethod = a.interval.parse()?;
    let params = GoldParams::new()
        .interval(method)
        .confidence(a.confidence)
        .contest_confidence(a.contest_confidence)
        .contest_min_answers(a.contest_min_answers);
    params.validate()?;
    for p in [&a.out, &a.items_out].into_iter().flatten() {
        crowdqc_io::check_output_path(p)?;
    }
    let m = common::load(&a.judgments, &a.input, Some(&a.gold))?;
    let edits = forgive_edits(&m, &a.forgive, &a.correct)?;
    let model = match &a.model {
        Some(name) => Some(crowdqc::aggregation::registry::fit(
            name,
            &m,
            &crowdqc::aggregation::registry::RunOptions::default(),
        )?),
        None => None,
    };
    let mut scores = match &model {
        Some(fit) => params.score_with(&m, m.gold(), Some(fit.posteriors()))?,
        None => params.score(&m)?,
    };
    let mut changed = Vec::new();
    if !edits.is_empty() {
        let f = scores.forgive(&m, &edits)?;
        scores = f.scores;
        changed = f.changed_workers;
    }
    let comparison = match &model {
        Some(fit) => Some(
            scores.compare_with_model(fit.worker_accuracy().as_slice().ok_or_else(|| {
                Error::Numerical {
                    context: "gold score".into(),
                    iteration: None,
                    message: "model worker accuracy is not contiguous".into(),
                }
            })?)?,
        ),
        None => None,
    };
    let comparison = comparison.as_deref();
    if let Some(p) = &a.out {
        crowdqc_io::write_table(p, &worker_batch(&m, &scores, comparison)?)?;
    }
    if let Some(p) = &a.items_out {
        crowdqc_io::write_table(p, &item_batch(&m, &scores)?)?;
    }
    let text = match a.format {
        Format::Json => common::to_json(&score_json(&m, &scores, &changed, comparison))?,
        Format::Text => score_text(&m, &scores, &changed, a.top, comparison),
    };
    common::print_out(&text)
}

fn lookup_item(m: &JudgmentMatrix, id: &str, flag: &str) -> Result<u32> {
    m.items()
        .lookup(IdRef::Str(id))
        .ok_or_else(|| Error::param(flag, format!("item `{id}` is not in the judgments")))
}

fn forgive_edits(m: &JudgmentMatrix, drop: &[String], correct: &[String]) -> Result<Vec<Forgive>> {
    let mut edits = Vec::new();
    for id in drop {
        edits.push(Forgive::Drop {
            item: lookup_item(m, id, "forgive")?,
        });
    }
    for spec in correct {
        let Some((id, label)) = spec.split_once('=') else {
            return Err(Error::param(
                "correct",
                format!("expected ITEM=LABEL, got `{spec}`"),
            ));
        };
        let item = lookup_item(m, id, "correct")?;
        let class = m.classes().index_of(IdRef::Str(label)).ok_or_else(|| {
            let valid: Vec<String> = m.classes().iter().map(|l| l.to_string()).collect();
            Error::param(
                "correct",
                format!(
                    "label `{label}` is not a class; valid: {}",
                    valid.join(", ")
                ),
            )
        })?;
        edits.push(Forgive::Correct { item, class });
    }
    Ok(edits)
}

fn opt(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

fn worker_batch(
    m: &JudgmentMatrix,
    s: &GoldScores,
    cmp: Option<&[ModelComparison]>,
) -> Result<RecordBatch> {
    let rows: Vec<_> = s.workers().collect();
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        (
            "worker",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| m.workers().get(r.worker).to_string()),
            )),
        ),
        (
            "gold_answered",
            Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| r.answered),
            )),
        ),
        (
            "gold_correct",
            Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| r.correct),
            )),
        ),
        (
            "gold_accuracy",
            Arc::new(Float64Array::from_iter(
                rows.iter().map(|r| opt(r.accuracy)),
            )),
        ),
        (
            "gold_accuracy_low",
            Arc::new(Float64Array::from_iter_values(
                rows.iter().map(|r| r.interval.low),
            )),
        ),
        (
            "gold_accuracy_high",
            Arc::new(Float64Array::from_iter_values(
                rows.iter().map(|r| r.interval.high),
            )),
        ),
    ];
    if let Some(c) = cmp {
        cols.push((
            "model_accuracy",
            Arc::new(Float64Array::from_iter(
                c.iter().map(|r| opt(r.model_accuracy)),
            )),
        ));
        cols.push((
            "model_p_value",
            Arc::new(Float64Array::from_iter_values(c.iter().map(|r| r.p_value))),
        ));
        cols.push((
            "model_q_value",
            Arc::new(Float64Array::from_iter_values(c.iter().map(|r| r.q_value))),
        ));
        cols.push((
            "model_divergence",
            Arc::new(StringArray::from_iter(c.iter().map(divergence))),
        ));
    }
    Ok(RecordBatch::try_from_iter(cols)?)
}

/// `gold_higher` (gold recognition?) / `gold_lower` (bad gold?) when flagged.
fn divergence(r: &ModelComparison) -> Option<&'static str> {
    match (r.flagged, r.direction) {
        (true, Some(DivergenceDirection::GoldHigher)) => Some("gold_higher"),
        (true, Some(DivergenceDirection::GoldLower)) => Some("gold_lower"),
        _ => None,
    }
}

fn label(m: &JudgmentMatrix, c: u32) -> String {
    m.classes().label(c).to_string()
}

fn item_batch(m: &JudgmentMatrix, s: &GoldScores) -> Result<RecordBatch> {
    let it = s.items();
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "item",
            Arc::new(StringArray::from_iter_values(
                it.iter().map(|r| m.items().get(r.item).to_string()),
            )),
        ),
        (
            "gold_label",
            Arc::new(StringArray::from_iter_values(
                it.iter().map(|r| label(m, r.gold_class)),
            )),
        ),
        (
            "answers",
            Arc::new(UInt64Array::from_iter_values(it.iter().map(|r| r.answers))),
        ),
        (
            "exposure",
            Arc::new(UInt64Array::from_iter_values(it.iter().map(|r| r.exposure))),
        ),
        (
            "misses",
            Arc::new(UInt64Array::from_iter_values(it.iter().map(|r| r.misses))),
        ),
        (
            "miss_rate",
            Arc::new(Float64Array::from_iter(it.iter().map(|r| opt(r.miss_rate)))),
        ),
        (
            "consensus_label",
            Arc::new(StringArray::from_iter_values(
                it.iter().map(|r| label(m, r.consensus_class)),
            )),
        ),
        (
            "consensus_confidence",
            Arc::new(Float64Array::from_iter_values(
                it.iter().map(|r| r.consensus_confidence),
            )),
        ),
        (
            "gold_support",
            Arc::new(Float64Array::from_iter_values(
                it.iter().map(|r| r.gold_support),
            )),
        ),
        (
            "expected_misses",
            Arc::new(Float64Array::from_iter_values(
                it.iter().map(|r| r.expected_misses),
            )),
        ),
        (
            "miss_p_value",
            Arc::new(Float64Array::from_iter_values(
                it.iter().map(|r| r.miss_p_value),
            )),
        ),
        (
            "contested",
            Arc::new(BooleanArray::from_iter(
                it.iter().map(|r| Some(r.contested)),
            )),
        ),
    ];
    Ok(RecordBatch::try_from_iter(cols)?)
}

fn jnum(x: f64) -> Value {
    opt(x).map_or(Value::Null, Value::from)
}

fn score_json(
    m: &JudgmentMatrix,
    s: &GoldScores,
    changed: &[u32],
    cmp: Option<&[ModelComparison]>,
) -> Value {
    let (answered, correct) = s.totals();
    let workers: Vec<Value> = s
        .workers()
        .map(|r| {
            let mut v = json!({
                "worker": common::id_json(m.workers().get(r.worker)),
                "gold_answered": r.answered,
                "gold_correct": r.correct,
                "gold_accuracy": jnum(r.accuracy),
                "gold_accuracy_low": r.interval.low,
                "gold_accuracy_high": r.interval.high,
            });
            if let (Some(c), Value::Object(o)) = (cmp, &mut v) {
                let c = &c[r.worker as usize];
                o.insert("model_accuracy".into(), jnum(c.model_accuracy));
                o.insert("model_p_value".into(), jnum(c.p_value));
                o.insert("model_q_value".into(), jnum(c.q_value));
                o.insert(
                    "model_divergence".into(),
                    divergence(c).map_or(Value::Null, Value::from),
                );
            }
            v
        })
        .collect();
    let items: Vec<Value> = s
        .items()
        .iter()
        .map(|r| {
            json!({
                "item": common::id_json(m.items().get(r.item)),
                "gold_label": common::id_json(m.classes().label(r.gold_class)),
                "answers": r.answers,
                "exposure": r.exposure,
                "misses": r.misses,
                "miss_rate": jnum(r.miss_rate),
                "consensus_label": common::id_json(m.classes().label(r.consensus_class)),
                "consensus_confidence": jnum(r.consensus_confidence),
                "gold_support": jnum(r.gold_support),
                "expected_misses": jnum(r.expected_misses),
                "miss_p_value": jnum(r.miss_p_value),
                "contested": r.contested,
            })
        })
        .collect();
    let changed: Vec<Value> = changed
        .iter()
        .map(|&w| common::id_json(m.workers().get(w)))
        .collect();
    json!({
        "interval": s.params().interval_method().name(),
        "confidence": s.params().confidence_level(),
        "gold_items": s.items().len(),
        "gold_answered": answered,
        "gold_correct": correct,
        "gold_accuracy": jnum(if answered == 0 { f64::NAN } else { correct as f64 / answered as f64 }),
        "contested": s.contested().count(),
        "forgiven_workers_changed": changed,
        "workers": workers,
        "items": items,
    })
}

fn score_text(
    m: &JudgmentMatrix,
    s: &GoldScores,
    changed: &[u32],
    top: usize,
    cmp: Option<&[ModelComparison]>,
) -> String {
    let (answered, correct) = s.totals();
    let p = s.params();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "gold items {}  gold answers {answered}  correct {correct} ({:.2}%)",
        s.items().len(),
        100.0 * correct as f64 / answered.max(1) as f64
    );
    let _ = writeln!(
        o,
        "interval {} at {}%  (each judgment on a gold item is one answer)",
        p.interval_method(),
        100.0 * p.confidence_level()
    );
    if !changed.is_empty() {
        let _ = writeln!(o, "forgive changed the scores of {} workers", changed.len());
    }
    let mut rows: Vec<_> = s.workers().filter(|r| r.answered > 0).collect();
    rows.sort_by(|a, b| {
        a.interval
            .low
            .total_cmp(&b.interval.low)
            .then(a.worker.cmp(&b.worker))
    });
    let unscored = s.n_workers() - rows.len();
    let _ = writeln!(
        o,
        "\n{:<20} {:>8} {:>8} {:>9} {:>9} {:>9}",
        "worker", "answered", "correct", "accuracy", "low", "high"
    );
    for r in rows.iter().take(top) {
        let _ = writeln!(
            o,
            "{:<20} {:>8} {:>8} {:>9.4} {:>9.4} {:>9.4}",
            m.workers().get(r.worker).to_string(),
            r.answered,
            r.correct,
            r.accuracy,
            r.interval.low,
            r.interval.high
        );
    }
    if rows.len() > top {
        let _ = writeln!(o, "... {} more workers (use --out)", rows.len() - top);
    }
    if unscored > 0 {
        let _ = writeln!(o, "{unscored} workers answered no gold item");
    }
    let contested: Vec<_> = s.contested().collect();
    let _ = writeln!(
        o,
        "\ncontested gold items: {} (consensus >= {} against gold, >= {} answers)",
        contested.len(),
        p.contest_confidence_level(),
        p.contest_min_answer_count()
    );
    for r in contested.iter().take(top) {
        let _ = writeln!(
            o,
            "  {:<20} gold {:<10} consensus {:<10} ({:.2})  missed {}/{} (expected {:.1}, p {:.2e})",
            m.items().get(r.item).to_string(),
            label(m, r.gold_class),
            label(m, r.consensus_class),
            r.consensus_confidence,
            r.misses,
            r.answers,
            r.expected_misses,
            r.miss_p_value
        );
    }
    if contested.len() > top {
        let _ = writeln!(o, "  ... {} more (use --items-out)", contested.len() - top);
    }
    if let Some(c) = cmp {
        let flagged: Vec<_> = c.iter().filter(|r| r.flagged).collect();
        let _ = writeln!(
            o,
            "\ngold vs model accuracy: {} workers diverge (model outside the gold interval) \
             — gold recognition or bad gold; review, do not act automatically",
            flagged.len()
        );
        for r in flagged.iter().take(top) {
            let _ = writeln!(
                o,
                "  {:<20} gold {:.4} ({}/{})  model {:.4}  p {:.3e}  q {:.3e}  {}",
                m.workers().get(r.worker).to_string(),
                r.gold_accuracy,
                r.gold_correct,
                r.gold_answered,
                r.model_accuracy,
                r.p_value,
                r.q_value,
                divergence(r).unwrap_or("")
            );
        }
    }
    o
}
