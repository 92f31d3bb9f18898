//! [`PairwiseFit`]: item scores with standard errors, intervals and ranks, and worker
//! reliability, for every method.

use crowdqc_core::{IdDictionary, IdRef};

use crate::data::{Comparisons, Outcome};
use crate::fit::Raw;
use crate::params::Method;

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Where the standard errors come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum StderrKind {
    /// `1/√I_ii`, the diagonal of the observed information of the log-strengths at the
    /// estimate, other items held fixed (a lower bound on the marginal standard error).
    ObservedInformation,
    /// Standard deviation of the log-strength over seeded bootstrap resamples of the
    /// comparisons.
    Bootstrap {
        /// Replicates.
        replicates: usize,
        /// Seed.
        seed: u64,
    },
    /// Binomial `√(s(1−s)/n)` of a win rate.
    Binomial,
    /// None (Elo).
    None,
}

/// How a fit went.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FitReport {
    /// Iterations run (1 for the one-pass baselines).
    pub iterations: usize,
    /// Whether the tolerance was reached before `max_iter`.
    pub converged: bool,
    /// Log-likelihood (log-posterior for `crowd-bt`/`noisy-bt`) at the estimate, when
    /// the method has one.
    pub log_likelihood: Option<f64>,
    /// The EM objective (log-posterior) at each iteration (`crowd-bt`, `noisy-bt`);
    /// never decreases.
    pub objective: Vec<f64>,
    /// Davidson's tie parameter `ν` (`bt-ties`).
    pub tie_parameter: Option<f64>,
    /// Ties left out by methods that model only ordered answers.
    pub ties_ignored: u64,
    /// Where the standard errors come from.
    pub stderr: StderrKind,
}

/// A fitted pairwise model: per item score, standard error, 95% interval and rank; per
/// worker counts, agreement with the fitted order and (for `crowd-bt`, `noisy-bt`) the
/// estimated reliability. Vectors are indexed by the codes of
/// [`items`](Self::items) and [`workers`](Self::workers).
#[derive(Debug, Clone)]
pub struct PairwiseFit {
    pub(crate) method: Method,
    pub(crate) items: IdDictionary,
    pub(crate) workers: IdDictionary,
    pub(crate) scores: Vec<f64>,
    pub(crate) log_strength: Option<Vec<f64>>,
    pub(crate) stderr: Vec<f64>,
    pub(crate) lower: Vec<f64>,
    pub(crate) upper: Vec<f64>,
    pub(crate) ranks: Vec<u32>,
    pub(crate) comparisons: Vec<u64>,
    pub(crate) wins: Vec<f64>,
    pub(crate) component: Vec<u32>,
    pub(crate) worker_comparisons: Vec<u64>,
    pub(crate) worker_ties: Vec<u64>,
    pub(crate) worker_agreement: Vec<f64>,
    pub(crate) reliability: Option<Vec<f64>>,
    pub(crate) bias: Option<Vec<f64>>,
    pub(crate) report: FitReport,
}

