//! The table of `policy exact`: for each worker accuracy, the probability that the
//! selected rules fire within a horizon of gold answers — by exact dynamic
//! programming ([`fire_curve`]) when the rules' chain is small enough, otherwise by a
//! seeded Monte Carlo of the same process, labelled as such with a 95% interval.

use std::fmt::Write as _;

use arrow_array::RecordBatch;
use crowdqc_core::evidence::WorkerEvidence;
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::exact::{exact_plan, fire_curve, quantile, step_fires};
use crate::simulate::derive_seed;
use crate::spec::{Action, Policy, Rule};
use crate::stats::{IntervalMethod, lower_bound, upper_bound};
use crate::table;

/// Simulated workers per Monte Carlo chunk (the unit of progress, interruption and
/// seeding: results do not depend on the thread count).
const CHUNK: u64 = 1024;

/// Options of [`exact_report`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ExactOptions {
    /// Rule ids (default: every rule that untrusts, suspends or bans).
    pub rules: Option<Vec<String>>,
    /// Worker accuracies, one row each.
    pub accuracies: Vec<f64>,
    /// Gold answers, in `1..=5000`.
    pub horizon: u64,
    /// Simulated workers per accuracy when the chain is too large.
    pub runs: u64,
    /// Seed of the Monte Carlo.
    pub seed: u64,
}

impl Default for ExactOptions {
    fn default() -> Self {
        ExactOptions {
            rules: None,
            accuracies: vec![0.97, 0.95, 0.92, 0.90, 0.85, 0.80, 0.70, 0.50],
            horizon: 100,
            runs: 100_000,
            seed: 0,
        }
    }
}

impl ExactOptions {
    /// The most simulated workers per accuracy ([`ExactOptions::runs`]).
    pub const MAX_RUNS: u64 = 10_000_000;

    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`ExactOptions::rules`].
    #[must_use]
    pub fn rules(mut self, ids: Option<Vec<String>>) -> Self {
        self.rules = ids;
        self
    }
    /// Sets [`ExactOptions::accuracies`].
    #[must_use]
    pub fn accuracies(mut self, a: Vec<f64>) -> Self {
        self.accuracies = a;
        self
    }
    /// Sets [`ExactOptions::horizon`].
    #[must_use]
    pub fn horizon(mut self, n: u64) -> Self {
        self.horizon = n;
        self
    }
    /// Sets [`ExactOptions::runs`].
    #[must_use]
    pub fn runs(mut self, n: u64) -> Self {
        self.runs = n;
        self
    }
    /// Sets [`ExactOptions::seed`].
    #[must_use]
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
}

/// How the probabilities were computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CurveMethod {
    /// Exact dynamic programming.
    Exact,
    /// Monte Carlo: the chain was too large (`reason`).
    MonteCarlo {
        /// Simulated workers per accuracy.
        runs: u64,
        /// Seed.
        seed: u64,
        /// Why the exact chain was not used.
        reason: String,
    },
}

/// One row: a worker accuracy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactRow {
    /// Worker accuracy (independent answers).
    pub accuracy: f64,
    /// Probability that a selected rule fires within the horizon.
    pub probability: f64,
    /// 95% interval of a Monte Carlo probability (Wilson); equal to it when exact.
    pub low: f64,
    /// Upper end of that interval.
    pub high: f64,
    /// Median gold answers until a rule fires, among workers for whom one fires.
    pub median_gold: Option<usize>,
}

/// The result of [`exact_report`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactReport {
    /// Policy name.
    pub policy: String,
    /// The policy's warnings.
    pub warnings: Vec<String>,
    /// Ids of the rules computed together.
    pub rules: Vec<String>,
    /// Gold answers.
    pub horizon: u64,
    /// Exact or Monte Carlo.
    pub method: CurveMethod,
    /// One row per accuracy.
    pub rows: Vec<ExactRow>,
}

fn select(policy: &Policy, ids: Option<&[String]>) -> Result<Vec<usize>> {
    let idx: Vec<usize> = match ids {
        Some(ids) => ids
            .iter()
            .map(|id| {
                policy.rule_index(id).ok_or_else(|| {
                    let valid: Vec<&str> = policy.rules.iter().map(|r| r.id.as_str()).collect();
                    Error::param(
                        "rules",
                        format!("no rule `{id}`; valid: {}", valid.join(", ")),
                    )
                })
            })
            .collect::<Result<_>>()?,
        None => (0..policy.rules.len())
            .filter(|&i| policy.rules[i].action >= Action::Untrust)
            .collect(),
    };
    if idx.is_empty() {
        return Err(Error::param(
            "rules",
            "the policy has no untrust, suspend or ban rule; name rules with --rules",
        ));
    }
    Ok(idx)
}

