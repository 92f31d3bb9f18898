//! Gold ratings (a known value and a tolerance per item): accuracy of aggregated
//! scores against them, and per-worker gold evidence for access policies.

use arrow_array::RecordBatch;
use crowdqc_core::columns::{self, IdColumn, NumberColumn, Role};
use crowdqc_core::evidence::WorkerEvidence;
use crowdqc_core::{ColumnMap, Error, Id, IdRef, Result};

use crate::data::RatingMatrix;

/// Default names of the optional tolerance column of a gold ratings file.
pub const TOLERANCE_ALIASES: &[&str] = &["tolerance"];

/// Known ratings of some items, joined to a [`RatingMatrix`] by item id: per item a
/// value and a tolerance (a worker's rating `x` is correct when `|x − value| ≤
/// tolerance`). Gold for an item with no rating is counted, not an error.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GoldRatings {
    /// `(value, tolerance)` per item index, `None` for items without gold.
    by_item: Vec<Option<(f64, f64)>>,
    /// Gold rows whose item has no rating.
    unmatched: u64,
}

impl GoldRatings {
    /// Gold from `(item, value, tolerance)` triples.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a non-finite value or a negative or non-finite
    /// tolerance (row = position in the iterator); [`Error::Conflict`] for an item given
    /// two different gold values.
    pub fn from_triples<'a>(
        m: &RatingMatrix,
        gold: impl IntoIterator<Item = (IdRef<'a>, f64, f64)>,
    ) -> Result<Self> {
        let mut g = GoldRatings {
            by_item: vec![None; m.n_items()],
            unmatched: 0,
        };
        for (row, (item, value, tol)) in gold.into_iter().enumerate() {
            g.add(m, item, value, tol, row as u64, "label", "tolerance")?;
        }
        Ok(g)
    }

    /// Checks a default tolerance (finite, >= 0) before any data is read.
    ///
    /// ```
    /// assert!(crowdqc_ratings::GoldRatings::check_tolerance(0.5).is_ok());
    /// assert!(crowdqc_ratings::GoldRatings::check_tolerance(-1.0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`tolerance`) for a negative or non-finite value.
    pub fn check_tolerance(tolerance: f64) -> Result<()> {
        if tolerance.is_finite() && tolerance >= 0.0 {
            return Ok(());
        }
        Err(Error::param(
            "tolerance",
            format!("must be finite and >= 0, got {tolerance}"),
        ))
    }

    /// Gold from Arrow batches with the item column (mapped name or aliases), the gold
    /// label column (`label`, `true_label`, `gold`) holding numbers, and an optional
    /// `tolerance` column (default `tolerance` when the column is absent).
    ///
    /// # Errors
    /// Missing columns, non-numeric values (naming the row), as
    /// [`from_triples`](Self::from_triples).
    pub fn from_batches<'b>(
        m: &RatingMatrix,
        batches: impl IntoIterator<Item = (u64, &'b RecordBatch)>,
        columns: &ColumnMap,
        tolerance: f64,
    ) -> Result<Self> {
        let mut g = GoldRatings {
            by_item: vec![None; m.n_items()],
            unmatched: 0,
        };
        for (row0, b) in batches {
            let s = b.schema();
            let ii = columns::resolve_fallback(&s, Role::Item, columns.item.as_deref())?;
            let li = columns::resolve_fallback(&s, Role::GoldLabel, columns.label.as_deref())?;
            let ti = columns::find(&s, TOLERANCE_ALIASES);
            let items = IdColumn::new(b.column(ii), s.field(ii).name(), row0)?;
            let label = s.field(li).name().clone();
            let values = NumberColumn::new(b.column(li), &label, row0)?;
            let tols = ti
                .map(|t| NumberColumn::new(b.column(t), s.field(t).name(), row0))
                .transpose()?;
            for r in 0..b.num_rows() {
                let tol = match &tols {
                    Some(t) => t.get_opt(r).unwrap_or(tolerance),
                    None => tolerance,
                };
                g.add(
                    m,
                    items.get(r)?,
                    values.get(r)?,
                    tol,
                    row0 + r as u64,
                    &label,
                    "tolerance",
                )?;
            }
        }
        Ok(g)
    }

    #[expect(clippy::too_many_arguments, reason = "private helper")]
    fn add(
        &mut self,
        m: &RatingMatrix,
        item: IdRef<'_>,
        value: f64,
        tol: f64,
        row: u64,
        label: &str,
        tol_col: &str,
    ) -> Result<()> {
        if !value.is_finite() {
            return Err(Error::value(
                label,
                Some(row),
                format!("gold value {value} is not finite"),
            ));
        }
        if !(tol.is_finite() && tol >= 0.0) {
            return Err(Error::value(
                tol_col,
                Some(row),
                format!("tolerance must be finite and >= 0, got {tol}"),
            ));
        }
        let Some(i) = m.items().lookup(item) else {
            self.unmatched += 1;
            return Ok(());
        };
        match &mut self.by_item[i as usize] {
            Some((v, _)) if *v != value => Err(Error::Conflict(format!(
                "item `{item}` has two gold values, {v} and {value} (data row {}); keep one",
                row + 1
            ))),
            slot => {
                *slot = Some((value, tol));
                Ok(())
            }
        }
    }