/// Competition ranks (1 = highest score; equal scores share the lower rank; NaN last).
pub fn competition_ranks(scores: &[f64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    let key = |i: usize| {
        if scores[i].is_nan() {
            f64::NEG_INFINITY
        } else {
            scores[i]
        }
    };
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    let mut ranks = vec![0u32; scores.len()];
    for (pos, &i) in order.iter().enumerate() {
        ranks[i] = if pos > 0 && key(order[pos - 1]) == key(i) {
            ranks[order[pos - 1]]
        } else {
            pos as u32 + 1
        };
    }
    ranks
}

impl PairwiseFit {
    pub(crate) fn empty(method: Method, data: &Comparisons) -> Self {
        PairwiseFit {
            method,
            items: data.items.clone(),
            workers: data.workers.clone(),
            scores: Vec::new(),
            log_strength: None,
            stderr: Vec::new(),
            lower: Vec::new(),
            upper: Vec::new(),
            ranks: Vec::new(),
            comparisons: Vec::new(),
            wins: Vec::new(),
            component: Vec::new(),
            worker_comparisons: vec![0; data.n_workers()],
            worker_ties: vec![0; data.n_workers()],
            worker_agreement: vec![f64::NAN; data.n_workers()],
            reliability: None,
            bias: None,
            report: FitReport {
                iterations: 0,
                converged: true,
                log_likelihood: None,
                objective: Vec::new(),
                tie_parameter: None,
                ties_ignored: 0,
                stderr: StderrKind::None,
            },
        }
    }

    pub(crate) fn new(
        method: Method,
        data: &Comparisons,
        raw: Raw,
        boot: Option<Vec<f64>>,
        report: FitReport,
    ) -> Self {
        let n = data.n_items();
        let (scores, log_strength, stderr, lower, upper) = match raw.strengths {
            Some(p) => {
                let info = raw.info.unwrap_or_else(|| vec![0.0; n]);
                let se_theta: Vec<f64> = match boot {
                    Some(b) => b,
                    None => info
                        .iter()
                        .map(|&i| {
                            if i > 0.0 {
                                1.0 / i.sqrt()
                            } else {
                                f64::INFINITY
                            }
                        })
                        .collect(),
                };
                // crowd-kit's scales: strengths summing to 1, or expit(log-strength)
                let scale = |x: f64| -> f64 {
                    match method {
                        Method::NoisyBt if x.is_infinite() => 1.0,
                        Method::NoisyBt => x / (1.0 + x),
                        _ => x,
                    }
                };
                let total: f64 = p.iter().sum();
                let norm: Vec<f64> = if method == Method::NoisyBt || total <= 0.0 {
                    p
                } else {
                    p.iter().map(|x| x / total).collect()
                };
                let theta: Vec<f64> = norm.iter().map(|x| x.ln()).collect();
                let scores: Vec<f64> = norm.iter().map(|&x| scale(x)).collect();
                let mut se = Vec::with_capacity(n);
                let mut lo = Vec::with_capacity(n);
                let mut hi = Vec::with_capacity(n);
                for i in 0..n {
                    let (x, s) = (norm[i], se_theta[i]);
                    // delta method on the score scale; interval on the log scale
                    let deriv = if method == Method::NoisyBt {
                        scores[i] * (1.0 - scores[i])
                    } else {
                        x
                    };
                    se.push(if s.is_finite() {
                        deriv * s
                    } else {
                        f64::INFINITY
                    });
                    lo.push(scale(x * (-Z95 * s).exp()));
                    hi.push(if s.is_finite() {
                        scale(x * (Z95 * s).exp())
                    } else {
                        scale(f64::INFINITY)
                    });
                }
                (scores, Some(theta), se, lo, hi)
            }
            None => {
                let s = raw.scores.unwrap_or_else(|| vec![f64::NAN; n]);
                match raw.score_se {
                    Some(se) => {
                        let lo = s
                            .iter()
                            .zip(&se)
                            .map(|(x, e)| (x - Z95 * e).max(0.0))
                            .collect();
                        let hi = s
                            .iter()
                            .zip(&se)
                            .map(|(x, e)| (x + Z95 * e).min(1.0))
                            .collect();
                        (s, None, se, lo, hi)
                    }
                    None => (
                        s,
                        None,
                        vec![f64::NAN; n],
                        vec![f64::NAN; n],
                        vec![f64::NAN; n],
                    ),
                }
            }
        };
        let ranks = competition_ranks(&scores);
        let nw = data.n_workers();
        let mut agree = vec![0.0; nw];
        let mut ordered = vec![0u64; nw];
        let mut ties = vec![0u64; nw];
        for k in 0..data.len() {
            let w = data.worker[k] as usize;
            let (l, r) = (
                scores[data.left[k] as usize],
                scores[data.right[k] as usize],
            );
            let (win, lose) = match data.outcome[k] {
                Outcome::Left => (l, r),
                Outcome::Right => (r, l),
                Outcome::Tie => {
                    ties[w] += 1;
                    continue;
                }
            };
            ordered[w] += 1;
            agree[w] += if win > lose {
                1.0
            } else if win == lose {
                0.5
            } else {
                0.0
            };
        }
        let worker_agreement = agree
            .iter()
            .zip(&ordered)
            .map(|(&a, &o)| if o > 0 { a / o as f64 } else { f64::NAN })
            .collect();
        PairwiseFit {
            method,
            items: data.items.clone(),
            workers: data.workers.clone(),
            scores,
            log_strength,
            stderr,
            lower,
            upper,
            ranks,
            comparisons: data.item_counts(),
            wins: crate::bt::wins(data),
            component: data.component_of(),
            worker_comparisons: data.worker_counts(),
            worker_ties: ties,
            worker_agreement,
            reliability: raw.reliability,
            bias: raw.bias,
            report,
        }
    }

    /// The method fitted.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Item ids by code.
    pub fn items(&self) -> &IdDictionary {
        &self.items
    }

    /// Worker ids by code.
    pub fn workers(&self) -> &IdDictionary {
        &self.workers
    }

    /// Score of each item, higher is better, on the method's scale: strengths summing to
    /// 1 (`bt`, `bt-ties`, `crowd-bt`, as crowd-kit's `BradleyTerry`), `expit` of the
    /// log-strength (`noisy-bt`, as crowd-kit), Elo rating, or win rate.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// Score of an item by id, `None` when the item is unknown.
    pub fn score_of(&self, item: IdRef<'_>) -> Option<f64> {
        self.items.lookup(item).map(|c| self.scores[c as usize])
    }

    /// Log-strength `ln p` of each item (BT family; `None` for Elo and win rate).
    pub fn log_strengths(&self) -> Option<&[f64]> {
        self.log_strength.as_deref()
    }

    /// Standard error of each score (on the score's scale; by the delta method for the
    /// BT family), `inf` when an item's information is 0, NaN when the method has none.
    pub fn stderr(&self) -> &[f64] {
        &self.stderr
    }

    /// Lower end of each item's 95% interval (computed on the log-strength scale for the
    /// BT family, so it stays positive).
    pub fn lower(&self) -> &[f64] {
        &self.lower
    }

    /// Upper end of each item's 95% interval.
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }

    /// Rank of each item: 1 is the best; equal scores share the lower rank.
    pub fn ranks(&self) -> &[u32] {
        &self.ranks
    }

    /// Comparisons each item took part in.
    pub fn item_comparisons(&self) -> &[u64] {
        &self.comparisons
    }

    /// Wins of each item (ties count half).
    pub fn item_wins(&self) -> &[f64] {
        &self.wins
    }

    /// Connected component of each item (0 = largest); scores are comparable only
    /// within one.
    pub fn components(&self) -> &[u32] {
        &self.component
    }

    /// Comparisons per worker.
    pub fn worker_comparisons(&self) -> &[u64] {
        &self.worker_comparisons
    }

    /// Ties per worker.
    pub fn worker_ties(&self) -> &[u64] {
        &self.worker_ties
    }

    /// Share of each worker's non-tie comparisons that agree with the fitted order
    /// (equal scores count ½), NaN for a worker with ties only.
    pub fn worker_agreement(&self) -> &[f64] {
        &self.worker_agreement
    }

    /// Estimated reliability of each worker: Crowd-BT's `η` (probability of agreeing
    /// with the true order; below ½ means adversarial) or noisy BT's skill (probability
    /// of answering by quality rather than by position bias). `None` for other methods.
    pub fn reliability(&self) -> Option<&[f64]> {
        self.reliability.as_deref()
    }

    /// Noisy BT's per-worker position bias: probability of choosing the left item when
    /// not answering by quality. `None` for other methods.
    pub fn bias(&self) -> Option<&[f64]> {
        self.bias.as_deref()
    }

    /// How the fit went.
    pub fn report(&self) -> &FitReport {
        &self.report
    }
}
