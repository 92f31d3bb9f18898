//! What the front ends print: the summary of an aggregation (with its evaluation
//! against gold) and the agreement table, as `Display` text; the ingest note.

use std::fmt;

use crowdqc_core::IngestReport;

use crate::aggregate::RatingAggregation;
use crate::agreement::RatingAgreement;
use crate::data::RatingMatrix;
use crate::gold::ScoreAccuracy;

/// The summary of an aggregation of `m`: data sizes, the ingest report, the fit (its
/// JSON fields flattened) and its evaluation against gold. `Display` is the text
/// report (the ten workers furthest from the consensus).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RatingSummary<'a> {
    /// Items.
    pub items: usize,
    /// Workers.
    pub workers: usize,
    /// Ratings kept.
    pub ratings: usize,
    /// Duplicates and what was done with them.
    pub ingest: &'a IngestReport,
    /// The fit.
    #[serde(flatten)]
    pub fit: &'a RatingAggregation,
    /// Accuracy against gold ratings, when given.
    pub eval: Option<ScoreAccuracy>,
}

impl<'a> RatingSummary<'a> {
    /// The summary of `fit` on `m`.
    pub fn new(
        m: &'a RatingMatrix,
        fit: &'a RatingAggregation,
        eval: Option<ScoreAccuracy>,
    ) -> Self {
        RatingSummary {
            items: m.n_items(),
            workers: m.n_workers(),
            ratings: m.n_ratings(),
            ingest: m.ingest_report(),
            fit,
            eval,
        }
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.4}"))
}

impl fmt::Display for ScoreAccuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = |x: Option<f64>| x.map_or("undefined".to_string(), |v| format!("{v:.4}"));
        write!(
            f,
            "{} gold items: MAE {:.4}, RMSE {:.4}, Pearson {}, Spearman {}, Kendall tau-b {}, \
             within tolerance {:.1}%",
            self.n,
            self.mae,
            self.rmse,
            c(self.pearson),
            c(self.spearman),
            c(self.kendall_tau_b),
            100.0 * self.within_tolerance
        )
    }
}

impl fmt::Display for RatingSummary<'_> {
    fn fmt(&self, t: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            t,
            "data         {} items, {} workers, {} ratings",
            self.items, self.workers, self.ratings
        )?;
        let f = self.fit;
        write!(t, "method       {}", f.method().name())?;
        if f.method().is_iterative() {
            let state = if f.converged() {
                "converged"
            } else {
                "not converged"
            };
            write!(t, " ({} iterations, {state})", f.iterations())?;
        }
        writeln!(t)?;
        if let Some(e) = &self.eval {
            writeln!(t, "eval         {e}")?;
        }
        let stats = f.worker_stats();
        let mut idx: Vec<usize> = (0..stats.len()).collect();
        idx.sort_by(|&a, &b| stats[b].rmse.total_cmp(&stats[a].rmse));
        writeln!(
            t,
            "workers      {:<24} {:>8} {:>9} {:>9} {:>9}",
            "(largest RMSE first)", "ratings", "bias", "sd", "rmse"
        )?;
        for &w in idx.iter().take(10) {
            let s = &stats[w];
            let sd = s
                .variance
                .map_or("-".to_string(), |v| format!("{:.3}", v.sqrt()));
            writeln!(
                t,
                "             {:<24} {:>8} {:>9.3} {:>9} {:>9.3}",
                f.workers()[w].to_string(),
                s.n,
                s.bias,
                sd,
                s.rmse
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for RatingAgreement {
    fn fmt(&self, t: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.icc;
        writeln!(
            t,
            "used         {} items rated by all {} workers ({} items dropped: missing ratings)",
            i.n_items, i.n_raters, i.n_items_dropped
        )?;
        writeln!(
            t,
            "{:<8} {:<9} {:>8} {:>19} {:>10} {:>7} {:>8} {:>10}  description",
            "form",
            "S-F",
            "value",
            format!("{:.0}% CI", 100.0 * i.confidence),
            "F",
            "df1",
            "df2",
            "p"
        )?;
        for f in i.forms.iter().chain([&i.all_ratings]) {
            let ci = match (f.ci_low, f.ci_high) {
                (Some(l), Some(h)) => format!("[{l:.4}, {h:.4}]"),
                _ => "-".into(),
            };
            let p = f.p_value.map_or("-".to_string(), |p| format!("{p:.3e}"));
            writeln!(
                t,
                "{:<8} {:<9} {:>8} {:>19} {:>10} {:>7} {:>8} {:>10}  {}",
                f.form,
                f.shrout_fleiss,
                opt(f.value),
                ci,
                opt(f.f),
                f.df1,
                f.df2,
                p,
                f.description
            )?;
        }
        if let Some(r) = i.forms.iter().find_map(|f| f.undefined.as_deref()) {
            writeln!(t, "ICC undefined: {r}")?;
        }
        if let Some(r) = &i.all_ratings.undefined {
            writeln!(t, "ICC1u undefined: {r}")?;
        }
        let w = &self.kendall_w;
        match w.w {
            Some(v) => writeln!(
                t,
                "kendall W    {v:.4} over the complete items (tie-corrected; uncorrected {}), chi2 \
                 {} on {} df, p {}",
                opt(w.w_uncorrected),
                opt(w.chi2),
                w.df,
                w.p_value.map_or("-".to_string(), |p| format!("{p:.3e}"))
            ),
            None => writeln!(
                t,
                "kendall W    undefined: {}",
                w.undefined.as_deref().unwrap_or("")
            ),
        }?;
        if let Some(v) = &self.kendall_w_incomplete {
            match v.w {
                Some(x) => writeln!(
                    t,
                    "kendall W    {x:.4} from every rating (incomplete design, Brueckl 2011: mean \
                     pairwise Spearman rho {} over {} rater pairs, {:.2} ratings per item), \
                     chi2 {} on {} df, p {}",
                    opt(v.mean_rho),
                    v.rater_pairs,
                    v.mean_k,
                    opt(v.chi2),
                    v.df,
                    v.p_value.map_or("-".to_string(), |p| format!("{p:.3e}"))
                )?,
                None => writeln!(
                    t,
                    "kendall W    from every rating undefined: {}",
                    v.undefined.as_deref().unwrap_or("")
                )?,
            }
        }
        Ok(())
    }
}

impl RatingMatrix {
    /// A note on repeated `(item, worker)` pairs and what the duplicate policy did with
    /// them, `None` when there were none (front ends print it on stderr).
    pub fn duplicate_note(&self) -> Option<String> {
        let r = self.ingest_report();
        (r.duplicate_pairs > 0).then(|| {
            format!(
                "note: {} (item, worker) pairs rated more than once ({} extra rows, {} with \
                 different ratings); policy {}: {} rows dropped",
                r.duplicate_pairs,
                r.duplicate_extra_rows,
                r.conflicting_duplicate_pairs,
                r.duplicate_policy.as_str(),
                r.dropped_duplicate_rows
            )
        })
    }
}
