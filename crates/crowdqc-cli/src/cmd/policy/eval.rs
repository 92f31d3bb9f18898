//! `crowdqc policy eval`: access rules over worker evidence from judgments + gold or
//! from a table of per-worker statistics.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use crowdqc::core::JudgmentMatrix;
use crowdqc::core::estimator::{Estimator, FittedModel};
use crowdqc::core::evidence::{FastAnswers, RecentGold, WorkerEvidence};
use crowdqc::policy::replay::evidence_from_matrix;
use crowdqc::policy::{Action, Decision, Explanation, Metric, Policy, read_policy};
use crowdqc::{Error, Result};
use serde_json::{Value, json};

use super::{EvalArgs, action_words, decision_json, warnings_text};
use crate::common::{self, Format};

fn uses(p: &Policy, m: Metric) -> bool {
    p.rules
        .iter()
        .flat_map(|r| &r.conditions)
        .any(|c| c.metric == m)
}

fn fill_model(p: &Policy, m: &JudgmentMatrix, when: &str, ev: &mut [WorkerEvidence]) -> Result<()> {
    let fit = match when {
        "never" => false,
        "always" => true,
        "auto" => uses(p, Metric::ModelAccuracy) || uses(p, Metric::SpammerScore),
        other => {
            return Err(Error::param(
                "--model",
                format!("unknown value `{other}`; valid: auto, always, never"),
            ));
        }
    };
    if !fit {
        return Ok(());
    }
    let model = crowdqc::aggregation::DawidSkene::params().fit(m)?;
    let acc = model.worker_accuracy();
    let spam = model.spammer_scores();
    for (w, e) in ev.iter_mut().enumerate() {
        e.model_accuracy = acc.get(w).copied().filter(|v| v.is_finite());
        e.spammer_score = spam.get(w).copied().filter(|v| v.is_finite());
    }
    Ok(())
}

