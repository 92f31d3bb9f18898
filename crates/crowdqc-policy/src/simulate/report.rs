//! Simulation reports: per archetype, the probability of each action, the median
//! gold answers until it, and the share of work spent on gold.

use std::fmt::Write as _;

use serde::Serialize;

use super::{SimConfig, WorkerOutcome};
use crate::spec::{Action, Policy};

/// How often an action happened to workers of one archetype.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionStat {
    /// Action name (`ban`, `suspend`, ..., or `restricted` = ban, suspend or untrust).
    pub action: String,
    /// Share of simulated workers to whom it happened at least once.
    pub probability: f64,
    /// Monte-Carlo standard error of `probability`.
    pub std_error: f64,
    /// Median gold answers until it first happened, among those workers.
    pub median_gold: Option<f64>,
}

/// Results for one archetype.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchetypeReport {
    /// Archetype name (`0.92`, `uniform`, ...).
    pub archetype: String,
    /// Simulated workers.
    pub workers: u64,
    /// Per action that happened to anyone (mildest first), then `restricted`.
    pub actions: Vec<ActionStat>,
    /// Gold answers / task slots worked, over all workers of the archetype.
    pub gold_share: f64,
    /// Mean task slots worked per worker (smaller when banned early).
    pub mean_worked: f64,
    /// Share of workers ending in each tier (empty without tiers).
    pub final_tiers: Vec<(String, f64)>,
    /// Median tasks per day worked (archetypes with a pace; workers with a complete
    /// day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_tasks_per_day: Option<f64>,
    /// Median effective hourly pay (with a pace and a piece rate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_hourly_pay: Option<f64>,
}

impl ArchetypeReport {
    /// Probability of an action (0 when it never happened).
    pub fn probability(&self, a: Action) -> f64 {
        self.stat(a.name()).map_or(0.0, |s| s.probability)
    }

    /// The stat for an action name (or `restricted`).
    pub fn stat(&self, name: &str) -> Option<&ActionStat> {
        self.actions.iter().find(|s| s.action == name)
    }
}

/// The simulator's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimReport {
    /// Policy name.
    pub policy: String,
    /// Gold rate.
    pub gold_rate: f64,
    /// Task slots per worker.
    pub tasks: u64,
    /// Workers per archetype.
    pub runs: u64,
    /// Seed.
    pub seed: u64,
    /// Gold classes.
    pub classes: u32,
    /// Per archetype, in the order given.
    pub archetypes: Vec<ArchetypeReport>,
}

fn median(mut v: Vec<u32>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        f64::from(v[n / 2])
    } else {
        (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0
    })
}

fn stat(name: &str, firsts: Vec<u32>, n: u64) -> ActionStat {
    let p = firsts.len() as f64 / n as f64;
    ActionStat {
        action: name.into(),
        probability: p,
        std_error: (p * (1.0 - p) / n as f64).sqrt(),
        median_gold: median(firsts),
    }
}

