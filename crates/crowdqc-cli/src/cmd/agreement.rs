//! `crowdqc agreement`: every agreement coefficient with standard errors and intervals.

use std::path::PathBuf;

use crowdqc::agreement::ReportOptions;
use crowdqc::pipeline::agreement;
use crowdqc::terminal::Bar;
use crowdqc::{Error, Result};

use crate::common::{self, Format, InputOpts};

/// Arguments of `crowdqc agreement`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["judgments", "table", "counts"])))]
pub struct Args {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: Option<PathBuf>,
    /// Two-rater contingency table `label_a,label_b,count` (categories by first appearance).
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
    /// Fleiss counts table `item,<class…>` (categories in column order).
    #[arg(long, value_name = "FILE")]
    pub counts: Option<PathBuf>,
    /// Measurement level of Krippendorff's alpha: nominal, ordinal, interval or ratio.
    #[arg(long, default_value = "nominal", value_name = "LEVEL")]
    pub level: String,
    /// Kappa-family weights: identity, linear, quadratic or ordinal (then `gwet_ac2`).
    #[arg(long, default_value = "identity", value_name = "WEIGHTS")]
    pub weights: String,
    /// Space categories equally for linear/quadratic weights (R irr's convention).
    #[arg(long)]
    pub rank_spacing: bool,
    /// Bootstrap replicates over items (percentile intervals); at most 1,000,000.
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap (results are identical for any thread count).
    #[arg(long, default_value_t = 0, value_name = "SEED")]
    pub seed: u64,
    /// Confidence level of the intervals, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write per-item agreement here (.parquet or .csv). Judgments only.
    #[arg(long, value_name = "FILE")]
    pub items_out: Option<PathBuf>,
    /// Write per-worker agreement here (.parquet or .csv). Judgments only.
    #[arg(long, value_name = "FILE")]
    pub workers_out: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputOpts,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    let mut opts = ReportOptions::default()
        .level(args.level.parse()?)
        .weights(args.weights.parse()?)
        .rank_spacing(args.rank_spacing)
        .confidence(args.confidence)
        .seed(args.seed);
    opts.bootstrap = args.bootstrap;
    opts.validate()?;
    let (items_out, workers_out) = (args.items_out.as_deref(), args.workers_out.as_deref());
    agreement::check_outputs(args.judgments.is_some(), items_out, workers_out)?;
    let bar = Bar::stderr();
    let report = if let Some(p) = &args.judgments {
        let m = common::load(p, &args.input, None, None)?;
        agreement::of_judgments(&m, &opts, (items_out, workers_out), &bar)?
    } else if let Some(p) = &args.table {
        agreement::of_contingency(p, &opts, &bar)?
    } else {
        let one = "give exactly one of JUDGMENTS, --table FILE or --counts FILE";
        let p = args
            .counts
            .as_ref()
            .ok_or_else(|| Error::param("input", one))?;
        agreement::of_counts(p, &opts, &bar)?
    };
    drop(bar);
    args.format.print(&report, || report.to_string())
}