/// Runs `crowdqc policy eval`.
pub(super) fn run(a: EvalArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    if let Some(p) = &a.out {
        crowdqc_io::check_output_path(p)?;
    }
    let mut notes: Vec<String> = Vec::new();
    let (names, evidence) = match (&a.judgments, &a.stats) {
        (Some(j), _) => {
            let m = common::load(j, &a.input, a.gold.as_deref())?;
            let windowed = policy
                .rules
                .iter()
                .flat_map(|r| &r.conditions)
                .any(|c| c.window.is_some())
                || policy.tiers.as_ref().is_some_and(|t| t.window.is_some());
            if windowed && m.timestamps().is_none() {
                notes.push(
                    "the judgments have no timestamp column: windows of \"last N gold answers\" \
                     follow item order, not time order"
                        .into(),
                );
            }
            if m.gold().is_empty() {
                notes.push("no gold labels: gold rules never fire (pass --gold)".into());
            }
            let mut ev = evidence_from_matrix(&m, policy.fast_ms());
            let start = policy.tiers.as_ref().map(|t| t.start);
            ev.iter_mut().for_each(|e| e.tier = start);
            fill_model(&policy, &m, &a.model, &mut ev)?;
            let names: Vec<String> = (0..m.n_workers() as u32)
                .map(|w| m.workers().get(w).to_string())
                .collect();
            (names, ev)
        }
        (None, Some(s)) => read_stats(s, &policy)?,
        (None, None) => {
            return Err(Error::param(
                "JUDGMENTS",
                "give a judgments file or --stats WORKERS",
            ));
        }
    };
    let decisions: Vec<Decision> = policy.evaluate_all(&evidence);
    let explain = |w: usize| policy.explain(&decisions[w], &evidence[w]);
    let untrusted: Vec<&str> = (0..names.len())
        .filter(|&w| decisions[w].untrust)
        .map(|w| names[w].as_str())
        .collect();
    if let Some(p) = &a.out {
        let rows: Vec<usize> = (0..names.len()).collect();
        let batch = decision_batch(&policy, &names, &decisions, &rows, &|w| explain(w))?;
        crowdqc_io::write_table(p, &batch)?;
    }
    let mut counts = [0u64; 7];
    for d in &decisions {
        counts[d.action as usize] += 1;
    }
    match a.format {
        Format::Json => {
            let list: Vec<Value> = (0..names.len())
                .filter(|&w| a.all || decisions[w].is_event())
                .map(|w| decision_json(&policy, &names[w], &decisions[w], &explain(w)))
                .collect();
            let summary: serde_json::Map<String, Value> = Action::ALL
                .iter()
                .map(|x| (x.name().to_string(), json!(counts[*x as usize])))
                .collect();
            let warnings: Vec<&String> = policy.warnings.iter().chain(&notes).collect();
            common::print_out(&common::to_json(&json!({
                "policy": policy.name,
                "warnings": warnings,
                "workers": names.len(),
                "summary": summary,
                "untrusted": untrusted,
                "decisions": list,
            }))?)
        }
        Format::Text => {
            let mut s = warnings_text(&policy);
            for n in &notes {
                let _ = writeln!(s, "warning: {n}");
            }
            let _ = writeln!(s, "policy `{}`: {} workers", policy.name, names.len());
            for x in Action::ALL.iter().rev() {
                if counts[*x as usize] > 0 {
                    let _ = writeln!(s, "  {:<8} {}", x.name(), counts[*x as usize]);
                }
            }
            if !untrusted.is_empty() {
                let _ = writeln!(
                    s,
                    "untrusted ({}; exclude their judgments and re-aggregate): {}",
                    untrusted.len(),
                    untrusted.join(", ")
                );
            }
            for w in 0..names.len() {
                let d = &decisions[w];
                if !(a.all || d.is_event()) {
                    continue;
                }
                let _ = writeln!(s, "\n{}: {}", names[w], action_words(&policy, d));
                for x in explain(w) {
                    let _ = writeln!(s, "  {}", x.text());
                }
            }
            common::print_out(&s)
        }
    }
}
fn decision_batch(
    p: &Policy,
    names: &[String],
    decisions: &[Decision],
    rows: &[usize],
    explain: &dyn Fn(usize) -> Vec<Explanation>,
) -> Result<RecordBatch> {
    let tier_name = |d: &Decision| {
        d.tier.and_then(|tc| {
            p.tiers
                .as_ref()
                .map(|t| t.levels[tc.to as usize].name.clone())
        })
    };
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "worker",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|&w| names[w].as_str()),
            )),
        ),
        (
            "action",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|&w| decisions[w].action.name()),
            )),
        ),
        (
            "duration_ms",
            Arc::new(Int64Array::from(
                rows.iter()
                    .map(|&w| decisions[w].duration_ms)
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "untrust",
            Arc::new(BooleanArray::from(
                rows.iter()
                    .map(|&w| decisions[w].untrust)
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "rules",
            Arc::new(StringArray::from_iter_values(rows.iter().map(|&w| {
                decisions[w]
                    .fired
                    .iter()
                    .map(|&i| p.rules[i as usize].id.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            }))),
        ),
        (
            "tier",
            Arc::new(StringArray::from(
                rows.iter()
                    .map(|&w| tier_name(&decisions[w]))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "explanation",
            Arc::new(StringArray::from_iter_values(rows.iter().map(|&w| {
                if decisions[w].is_event() {
                    explain(w)
                        .iter()
                        .map(Explanation::text)
                        .collect::<Vec<_>>()
                        .join(" | ")
                } else {
                    String::new()
                }
            }))),
        ),
    ];
    RecordBatch::try_from_iter(cols).map_err(|e| Error::External {
        context: "decision table".into(),
        message: e.to_string(),
    })
}

/// Reads a per-worker statistics table into evidence.
fn read_stats(path: &Path, policy: &Policy) -> Result<(Vec<String>, Vec<WorkerEvidence>)> {
    let batches = crowdqc_io::read_table(path)?;
    let mut names = Vec::new();
    let mut evidence = Vec::new();
    let mut row0 = 0u64;
    for b in &batches {
        let worker = b
            .column_by_name("worker")
            .ok_or_else(|| Error::MissingColumn {
                wanted: "worker".into(),
                tried: vec!["worker".into()],
                found: b
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect(),
            })?;
        let num = |name: &str| -> Result<Option<Vec<Option<f64>>>> {
            b.column_by_name(name)
                .map(|c| numbers(name, c, row0))
                .transpose()
        };
        let ga = num("gold_answered")?;
        let gc = num("gold_correct")?;
        let ma = num("model_accuracy")?;
        let pa = num("peer_agreement")?;
        let ss = num("spammer_score")?;
        let fs = num("fast_share")?;
        let jd = num("judgments")?;
        let recent = b.column_by_name("recent_gold");
        let tier = b.column_by_name("tier");
        for r in 0..b.num_rows() {
            let row = row0 + r as u64;
            let name = cell_string(worker.as_ref(), r)
                .ok_or_else(|| Error::value("worker", Some(row), "null worker id"))?;
            let get = |c: &Option<Vec<Option<f64>>>| c.as_ref().and_then(|v| v[r]);
            let count = |col: &str, v: Option<f64>| -> Result<u64> {
                match v {
                    None => Ok(0),
                    Some(x) if x >= 0.0 && x.fract() == 0.0 => Ok(x as u64),
                    Some(x) => Err(Error::value(
                        col,
                        Some(row),
                        format!("must be a count >= 0, got {x}"),
                    )),
                }
            };
            let mut e = WorkerEvidence {
                gold_answered: count("gold_answered", get(&ga))?,
                gold_correct: count("gold_correct", get(&gc))?,
                judgments: count("judgments", get(&jd))?,
                ..WorkerEvidence::default()
            };
            if e.gold_correct > e.gold_answered {
                return Err(Error::value(
                    "gold_correct",
                    Some(row),
                    "exceeds gold_answered",
                ));
            }
            for (col, v, slot) in [
                ("model_accuracy", get(&ma), &mut e.model_accuracy),
                ("peer_agreement", get(&pa), &mut e.peer_agreement),
                ("spammer_score", get(&ss), &mut e.spammer_score),
            ] {
                if let Some(x) = v
                    && !(0.0..=1.0).contains(&x)
                {
                    return Err(Error::value(
                        col,
                        Some(row),
                        format!("must be in [0, 1], got {x}"),
                    ));
                }
                *slot = v;
            }
            if let Some(f) = get(&fs) {
                if !(0.0..=1.0).contains(&f) {
                    return Err(Error::value(
                        "fast_share",
                        Some(row),
                        format!("must be in [0, 1], got {f}"),
                    ));
                }
                // a share without counts: represent it over 1 000 000 timed answers
                let timed = 1_000_000u64;
                e.fast_answers = Some(FastAnswers {
                    threshold_ms: policy.fast_ms().unwrap_or(0.0),
                    fast: (f * timed as f64).round() as u64,
                    timed,
                });
            }
            if let Some(s) = recent.and_then(|c| cell_string(c.as_ref(), r)) {
                if s.chars().any(|ch| ch != '0' && ch != '1') {
                    return Err(Error::value(
                        "recent_gold",
                        Some(row),
                        "use a string of 0 and 1, oldest first",
                    ));
                }
                e.recent_gold = RecentGold::from_chronological(s.chars().map(|ch| ch == '1'));
            } else if e.gold_answered > 0 && e.gold_answered == e.gold_correct {
                // all correct: the recent window is known
                e.recent_gold = RecentGold::from_chronological(std::iter::repeat_n(
                    true,
                    e.gold_answered.min(128) as usize,
                ));
            }
            e.tier = match (tier.and_then(|c| cell_string(c.as_ref(), r)), &policy.tiers) {
                (Some(t), Some(tiers)) => Some(
                    tiers
                        .levels
                        .iter()
                        .position(|l| l.name == t)
                        .or_else(|| t.parse::<usize>().ok().filter(|&i| i < tiers.levels.len()))
                        .ok_or_else(|| {
                            Error::value("tier", Some(row), format!("unknown tier `{t}`"))
                        })? as u16,
                ),
                (_, Some(tiers)) => Some(tiers.start),
                _ => None,
            };
            names.push(name);
            evidence.push(e);
        }
        row0 += b.num_rows() as u64;
    }
    Ok((names, evidence))
}

fn cell_string(c: &dyn Array, r: usize) -> Option<String> {
    if c.is_null(r) {
        return None;
    }
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int32Type, Int64Type, UInt32Type, UInt64Type};
    Some(match c.data_type() {
        DataType::Utf8 => c.as_string::<i32>().value(r).to_string(),
        DataType::LargeUtf8 => c.as_string::<i64>().value(r).to_string(),
        DataType::Utf8View => c.as_string_view().value(r).to_string(),
        DataType::Int64 => c.as_primitive::<Int64Type>().value(r).to_string(),
        DataType::Int32 => c.as_primitive::<Int32Type>().value(r).to_string(),
        DataType::UInt64 => c.as_primitive::<UInt64Type>().value(r).to_string(),
        DataType::UInt32 => c.as_primitive::<UInt32Type>().value(r).to_string(),
        _ => return None,
    })
}

fn numbers(name: &str, c: &ArrayRef, row0: u64) -> Result<Vec<Option<f64>>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{
        Float32Type, Float64Type, Int32Type, Int64Type, UInt32Type, UInt64Type,
    };
    let n = c.len();
    let v: Vec<Option<f64>> = match c.data_type() {
        DataType::Float64 => c.as_primitive::<Float64Type>().iter().collect(),
        DataType::Float32 => c
            .as_primitive::<Float32Type>()
            .iter()
            .map(|x| x.map(f64::from))
            .collect(),
        DataType::Int64 => c
            .as_primitive::<Int64Type>()
            .iter()
            .map(|x| x.map(|x| x as f64))
            .collect(),
        DataType::Int32 => c
            .as_primitive::<Int32Type>()
            .iter()
            .map(|x| x.map(f64::from))
            .collect(),
        DataType::UInt64 => c
            .as_primitive::<UInt64Type>()
            .iter()
            .map(|x| x.map(|x| x as f64))
            .collect(),
        DataType::UInt32 => c
            .as_primitive::<UInt32Type>()
            .iter()
            .map(|x| x.map(f64::from))
            .collect(),
        DataType::Null => vec![None; n],
        other => {
            return Err(Error::Schema {
                column: name.into(),
                expected: "a number".into(),
                found: format!("{other}"),
            });
        }
    };
    if let Some(r) = v.iter().position(|x| x.is_some_and(|x| x.is_nan())) {
        return Err(Error::value(name, Some(row0 + r as u64), "NaN"));
    }
    Ok(v)
}
