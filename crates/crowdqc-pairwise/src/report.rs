//! Arrow tables (items, workers) and the serializable summary of a fit.

use std::fmt;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use crowdqc_core::columns::id_array;
use crowdqc_core::{Error, Result};

use crate::data::{Comparisons, ComparisonsReport};
use crate::eval::RankingEval;
use crate::model::{FitReport, PairwiseFit};
use crate::params::Method;

fn floats(v: impl Iterator<Item = f64>) -> ArrayRef {
    // NaN (unknown) is written as null; infinities stay (an unbounded interval)
    Arc::new(Float64Array::from_iter(
        v.map(|x| if x.is_nan() { None } else { Some(x) }),
    ))
}

fn ints(v: impl Iterator<Item = u64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(v.map(|x| x as i64)))
}

impl PairwiseFit {
    /// One row per item (code order): `item`, `score`, `stderr`, `lower`, `upper` (95%
    /// interval), `rank`, `log_strength` (null for Elo and win rate), `comparisons`,
    /// `wins` (ties count ½) and `component` (0 = largest connected component).
    /// Unknown values are nulls.
    ///
    /// # Errors
    /// An Arrow error building the batch (not expected).
    pub fn items_table(&self) -> Result<RecordBatch> {
        let n = self.scores.len();
        let theta = self
            .log_strength
            .clone()
            .unwrap_or_else(|| vec![f64::NAN; n]);
        RecordBatch::try_from_iter([
            ("item", id_array(&self.items, 0..n as u32)),
            ("score", floats(self.scores.iter().copied())),
            ("stderr", floats(self.stderr.iter().copied())),
            ("lower", floats(self.lower.iter().copied())),
            ("upper", floats(self.upper.iter().copied())),
            ("rank", ints(self.ranks.iter().map(|&r| u64::from(r)))),
            ("log_strength", floats(theta.into_iter())),
            ("comparisons", ints(self.comparisons.iter().copied())),
            ("wins", floats(self.wins.iter().copied())),
            (
                "component",
                ints(self.component.iter().map(|&c| u64::from(c))),
            ),
        ])
        .map_err(Error::from)
    }

    /// The items table ([`items_table`](Self::items_table)), under the name the other
    /// crates' reports use.
    ///
    /// # Errors
    /// As [`items_table`](Self::items_table).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        self.items_table()
    }

    /// One row per worker (code order): `worker`, `comparisons`, `ties`, `agreement`
    /// (share of non-tie answers agreeing with the fitted order), `reliability`
    /// (Crowd-BT η or noisy-BT skill; null for other methods) and `bias` (noisy BT's
    /// probability of choosing the left item when not answering by quality).
    ///
    /// # Errors
    /// An Arrow error building the batch (not expected).
    pub fn workers_table(&self) -> Result<RecordBatch> {
        let n = self.worker_comparisons.len();
        let opt = |v: &Option<Vec<f64>>| match v {
            Some(v) => floats(v.iter().copied()),
            None => floats(std::iter::repeat_n(f64::NAN, n)),
        };
        RecordBatch::try_from_iter([
            ("worker", id_array(&self.workers, 0..n as u32)),
            ("comparisons", ints(self.worker_comparisons.iter().copied())),
            ("ties", ints(self.worker_ties.iter().copied())),
            ("agreement", floats(self.worker_agreement.iter().copied())),
            ("reliability", opt(&self.reliability)),
            ("bias", opt(&self.bias)),
        ])
        .map_err(Error::from)
    }
}

/// One item in a summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemSummary {
    /// Item id.
    pub item: String,
    /// Rank (1 = best).
    pub rank: u32,
    /// Score.
    pub score: f64,
    /// Standard error of the score (`None` when unknown or infinite).
    pub stderr: Option<f64>,
}

/// What `crowdqc pairwise aggregate` reports: data, fit, the top items and the workers
/// whose estimated reliability is below ½ (they reverse the order more often than not).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PairwiseSummary {
    /// The method.
    pub method: Method,
    /// Items.
    pub items: usize,
    /// Workers.
    pub workers: usize,
    /// Ingest: rows, duplicates, ties, components.
    pub ingest: ComparisonsReport,
    /// The fit.
    pub fit: FitReport,
    /// Up to 10 best items.
    pub top: Vec<ItemSummary>,
    /// Workers with estimated reliability below ½ (worst first; at most 20 listed).
    pub unreliable_workers: Vec<(String, f64)>,
    /// How many workers have estimated reliability below ½.
    pub unreliable_count: usize,
    /// The disconnected-graph warning, if any.
    pub warning: Option<String>,
    /// The scores against gold levels, when given ([`with_eval`](Self::with_eval)).
    pub eval: Option<RankingEval>,
}

