//! `crowdqc policy eval|replay|simulate`: access rules over worker evidence, a
//! time-ordered replay of judgments, and the policy simulator.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use crowdqc::core::JudgmentMatrix;
use crowdqc::core::estimator::{Estimator, FittedModel};
use crowdqc::core::evidence::GoldSource;
use crowdqc::core::evidence::{FastAnswers, RecentGold, WorkerEvidence};
use crowdqc::gold::{GoldPool, GoldScheduler, ScheduleParams};
use crowdqc::policy::exact::{fire_curve, quantile};
use crowdqc::policy::explain::fmt_duration;
use crowdqc::policy::replay::{evidence_from_matrix, replay};
use crowdqc::policy::simulate::{Archetype, SimConfig, SimReport, simulate, simulate_with};
use crowdqc::policy::{Action, Decision, Explanation, Metric, Policy, read_policy};
use crowdqc::{Error, Result};
use serde_json::{Value, json};

use crate::common::{self, Format, InputOpts};

/// Subcommands of `crowdqc policy`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Evaluate a policy for every worker, from judgments + gold or from a table of
    /// per-worker statistics; print each decision with its explanation.
    Eval(EvalArgs),
    /// Replay judgments in timestamp order and log each decision at the moment a live
    /// platform would have made it.
    Replay(ReplayArgs),
    /// Run policies against simulated workers: per archetype, the probability of each
    /// action, the median gold answers until it, and the share of work spent on gold.
    Simulate(SimulateArgs),
    /// Exact probability (dynamic programming, no simulation) that restrictive rules
    /// fire within N gold answers, for workers of given accuracies.
    Exact(ExactArgs),
}

/// Arguments of `crowdqc policy exact`.
#[derive(Debug, clap::Args)]
pub struct ExactArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Rule ids, comma-separated (default: every rule that untrusts, suspends or bans).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub rules: Option<Vec<String>>,
    /// Worker accuracies, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.97,0.95,0.92,0.90,0.85,0.80,0.70,0.50"
    )]
    pub accuracy: Vec<f64>,
    /// Gold answers.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub horizon: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `crowdqc policy eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Judgments file (.parquet, .csv, .arrow/.ipc); evidence is computed from it.
    #[arg(required_unless_present = "stats", conflicts_with = "stats")]
    pub judgments: Option<PathBuf>,
    /// Gold labels file (with JUDGMENTS).
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// A table of per-worker statistics instead of judgments: column `worker` and any of
    /// gold_answered, gold_correct, recent_gold (0/1 string, oldest first),
    /// model_accuracy, peer_agreement, spammer_score, fast_share, judgments, tier
    /// (level name or index).
    #[arg(long, value_name = "WORKERS")]
    pub stats: Option<PathBuf>,
    /// Fit Dawid–Skene for model_accuracy and spammer_score: auto (when the policy
    /// uses them), always or never.
    #[arg(long, default_value = "auto", value_name = "WHEN")]
    pub model: String,
    /// Write the decisions table here (.parquet or .csv): worker, action,
    /// duration_ms, untrust, rules, tier, explanation.
    #[arg(long, value_name = "DECISIONS")]
    pub out: Option<PathBuf>,
    /// Also list workers for whom nothing fired (text output).
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Arguments of `crowdqc policy replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Judgments file with a timestamp column.
    pub judgments: PathBuf,
    /// Gold labels file.
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// Write the decision log here (.parquet or .csv): timestamp_ms, worker, action,
    /// duration_ms, untrust, rules, gold_answered, gold_correct, explanation.
    #[arg(long, value_name = "LOG")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Arguments of `crowdqc policy simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Policy file(s) (TOML); several are compared side by side.
    #[arg(long, value_name = "P.toml", required = true)]
    pub policy: Vec<PathBuf>,
    /// Worker archetypes, comma-separated: accuracies (0.92), uniform, constant,
    /// degrade:FROM>TO@SHARE.
    #[arg(
        long,
        default_value = "0.97,0.92,0.85,0.70,uniform,constant,degrade:0.95>0.70@0.5",
        value_name = "SPEC"
    )]
    pub workers: String,
    /// Share of task slots that are gold, in (0, 1].
    #[arg(long, default_value_t = 0.1, value_name = "R")]
    pub gold_rate: f64,
    /// Gold slots served first to every worker (e.g. a quiz).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub front_gold: u64,
    /// Task slots per worker (one a minute of simulated time).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub tasks: u64,
    /// Simulated workers per archetype.
    #[arg(long, default_value_t = 1000, value_name = "R")]
    pub runs: u64,
    /// Seed.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Classes of gold items (a spammer is right 1/K of the time).
    #[arg(long, default_value_t = 2, value_name = "K")]
    pub classes: u32,
    /// Gold schedule: `fixed` (each slot gold with probability --gold-rate, after
    /// --front-gold) or `adaptive` (crowdqc-gold's scheduler: 10 onboarding gold at
    /// rate 0.5, then a rate driven by the Wilson interval around 0.8, between 0.02 and
    /// 0.3; --gold-rate and --front-gold are ignored).
    #[arg(long, default_value = "fixed", value_name = "KIND")]
    pub schedule: String,
    /// Gold items available to the adaptive schedule (each served at most once per
    /// worker).
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub gold_pool: u32,
    /// Output format (text: one table per policy, then a side-by-side Markdown table).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the subcommand.
