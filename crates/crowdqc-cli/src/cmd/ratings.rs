//! `crowdqc ratings aggregate|agreement|policy`: numeric or ordinal ratings `(item,
//! worker, rating)` — one score per item with worker bias and variance, ICC /
//! Kendall's W, and policy decisions from gold ratings.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crowdqc::Result;
use crowdqc::core::{ColumnMap, DuplicatePolicy};
use crowdqc::ratings::{
    GoldRatings, Method, RatingAgreement, RatingMatrix, RatingParams, RatingScale, RatingSummary,
    RatingsBuilder, RatingsOptions, gold_evidence, rating_agreement, score_accuracy,
};

use super::worker_policy::PolicyArgs;
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
    /// Evaluate an access policy for every worker from gold ratings: a rating within
    /// the gold value's tolerance is a correct gold answer.
    Policy(PolicyCmd),
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
        if let Some(n) = m.duplicate_note() {
            eprintln!("{n}");
        }
        Ok(m)
    }

    /// Gold ratings (item, value, optional tolerance column) joined to `m`.
    fn gold(&self, path: &Path, m: &RatingMatrix, tolerance: f64) -> Result<GoldRatings> {
        let t = crowdqc::io::read_table_with_lines(path)?;
        GoldRatings::from_batches(m, t.batches(), &self.options()?.columns, tolerance)
            .map_err(|e| t.locate(e))
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

/// Arguments of `crowdqc ratings policy`.
#[derive(Debug, clap::Args)]
pub struct PolicyCmd {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: RatingsInput,
    /// Gold ratings: item column + label, true_label or gold; optional tolerance column.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Tolerance of gold ratings without a tolerance column.
    #[arg(long, default_value_t = 0.0, value_name = "T")]
    pub tolerance: f64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
}

/// Runs `crowdqc ratings …`.
///
/// # Errors
/// Bad parameters, unreadable or malformed input, non-numeric ratings.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Aggregate(a) => aggregate(a),
        Command::Agreement(a) => agreement(a),
        Command::Policy(a) => {
            let policy = a.policy.open()?;
            GoldRatings::check_tolerance(a.tolerance)?;
            let m = a.input.load()?;
            let gold = a.input.gold(&a.gold, &m, a.tolerance)?;
            a.policy.decide(&policy, gold_evidence(&m, &gold))
        }
    }
}

#[derive(Debug, serde::Serialize)]
struct AggregateOutput<'a> {
    file: String,
    #[serde(flatten)]
    summary: RatingSummary<'a>,
    out: Option<String>,
    workers_out: Option<String>,
    seconds: f64,
}

fn aggregate(args: AggregateArgs) -> Result<()> {
    let method: Method = args.method.parse()?;
    let params = RatingParams::new(method)
        .trim(args.trim)
        .max_iter(args.max_iter)
        .tol(args.tol);
    params.validate()?;
    GoldRatings::check_tolerance(args.tolerance)?;
    for p in [&args.out, &args.workers_out].into_iter().flatten() {
        crowdqc::io::check_output_path(p)?;
    }
    let t0 = Instant::now();
    let m = args.input.load()?;
    let fit = params.fit(&m)?;
    let eval = match &args.eval {
        Some(p) => {
            let g = args.input.gold(p, &m, args.tolerance)?;
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
    let shown = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let o = AggregateOutput {
        file: args.input.ratings.display().to_string(),
        summary: RatingSummary::new(&m, &fit, eval),
        out: shown(&args.out),
        workers_out: shown(&args.workers_out),
        seconds: t0.elapsed().as_secs_f64(),
    };
    common::print_out(&match args.format {
        Format::Json => common::to_json(&o)?,
        Format::Text => {
            let mut t = format!("ratings      {}\n{}", o.file, o.summary);
            for p in [&o.out, &o.workers_out].into_iter().flatten() {
                t += &format!("wrote        {p}\n");
            }
            t + &format!("time         {:.2} s\n", o.seconds)
        }
    })
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
    common::print_out(&match args.format {
        Format::Json => common::to_json(&o)?,
        Format::Text => {
            let t = format!("ratings      {}\n{a}", o.file);
            t + &o
                .out
                .map_or(String::new(), |p| format!("wrote        {p}\n"))
        }
    })
}