/// Computes the table: exactly when [`fire_curve`] can, otherwise by Monte Carlo
/// (`opts.runs` workers per accuracy, seeded, identical for any thread count),
/// reporting one unit per accuracy (exact) or per chunk of 1024 workers to
/// `progress` and stopping when it is interrupted.
///
/// # Errors
/// Unknown rule ids, no restrictive rule, non-gold metrics, a horizon outside
/// `1..=5000`, accuracies outside [0, 1], no runs or more than
/// [`ExactOptions::MAX_RUNS`]; [`Error::Interrupted`].
pub fn exact_report(
    policy: &Policy,
    opts: &ExactOptions,
    progress: &dyn Progress,
) -> Result<ExactReport> {
    if opts.horizon == 0 || opts.horizon > 5000 {
        return Err(Error::param(
            "horizon",
            format!(
                "must be in 1..=5000 gold answers, got {}: the exact chain and the Monte \
                 Carlo histogram grow with it, and rules decide long before 5000 answers",
                opts.horizon
            ),
        ));
    }
    if opts.runs > ExactOptions::MAX_RUNS {
        return Err(Error::param(
            "runs",
            format!(
                "at most {} simulated workers per accuracy, got {}: ten million put every \
                 probability within ±0.0003, and each costs up to --horizon steps",
                ExactOptions::MAX_RUNS,
                opts.runs
            ),
        ));
    }
    if let Some(a) = opts.accuracies.iter().find(|a| !(0.0..=1.0).contains(*a)) {
        return Err(Error::param(
            "accuracy",
            format!("must be in [0, 1], got {a}"),
        ));
    }
    if opts.runs == 0 {
        return Err(Error::param("runs", "must be >= 1, got 0"));
    }
    let idx = select(policy, opts.rules.as_deref())?;
    let rules: Vec<&Rule> = idx.iter().map(|&i| &policy.rules[i]).collect();
    let plan = exact_plan(&rules, opts.horizon)?;
    let n = opts.horizon as usize;
    let mut rows = Vec::with_capacity(opts.accuracies.len());
    let method = match plan {
        Ok(_) => {
            progress.start("exact fire curves", Some(opts.accuracies.len() as u64));
            for &acc in &opts.accuracies {
                progress.check()?;
                let curve = fire_curve(policy, &idx, acc, opts.horizon)?;
                rows.push(row(acc, &curve, curve[n], curve[n]));
                progress.advance(1);
            }
            CurveMethod::Exact
        }
        Err(reason) => {
            let chunks = opts.runs.div_ceil(CHUNK);
            progress.start(
                "fire curves (Monte Carlo)",
                Some(chunks * opts.accuracies.len() as u64),
            );
            for (a, &acc) in opts.accuracies.iter().enumerate() {
                let curve = monte_carlo(&rules, acc, opts, a as u64, progress)?;
                let fired = (curve[n] * opts.runs as f64).round() as u64;
                let (lo, hi) = (
                    lower_bound(IntervalMethod::Wilson, fired, opts.runs, 0.975),
                    upper_bound(IntervalMethod::Wilson, fired, opts.runs, 0.975),
                );
                rows.push(row(acc, &curve, lo, hi));
            }
            CurveMethod::MonteCarlo {
                runs: opts.runs,
                seed: opts.seed,
                reason,
            }
        }
    };
    progress.finish();
    Ok(ExactReport {
        policy: policy.name.clone(),
        warnings: policy.warnings.clone(),
        rules: rules.iter().map(|r| r.id.clone()).collect(),
        horizon: opts.horizon,
        method,
        rows,
    })
}

fn row(accuracy: f64, curve: &[f64], low: f64, high: f64) -> ExactRow {
    let p = curve[curve.len() - 1];
    ExactRow {
        accuracy,
        probability: p,
        low,
        high,
        median_gold: (p > 0.0).then(|| quantile(curve, p / 2.0)).flatten(),
    }
}

/// The empirical fire curve of `opts.runs` simulated workers: each answers gold
/// independently with probability `p` of being right; the rules are checked after
/// every answer with the sequential tests closing as in [`Policy::step`].
fn monte_carlo(
    rules: &[&Rule],
    p: f64,
    opts: &ExactOptions,
    stream: u64,
    progress: &dyn Progress,
) -> Result<Vec<f64>> {
    let chunks = opts.runs.div_ceil(CHUNK);
    let mut first = vec![0u64; opts.horizon as usize + 1];
    // chunks in parallel, a few at a time so that interruption is prompt
    for start in (0..chunks).step_by(16) {
        progress.check()?;
        let end = (start + 16).min(chunks);
        let parts: Vec<Vec<u64>> = (start..end)
            .into_par_iter()
            .map(|c| {
                let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(opts.seed, stream, c));
                let mut hist = vec![0u64; opts.horizon as usize + 1];
                let runs = CHUNK.min(opts.runs - c * CHUNK);
                for _ in 0..runs {
                    let mut ev = WorkerEvidence::default();
                    let mut mask = 0u64;
                    for t in 1..=opts.horizon {
                        ev.record_gold(rng.random_bool(p));
                        if step_fires(rules, &ev, &mut mask) {
                            hist[t as usize] += 1;
                            break;
                        }
                    }
                }
                hist
            })
            .collect();
        for h in parts {
            first.iter_mut().zip(h).for_each(|(a, b)| *a += b);
        }
        progress.advance(end - start);
    }
    let mut acc = 0u64;
    Ok(first
        .iter()
        .map(|&k| {
            acc += k;
            acc as f64 / opts.runs as f64
        })
        .collect())
}

