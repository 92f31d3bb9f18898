//! `crowdqc gold score` (workers' gold accuracy with intervals, gold item report,
//! forgive) and `crowdqc gold plan` (lay tasks out into pages with gold mixed in).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::DataType;
use crowdqc::core::{IdRef, JudgmentMatrix};
use crowdqc::gold::{
    DivergenceDirection, Forgive, GoldParams, GoldPool, GoldScores, IntervalMethod,
    ModelComparison, PageParams, RowKind, plan_pages,
};
use crowdqc::{Error, Result};
use serde_json::{Value, json};

use crate::common::{self, Format, InputOpts};

/// Subcommands of `crowdqc gold`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Score every worker on gold: accuracy with a confidence interval, per-gold-item
    /// exposure, miss rate and contested flag; optionally forgive bad gold first.
    Score(Box<ScoreArgs>),
    /// Lay tasks out into pages with gold mixed in (Appen's page model) for a set of
    /// workers: least-exposed gold first, never the same gold twice to a worker.
    Plan(PlanArgs),
}

/// Arguments of `crowdqc gold score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: PathBuf,
    /// Gold labels file with an item column and `label`, `true_label` or `gold`.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Write the per-worker table here (.parquet or .csv): worker, gold_answered,
    /// gold_correct, gold_accuracy, gold_accuracy_low, gold_accuracy_high.
    #[arg(long, value_name = "WORKERS")]
    pub out: Option<PathBuf>,
    /// Write the per-gold-item table here (.parquet or .csv).
    #[arg(long, value_name = "ITEMS")]
    pub items_out: Option<PathBuf>,
    /// Confidence interval of the accuracy: wilson, jeffreys or clopper-pearson.
    #[arg(long, default_value = "wilson", value_name = "METHOD")]
    pub interval: String,
    /// Two-sided confidence level of the interval, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// A gold item is contested when at least this share of its votes picks another
    /// label, in (0.5, 1].
    #[arg(long, default_value_t = 0.8, value_name = "SHARE")]
    pub contest_confidence: f64,
    /// ...and it has at least this many answers.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub contest_min_answers: u64,
    /// Fit this aggregation method (without gold: ds, one-coin-ds, glad, mace, mv, wawa,
    /// ...) and use its posteriors as the consensus for the contested flag and its
    /// worker accuracy for the gold-vs-model comparison (columns model_accuracy,
    /// model_p_value, model_q_value, model_divergence). Default: vote shares, no
    /// comparison.
    #[arg(long, value_name = "METHOD")]
    pub model: Option<String>,
    /// Forgive: drop this gold item before scoring (repeatable).
    #[arg(long, value_name = "ITEM")]
    pub forgive: Vec<String>,
    /// Forgive: correct a gold answer before scoring, as ITEM=LABEL (repeatable).
    #[arg(long, value_name = "ITEM=LABEL")]
    pub correct: Vec<String>,
    /// Rows of the worker table printed in text output (worst lower bound first).
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Arguments of `crowdqc gold plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Tasks file with an `item` (or `task`) column.
    #[arg(long, value_name = "TASKS")]
    pub tasks: PathBuf,
    /// Gold file with an item column and `label`, `true_label` or `gold`.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Workers file with a `worker` column.
    #[arg(long, value_name = "WORKERS")]
    pub workers: PathBuf,
    /// Rows per page.
    #[arg(long, default_value_t = 10, value_name = "P")]
    pub page_size: u32,
    /// Gold rows per page (Appen: 1 for 1–19 rows per page, 2 for 20–29).
    #[arg(long, default_value_t = 1, value_name = "G")]
    pub gold_per_page: u32,
    /// Judgments per task, each by a distinct worker.
    #[arg(long, default_value_t = 1, value_name = "R")]
    pub redundancy: u32,
    /// A quiz page of Q gold rows before each worker's work (0 = none).
    #[arg(long, default_value_t = 0, value_name = "Q")]
    pub quiz: u32,
    /// Stop using a gold item in work pages once this many workers have it (0 = never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_exposure: u32,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Layout output (.parquet or .csv): worker, page, position, item, kind, gold_label.
    #[arg(long, value_name = "LAYOUT")]
    pub out: PathBuf,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the subcommand.
///
/// # Errors
/// Bad arguments or input files, I/O failures.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Score(a) => score(*a),
        Command::Plan(a) => plan(a),
    }
}

fn score(a: ScoreArgs) -> Result<()> {
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
            "  {:<20} gold {:<10} consensus {:<10} ({:.2})  missed {}/{}",
            m.items().get(r.item).to_string(),
            label(m, r.gold_class),
            label(m, r.consensus_class),
            r.consensus_confidence,
            r.misses,
            r.answers
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

/// The strings of the first column found among `names` (ids as text).
fn column_strings(batches: &[RecordBatch], names: &[&str], file: &Path) -> Result<Vec<String>> {
    let Some(first) = batches.first() else {
        return Ok(Vec::new());
    };
    let schema = first.schema();
    let Some(idx) = names.iter().find_map(|n| schema.index_of(n).ok()) else {
        return Err(Error::MissingColumn {
            wanted: names[0].into(),
            tried: names.iter().map(|s| (*s).to_string()).collect(),
            found: schema.fields().iter().map(|f| f.name().clone()).collect(),
        }
        .in_file(file));
    };
    let name = schema.field(idx).name().clone();
    let mut out = Vec::new();
    let mut row = 0u64;
    for b in batches {
        let col = b.column(idx);
        for i in 0..col.len() {
            if col.is_null(i) {
                return Err(Error::value(&name, Some(row), "null value").in_file(file));
            }
            out.push(value_string(col.as_ref(), i).ok_or_else(|| {
                Error::Schema {
                    column: name.clone(),
                    expected: "strings or integers".into(),
                    found: col.data_type().to_string(),
                }
                .in_file(file)
            })?);
            row += 1;
        }
    }
    Ok(out)
}

fn value_string(col: &dyn Array, i: usize) -> Option<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{
        Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
    };
    Some(match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => col.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => col.as_string_view().value(i).to_string(),
        DataType::Int8 => col.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::Int16 => col.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => col.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt8 => col.as_primitive::<UInt8Type>().value(i).to_string(),
        DataType::UInt16 => col.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt32 => col.as_primitive::<UInt32Type>().value(i).to_string(),
        DataType::UInt64 => col.as_primitive::<UInt64Type>().value(i).to_string(),
        DataType::Boolean => col.as_boolean().value(i).to_string(),
        _ => return None,
    })
}

fn read_strings(path: &Path, names: &[&str]) -> Result<Vec<String>> {
    let batches = crowdqc_io::read_table(path)?;
    column_strings(&batches, names, path)
}

fn plan(a: PlanArgs) -> Result<()> {
    let params = PageParams::new(a.page_size, a.gold_per_page)
        .redundancy(a.redundancy)
        .quiz(a.quiz)
        .max_exposure(a.max_exposure)
        .seed(a.seed);
    params.validate()?;
    crowdqc_io::check_output_path(&a.out)?;
    let tasks = read_strings(&a.tasks, &["item", "task"])?;
    let gold_batches = crowdqc_io::read_table(&a.gold)?;
    let gold_items = column_strings(&gold_batches, &["item", "task"], &a.gold)?;
    let gold_labels = column_strings(&gold_batches, &["label", "true_label", "gold"], &a.gold)?;
    let workers = read_strings(&a.workers, &["worker", "performer", "annotator"])?;

    // ids: tasks get 0..n, gold items follow
    let mut ids: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut task_idx = Vec::with_capacity(tasks.len());
    for (row, t) in tasks.iter().enumerate() {
        if index.contains_key(t) {
            return Err(Error::value(
                "item",
                Some(row as u64),
                format!("task `{t}` is listed twice"),
            )
            .in_file(&a.tasks));
        }
        index.insert(t.clone(), ids.len() as u32);
        task_idx.push(ids.len() as u32);
        ids.push(t.clone());
    }
    let mut labels: Vec<String> = Vec::new();
    let mut label_idx: HashMap<String, u32> = HashMap::new();
    let mut gold_answer: HashMap<String, String> = HashMap::new();
    let mut pairs = Vec::with_capacity(gold_items.len());
    for (row, (item, lab)) in gold_items.iter().zip(&gold_labels).enumerate() {
        if let Some(prev) = gold_answer.get(item) {
            if prev != lab {
                return Err(Error::Conflict(format!(
                    "gold item `{item}` has conflicting answers `{prev}` and `{lab}` (row {row})"
                ))
                .in_file(&a.gold));
            }
            continue;
        }
        if index.contains_key(item) {
            return Err(Error::value(
                "item",
                Some(row as u64),
                format!("`{item}` is both a task and a gold item; list it in one file only"),
            )
            .in_file(&a.gold));
        }
        gold_answer.insert(item.clone(), lab.clone());
        let li = *label_idx.entry(lab.clone()).or_insert_with(|| {
            labels.push(lab.clone());
            labels.len() as u32 - 1
        });
        let k = ids.len() as u32;
        index.insert(item.clone(), k);
        ids.push(item.clone());
        pairs.push((k, li));
    }
    let mut seen_workers = HashMap::new();
    for (row, w) in workers.iter().enumerate() {
        if seen_workers.insert(w.clone(), row).is_some() {
            return Err(Error::value(
                "worker",
                Some(row as u64),
                format!("worker `{w}` is listed twice"),
            )
            .in_file(&a.workers));
        }
    }
    if pairs.is_empty() {
        return Err(Error::insufficient("the gold file has no rows").in_file(&a.gold));
    }
    let pool = GoldPool::new(pairs)?;
    let n_workers = u32::try_from(workers.len())
        .map_err(|_| Error::param("workers", "too many workers (more than u32::MAX)"))?;
    let layout = plan_pages(&params, &task_idx, &pool, n_workers)?;

    let rows = &layout.rows;
    let batch = RecordBatch::try_from_iter(vec![
        (
            "worker",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| workers[r.worker as usize].as_str()),
            )) as ArrayRef,
        ),
        (
            "page",
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.page))),
        ),
        (
            "position",
            Arc::new(UInt32Array::from_iter_values(
                rows.iter().map(|r| r.position),
            )),
        ),
        (
            "item",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| ids[r.item as usize].as_str()),
            )),
        ),
        (
            "kind",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.kind.name()),
            )),
        ),
        (
            "gold_label",
            Arc::new(StringArray::from_iter(rows.iter().map(|r| {
                (r.kind != RowKind::Task)
                    .then(|| pool.answer(r.item).map(|l| labels[l as usize].as_str()))
                    .flatten()
            }))),
        ),
    ])?;
    crowdqc_io::write_table(&a.out, &batch)?;

    let gold_rows = rows.iter().filter(|r| r.kind != RowKind::Task).count();
    let pages: std::collections::HashSet<(u32, u32)> =
        rows.iter().map(|r| (r.worker, r.page)).collect();
    let (emin, emax) = layout
        .exposure
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), &(_, e)| (lo.min(e), hi.max(e)));
    let summary = json!({
        "rows": rows.len(),
        "tasks": tasks.len(),
        "workers": workers.len(),
        "pages": pages.len(),
        "gold_rows": gold_rows,
        "gold_share": layout.gold_share(),
        "gold_shortfall": layout.gold_shortfall,
        "gold_items": pool.len(),
        "exposure_min": emin,
        "exposure_max": emax,
        "out": a.out.display().to_string(),
    });
    let text = match a.format {
        Format::Json => common::to_json(&summary)?,
        Format::Text => {
            let mut o = String::new();
            let _ = writeln!(
                o,
                "{} rows on {} pages for {} workers: {} tasks x {} judgments, {} gold rows ({:.2}%)",
                rows.len(),
                pages.len(),
                workers.len(),
                tasks.len(),
                a.redundancy,
                gold_rows,
                100.0 * layout.gold_share()
            );
            let _ = writeln!(
                o,
                "gold pool {} items, exposure {emin}..{emax} workers per item",
                pool.len()
            );
            if layout.gold_shortfall > 0 {
                let _ = writeln!(
                    o,
                    "warning: {} gold rows left empty: workers saw every usable gold item \
                     (add gold, lower --gold-per-page or raise --max-exposure)",
                    layout.gold_shortfall
                );
            }
            let _ = writeln!(o, "layout written to {}", a.out.display());
            o
        }
    };
    common::print_out(&text)
}
