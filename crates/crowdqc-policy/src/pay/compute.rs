//! Per-worker pay from judgments, durations and a pay table.

use crowdqc_core::{Error, JudgmentMatrix, Result};
use serde::Serialize;

use super::{ItemPay, PayTable};

/// Milliseconds in an hour.
const HOUR_MS: f64 = 3_600_000.0;

/// What one worker's work paid, and how long it took.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct WorkerPay {
    /// Tasks paid.
    pub paid_tasks: u64,
    /// Unpaid tasks (training / qualification items, qualification gold).
    pub unpaid_tasks: u64,
    /// Tasks without a recorded duration (left out of the hourly pay).
    pub untimed_tasks: u64,
    /// Hours spent on timed paid tasks.
    pub paid_hours: f64,
    /// Hours spent on timed unpaid tasks.
    pub unpaid_hours: f64,
    /// Received for all paid tasks, after the platform's cut.
    pub earned: f64,
    /// Received for the timed paid tasks ÷ hours on all timed tasks; `None` when no
    /// task was timed (or all took 0 ms).
    pub hourly: Option<f64>,
    /// Unpaid hours ÷ all timed hours; `None` when nothing was timed.
    pub unpaid_share: Option<f64>,
}

impl WorkerPay {
    /// Whether the hourly pay is below the table's floor (`None` without a floor or
    /// an hourly figure).
    pub fn below_floor(&self, table: &PayTable) -> Option<bool> {
        Some(self.hourly? < table.hourly_floor?)
    }
}

/// The error for pay requested on judgments without durations.
pub(crate) fn no_durations() -> Error {
    Error::param(
        "duration_ms",
        "pay needs how long each task took: add a `duration_ms` column (milliseconds per \
         judgment), or name the column that has it with --duration-column NAME",
    )
}

/// Pay per worker (index = worker code of `m`).
///
/// Each judgment is paid at its item's rate after the platform's cut, unless its item
/// is unpaid or it is one of the worker's first `qualification_gold` gold answers in
/// time order. Hours come from the `duration_ms` column; judgments without a duration
/// (null) are counted in `untimed_tasks` and left out of the hourly pay. Sums run in
/// time order (ties: input position), so the result is deterministic.
///
/// # Errors
/// No duration column ([`Error::InvalidParameter`] naming `duration_ms` and
/// `--duration-column`); `qualification_gold` without a timestamp column.
pub fn pay_by_worker(m: &JudgmentMatrix, table: &PayTable) -> Result<Vec<WorkerPay>> {
    let durations = m.durations().ok_or_else(no_durations)?;
    let ts = m.timestamps();
    if table.qualification_gold > 0 && ts.is_none() && !m.gold().is_empty() {
        return Err(Error::param(
            "qualification_gold",
            "the first gold answers of each worker can only be found in time order: add \
             a `timestamp` column (or name it with --timestamp-column NAME)",
        ));
    }
    let kinds: Vec<&ItemPay> = m
        .items()
        .iter()
        .map(|id| table.item(&id.to_string()))
        .collect();
    let mut order: Vec<u32> = (0..m.n_judgments() as u32).collect();
    if let Some(ts) = ts {
        order.sort_by_key(|&p| (ts[p as usize], p));
    }
    let n = m.n_workers();
    let mut out = vec![WorkerPay::default(); n];
    let mut timed_earned = vec![0.0f64; n];
    let mut gold_seen = vec![0u64; n];
    let (items, workers) = (m.judgment_items(), m.judgment_workers());
    let gold = m.gold();
    for p in order {
        let p = p as usize;
        let (i, w) = (items[p], workers[p] as usize);
        let mut kind = kinds[i as usize];
        if gold.label(i).is_some() {
            gold_seen[w] += 1;
            if gold_seen[w] <= table.qualification_gold {
                kind = &ItemPay::Unpaid;
            }
        }
        let o = &mut out[w];
        let d = durations[p];
        let timed = d.is_finite();
        if !timed {
            o.untimed_tasks += 1;
        }
        if *kind == ItemPay::Unpaid {
            o.unpaid_tasks += 1;
            if timed {
                o.unpaid_hours += d / HOUR_MS;
            }
        } else {
            let net = table.net(kind);
            o.paid_tasks += 1;
            o.earned += net;
            if timed {
                o.paid_hours += d / HOUR_MS;
                timed_earned[w] += net;
            }
        }
    }
    for (o, e) in out.iter_mut().zip(timed_earned) {
        let hours = o.paid_hours + o.unpaid_hours;
        if hours > 0.0 {
            o.hourly = Some(e / hours);
            o.unpaid_share = Some(o.unpaid_hours / hours);
        }
    }
    Ok(out)
}
