//! `crowdqc policy eval | simulate` over files: worker evidence from judgments (with
//! pay and a Dawid–Skene fit) or from a stats table, the gold source of a simulation,
//! and the gold economy.

use std::path::Path;

use crowdqc_aggregation::registry::{RunOptions, fit_with_progress};
use crowdqc_core::evidence::GoldSource;
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, JudgmentMatrix, Result};
use crowdqc_gold::{GoldPool, GoldScheduler, ScheduleParams};
use crowdqc_policy::pay::{PayTable, pay_by_worker};
use crowdqc_policy::simulate::FixedRateGold;
use crowdqc_policy::simulate::SimConfig;
use crowdqc_policy::simulate::economy::{EconomyConfig, EconomyTable, GoldSchedule, gold_economy};
use crowdqc_policy::{EvidenceTable, FitModel, Policy, ReplayOptions};

use super::read_with;

/// The evidence of every worker of `m` for `policy`: gold, peers, pace; hourly pay
/// from `pay`; and, when `model` asks for it, `model_accuracy` and `spammer_score` from
/// a Dawid–Skene fit.
///
/// # Errors
/// Those of [`pay_by_worker`] and of the fit.
pub fn evidence(
    m: &JudgmentMatrix,
    policy: &Policy,
    pay: Option<&PayTable>,
    model: FitModel,
    progress: &dyn Progress,
) -> Result<EvidenceTable> {
    let mut t = EvidenceTable::from_matrix(m, policy);
    if let Some(p) = pay {
        t.fill_pay(&pay_by_worker(m, p)?)?;
    }
    if model.wanted(policy) {
        let fitted = fit_with_progress("ds", m, &RunOptions::default(), progress)?;
        t.fill_from_model(fitted.as_ref());
    }
    Ok(t)
}

/// The evidence of every worker of the per-worker stats table at `path` (columns in
/// [`EvidenceTable::from_stats`]).
///
/// # Errors
/// An unreadable table; those of [`EvidenceTable::from_stats`], naming file and line.
pub fn evidence_from_stats(path: &Path, policy: &Policy) -> Result<EvidenceTable> {
    read_with(path, |t| {
        EvidenceTable::from_stats(&t.clone().into_batches(), policy)
    })
}

/// A gold source for each simulated worker (by seed).
pub type GoldFactory = Box<dyn Fn(u64) -> Box<dyn GoldSource> + Sync>;

/// The gold source of `policy simulate --schedule KIND` for `cfg`: `fixed` (each slot
/// gold with probability `cfg.gold_rate`, after `cfg.front_gold` gold slots) or
/// `adaptive` (the online scheduler's default parameters over a synthetic pool of
/// `pool` items of `cfg.classes` classes, each served at most once per simulated
/// worker).
///
/// # Errors
/// An unknown `kind` ([`Error::InvalidParameter`] `--schedule`); a pool that is empty
/// or too large.
pub fn gold_factory(kind: &str, cfg: &SimConfig, pool: u64) -> Result<GoldFactory> {
    let (rate, front) = (cfg.gold_rate, cfg.front_gold);
    match kind {
        "fixed" => Ok(Box::new(move |seed| {
            Box::new(FixedRateGold::new(rate, front, seed)) as _
        })),
        "adaptive" => {
            let simulated = cfg.runs.saturating_mul(cfg.workers.len() as u64);
            let pool = GoldPool::synthetic(pool, cfg.classes, simulated)?;
            Ok(Box::new(GoldScheduler::factory(
                ScheduleParams::new(),
                pool,
            )?))
        }
        other => {
            let valid = format!("unknown value `{other}`; valid: fixed, adaptive");
            Err(Error::param("--schedule", valid))
        }
    }
}

/// The gold economy of each policy under `cfg`: the adaptive schedule (over a
/// synthetic pool of `pool` items) next to flat 10%, 20% and 30% gold.
///
/// # Errors
/// An invalid `cfg` or pool; those of [`gold_economy`].
pub fn economy(policies: &[Policy], cfg: &EconomyConfig, pool: u64) -> Result<Vec<EconomyTable>> {
    cfg.validate()?;
    let simulated = cfg.sim.runs.saturating_mul(cfg.good.len() as u64 + 1);
    let pool = GoldPool::synthetic(pool, cfg.sim.classes, simulated)?;
    let adaptive = GoldScheduler::factory(ScheduleParams::new(), pool)?;
    let mut schedules = vec![GoldSchedule::custom("adaptive", Box::new(adaptive))];
    schedules.extend([0.1, 0.2, 0.3].map(GoldSchedule::flat));
    policies
        .iter()
        .map(|p| gold_economy(p, cfg, &schedules))
        .collect()
}

/// Replay options for the judgments file at `path` ([`ReplayOptions::for_schema`] on
/// its schema, read before the judgments): its timestamp column (`column`, or the
/// default alias) and, for a plain integer column, the `unit` (`s`, `ms`, `us`, `ns`).
///
/// # Errors
/// An unreadable file; an unknown unit; those of [`ReplayOptions::for_schema`], naming
/// the file.
pub fn replay_options(
    path: &Path,
    column: Option<&str>,
    unit: Option<&str>,
) -> Result<ReplayOptions> {
    let unit = unit.map(str::parse).transpose()?;
    let schema = crowdqc_io::BatchReader::open(path)?.schema();
    ReplayOptions::for_schema(&schema, column, unit).map_err(|e| e.in_file(path))
}
