//! Policy: who would be allowed, warned, demoted, suspended or banned and why; the
//! policy's false-ban and catch curves, exact and simulated.

use crowdqc_core::estimator::FittedModel;
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, JudgmentMatrix, Result};
use crowdqc_policy::activity::activity_by_worker;
use crowdqc_policy::pay::{PayTable, WorkerPay};
use crowdqc_policy::simulate::{SimConfig, SimReport, simulate_with_progress};
use crowdqc_policy::spec::Action;
use crowdqc_policy::statement::{Statements, statements};
use crowdqc_policy::{
    CurveMethod, Evaluation, EvidenceTable, ExactOptions, ExactReport, Policy, exact_report,
    needs_model,
};

use crate::html::{self, Cell, Section};
use crate::{ReportOptions, plot};

/// Worker accuracies of the exact curve: 0.30, 0.35, …, 1.00.
pub fn curve_accuracies() -> Vec<f64> {
    (0..=14).map(|i| f64::from(30 + 5 * i) / 100.0).collect()
}

/// Gold answers of the exact curve.
pub const CURVE_HORIZON: u64 = 100;

/// Simulated workers per accuracy when the exact chain is too large.
pub const CURVE_RUNS: u64 = 20_000;

/// What the policy section shows.
#[derive(Debug, Clone)]
pub struct PolicySection {
    /// The policy's description.
    pub description: Option<String>,
    /// The decision for every worker (as `crowdqc policy eval`).
    pub evaluation: Evaluation,
    /// P(restricted within 100 gold answers) per accuracy, or why it
    /// could not be computed (e.g. rules on non-gold metrics).
    pub exact: std::result::Result<ExactReport, String>,
    /// The simulator's report for the default roster of worker archetypes, or why it
    /// could not run.
    pub simulation: std::result::Result<SimReport, String>,
    /// Every worker's statement (with pay when a pay table was given).
    pub statements: Statements,
    /// Exact P(restricted by the t-th gold answer), `t = 0..=100`, at the accuracies
    /// 0.5, 0.7, 0.85, 0.92 and 0.97 (`CURVE_ACCURACIES`): the false-ban curves of good
    /// workers and the catch curves of poor ones; or why there is no exact chain (e.g. a
    /// long sliding window with cumulative rules).
    pub curves: std::result::Result<Vec<(f64, Vec<f64>)>, String>,
}

/// Worker accuracies of the exact curves over gold answers.
pub const CURVE_ACCURACIES: [f64; 5] = [0.5, 0.7, 0.85, 0.92, 0.97];

