//! `crowdqc ratings aggregate|agreement`: numeric or ordinal ratings `(item, worker,
//! rating)` — one score per item with worker bias and variance, and ICC / Kendall's W.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crowdqc::core::{ColumnMap, DuplicatePolicy, IngestReport};
use crowdqc::ratings::{
    GoldRatings, Method, RatingAggregation, RatingAgreement, RatingMatrix, RatingParams,
    RatingScale, RatingsBuilder, RatingsOptions, ScoreAccuracy, rating_agreement, score_accuracy,
};
use crowdqc::{Error, Result};

use crate::common::{self, Format};

/// `crowdqc ratings …`
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// One score per item (mean, median, trimmed-mean, catd, crh, lfc) with standard
    /// errors, and each worker's bias, variance and weight.
    Aggregate(AggregateArgs),
    /// Intraclass correlation (six Shrout–Fleiss / McGraw–Wong forms, F tests and
    /// intervals) and Kendall's W, over the items rated by every worker.
    Agreement(AgreementArgs),
}

/// How to read a ratings file.
#[derive(Debug, Clone, clap::Args)]
pub struct RatingsInput {
    /// Ratings file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub ratings: PathBuf,
    /// Name of the item column (default: `item` or `task`).
    #[arg(long, value_name = "NAME")]
    pub item_column: Option<String>,
    /// Name of the worker column (default: `worker`, `performer` or `annotator`).
    #[arg(long, value_name = "NAME")]
    pub worker_column: Option<String>,
    /// Name of the rating column (default: `label`).
    #[arg(long, value_name = "NAME")]
    pub label_column: Option<String>,
    /// Repeated (item, worker) pairs: keep-all, first, last or error.
    #[arg(long, default_value = "keep-all", value_name = "POLICY")]
    pub duplicates: String,
    /// Ordinal scale: the rating labels in order, lowest first, comma-separated (read as
    /// ranks 0, 1, …). Default: ratings are numbers.
    #[arg(long, value_delimiter = ',', value_name = "LEVELS")]
    pub levels: Option<Vec<String>>,
}

impl RatingsInput {
    fn options(&self) -> Result<RatingsOptions> {
        let duplicates: DuplicatePolicy = self.duplicates.parse()?;
        let mut columns = ColumnMap::default();
        columns.item.clone_from(&self.item_column);
        columns.worker.clone_from(&self.worker_column);
        columns.label.clone_from(&self.label_column);
        let scale = match &self.levels {
            Some(l) => RatingScale::Ordinal(l.clone()),
            None => RatingScale::Numeric,
        };
        Ok(RatingsOptions::default()
            .with_columns(columns)
            .with_duplicates(duplicates)
            .with_scale(scale))
    }

    /// Streams the file through the library's builder; notes duplicates on stderr.
    fn load(&self) -> Result<RatingMatrix> {
        let opts = self.options()?;
        let path = &self.ratings;
        let reader = crowdqc::io::BatchReader::open_judgments(path, &opts.columns)?;
        let mut b = RatingsBuilder::new(opts)?;
        for batch in reader {
            b.push_batch(&batch?).map_err(|e| e.in_file(path))?;
        }
        let m = b.finish().map_err(|e| e.in_file(path))?;
        let r = m.ingest_report();
        if r.duplicate_pairs > 0 {
            eprintln!(
                "note: {} (item, worker) pairs rated more than once ({} extra rows, {} with \
                 different ratings); policy {}: {} rows dropped",
                r.duplicate_pairs,
                r.duplicate_extra_rows,
                r.conflicting_duplicate_pairs,
                r.duplicate_policy.as_str(),
                r.dropped_duplicate_rows
            );
        }
        Ok(m)
    }
}

