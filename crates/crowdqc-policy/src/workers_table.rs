//! Evidence from a table of per-worker statistics (`policy eval --stats`).

use std::collections::HashMap;

use arrow_array::RecordBatch;
use crowdqc_core::columns::{self, IdColumn, NumberColumn, Role};
use crowdqc_core::evidence::{FastAnswers, RecentGold, WorkerEvidence};
use crowdqc_core::{Error, Result};

use crate::evidence::EvidenceTable;
use crate::spec::Policy;
use crate::table::Id;

/// Timed answers a `fast_share` without counts is represented over.
const SHARE_DENOMINATOR: u64 = 1_000_000;

/// The optional numeric columns of a stats table.
const NUMBERS: [&str; 9] = [
    "gold_answered",
    "gold_correct",
    "judgments",
    "model_accuracy",
    "peer_agreement",
    "spammer_score",
    "fast_share",
    "tasks_per_day",
    "hourly_pay",
];

/// A finite number >= 0 (tasks a day, hourly pay), `None` when empty.
fn amount(col: &str, v: Option<f64>, row: u64) -> Result<Option<f64>> {
    match v {
        Some(x) if !(x.is_finite() && x >= 0.0) => Err(Error::value(
            col,
            Some(row),
            format!("must be a finite number >= 0, got {x}"),
        )),
        v => Ok(v),
    }
}

/// The largest count read exactly: 2^53, the last whole number a double (the type
/// every numeric cell is read as) represents without rounding.
const MAX_EXACT_COUNT: f64 = 9_007_199_254_740_992.0;

/// The text columns of a stats table besides the worker column.
const TEXTS: [&str; 2] = ["recent_gold", "tier"];

fn count(col: &str, v: Option<f64>, row: u64) -> Result<u64> {
    match v {
        None => Ok(0),
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x <= MAX_EXACT_COUNT => Ok(x as u64),
        Some(x) if x > MAX_EXACT_COUNT => Err(Error::value(
            col,
            Some(row),
            format!(
                "{x:e} is beyond the exact range of counts (at most 2^53 = \
                 9007199254740992); check the column"
            ),
        )),
        Some(x) => Err(Error::value(
            col,
            Some(row),
            format!("must be a count >= 0, got {x}"),
        )),
    }
}

/// Refuses a column that is not one of the stats table's (a misspelt column would
/// otherwise be ignored, and its rule would fire for nobody).
fn check_columns(schema: &arrow_schema::Schema, worker: usize) -> Result<()> {
    for (i, f) in schema.fields().iter().enumerate() {
        let name = f.name().as_str();
        if i != worker && !NUMBERS.contains(&name) && !TEXTS.contains(&name) {
            let known: Vec<&str> = std::iter::once("worker (or performer, annotator)")
                .chain(NUMBERS)
                .chain(TEXTS)
                .collect();
            return Err(Error::value(
                name,
                None,
                format!(
                    "unknown column in a worker stats table; the known columns are {}; \
                     rename or drop it",
                    known.join(", ")
                ),
            ));
        }
    }
    for name in NUMBERS.iter().chain(&TEXTS) {
        columns::find_unique(schema, &[name])?;
    }
    Ok(())
}

fn share(col: &str, v: Option<f64>, row: u64) -> Result<Option<f64>> {
    match v {
        Some(x) if !(0.0..=1.0).contains(&x) => Err(Error::value(
            col,
            Some(row),
            format!("must be in [0, 1], got {x}"),
        )),
        v => Ok(v),
    }
}