impl SimReport {
    pub(crate) fn build(policy: &Policy, cfg: &SimConfig, outcomes: &[WorkerOutcome]) -> Self {
        let runs = cfg.runs as usize;
        let archetypes = cfg
            .workers
            .iter()
            .enumerate()
            .map(|(a, arch)| {
                let chunk = &outcomes[a * runs..(a + 1) * runs];
                let mut actions = Vec::new();
                for act in Action::ALL.iter().skip(1) {
                    let firsts: Vec<u32> = chunk
                        .iter()
                        .filter_map(|o| o.first[*act as usize])
                        .collect();
                    if !firsts.is_empty() {
                        actions.push(stat(act.name(), firsts, cfg.runs));
                    }
                }
                let restricted: Vec<u32> = chunk
                    .iter()
                    .filter_map(|o| {
                        [Action::Untrust, Action::Suspend, Action::Ban]
                            .iter()
                            .filter_map(|x| o.first[*x as usize])
                            .min()
                    })
                    .collect();
                actions.push(stat("restricted", restricted, cfg.runs));
                let gold: u64 = chunk.iter().map(|o| u64::from(o.gold)).sum();
                let worked: u64 = chunk.iter().map(|o| u64::from(o.worked)).sum();
                let final_tiers = policy.tiers.as_ref().map_or_else(Vec::new, |t| {
                    t.levels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            let k = chunk.iter().filter(|o| o.tier as usize == i).count();
                            (l.name.clone(), k as f64 / runs as f64)
                        })
                        .collect()
                });
                let med = |f: &dyn Fn(&WorkerOutcome) -> Option<f32>| {
                    let mut v: Vec<f64> =
                        chunk.iter().filter_map(|o| f(o).map(f64::from)).collect();
                    v.sort_unstable_by(f64::total_cmp);
                    let n = v.len();
                    (n > 0).then(|| {
                        if n % 2 == 1 {
                            v[n / 2]
                        } else {
                            (v[n / 2 - 1] + v[n / 2]) / 2.0
                        }
                    })
                };
                ArchetypeReport {
                    median_tasks_per_day: med(&|o| o.tasks_per_day),
                    median_hourly_pay: med(&|o| o.hourly_pay),
                    archetype: match cfg.pace(a) {
                        Some(p) => format!("{}~{}", arch.name(), p.name()),
                        None => arch.name(),
                    },
                    workers: cfg.runs,
                    actions,
                    gold_share: if worked == 0 {
                        0.0
                    } else {
                        gold as f64 / worked as f64
                    },
                    mean_worked: worked as f64 / runs as f64,
                    final_tiers,
                }
            })
            .collect();
        SimReport {
            policy: policy.name.clone(),
            gold_rate: cfg.gold_rate,
            tasks: cfg.tasks,
            runs: cfg.runs,
            seed: cfg.seed,
            classes: cfg.classes,
            archetypes,
        }
    }

    /// A text table: one row per archetype, one column per action that happened,
    /// each cell `probability (median gold answers until it)`.
    pub fn text(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for a in Action::ALL.iter().skip(1) {
            if self.archetypes.iter().any(|r| r.stat(a.name()).is_some()) {
                names.push(a.name());
            }
        }
        names.push("restricted");
        let mut s = format!(
            "policy `{}`: {} workers per archetype, {} task slots each, gold rate {}, {} classes, seed {}\n\
             cells: probability (median gold answers until it)\n",
            self.policy, self.runs, self.tasks, self.gold_rate, self.classes, self.seed
        );
        let _ = write!(s, "{:<22}", "archetype");
        for n in &names {
            let _ = write!(s, " {n:>16}");
        }
        let paced = self
            .archetypes
            .iter()
            .any(|r| r.median_tasks_per_day.is_some());
        let paid = self
            .archetypes
            .iter()
            .any(|r| r.median_hourly_pay.is_some());
        let _ = write!(s, " {:>10} {:>10}", "gold share", "worked");
        if paced {
            let _ = write!(s, " {:>10}", "tasks/day");
        }
        if paid {
            let _ = write!(s, " {:>10}", "pay/hour");
        }
        s.push('\n');
        let opt = |v: Option<f64>, p: usize| v.map_or_else(|| "-".into(), |v| format!("{v:.p$}"));
        for r in &self.archetypes {
            let _ = write!(s, "{:<22}", r.archetype);
            for n in &names {
                let _ = write!(s, " {:>16}", cell(r.stat(n)));
            }
            let _ = write!(s, " {:>10.3} {:>10.1}", r.gold_share, r.mean_worked);
            if paced {
                let _ = write!(s, " {:>10}", opt(r.median_tasks_per_day, 1));
            }
            if paid {
                let _ = write!(s, " {:>10}", opt(r.median_hourly_pay, 2));
            }
            s.push('\n');
        }
        s
    }

    /// Several policies side by side (same settings): per archetype, each policy's
    /// `restricted` probability (ban, suspend or untrust) with the median gold
    /// answers until it, as a Markdown table.
    pub fn compare_markdown(reports: &[SimReport]) -> String {
        let mut s = String::from("| archetype |");
        for r in reports {
            let _ = write!(s, " {} |", r.policy);
        }
        s.push_str("\n|---|");
        for _ in reports {
            s.push_str("---|");
        }
        s.push('\n');
        let Some(first) = reports.first() else {
            return s;
        };
        for (i, a) in first.archetypes.iter().enumerate() {
            let _ = write!(s, "| {} |", a.archetype);
            for r in reports {
                let c = r.archetypes.get(i).map_or_else(String::new, |x| {
                    format!(
                        "{} · gold {:.0}%",
                        cell(x.stat("restricted")),
                        100.0 * x.gold_share
                    )
                });
                let _ = write!(s, " {c} |");
            }
            s.push('\n');
        }
        s
    }
}

fn cell(s: Option<&ActionStat>) -> String {
    match s {
        None => "0".into(),
        Some(s) => match s.median_gold {
            Some(m) => format!("{:.3} ({m:.0})", s.probability),
            None => format!("{:.3}", s.probability),
        },
    }
}

impl SimReport {
    /// One row per archetype and action: `policy`, `archetype`, `workers`, `action`,
    /// `probability`, `std_error`, `median_gold`, `gold_share`, `mean_worked`.
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn to_record_batch(&self) -> crowdqc_core::Result<arrow_array::RecordBatch> {
        Self::table(std::slice::from_ref(self))
    }

    /// [`SimReport::to_record_batch`] of several reports (policies) in one table.
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn table(reports: &[SimReport]) -> crowdqc_core::Result<arrow_array::RecordBatch> {
        use crate::table::{count, floats, ints, strings};
        type Row<'a> = (&'a str, &'a ArchetypeReport, &'a ActionStat);
        let rows: Vec<Row<'_>> = reports
            .iter()
            .flat_map(|r| {
                r.archetypes
                    .iter()
                    .flat_map(move |a| a.actions.iter().map(move |s| (r.policy.as_str(), a, s)))
            })
            .collect();
        let a = |f: &dyn Fn(&ArchetypeReport) -> f64| floats(rows.iter().map(|r| Some(f(r.1))));
        Ok(arrow_array::RecordBatch::try_from_iter([
            ("policy", strings(rows.iter().map(|r| r.0))),
            (
                "archetype",
                strings(rows.iter().map(|r| r.1.archetype.as_str())),
            ),
            ("workers", ints(rows.iter().map(|r| count(r.1.workers)))),
            ("action", strings(rows.iter().map(|r| r.2.action.as_str()))),
            (
                "probability",
                floats(rows.iter().map(|r| Some(r.2.probability))),
            ),
            (
                "std_error",
                floats(rows.iter().map(|r| Some(r.2.std_error))),
            ),
            ("median_gold", floats(rows.iter().map(|r| r.2.median_gold))),
            ("gold_share", a(&|x| x.gold_share)),
            ("mean_worked", a(&|x| x.mean_worked)),
        ])?)
    }
}