/// Arguments of `crowdqc ratings aggregate`.
#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: RatingsInput,
    /// Method: mean, median, trimmed-mean, catd, crh (pm-crh), lfc.
    #[arg(long, default_value = "mean", value_name = "METHOD")]
    pub method: String,
    /// Share cut from each end by trimmed-mean, in [0, 0.5).
    #[arg(long, default_value_t = 0.1, value_name = "P")]
    pub trim: f64,
    /// Maximum iterations of catd, crh, lfc.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub max_iter: usize,
    /// Convergence tolerance of catd, crh, lfc (sum of squared score changes).
    #[arg(long, default_value_t = 1e-6, value_name = "T")]
    pub tol: f64,
    /// Gold ratings used only to report accuracy (item column + label, true_label or
    /// gold; optional tolerance column): MAE, RMSE, correlations.
    #[arg(long = "eval", value_name = "GOLD")]
    pub eval: Option<PathBuf>,
    /// Tolerance of gold ratings without a tolerance column.
    #[arg(long, default_value_t = 0.0, value_name = "T")]
    pub tolerance: f64,
    /// Write one row per item: item, score, std_error, n_ratings.
    #[arg(long, value_name = "ITEMS")]
    pub out: Option<PathBuf>,
    /// Write one row per worker: worker, n_ratings, bias, variance, rmse, mae, weight.
    #[arg(long = "workers-out", value_name = "WORKERS")]
    pub workers_out: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `crowdqc ratings agreement`.
#[derive(Debug, clap::Args)]
pub struct AgreementArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: RatingsInput,
    /// Confidence level of the ICC intervals, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// Write the statistics table (one row per ICC form and Kendall's W) to FILE.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `crowdqc ratings …`.
///
/// # Errors
/// Bad parameters, unreadable or malformed input, non-numeric ratings.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Aggregate(a) => aggregate(a),
        Command::Agreement(a) => agreement(a),
    }
}

#[derive(Debug, serde::Serialize)]
struct AggregateOutput<'a> {
    file: String,
    items: usize,
    workers: usize,
    ratings: usize,
    ingest: &'a IngestReport,
    #[serde(flatten)]
    fit: &'a RatingAggregation,
    eval: Option<ScoreAccuracy>,
    out: Option<String>,
    workers_out: Option<String>,
    seconds: f64,
}

fn read_eval(path: &Path, m: &RatingMatrix, columns: &ColumnMap, tol: f64) -> Result<GoldRatings> {
    let t = crowdqc::io::read_table_with_lines(path)?;
    GoldRatings::from_batches(m, t.batches(), columns, tol).map_err(|e| t.locate(e))
}

fn aggregate(args: AggregateArgs) -> Result<()> {
    let method: Method = args.method.parse()?;
    let params = RatingParams::new(method)
        .trim(args.trim)
        .max_iter(args.max_iter)
        .tol(args.tol);
    params.validate()?;
    if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
        return Err(Error::param(
            "tolerance",
            format!("must be finite and >= 0, got {}", args.tolerance),
        ));
    }
    for p in [&args.out, &args.workers_out].into_iter().flatten() {
        crowdqc::io::check_output_path(p)?;
    }
    let t0 = Instant::now();
    let m = args.input.load()?;
    let fit = params.fit(&m)?;
    let eval = match &args.eval {
        Some(p) => {
            let g = read_eval(p, &m, &args.input.options()?.columns, args.tolerance)?;
            Some(score_accuracy(fit.scores(), &g).map_err(|e| e.in_file(p))?)
        }
        None => None,
    };
    if let Some(p) = &args.out {
        crowdqc::io::write_table(p, &fit.items_record_batch()?)?;
    }
    if let Some(p) = &args.workers_out {
        crowdqc::io::write_table(p, &fit.workers_record_batch()?)?;
    }
    let o = AggregateOutput {
        file: args.input.ratings.display().to_string(),
        items: m.n_items(),
        workers: m.n_workers(),
        ratings: m.n_ratings(),
        ingest: m.ingest_report(),
        fit: &fit,
        eval,
        out: args.out.as_ref().map(|p| p.display().to_string()),
        workers_out: args.workers_out.as_ref().map(|p| p.display().to_string()),
        seconds: t0.elapsed().as_secs_f64(),
    };
    let text = match args.format {
        Format::Json => common::to_json(&o)?,
        Format::Text => aggregate_text(&o),
    };
    common::print_out(&text)
}

