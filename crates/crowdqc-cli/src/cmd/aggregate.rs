//! `crowdqc aggregate`: truth inference with any method of the registry; item and
//! worker tables to Parquet/CSV, a summary (text or JSON) on stdout.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type, UInt32Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, UInt64Array,
};
use arrow_schema::DataType;
use crowdqc::aggregation::registry::{self, RunOptions};
use crowdqc::core::estimator::FittedModel;
use crowdqc::core::{IdDictionary, IdKind, IdRef, JudgmentMatrix};
use crowdqc::{Error, Result};
use serde_json::{Value, json};

use crate::common::{self, Format, InputOpts};

/// Arguments of `crowdqc aggregate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: PathBuf,
    /// Method: mv, wmv, wawa, zbs, gold-mv, ds, one-coin-ds, glad, mace, kos, mmsr.
    #[arg(long, default_value = "ds", value_name = "METHOD")]
    pub method: String,
    /// Known labels the method uses (ds clamps these items; gold-mv weights workers by
    /// them); other methods ignore them and say so.
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// Labels used only to report accuracy, never to fit (item column + label,
    /// true_label or gold).
    #[arg(long = "eval", value_name = "EVAL_GOLD")]
    pub eval: Option<PathBuf>,
    /// Write one row per item: item, label, confidence, and the posterior of each class.
    #[arg(long, value_name = "ITEMS")]
    pub out: Option<PathBuf>,
    /// Write one row per worker: worker, judgments, accuracy, and the method's own
    /// per-worker parameters.
    #[arg(long = "workers-out", value_name = "WORKERS")]
    pub workers_out: Option<PathBuf>,
    /// Per-worker weights for `--method wmv` (columns worker, weight).
    #[arg(long, value_name = "WEIGHTS")]
    pub weights: Option<PathBuf>,
    /// Maximum iterations (iterative methods; default: the method's own).
    #[arg(long, value_name = "N")]
    pub max_iter: Option<usize>,
    /// Convergence tolerance (iterative methods; default: the method's own).
    #[arg(long, value_name = "T")]
    pub tol: Option<f64>,
    /// Seed of randomised methods (mv: ties broken at random with this seed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Runs the subcommand.
