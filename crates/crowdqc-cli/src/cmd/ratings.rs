//! `crowdqc ratings aggregate|agreement|policy`: numeric or ordinal ratings.

use std::path::PathBuf;
use std::time::Instant;

use crowdqc::Result;
use crowdqc::pipeline::ratings::RatingsFile;
use crowdqc::ratings::{
    GoldRatings, Method, RatingMatrix, RatingParams, RatingScale, RatingsOptions, gold_evidence,
};

use super::worker_policy::PolicyArgs;
use crate::args::{Columns, FitOutput, Output};

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
    /// The file and how to read it (errors: an unknown duplicate policy).
    fn file(&self) -> Result<RatingsFile> {
        let (columns, duplicates) = self.columns.map()?;
        let scale = (self.levels.clone()).map_or(RatingScale::Numeric, RatingScale::Ordinal);
        let opts = RatingsOptions::default()
            .with_columns(columns)
            .with_duplicates(duplicates);
        Ok(RatingsFile::new(&self.ratings, opts.with_scale(scale)))
    }

    /// Reads the ratings; notes duplicates on stderr.
    fn load(&self) -> Result<(RatingsFile, RatingMatrix)> {
        let file = self.file()?;
        let m = file.load()?;
        if let Some(n) = m.duplicate_note() {
            eprintln!("{n}");
        }
        Ok((file, m))
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
        Command::Agreement(a) => {
            crowdqc::core::interval::check_confidence(a.confidence)?;
            a.output.check()?;
            let (file, m) = a.input.load()?;
            let r = file.agreement(&m, a.confidence, a.output.out.as_deref())?;
            a.output.format.print(&r, || r.to_string())
        }
        Command::Policy(a) => {
            let policy = a.policy.open()?;
            GoldRatings::check_tolerance(a.tolerance)?;
            let (file, m) = a.input.load()?;
            let gold = file.gold(&a.gold, &m, a.tolerance)?;
            a.policy.decide(&policy, gold_evidence(&m, &gold))
        }
    }
}

fn aggregate(args: AggregateArgs) -> Result<()> {
    let method: Method = args.method.parse()?;
    let params = RatingParams::new(method)
        .trim(args.trim)
        .max_iter(args.max_iter)
        .tol(args.tol);
    params.validate()?;
    GoldRatings::check_tolerance(args.tolerance)?;
    let tables = args.output.tables();
    tables.check()?;
    let t0 = Instant::now();
    let (file, m) = args.input.load()?;
    let eval = args.eval.as_deref().map(|p| (p, args.tolerance));
    let mut r = file.aggregate(m, &params, eval, &tables)?;
    r.seconds = t0.elapsed().as_secs_f64();
    args.output.format.print(&r, || r.to_string())
}