impl EvidenceTable {
    /// Evidence from a table of per-worker statistics: column `worker` (or
    /// `performer`, `annotator`) and any of `gold_answered`, `gold_correct`, `recent_gold` (a string
    /// of 0 and 1, oldest first), `model_accuracy`, `peer_agreement`, `spammer_score`,
    /// `fast_share`, `judgments`, `tasks_per_day`, `hourly_pay` (finite, >= 0), `tier`
    /// (level name or index), read through
    /// `crowdqc_core::columns` (strings of any Arrow kind, dictionaries, integers).
    /// Errors name the column and the data row of the file.
    ///
    /// Aggregate counts do not say in which order the gold answers came, so rules
    /// and tiers over a gold window are evaluated only for workers with a
    /// `recent_gold` cell (or whose every gold answer was correct); a note names them.
    ///
    /// # Errors
    /// A missing worker column, null worker ids, non-numeric cells, counts that are
    /// not whole numbers >= 0, `gold_correct > gold_answered`, shares outside [0, 1],
    /// `recent_gold` with characters other than 0 and 1, unknown tiers; a column
    /// that is none of the above (the message lists the known ones), a column name
    /// given twice, a worker on two rows, a count beyond 2^53.
    pub fn from_stats(batches: &[RecordBatch], policy: &Policy) -> Result<Self> {
        let mut t = EvidenceTable::default();
        let mut row0 = 0u64;
        let mut seen: HashMap<Id, u64> = HashMap::new();
        for b in batches {
            let schema = b.schema();
            let wi = columns::resolve(&schema, Role::Worker, None)?;
            check_columns(&schema, wi)?;
            let worker = IdColumn::new(b.column(wi), schema.field(wi).name(), row0)?;
            let nums: Vec<Option<NumberColumn>> = NUMBERS
                .iter()
                .map(|n| {
                    b.column_by_name(n)
                        .map(|c| NumberColumn::new(c, n, row0))
                        .transpose()
                })
                .collect::<Result<_>>()?;
            let text_col = |n: &str| {
                b.column_by_name(n)
                    .map(|c| IdColumn::new(c, n, row0))
                    .transpose()
            };
            let (recent, tier) = (text_col("recent_gold")?, text_col("tier")?);
            for r in 0..b.num_rows() {
                let row = row0 + r as u64;
                let num = |name: &str| -> Result<Option<f64>> {
                    let k = NUMBERS
                        .iter()
                        .position(|n| *n == name)
                        .expect("a listed column");
                    match nums[k].as_ref().and_then(|c| c.get_opt(r)) {
                        Some(v) if v.is_nan() => Err(Error::value(
                            name,
                            Some(row),
                            "NaN; leave the cell empty instead",
                        )),
                        v => Ok(v),
                    }
                };
                let text = |c: &Option<IdColumn<'_>>| {
                    c.as_ref().and_then(|c| c.get_opt(r)).map(|v| v.to_string())
                };
                let id = Id::from(worker.get(r)?);
                if let Some(first) = seen.insert(id.clone(), row) {
                    return Err(Error::value(
                        worker.name(),
                        Some(row),
                        format!(
                            "worker `{id}` appears again (first on row {}); give one row per \
                             worker",
                            first + 1
                        ),
                    ));
                }
                let mut e = WorkerEvidence {
                    gold_answered: count("gold_answered", num("gold_answered")?, row)?,
                    gold_correct: count("gold_correct", num("gold_correct")?, row)?,
                    judgments: count("judgments", num("judgments")?, row)?,
                    model_accuracy: share("model_accuracy", num("model_accuracy")?, row)?,
                    peer_agreement: share("peer_agreement", num("peer_agreement")?, row)?,
                    spammer_score: share("spammer_score", num("spammer_score")?, row)?,
                    tasks_per_day: amount("tasks_per_day", num("tasks_per_day")?, row)?,
                    hourly_pay: amount("hourly_pay", num("hourly_pay")?, row)?,
                    ..WorkerEvidence::default()
                };
                if e.gold_correct > e.gold_answered {
                    return Err(Error::value(
                        "gold_correct",
                        Some(row),
                        format!(
                            "{} exceeds gold_answered ({})",
                            e.gold_correct, e.gold_answered
                        ),
                    ));
                }
                if let Some(f) = share("fast_share", num("fast_share")?, row)? {
                    e.fast_answers = Some(FastAnswers {
                        threshold_ms: policy.fast_ms().unwrap_or(0.0),
                        fast: (f * SHARE_DENOMINATOR as f64).round() as u64,
                        timed: SHARE_DENOMINATOR,
                    });
                }
                let known = match text(&recent) {
                    Some(s) => {
                        if s.chars().any(|ch| ch != '0' && ch != '1') {
                            return Err(Error::value(
                                "recent_gold",
                                Some(row),
                                format!("`{s}`: use a string of 0 and 1, oldest first"),
                            ));
                        }
                        e.recent_gold =
                            RecentGold::from_chronological(s.chars().map(|ch| ch == '1'));
                        true
                    }
                    None if e.gold_answered == e.gold_correct => {
                        // all correct (or none answered): the recent window is known
                        e.recent_gold = RecentGold::from_chronological(std::iter::repeat_n(
                            true,
                            e.gold_answered.min(RecentGold::CAPACITY as u64) as usize,
                        ));
                        true
                    }
                    None => false,
                };
                e.tier = match (text(&tier), &policy.tiers) {
                    (Some(name), Some(tiers)) => {
                        let idx = tiers
                            .levels
                            .iter()
                            .position(|l| l.name == name)
                            .or_else(|| {
                                name.parse::<usize>()
                                    .ok()
                                    .filter(|&i| i < tiers.levels.len())
                            })
                            .ok_or_else(|| {
                                let valid: Vec<&str> =
                                    tiers.levels.iter().map(|l| l.name.as_str()).collect();
                                Error::value(
                                    "tier",
                                    Some(row),
                                    format!("unknown tier `{name}`; valid: {}", valid.join(", ")),
                                )
                            })?;
                        Some(idx as u16)
                    }
                    (_, Some(tiers)) => Some(tiers.start),
                    _ => None,
                };
                t.workers.push(id);
                t.evidence.push(e);
                t.window_known.push(known);
            }
            row0 += b.num_rows() as u64;
        }
        let unknown = t.window_known.iter().filter(|k| !**k).count();
        let windowed = policy.uses_window();
        if unknown > 0 && !windowed.is_empty() {
            t.notes.push(format!(
                "{} cannot be evaluated from aggregate stats for {unknown} of {} workers: \
                 they look at the last N gold answers in order, and counts do not say which \
                 answers were recent (add a `recent_gold` column: 0/1 per answer, oldest first)",
                windowed
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                t.len()
            ));
        }
        Ok(t)
    }
}