impl PairwiseSummary {
    /// The summary of `fit` on `data`.
    pub fn new(data: &Comparisons, fit: &PairwiseFit) -> Self {
        let mut order: Vec<usize> = (0..fit.scores.len()).collect();
        order.sort_by_key(|&i| (fit.ranks[i], i));
        let top = order
            .iter()
            .take(10)
            .map(|&i| ItemSummary {
                item: fit.items.get(i as u32).to_string(),
                rank: fit.ranks[i],
                score: fit.scores[i],
                stderr: fit.stderr[i].is_finite().then_some(fit.stderr[i]),
            })
            .collect();
        let mut bad: Vec<(usize, f64)> = fit
            .reliability
            .iter()
            .flatten()
            .copied()
            .enumerate()
            .filter(|&(_, r)| r < 0.5)
            .collect();
        bad.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        PairwiseSummary {
            method: fit.method,
            items: data.n_items(),
            workers: data.n_workers(),
            ingest: data.report.clone(),
            fit: fit.report.clone(),
            top,
            unreliable_count: bad.len(),
            unreliable_workers: bad
                .iter()
                .take(20)
                .map(|&(w, r)| (fit.workers.get(w as u32).to_string(), r))
                .collect(),
            warning: data.report.disconnected_warning(),
            eval: None,
        }
    }

    /// The summary with its evaluation against gold levels (printed last).
    ///
    /// ```
    /// use crowdqc_pairwise::eval::evaluate_fit;
    /// use crowdqc_pairwise::{Comparisons, Method, Outcome, PairwiseParams, PairwiseSummary};
    /// // item 0 beats 1 twice, 1 beats 2 twice: win rates order 0 > 1 > 2
    /// let rows = [(0, 0, 1, Outcome::Left), (1, 0, 1, Outcome::Left)];
    /// let rows = rows.into_iter().chain([(0, 1, 2, Outcome::Left), (1, 1, 2, Outcome::Left)]);
    /// let data = Comparisons::from_codes(rows)?;
    /// let fit = PairwiseParams::new(Method::WinRate).fit(&data)?;
    /// let gold = [(0, 3.0), (1, 2.0), (2, 1.0)].map(|(i, l)| (crowdqc_core::IdRef::Int(i), l));
    /// let eval = evaluate_fit(&fit, gold)?;
    /// assert_eq!((eval.items, eval.pairs, eval.pair_accuracy), (3, 3, 1.0));
    /// let text = PairwiseSummary::new(&data, &fit).with_eval(Some(eval)).to_string();
    /// let last = text.lines().last().unwrap_or_default();
    /// assert!(last.starts_with("eval         3 items: kendall tau-b 1.0000"), "{last}");
    /// # Ok::<(), crowdqc_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_eval(mut self, eval: Option<RankingEval>) -> Self {
        self.eval = eval;
        self
    }
}

impl fmt::Display for PairwiseSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.ingest;
        writeln!(f, "method       {}", self.method)?;
        writeln!(
            f,
            "comparisons  {} ({} rows, {} ties, {} duplicate rows, policy {})",
            i.comparisons, i.rows, i.ties, i.duplicate_rows, i.duplicate_policy
        )?;
        writeln!(
            f,
            "items        {} in {} component{}",
            self.items,
            i.components.len(),
            if i.components.len() == 1 { "" } else { "s" }
        )?;
        writeln!(f, "workers      {}", self.workers)?;
        let r = &self.fit;
        write!(
            f,
            "fit          {} iteration{}, {}",
            r.iterations,
            if r.iterations == 1 { "" } else { "s" },
            if r.converged {
                "converged"
            } else {
                "not converged"
            }
        )?;
        if let Some(ll) = r.log_likelihood {
            write!(f, ", log-likelihood {ll:.4}")?;
        }
        if let Some(nu) = r.tie_parameter {
            write!(f, ", tie parameter {nu:.4}")?;
        }
        writeln!(f)?;
        if r.ties_ignored > 0 {
            writeln!(
                f,
                "ties         {} left out by {}",
                r.ties_ignored, self.method
            )?;
        }
        writeln!(f, "top items    rank  score         stderr")?;
        for t in &self.top {
            writeln!(
                f,
                "  {:<10} {:>4}  {:<12.6}  {}",
                t.item,
                t.rank,
                t.score,
                t.stderr.map_or("-".into(), |s| format!("{s:.6}"))
            )?;
        }
        if self.method.has_reliability() {
            writeln!(
                f,
                "unreliable   {} worker{} with reliability < 0.5",
                self.unreliable_count,
                if self.unreliable_count == 1 { "" } else { "s" }
            )?;
            for (w, r) in self.unreliable_workers.iter().take(5) {
                writeln!(f, "  {w:<10} {r:.3}")?;
            }
        }
        if let Some(w) = &self.warning {
            writeln!(f, "{w}")?;
        }
        if let Some(e) = &self.eval {
            writeln!(f, "eval         {e}")?;
        }
        Ok(())
    }
}
