//! `crowdqc agreement`: every agreement coefficient with standard errors, confidence
//! intervals and (optionally) bootstraps, from judgments, a two-rater contingency table
//! (`--table`) or a Fleiss counts table (`--counts`).

use std::path::PathBuf;

use crowdqc::agreement::{
    Contingency, ItemCounts, ReportOptions, item_agreement_table, report_with_progress,
    worker_agreement_table,
};
use crowdqc::{Error, Result};

use crate::common::{self, Format, InputOpts};
use crate::progress::Bar;

/// Arguments of `crowdqc agreement`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["judgments", "table", "counts"])))]
pub struct Args {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: Option<PathBuf>,
    /// Two-rater contingency table with columns `label_a,label_b,count` (category order:
    /// first appearance).
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
    /// Fleiss counts table `item,<class…>`: one row per item, one count column per class
    /// (category order: column order).
    #[arg(long, value_name = "FILE")]
    pub counts: Option<PathBuf>,
    /// Measurement level of Krippendorff's alpha: nominal, ordinal, interval or ratio.
    #[arg(long, default_value = "nominal", value_name = "LEVEL")]
    pub level: String,
    /// Agreement weights for the kappa family: identity (unweighted), linear, quadratic or
    /// ordinal. With weights, Gwet's coefficient is reported as `gwet_ac2`.
    #[arg(long, default_value = "identity", value_name = "WEIGHTS")]
    pub weights: String,
    /// Space categories equally for linear/quadratic weights instead of by their numeric
    /// values (R irr's convention on the levels present).
    #[arg(long)]
    pub rank_spacing: bool,
    /// Bootstrap replicates over items for every coefficient (and Hayes–Krippendorff
    /// for alpha); intervals are then bootstrap percentiles. At most 1,000,000.
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
    /// Write per-item agreement (ratings, top label and its share, entropy, pairwise
    /// agreement) to FILE (.parquet or .csv). Judgments only.
    #[arg(long, value_name = "FILE")]
    pub items_out: Option<PathBuf>,
    /// Write per-worker agreement (with peers, with the leave-one-out consensus, with
    /// majority vote) to FILE (.parquet or .csv). Judgments only.
    #[arg(long, value_name = "FILE")]
    pub workers_out: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Runs the subcommand.
///
/// # Errors
/// Bad parameters (before any reading), unreadable or malformed input, non-numeric
/// labels for a numeric level.
pub fn run(args: Args) -> Result<()> {
    let mut opts = ReportOptions::default()
        .level(args.level.parse()?)
        .weights(args.weights.parse()?)
        .rank_spacing(args.rank_spacing)
        .confidence(args.confidence)
        .seed(args.seed);
    opts.bootstrap = args.bootstrap;
    opts.validate()?;
    for (flag, out) in [
        ("items-out", &args.items_out),
        ("workers-out", &args.workers_out),
    ] {
        if let Some(p) = out {
            if args.judgments.is_none() {
                return Err(Error::param(
                    flag,
                    "per-item and per-worker views need a judgments file, not --table or --counts",
                ));
            }
            crowdqc_io::check_output_path(p)?;
        }
    }
    let bar = Bar::stderr();
    let report = match (&args.judgments, &args.table, &args.counts) {
        (Some(p), None, None) => {
            let m = common::load(p, &args.input, None)?;
            if let Some(p) = &args.items_out {
                crowdqc_io::write_table(p, &item_agreement_table(&m)?)?;
            }
            if let Some(p) = &args.workers_out {
                crowdqc_io::write_table(p, &worker_agreement_table(&m)?)?;
            }
            report_with_progress(&m, &opts, &bar)?
        }
        (None, Some(p), None) => {
            let file = crowdqc_io::read_table_with_lines(p)?;
            let t = Contingency::from_batches(file.batches().map(|(_, b)| b))
                .map_err(|e| file.locate(e))?;
            report_with_progress(&t, &opts, &bar).map_err(|e| e.in_file(p))?
        }
        (None, None, Some(p)) => {
            let file = crowdqc_io::read_table_with_lines(p)?;
            let c = ItemCounts::from_batches(file.batches().map(|(_, b)| b))
                .map_err(|e| file.locate(e))?;
            report_with_progress(&c, &opts, &bar).map_err(|e| e.in_file(p))?
        }
        _ => {
            return Err(Error::param(
                "input",
                "give exactly one of JUDGMENTS, --table FILE or --counts FILE",
            ));
        }
    };
    drop(bar);
    match args.format {
        Format::Json => common::print_out(&common::to_json(&report)?),
        Format::Text => common::print_out(&report.to_string()),
    }
}