fn aggregate_text(o: &AggregateOutput<'_>) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "ratings      {}", o.file);
    let _ = writeln!(
        t,
        "data         {} items, {} workers, {} ratings",
        o.items, o.workers, o.ratings
    );
    let f = o.fit;
    let _ = write!(t, "method       {}", f.method().name());
    if f.method().is_iterative() {
        let state = if f.converged() {
            "converged"
        } else {
            "not converged"
        };
        let _ = write!(t, " ({} iterations, {state})", f.iterations());
    }
    t.push('\n');
    if let Some(e) = &o.eval {
        let c = |x: Option<f64>| x.map_or("undefined".to_string(), |v| format!("{v:.4}"));
        let _ = writeln!(
            t,
            "eval         {} gold items: MAE {:.4}, RMSE {:.4}, Pearson {}, Spearman {}, \
             Kendall tau-b {}, within tolerance {:.1}%",
            e.n,
            e.mae,
            e.rmse,
            c(e.pearson),
            c(e.spearman),
            c(e.kendall_tau_b),
            100.0 * e.within_tolerance
        );
    }
    // the workers furthest from the consensus
    let mut idx: Vec<usize> = (0..f.worker_stats().len()).collect();
    idx.sort_by(|&a, &b| {
        f.worker_stats()[b]
            .rmse
            .total_cmp(&f.worker_stats()[a].rmse)
    });
    let _ = writeln!(
        t,
        "workers      {:<24} {:>8} {:>9} {:>9} {:>9}",
        "(largest RMSE first)", "ratings", "bias", "sd", "rmse"
    );
    for &w in idx.iter().take(10) {
        let s = &f.worker_stats()[w];
        let sd = s
            .variance
            .map_or("-".to_string(), |v| format!("{:.3}", v.sqrt()));
        let _ = writeln!(
            t,
            "             {:<24} {:>8} {:>9.3} {:>9} {:>9.3}",
            f.workers()[w].to_string(),
            s.n,
            s.bias,
            sd,
            s.rmse
        );
    }
    for p in [&o.out, &o.workers_out].into_iter().flatten() {
        let _ = writeln!(t, "wrote        {p}");
    }
    let _ = writeln!(t, "time         {:.2} s", o.seconds);
    t
}

#[derive(Debug, serde::Serialize)]
struct AgreementOutput<'a> {
    file: String,
    #[serde(flatten)]
    agreement: &'a RatingAgreement,
    out: Option<String>,
}

fn agreement(args: AgreementArgs) -> Result<()> {
    crowdqc::core::interval::check_confidence(args.confidence)?;
    if let Some(p) = &args.out {
        crowdqc::io::check_output_path(p)?;
    }
    let m = args.input.load()?;
    let a = rating_agreement(&m, args.confidence)?;
    if let Some(p) = &args.out {
        crowdqc::io::write_table(p, &a.to_record_batch()?)?;
    }
    let o = AgreementOutput {
        file: args.input.ratings.display().to_string(),
        agreement: &a,
        out: args.out.as_ref().map(|p| p.display().to_string()),
    };
    let text = match args.format {
        Format::Json => common::to_json(&o)?,
        Format::Text => agreement_text(&o),
    };
    common::print_out(&text)
}

fn opt(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.4}"))
}

fn agreement_text(o: &AgreementOutput<'_>) -> String {
    let a = o.agreement;
    let i = &a.icc;
    let mut t = String::new();
    let _ = writeln!(t, "ratings      {}", o.file);
    let _ = writeln!(
        t,
        "used         {} items rated by all {} workers ({} items dropped: missing ratings)",
        i.n_items, i.n_raters, i.n_items_dropped
    );
    let _ = writeln!(
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
    );
    for f in i.forms.iter().chain([&i.all_ratings]) {
        let ci = match (f.ci_low, f.ci_high) {
            (Some(l), Some(h)) => format!("[{l:.4}, {h:.4}]"),
            _ => "-".into(),
        };
        let p = f.p_value.map_or("-".to_string(), |p| format!("{p:.3e}"));
        let _ = writeln!(
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
        );
    }
    if let Some(r) = i.forms.iter().find_map(|f| f.undefined.as_deref()) {
        let _ = writeln!(t, "ICC undefined: {r}");
    }
    if let Some(r) = &i.all_ratings.undefined {
        let _ = writeln!(t, "ICC1u undefined: {r}");
    }
    let w = &a.kendall_w;
    match w.w {
        Some(v) => {
            let _ = writeln!(
                t,
                "kendall W    {v:.4} (tie-corrected; uncorrected {}), chi2 {} on {} df, p {}",
                opt(w.w_uncorrected),
                opt(w.chi2),
                w.df,
                w.p_value.map_or("-".to_string(), |p| format!("{p:.3e}"))
            );
        }
        None => {
            let _ = writeln!(
                t,
                "kendall W    undefined: {}",
                w.undefined.as_deref().unwrap_or("")
            );
        }
    }
    if let Some(p) = &o.out {
        let _ = writeln!(t, "wrote        {p}");
    }
    t
}