///
/// # Errors
/// Unknown method, unreadable inputs, bad parameters, or a failed fit.
pub fn run(args: Args) -> Result<()> {
    let info = registry::method(&args.method).ok_or_else(|| {
        Error::param(
            "method",
            format!(
                "unknown method `{}`; one of {}",
                args.method,
                registry::METHODS
                    .iter()
                    .map(|m| m.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    for p in [&args.out, &args.workers_out].into_iter().flatten() {
        crowdqc::io::check_output_path(p)?;
    }
    if info.name == "wmv" && args.weights.is_none() {
        return Err(Error::param(
            "weights",
            "--method wmv needs --weights WEIGHTS",
        ));
    }
    let spinner = Spinner::new();
    let t0 = Instant::now();
    spinner.set("reading judgments");
    let m = common::load(&args.judgments, &args.input, args.gold.as_deref())?;
    let t_read = t0.elapsed();
    if info.name == "kos" {
        let seen = m.classes().counts().iter().filter(|&&c| c > 0).count();
        if seen != 2 {
            return Err(Error::param(
                "method",
                format!("kos handles exactly two classes; the judgments have {seen}"),
            ));
        }
    }
    let weights = match &args.weights {
        Some(p) => Some(read_weights(p, &m)?),
        None => None,
    };
    let opts = RunOptions {
        max_iter: args.max_iter,
        tol: args.tol,
        seed: args.seed,
        use_gold: args.gold.is_some() && info.uses_gold,
        weights,
    };
    spinner.set(&format!("fitting {}", info.name));
    let t1 = Instant::now();
    let model = registry::fit(info.name, &m, &opts)?;
    let t_fit = t1.elapsed();
    let eval = match &args.eval {
        Some(p) => Some(evaluate(p, &m, &model.labels())?),
        None => None,
    };
    spinner.set("writing outputs");
    if let Some(p) = &args.out {
        write_items(p, &m, model.as_ref())?;
    }
    if let Some(p) = &args.workers_out {
        crowdqc::io::write_table(p, &workers_table(&m, model.as_ref())?)?;
    }
    spinner.finish();
    let gold_note = match (&args.gold, info.uses_gold) {
        (None, _) => Value::Null,
        (Some(_), true) => json!(format!(
            "{} gold items used by {}",
            m.gold().len(),
            info.name
        )),
        (Some(_), false) => json!(format!(
            "{} cannot use gold; the {} gold items were not used (use --eval to score against them)",
            info.name,
            m.gold().len()
        )),
    };
    let summary = summary(&args, &m, model.as_ref(), eval, gold_note, t_read, t_fit);
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).map_err(|e| Error::External {
                context: "json".into(),
                message: e.to_string(),
            })?
        ),
        Format::Text => print!("{}", text(&summary)),
    }
    Ok(())
}

/// A spinner on stderr when it is a terminal (silent otherwise).
struct Spinner(Option<indicatif::ProgressBar>);

impl Spinner {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let pb = indicatif::ProgressBar::new_spinner();
        pb.enable_steady_tick(Duration::from_millis(120));
        Spinner(Some(pb))
    }

    fn set(&self, msg: &str) {
        if let Some(pb) = &self.0 {
            pb.set_message(format!("{msg} ({:.1?})", pb.elapsed()));
        }
    }

    fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

/// The id at `row` of an id-like column (strings or integers); `None` for null.
fn id_at(a: &dyn Array, row: usize) -> Result<Option<IdRef<'_>>> {
    if a.is_null(row) {
        return Ok(None);
    }
    Ok(Some(match a.data_type() {
        DataType::Utf8 => IdRef::Str(a.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => IdRef::Str(a.as_string::<i64>().value(row)),
        DataType::Utf8View => IdRef::Str(a.as_string_view().value(row)),
        DataType::Int64 => IdRef::Int(a.as_primitive::<Int64Type>().value(row)),
        DataType::Int32 => IdRef::Int(i64::from(a.as_primitive::<Int32Type>().value(row))),
        DataType::UInt32 => IdRef::Int(i64::from(a.as_primitive::<UInt32Type>().value(row))),
        DataType::UInt64 => IdRef::Int(a.as_primitive::<UInt64Type>().value(row) as i64),
        other => {
            return Err(Error::Schema {
                column: "item/label".into(),
                expected: "strings or integers".into(),
                found: other.to_string(),
            });
        }
    }))
}

fn f64_at(a: &dyn Array, row: usize) -> Option<f64> {
    if a.is_null(row) {
        return None;
    }
    match a.data_type() {
        DataType::Float64 => Some(a.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => Some(f64::from(a.as_primitive::<Float32Type>().value(row))),
        DataType::Int64 => Some(a.as_primitive::<Int64Type>().value(row) as f64),
        DataType::Int32 => Some(f64::from(a.as_primitive::<Int32Type>().value(row))),
        DataType::Utf8 => a.as_string::<i32>().value(row).trim().parse().ok(),
        _ => None,
    }
}

fn column<'a>(batch: &'a RecordBatch, names: &[&str], path: &Path) -> Result<&'a ArrayRef> {
    let schema = batch.schema();
    names
        .iter()
        .find_map(|n| schema.index_of(n).ok())
        .map(|i| batch.column(i))
        .ok_or_else(|| {
            Error::MissingColumn {
                wanted: names[0].into(),
                tried: names.iter().map(|s| s.to_string()).collect(),
                found: schema.fields().iter().map(|f| f.name().clone()).collect(),
            }
            .in_file(path)
        })
}

/// Per-worker weights from a `worker, weight` table; every worker needs one.
fn read_weights(path: &Path, m: &JudgmentMatrix) -> Result<Vec<f64>> {
    let mut w = vec![f64::NAN; m.n_workers()];
    let mut row0 = 0u64;
    for b in crowdqc::io::read_table(path)? {
        let (ids, vals) = (
            column(&b, &["worker", "performer", "annotator"], path)?,
            column(&b, &["weight", "skill"], path)?,
        );
        for r in 0..b.num_rows() {
            let v = f64_at(vals.as_ref(), r).ok_or_else(|| {
                Error::value("weight", Some(row0 + r as u64), "not a number").in_file(path)
            })?;
            if let Some(id) = id_at(ids.as_ref(), r)?
                && let Some(i) = m.workers().lookup(id)
            {
                w[i as usize] = v;
            }
        }
        row0 += b.num_rows() as u64;
    }
    let missing = w.iter().filter(|v| v.is_nan()).count();
    if missing > 0 {
        return Err(Error::value(
            "weight",
            None,
            format!("{missing} workers of the judgments have no weight; give every worker one"),
        )
        .in_file(path));
    }
    Ok(w)
}

/// Accuracy of `labels` against an evaluation gold file (never used for fitting).
struct Eval {
    given: u64,
    scored: u64,
    correct: u64,
    unknown_items: u64,
    unknown_labels: u64,
}

fn evaluate(path: &Path, m: &JudgmentMatrix, labels: &[u32]) -> Result<Eval> {
    let mut e = Eval {
        given: 0,
        scored: 0,
        correct: 0,
        unknown_items: 0,
        unknown_labels: 0,
    };
    let mut seen = vec![false; m.n_items()];
    for b in crowdqc::io::read_table(path)? {
        let items = column(&b, &["item", "task"], path)?;
        let golds = column(&b, &["label", "true_label", "gold"], path)?;
        for r in 0..b.num_rows() {
            let (Some(id), Some(g)) = (id_at(items.as_ref(), r)?, id_at(golds.as_ref(), r)?) else {
                continue;
            };
            e.given += 1;
            let Some(i) = m.items().lookup(id) else {
                e.unknown_items += 1;
                continue;
            };
            if std::mem::replace(&mut seen[i as usize], true) {
                continue; // repeated row for the same item
            }
            e.scored += 1;
            match m.classes().index_of(g) {
                Some(c) => e.correct += u64::from(labels[i as usize] == c),
                None => e.unknown_labels += 1,
            }
        }
    }
    Ok(e)
}

fn id_column(d: &IdDictionary, codes: impl Iterator<Item = u32>) -> ArrayRef {
    match d.kind() {
        IdKind::Int => Arc::new(Int64Array::from_iter_values(codes.map(
            |c| match d.get(c) {
                IdRef::Int(v) => v,
                IdRef::Str(_) => 0,
            },
        ))),
        IdKind::Str => Arc::new(StringArray::from_iter_values(
            codes.map(|c| d.get(c).to_string()),
        )),
    }
}

/// Rows per batch of the items output (written streaming, atomically).
const ITEM_BATCH: u32 = 1 << 20;

fn write_items(path: &Path, m: &JudgmentMatrix, model: &dyn FittedModel) -> Result<()> {
    let labels = model.labels();
    let n = m.n_items() as u32;
    let first = items_table(m, model, &labels, 0..n.min(ITEM_BATCH))?;
    let mut w = crowdqc::io::TableWriter::create(path, first.schema())?;
    w.write(&first)?;
    drop(first);
    let mut start = ITEM_BATCH;
    while start < n {
        let end = n.min(start.saturating_add(ITEM_BATCH));
        w.write(&items_table(m, model, &labels, start..end)?)?;
        start = end;
    }
    w.finish()
}

fn items_table(
    m: &JudgmentMatrix,
    model: &dyn FittedModel,
    labels: &[u32],
    rows: std::ops::Range<u32>,
) -> Result<RecordBatch> {
    let post = model.posteriors();
    let (lo, hi) = (rows.start as usize, rows.end as usize);
    let mut cols: Vec<(String, ArrayRef)> = vec![
        ("item".into(), id_column(m.items(), rows.clone())),
        (
            "label".into(),
            id_column(m.classes().dictionary(), labels[lo..hi].iter().copied()),
        ),
        (
            "confidence".into(),
            Arc::new(Float64Array::from_iter_values(
                (lo..hi).map(|i| post[[i, labels[i] as usize]]),
            )),
        ),
    ];
    for (c, l) in m.classes().iter().enumerate() {
        cols.push((
            format!("p_{l}"),
            Arc::new(Float64Array::from_iter_values(
                (lo..hi).map(|i| post[[i, c]]),
            )),
        ));
    }
    Ok(RecordBatch::try_from_iter(cols)?)
}

fn workers_table(m: &JudgmentMatrix, model: &dyn FittedModel) -> Result<RecordBatch> {
    let n = m.n_workers() as u32;
    let mut cols: Vec<(String, ArrayRef)> = vec![
        ("worker".into(), id_column(m.workers(), 0..n)),
        (
            "judgments".into(),
            Arc::new(UInt64Array::from_iter_values(
                (0..n).map(|w| m.worker_count(w) as u64),
            )),
        ),
        (
            "accuracy".into(),
            Arc::new(Float64Array::from(model.worker_accuracy().to_vec())),
        ),
    ];
    for c in model.worker_columns() {
        if c.values.len() == m.n_workers() {
            cols.push((c.name, Arc::new(Float64Array::from(c.values))));
        }
    }
    Ok(RecordBatch::try_from_iter(cols)?)
}

fn summary(
    args: &Args,
    m: &JudgmentMatrix,
    model: &dyn FittedModel,
    eval: Option<Eval>,
    gold_note: Value,
    t_read: Duration,
    t_fit: Duration,
) -> Value {
    let r = model.fit_report();
    let mut dist = vec![0u64; m.n_classes()];
    for c in model.labels() {
        dist[c as usize] += 1;
    }
    let dist: Vec<Value> = m
        .classes()
        .iter()
        .zip(&dist)
        .map(|(l, &n)| json!({"label": l.to_string(), "items": n}))
        .collect();
    let eval = eval.map(|e| {
        json!({
            "file": args.eval.as_ref().map(|p| p.display().to_string()),
            "gold_rows": e.given,
            "items_scored": e.scored,
            "correct": e.correct,
            "accuracy": if e.scored > 0 { json!(e.correct as f64 / e.scored as f64) } else { Value::Null },
            "unknown_items": e.unknown_items,
            "labels_outside_classes": e.unknown_labels,
        })
    });
    json!({
        "method": model.method(),
        "judgments": m.n_judgments(),
        "items": m.n_items(),
        "workers": m.n_workers(),
        "classes": m.n_classes(),
        "iterations": r.iterations,
        "converged": r.converged,
        "objective": r.objective.last(),
        "label_distribution": dist,
        "gold": gold_note,
        "eval": eval,
        "out": args.out.as_ref().map(|p| p.display().to_string()),
        "workers_out": args.workers_out.as_ref().map(|p| p.display().to_string()),
        "seconds": {"read": t_read.as_secs_f64(), "fit": t_fit.as_secs_f64()},
    })
}

fn text(s: &Value) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "method       {}", s["method"].as_str().unwrap_or("?"));
    let _ = writeln!(
        o,
        "data         {} judgments, {} items, {} workers, {} classes",
        s["judgments"], s["items"], s["workers"], s["classes"]
    );
    let _ = writeln!(
        o,
        "fit          {} iterations, converged: {}",
        s["iterations"], s["converged"]
    );
    if let Some(x) = s["objective"].as_f64() {
        let _ = writeln!(o, "objective    {x:.9}");
    }
    let _ = writeln!(o, "labels");
    for d in s["label_distribution"].as_array().into_iter().flatten() {
        let _ = writeln!(
            o,
            "  {:<12} {}",
            d["label"].as_str().unwrap_or("?"),
            d["items"]
        );
    }
    if let Some(g) = s["gold"].as_str() {
        let _ = writeln!(o, "gold         {g}");
    }
    if s["eval"].is_object() {
        let e = &s["eval"];
        let acc = e["accuracy"]
            .as_f64()
            .map_or("n/a".to_string(), |a| format!("{a:.6}"));
        let _ = writeln!(
            o,
            "accuracy     {acc} ({} of {} evaluation items; {} unknown items, {} labels outside the classes)",
            e["correct"], e["items_scored"], e["unknown_items"], e["labels_outside_classes"]
        );
    }
    for k in ["out", "workers_out"] {
        if let Some(p) = s[k].as_str() {
            let _ = writeln!(o, "wrote        {p}");
        }
    }
    let _ = writeln!(
        o,
        "time         read {:.2} s, fit {:.2} s",
        s["seconds"]["read"].as_f64().unwrap_or(0.0),
        s["seconds"]["fit"].as_f64().unwrap_or(0.0)
    );
    o
}