impl ExactReport {
    /// The table: `accuracy`, `probability`, `low`, `high`, `median_gold`.
    ///
    /// # Errors
    /// Arrow failures (none expected).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let r = &self.rows;
        Ok(RecordBatch::try_from_iter([
            (
                "accuracy",
                table::floats(r.iter().map(|x| Some(x.accuracy))),
            ),
            (
                "probability",
                table::floats(r.iter().map(|x| Some(x.probability))),
            ),
            ("low", table::floats(r.iter().map(|x| Some(x.low)))),
            ("high", table::floats(r.iter().map(|x| Some(x.high)))),
            (
                "median_gold",
                table::opt_ints(r.iter().map(|x| x.median_gold.map(|m| m as i64))),
            ),
        ])?)
    }

    /// The table as text, saying how it was computed.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        let how = match &self.method {
            CurveMethod::Exact => "exact probability".to_string(),
            CurveMethod::MonteCarlo { runs, seed, reason } => {
                let _ = writeln!(
                    s,
                    "note: not computed exactly: {reason}; Monte Carlo over {runs} simulated \
                     workers per row (seed {seed}), with 95% intervals"
                );
                "estimated probability".to_string()
            }
        };
        let _ = writeln!(
            s,
            "policy `{}`: {how} that any of [{}] fires within {} gold answers \
             (re-checked after every answer)",
            self.policy,
            self.rules.join(", "),
            self.horizon
        );
        let mc = matches!(self.method, CurveMethod::MonteCarlo { .. });
        let _ = write!(s, "{:>9} {:>12}", "accuracy", "probability");
        if mc {
            let _ = write!(s, " {:>19}", "95% interval");
        }
        let _ = writeln!(s, " {:>14}", "median gold");
        for r in &self.rows {
            let m = r
                .median_gold
                .map_or_else(|| "-".to_string(), |m| m.to_string());
            let _ = write!(s, "{:>9} {:>12.4}", r.accuracy, r.probability);
            if mc {
                let _ = write!(s, " {:>19}", format!("[{:.4}, {:.4}]", r.low, r.high));
            }
            let _ = writeln!(s, " {m:>14}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crowdqc_core::progress::{InterruptFlag, NoProgress};

    fn toloka_like() -> Policy {
        crate::parse_policy(
            "[[rules]]\nid = \"r\"\naction = \"ban\"\nmin_evidence = 5\n\
             when = [{ metric = \"gold_accuracy\", window = 10, below = 0.8 }]\n\
             [[rules]]\nid = \"s\"\naction = \"ban\"\n\
             sprt = { good = 0.9, bad = 0.6, alpha = 0.01, beta = 0.01, max_gold = 40 }\n",
        )
        .expect("valid")
    }

    /// The Monte Carlo agrees with the exact mixed chain within 4 standard errors.
    #[test]
    fn monte_carlo_matches_the_exact_chain() {
        let p = toloka_like();
        let rules: Vec<&Rule> = p.rules.iter().collect();
        let opts = ExactOptions::new().runs(20_000).horizon(60).seed(3);
        for (k, acc) in [0.8, 0.92, 0.97].into_iter().enumerate() {
            let exact = fire_curve(&p, &[0, 1], acc, 60).expect("mixed")[60];
            let mc = monte_carlo(&rules, acc, &opts, k as u64, &NoProgress).expect("mc")[60];
            let se = (exact * (1.0 - exact) / 20_000.0).sqrt();
            assert!(
                (mc - exact).abs() <= 4.0 * se + 1e-9,
                "{acc}: {mc} vs {exact}"
            );
        }
    }

    /// The Monte Carlo table is the same for 1 and 3 threads and with progress.
    #[test]
    fn monte_carlo_is_thread_count_invariant() {
        let p = crate::parse_policy(
            "[[rules]]\nid = \"w\"\naction = \"ban\"\nmin_evidence = 25\n\
             when = [{ metric = \"gold_wrong\", window = 25, at_least = 8 }]\n",
        )
        .expect("valid");
        let opts = ExactOptions::new()
            .accuracies(vec![0.8])
            .runs(5000)
            .horizon(60);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| exact_report(&p, &opts, &NoProgress))
                .expect("report")
        };
        let one = run(1);
        assert!(matches!(one.method, CurveMethod::MonteCarlo { .. }));
        assert_eq!(one, run(3));
    }

    #[test]
    fn interrupted_monte_carlo_stops() {
        let p = toloka_like();
        let rules: Vec<&Rule> = p.rules.iter().collect();
        let flag = InterruptFlag::new();
        flag.handle()
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let r = monte_carlo(&rules, 0.9, &ExactOptions::new(), 0, &flag);
        assert!(matches!(r, Err(Error::Interrupted)));
    }
}