    /// `(value, tolerance)` of item `i`, if it has gold.
    pub fn get(&self, i: usize) -> Option<(f64, f64)> {
        self.by_item.get(i).copied().flatten()
    }

    /// Items of the matrix with gold.
    pub fn len(&self) -> usize {
        self.by_item.iter().filter(|g| g.is_some()).count()
    }

    /// True when no item of the matrix has gold.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Gold rows whose item has no rating.
    pub fn unmatched(&self) -> u64 {
        self.unmatched
    }
}

/// How close aggregated scores are to gold values.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ScoreAccuracy {
    /// Items with both a score and gold.
    pub n: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Pearson correlation (`None` when either side is constant).
    pub pearson: Option<f64>,
    /// Spearman rank correlation (average ranks for ties).
    pub spearman: Option<f64>,
    /// Kendall's τ-b.
    pub kendall_tau_b: Option<f64>,
    /// Share of items whose score is within the gold tolerance.
    pub within_tolerance: f64,
}

/// MAE, RMSE, correlations and the share within tolerance of `scores` (item index
/// order) against `gold`.
///
/// # Errors
/// [`Error::InsufficientData`] when no item has both; [`Error::InvalidParameter`]
/// when `scores` is not one per item of `gold`'s matrix.
pub fn score_accuracy(scores: &[f64], gold: &GoldRatings) -> Result<ScoreAccuracy> {
    if scores.len() != gold.by_item.len() {
        return Err(Error::param(
            "scores",
            format!(
                "one score per item: {} items, {} scores",
                gold.by_item.len(),
                scores.len()
            ),
        ));
    }
    let (mut x, mut y, mut within) = (Vec::new(), Vec::new(), 0usize);
    for (s, g) in scores.iter().zip(&gold.by_item) {
        if let Some((v, t)) = g {
            x.push(*s);
            y.push(*v);
            within += usize::from((s - v).abs() <= *t);
        }
    }
    let n = x.len();
    if n == 0 {
        return Err(Error::insufficient(
            "no item has both a score and a gold value",
        ));
    }
    let nf = n as f64;
    let mae = x.iter().zip(&y).map(|(a, b)| (a - b).abs()).sum::<f64>() / nf;
    let rmse = (x
        .iter()
        .zip(&y)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        / nf)
        .sqrt();
    Ok(ScoreAccuracy {
        n,
        mae,
        rmse,
        pearson: pearson(&x, &y),
        spearman: pearson(&ranks(&x), &ranks(&y)),
        kendall_tau_b: kendall_tau_b(&x, &y),
        within_tolerance: within as f64 / nf,
    })
}

/// Pearson correlation, `None` when either side has no variance.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Average ranks (1-based), ties sharing their mean rank.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; x.len()];
    let mut s = 0;
    while s < idx.len() {
        let mut e = s + 1;
        while e < idx.len() && x[idx[e]] == x[idx[s]] {
            e += 1;
        }
        let r = (s + 1 + e) as f64 / 2.0;
        for &i in &idx[s..e] {
            out[i] = r;
        }
        s = e;
    }
    out
}

/// Kendall's τ-b (O(n²), for evaluation sets), `None` when either side is constant.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mut c, mut d, mut tx, mut ty) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            let a = (x[i] - x[j]).partial_cmp(&0.0)? as i64;
            let b = (y[i] - y[j]).partial_cmp(&0.0)? as i64;
            match (a, b) {
                (0, 0) => {}
                (0, _) => tx += 1,
                (_, 0) => ty += 1,
                _ if a == b => c += 1,
                _ => d += 1,
            }
        }
    }
    let den = (((c + d + tx) as f64) * ((c + d + ty) as f64)).sqrt();
    (den > 0.0).then(|| (c - d) as f64 / den)
}

/// Per-worker gold evidence: every rating of an item with gold is one gold answer,
/// correct when `|rating − value| ≤ tolerance`, recorded in input order (so
/// sliding-window policy rules see the most recent answers), and `judgments` counts
/// all of the worker's ratings. Feed the result to `crowdqc-policy` like the evidence
/// of categorical gold.
pub fn gold_evidence(m: &RatingMatrix, gold: &GoldRatings) -> Vec<(Id, WorkerEvidence)> {
    let item_of = crate::aggregate::item_of_positions(m);
    (0..m.n_workers())
        .map(|w| {
            let mut ev = WorkerEvidence::default();
            for &p in m.worker_positions(w) {
                ev.judgments += 1;
                if let Some((v, t)) = gold.get(item_of[p as usize] as usize) {
                    ev.record_gold((m.values()[p as usize] - v).abs() <= t);
                }
            }
            (Id::from(m.workers().get(w as u32)), ev)
        })
        .collect()
}
