//! `crowdqc policy simulate`: the policy simulator.

use crowdqc::core::evidence::GoldSource;
use crowdqc::gold::{GoldPool, GoldScheduler, ScheduleParams};
use crowdqc::policy::simulate::{Archetype, SimConfig, SimReport, simulate, simulate_with};
use crowdqc::policy::{Policy, read_policy};
use crowdqc::{Error, Result};
use serde_json::json;

use super::{SimulateArgs, warnings_text};
use crate::common::{self, Format};

/// Runs `crowdqc policy simulate`.
pub(super) fn run(a: SimulateArgs) -> Result<()> {
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