/// Exact curves over gold answers of the restrictive rules (untrust, suspend, ban).
fn exact_curves(policy: &Policy) -> std::result::Result<Vec<(f64, Vec<f64>)>, String> {
    let rules: Vec<usize> = (0..policy.rules.len())
        .filter(|&i| policy.rules[i].action >= Action::Untrust)
        .collect();
    if rules.is_empty() {
        return Err("the policy has no untrust, suspend or ban rule".into());
    }
    CURVE_ACCURACIES
        .iter()
        .map(|&a| {
            crowdqc_policy::exact::fire_curve(policy, &rules, a, CURVE_HORIZON)
                .map(|c| (a, c))
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn note(e: Error) -> Result<String> {
    match e {
        Error::Interrupted => Err(Error::Interrupted),
        e => Ok(e.to_string()),
    }
}

impl PolicySection {
    /// Evaluates `policy` for every worker of `m` (model metrics from `model` when it
    /// is Dawid–Skene, else from a Dawid–Skene fit, as `crowdqc policy eval` does; pay
    /// metrics from `pay`: the table and each worker's pay), writes every worker's
    /// statement, computes the policy's exact curve and simulates it (10% gold, the
    /// default archetypes).
    ///
    /// # Errors
    /// A Dawid–Skene fit failing; [`Error::Interrupted`].
    pub fn build(
        m: &JudgmentMatrix,
        policy: &Policy,
        pay: Option<(&PayTable, &[WorkerPay])>,
        opts: &ReportOptions,
        model: &dyn FittedModel,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let mut t = EvidenceTable::from_matrix(m, policy);
        if let Some((_, wp)) = pay {
            t.fill_pay(wp)?;
        }
        if needs_model(policy) {
            if model.method() == "ds" {
                t.fill_from_model(model);
            } else {
                let ds = crowdqc_aggregation::registry::fit_with_progress(
                    "ds",
                    m,
                    &crowdqc_aggregation::registry::RunOptions::default(),
                    progress,
                )?;
                t.fill_from_model(ds.as_ref());
            }
        }
        let evaluation = policy.evaluate_table(&t);
        let activity = activity_by_worker(m);
        let statements = statements(policy, &t, activity.as_deref(), pay)?;
        let eo = ExactOptions::new()
            .accuracies(curve_accuracies())
            .horizon(CURVE_HORIZON)
            .runs(CURVE_RUNS)
            .seed(opts.seed);
        let exact = match exact_report(policy, &eo, progress) {
            Ok(r) => Ok(r),
            Err(e) => Err(note(e)?),
        };
        let cfg = SimConfig::new()
            .runs(opts.sim_runs)
            .tasks(opts.sim_tasks)
            .seed(opts.seed);
        let (rate, front) = (cfg.gold_rate, cfg.front_gold);
        let gold = move |seed| {
            Box::new(crowdqc_policy::simulate::FixedRateGold::new(
                rate, front, seed,
            )) as Box<dyn crowdqc_core::evidence::GoldSource>
        };
        let simulation = match simulate_with_progress(policy, &cfg, &gold, progress) {
            Ok(r) => Ok(r),
            Err(e) => Err(note(e)?),
        };
        Ok(PolicySection {
            curves: exact_curves(policy),
            description: policy.description.clone(),
            evaluation,
            exact,
            simulation,
            statements,
        })
    }

    /// Renders the section.
    ///
    /// # Errors
    /// A chart that cannot be drawn.
    pub fn render(&self) -> Result<Section> {
        let e = &self.evaluation;
        let mut pairs = vec![("policy", e.policy.clone())];
        if let Some(d) = &self.description {
            pairs.push(("description", d.clone()));
        }
        pairs.push(("workers evaluated", html::count(e.workers as u64)));
        pairs.push((
            "untrusted (judgments to exclude)",
            html::count(e.untrusted.len() as u64),
        ));
        if let Some(f) = &e.model {
            pairs.push(("model metrics from", f.method.clone()));
        }
        let mut body = html::facts(&pairs);
        body.push_str(&html::list(&e.warnings));
        let names: Vec<String> = Action::ALL.iter().map(|a| a.name().to_string()).collect();
        let counts: Vec<f64> = Action::ALL
            .iter()
            .map(|a| e.summary.get(a.name()).copied().unwrap_or(0) as f64)
            .collect();
        body.push_str(&html::figure(
            &plot::bars("action", "workers", &names, &counts, None)?,
            "Workers per action: the most severe action among the rules that fired.",
        ));
        let mut decided: Vec<&crowdqc_policy::WorkerDecision> =
            e.decisions.iter().filter(|d| d.is_event()).collect();
        decided.sort_by_key(|d| std::cmp::Reverse(d.action));
        let rows: Vec<Vec<Cell>> = decided
            .iter()
            .map(|d| {
                vec![
                    Cell::text(d.worker.to_string()),
                    Cell::text(d.action_words()),
                    Cell::text(d.rules.join(", ")),
                    Cell::Lines(d.explanations.iter().map(|x| x.text()).collect()),
                ]
            })
            .collect();
        body.push_str(&format!(
            "<h3>Who and why ({} workers with a decision; the other {} are allowed, nothing \
             fired)</h3>\n",
            decided.len(),
            e.workers - decided.len()
        ));
        body.push_str(&html::table(&["worker", "action", "rules", "why"], &rows));
        body.push_str("<h3>False-ban and catch curves</h3>\n");
        match &self.exact {
            Ok(x) => body.push_str(&exact_part(x)?),
            Err(why) => body.push_str(&html::para(&format!("No exact curve: {why}"))),
        }
        match &self.curves {
            Ok(c) => {
                let series: Vec<(String, Vec<(f64, f64)>)> = c
                    .iter()
                    .map(|(a, curve)| {
                        let pts = curve
                            .iter()
                            .enumerate()
                            .map(|(t, &p)| (t as f64, p))
                            .collect();
                        (format!("accuracy {a:.2}"), pts)
                    })
                    .collect();
                body.push_str(&html::figure(
                    &plot::lines("gold answers", "P(restricted by then)", &series)?,
                    "Exact (dynamic programming): the probability that a worker of each \
                     accuracy has been restricted by each gold answer; the top curves catch \
                     poor workers, the bottom ones are the false-ban rates of good ones.",
                ));
            }
            Err(why) => body.push_str(&html::para(&format!(
                "No exact curve over gold answers: {why}. The table above gives the median \
                 gold answers to a restriction."
            ))),
        }
        match &self.simulation {
            Ok(s) => body.push_str(&sim_part(s)?),
            Err(why) => body.push_str(&html::para(&format!("No simulation: {why}"))),
        }
        Ok(Section {
            id: "policy",
            title: "Policy",
            body,
        })
    }
}

fn exact_part(x: &ExactReport) -> Result<String> {
    let how = match &x.method {
        CurveMethod::Exact => "exact (dynamic programming)".to_string(),
        CurveMethod::MonteCarlo { runs, seed, reason } => {
            format!("Monte Carlo, {runs} workers per accuracy, seed {seed} ({reason})")
        }
    };
    let pts: Vec<(f64, f64)> = x.rows.iter().map(|r| (r.accuracy, r.probability)).collect();
    let mut s = html::figure(
        &plot::lines(
            "worker accuracy (independent answers)",
            "P(restricted)",
            &[(format!("within {} gold answers", x.horizon), pts)],
        )?,
        &format!(
            "Probability that the restrictive rules ({}) fire within {} gold answers, {how}. \
             Read the false-ban rate at the accuracies of good workers and the catch rate at \
             chance (0.5 on two classes).",
            x.rules.join(", "),
            x.horizon
        ),
    );
    let rows: Vec<Vec<Cell>> = x
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::num(Some(r.accuracy), 2),
                Cell::num(Some(r.probability), 4),
                Cell::text(html::interval(r.low, r.high, 4)),
                Cell::num(r.median_gold.map(|g| g as f64), 0),
            ]
        })
        .collect();
    s.push_str(&html::table(
        &[
            "accuracy",
            "P(restricted)",
            "95% interval",
            "median gold answers to it",
        ],
        &rows,
    ));
    Ok(s)
}

