//! `crowdqc ratings aggregate|agreement|policy`: numeric or ordinal ratings.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crowdqc::Result;
use crowdqc::ratings::{
    GoldRatings, Method, RatingAgreement, RatingMatrix, RatingParams, RatingScale, RatingSummary,
    RatingsBuilder, RatingsOptions, gold_evidence, rating_agreement, score_accuracy,
};

use super::worker_policy::PolicyArgs;
use crate::args::{Columns, FitOutput, Output, read_with, wrote_lines};

/// `crowdqc ratings …`
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// One score per item with its standard error, and each worker's bias and variance.
    Aggregate(AggregateArgs),
    /// Intraclass correlation (six forms, F tests, intervals) and Kendall's W.
    Agreement(AgreementArgs),
    /// Evaluate an access policy for every worker from gold ratings (within a tolerance).
    Policy(PolicyCmd),
}

/// How to read a ratings file.
#[derive(Debug, Clone, clap::Args)]
pub struct RatingsInput {
    /// Ratings file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub ratings: PathBuf,
    #[command(flatten)]
    pub columns: Columns,
    /// Ordinal scale: the labels in order, lowest first, comma-separated (default: numbers).
    #[arg(long, value_delimiter = ',', value_name = "LEVELS")]
    pub levels: Option<Vec<String>>,
}

impl RatingsInput {
    fn options(&self) -> Result<RatingsOptions> {
        let (columns, duplicates) = self.columns.map()?;
        let scale = self
            .levels
            .clone()
            .map_or(RatingScale::Numeric, RatingScale::Ordinal);
        let opts = RatingsOptions::default()
            .with_columns(columns)
            .with_duplicates(duplicates);
        Ok(opts.with_scale(scale))
    }

    /// Streams the file through the library's builder; notes duplicates on stderr.
    fn load(&self) -> Result<RatingMatrix> {
        let opts = self.options()?;
        let path = &self.ratings;
        let reader = crowdqc::io::BatchReader::open_judgments(path, &opts.columns)?;
        let m = RatingsBuilder::new(opts)?
            .read_all(reader)
            .map_err(|e| e.in_file(path))?;
        if let Some(n) = m.duplicate_note() {
            eprintln!("{n}");
        }
        Ok(m)
    }

    /// Gold ratings (item, value, optional tolerance column) joined to `m`.
    fn gold(&self, path: &Path, m: &RatingMatrix, tolerance: f64) -> Result<GoldRatings> {
        let columns = self.options()?.columns;
        read_with(path, |t| {
            GoldRatings::from_batches(m, t.batches(), &columns, tolerance)
        })
    }
}

/// Arguments of `crowdqc ratings aggregate`.
#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    #[command(flatten)]
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
    /// Gold ratings used only to report accuracy (MAE, RMSE, correlations).
    #[arg(long = "eval", value_name = "GOLD")]
    pub eval: Option<PathBuf>,
    /// Tolerance of gold ratings without a tolerance column.
    #[arg(long, default_value_t = 0.0, value_name = "T")]
    pub tolerance: f64,
    #[command(flatten)]
    pub output: FitOutput,
}

/// Arguments of `crowdqc ratings agreement`.
#[derive(Debug, clap::Args)]
pub struct AgreementArgs {
    #[command(flatten)]
    pub input: RatingsInput,
    /// Confidence level of the ICC intervals, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    #[command(flatten)]
    pub output: Output,
}

/// Arguments of `crowdqc ratings policy`.
#[derive(Debug, clap::Args)]
pub struct PolicyCmd {
    #[command(flatten)]
    pub input: RatingsInput,
    /// Gold ratings: item column + label, true_label or gold; optional tolerance column.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Tolerance of gold ratings without a tolerance column.
    #[arg(long, default_value_t = 0.0, value_name = "T")]
    pub tolerance: f64,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Runs `crowdqc ratings …`.
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

/// What `ratings aggregate --format json` prints.
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
    args.output.check()?;
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
    args.output
        .write(|| fit.items_record_batch(), || fit.workers_record_batch())?;
    let shown = args.output.shown();
    let wrote = wrote_lines(&shown);
    let [out, workers_out] = shown;
    let file = args.input.ratings.display().to_string();
    let summary = RatingSummary::new(&m, &fit, eval);
    let seconds = t0.elapsed().as_secs_f64();
    let o = AggregateOutput {
        file,
        summary,
        out,
        workers_out,
        seconds,
    };
    args.output.format.print(&o, || {
        format!(
            "ratings      {}\n{}{wrote}time         {seconds:.2} s\n",
            o.file, o.summary
        )
    })
}

/// What `ratings agreement --format json` prints.
#[derive(Debug, serde::Serialize)]
struct AgreementOutput<'a> {
    file: String,
    #[serde(flatten)]
    agreement: &'a RatingAgreement,
    out: Option<String>,
}

fn agreement(args: AgreementArgs) -> Result<()> {
    crowdqc::core::interval::check_confidence(args.confidence)?;
    args.output.check()?;
    let m = args.input.load()?;
    let a = rating_agreement(&m, args.confidence)?;
    args.output.write(|| a.to_record_batch())?;
    let file = args.input.ratings.display().to_string();
    let out = args.output.out.as_ref().map(|p| p.display().to_string());
    let wrote = wrote_lines(std::slice::from_ref(&out));
    let o = AgreementOutput {
        file,
        agreement: &a,
        out,
    };
    args.output
        .format
        .print(&o, || format!("ratings      {}\n{a}{wrote}", o.file))
}