///
/// # Errors
/// Bad arguments, policy or input files; I/O failures.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Eval(a) => eval(a),
        Command::Replay(a) => replay_cmd(a),
        Command::Simulate(a) => simulate_cmd(a),
        Command::Exact(a) => exact_cmd(a),
    }
}

fn warnings_text(p: &Policy) -> String {
    p.warnings
        .iter()
        .map(|w| format!("warning: {w}\n"))
        .collect()
}

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

fn eval(a: EvalArgs) -> Result<()> {
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

fn action_words(p: &Policy, d: &Decision) -> String {
    let mut s = d.action.name().to_string();
    if let Some(ms) = d.duration_ms {
        let _ = write!(s, " {}", fmt_duration(ms));
    }
    if d.untrust && d.action != Action::Untrust {
        s.push_str(" + untrust");
    }
    if let (Some(tc), Some(t)) = (d.tier, &p.tiers) {
        let _ = write!(
            s,
            " (tier {} -> {})",
            t.levels[tc.from as usize].name, t.levels[tc.to as usize].name
        );
    }
    s
}

fn decision_json(p: &Policy, worker: &str, d: &Decision, x: &[Explanation]) -> Value {
    json!({
        "worker": worker,
        "action": d.action.name(),
        "duration_ms": d.duration_ms,
        "untrust": d.untrust,
        "rules": d.fired.iter().map(|&i| p.rules[i as usize].id.as_str()).collect::<Vec<_>>(),
        "tier": d.tier.and_then(|tc| p.tiers.as_ref().map(|t| json!({
            "from": t.levels[tc.from as usize].name, "to": t.levels[tc.to as usize].name
        }))),
        "explanations": x,
    })
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

/// Formats ms since the epoch as RFC 3339 UTC (`2024-05-01T12:00:00.000Z`).
fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // civil_from_days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

fn replay_cmd(a: ReplayArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    if let Some(p) = &a.out {
        crowdqc_io::check_output_path(p)?;
    }
    let m = common::load(&a.judgments, &a.input, a.gold.as_deref())?;
    let r = replay(&policy, &m)?;
    let name = |w: u32| m.workers().get(w).to_string();
    if let Some(p) = &a.out {
        let ev = &r.events;
        let cols: Vec<(&str, ArrayRef)> = vec![
            (
                "timestamp_ms",
                Arc::new(Int64Array::from_iter_values(
                    ev.iter().map(|e| e.timestamp_ms),
                )),
            ),
            (
                "worker",
                Arc::new(StringArray::from_iter_values(
                    ev.iter().map(|e| name(e.worker)),
                )),
            ),
            (
                "action",
                Arc::new(StringArray::from_iter_values(
                    ev.iter().map(|e| e.decision.action.name()),
                )),
            ),
            (
                "duration_ms",
                Arc::new(Int64Array::from(
                    ev.iter()
                        .map(|e| e.decision.duration_ms)
                        .collect::<Vec<_>>(),
                )),
            ),
            (
                "untrust",
                Arc::new(BooleanArray::from(
                    ev.iter().map(|e| e.decision.untrust).collect::<Vec<_>>(),
                )),
            ),
            (
                "rules",
                Arc::new(StringArray::from_iter_values(ev.iter().map(|e| {
                    e.decision
                        .fired
                        .iter()
                        .map(|&i| policy.rules[i as usize].id.as_str())
                        .collect::<Vec<_>>()
                        .join(";")
                }))),
            ),
            (
                "gold_answered",
                Arc::new(Int64Array::from_iter_values(
                    ev.iter().map(|e| e.gold_answered as i64),
                )),
            ),
            (
                "gold_correct",
                Arc::new(Int64Array::from_iter_values(
                    ev.iter().map(|e| e.gold_correct as i64),
                )),
            ),
            (
                "explanation",
                Arc::new(StringArray::from_iter_values(ev.iter().map(|e| {
                    e.explanations
                        .iter()
                        .map(Explanation::text)
                        .collect::<Vec<_>>()
                        .join(" | ")
                }))),
            ),
        ];
        let batch = RecordBatch::try_from_iter(cols).map_err(|e| Error::External {
            context: "decision log".into(),
            message: e.to_string(),
        })?;
        crowdqc_io::write_table(p, &batch)?;
    }
    let untrusted: Vec<String> = r.untrusted.iter().map(|&w| name(w)).collect();
    match a.format {
        Format::Json => {
            let events: Vec<Value> = r
                .events
                .iter()
                .map(|e| {
                    let mut v =
                        decision_json(&policy, &name(e.worker), &e.decision, &e.explanations);
                    v["timestamp_ms"] = json!(e.timestamp_ms);
                    v["time"] = json!(rfc3339(e.timestamp_ms));
                    v["gold_answered"] = json!(e.gold_answered);
                    v["gold_correct"] = json!(e.gold_correct);
                    v
                })
                .collect();
            common::print_out(&common::to_json(&json!({
                "policy": policy.name,
                "warnings": policy.warnings,
                "judgments": m.n_judgments(),
                "after_restriction": r.after_restriction,
                "untrusted": untrusted,
                "events": events,
            }))?)
        }
        Format::Text => {
            let mut s = warnings_text(&policy);
            let _ = writeln!(
                s,
                "policy `{}`: {} judgments replayed in time order, {} decisions; {} judgments came from workers while banned or suspended",
                policy.name,
                m.n_judgments(),
                r.events.len(),
                r.after_restriction
            );
            if m.gold().is_empty() {
                s.push_str("warning: no gold labels: gold rules never fire (pass --gold)\n");
            }
            if !untrusted.is_empty() {
                let _ = writeln!(s, "untrusted: {}", untrusted.join(", "));
            }
            for e in &r.events {
                let _ = writeln!(
                    s,
                    "{}  {}  {}  [{} of {} gold correct]",
                    rfc3339(e.timestamp_ms),
                    name(e.worker),
                    action_words(&policy, &e.decision),
                    e.gold_correct,
                    e.gold_answered
                );
                for x in &e.explanations {
                    let _ = writeln!(s, "    {}", x.text());
                }
            }
            common::print_out(&s)
        }
    }
}

fn simulate_cmd(a: SimulateArgs) -> Result<()> {
    let policies: Vec<Policy> = a
        .policy
        .iter()
        .map(|p| read_policy(p))
        .collect::<Result<_>>()?;
    let cfg = SimConfig {
        workers: Archetype::parse_list(&a.workers)?,
        gold_rate: a.gold_rate,
        front_gold: a.front_gold,
        tasks: a.tasks,
        runs: a.runs,
        seed: a.seed,
        classes: a.classes,
        ..SimConfig::default()
    };
    cfg.validate()?;
    let reports: Vec<SimReport> = match a.schedule.as_str() {
        "fixed" => policies
            .iter()
            .map(|p| simulate(p, &cfg))
            .collect::<Result<_>>()?,
        "adaptive" => {
            let pool = GoldPool::new((0..a.gold_pool).map(|i| (i, i % a.classes)))?;
            // validate once, so the per-worker factory cannot fail
            GoldScheduler::new(ScheduleParams::new(), pool.clone())?;
            let factory = move |seed: u64| -> Box<dyn GoldSource> {
                let s = GoldScheduler::new(ScheduleParams::new().seed(seed), pool.clone())
                    .expect("parameters validated above");
                Box::new(s)
            };
            policies
                .iter()
                .map(|p| simulate_with(p, &cfg, &factory))
                .collect::<Result<_>>()?
        }
        other => {
            return Err(Error::param(
                "--schedule",
                format!("unknown value `{other}`; valid: fixed, adaptive"),
            ));
        }
    };
    match a.format {
        Format::Json => common::print_out(&common::to_json(&json!({
            "warnings": policies.iter().map(|p| json!({"policy": p.name, "warnings": p.warnings})).collect::<Vec<_>>(),
            "reports": reports,
        }))?),
        Format::Text => {
            let mut s = String::new();
            for (p, r) in policies.iter().zip(&reports) {
                s.push_str(&warnings_text(p));
                s.push_str(&r.text());
                s.push('\n');
            }
            if reports.len() > 1 {
                s.push_str("side by side: P(restricted = ban, suspend or untrust) (median gold answers until it) · share of work on gold\n\n");
                s.push_str(&SimReport::compare_markdown(&reports));
            }
            common::print_out(&s)
        }
    }
}

fn exact_cmd(a: ExactArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    if a.horizon == 0 || a.horizon > 5000 {
        return Err(Error::param(
            "--horizon",
            format!("must be in 1..=5000, got {}", a.horizon),
        ));
    }
    let rules: Vec<usize> = match &a.rules {
        Some(ids) => ids
            .iter()
            .map(|id| {
                policy.rule_index(id).ok_or_else(|| {
                    let valid: Vec<&str> = policy.rules.iter().map(|r| r.id.as_str()).collect();
                    Error::param(
                        "--rules",
                        format!("no rule `{id}`; valid: {}", valid.join(", ")),
                    )
                })
            })
            .collect::<Result<_>>()?,
        None => (0..policy.rules.len())
            .filter(|&i| policy.rules[i].action >= Action::Untrust)
            .collect(),
    };
    if rules.is_empty() {
        return Err(Error::param(
            "--rules",
            "the policy has no untrust, suspend or ban rule; name rules with --rules",
        ));
    }
    let ids: Vec<&str> = rules.iter().map(|&i| policy.rules[i].id.as_str()).collect();
    let mut rows = Vec::with_capacity(a.accuracy.len());
    for &acc in &a.accuracy {
        let curve = fire_curve(&policy, &rules, acc, a.horizon).map_err(|e| match e {
            Error::InvalidParameter { name, constraint } if name == "rules" => Error::param(
                "--rules",
                format!(
                    "{constraint}; choose rules of one family with --rules (rules: {})",
                    ids.join(", ")
                ),
            ),
            other => other,
        })?;
        let p = curve[a.horizon as usize];
        let median = (p > 0.0).then(|| quantile(&curve, p / 2.0)).flatten();
        rows.push((acc, p, median));
    }
    match a.format {
        Format::Json => common::print_out(&common::to_json(&json!({
            "policy": policy.name,
            "rules": ids,
            "horizon": a.horizon,
            "rows": rows.iter().map(|(acc, p, m)| json!({
                "accuracy": acc, "probability": p, "median_gold": m
            })).collect::<Vec<_>>(),
        }))?),
        Format::Text => {
            let mut s = warnings_text(&policy);
            let _ = writeln!(
                s,
                "policy `{}`: exact probability that any of [{}] fires within {} gold answers \
                 (re-checked after every answer)",
                policy.name,
                ids.join(", "),
                a.horizon
            );
            let _ = writeln!(
                s,
                "{:>9} {:>12} {:>14}",
                "accuracy", "probability", "median gold"
            );
            for (acc, p, m) in rows {
                let m = m.map_or_else(|| "-".to_string(), |m| m.to_string());
                let _ = writeln!(s, "{acc:>9} {p:>12.4} {m:>14}");
            }
            common::print_out(&s)
        }
    }
}