fn sim_part(r: &SimReport) -> Result<String> {
    let names: Vec<String> = r.archetypes.iter().map(|a| a.archetype.clone()).collect();
    let restricted: Vec<(f64, f64)> = r
        .archetypes
        .iter()
        .map(|a| {
            a.stat("restricted")
                .map_or((0.0, 0.0), |s| (s.probability, s.std_error))
        })
        .collect();
    let values: Vec<f64> = restricted.iter().map(|p| p.0).collect();
    let errs: Vec<(f64, f64)> = restricted
        .iter()
        .map(|&(p, se)| ((p - 1.96 * se).max(0.0), (p + 1.96 * se).min(1.0)))
        .collect();
    let mut s = html::figure(
        &plot::bars(
            "simulated worker",
            "P(restricted)",
            &names,
            &values,
            Some(&errs),
        )?,
        &format!(
            "Simulation: {} workers of each kind, {} task slots each, {:.0}% gold on {} \
             classes, seed {}: the share restricted (banned, suspended or untrusted) at least \
             once, with ±1.96 standard errors.",
            r.runs,
            r.tasks,
            r.gold_rate * 100.0,
            r.classes,
            r.seed
        ),
    );
    let rows: Vec<Vec<Cell>> = r
        .archetypes
        .iter()
        .map(|a| {
            let p = |name: &str| Cell::num(Some(a.stat(name).map_or(0.0, |s| s.probability)), 3);
            vec![
                Cell::text(a.archetype.clone()),
                p("restricted"),
                Cell::num(a.stat("restricted").and_then(|s| s.median_gold), 1),
                p("ban"),
                p("suspend"),
                p("demote"),
                p("warn"),
                Cell::num(Some(a.gold_share), 3),
                Cell::num(Some(a.mean_worked), 0),
            ]
        })
        .collect();
    s.push_str(&html::table(
        &[
            "worker kind",
            "P(restricted)",
            "median gold to it",
            "P(ban)",
            "P(suspend)",
            "P(demote)",
            "P(warn)",
            "gold share",
            "tasks worked",
        ],
        &rows,
    ));
    Ok(s)
}
