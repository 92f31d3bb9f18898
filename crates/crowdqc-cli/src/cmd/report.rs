//! `crowdqc report`: one self-contained HTML quality report (data, agreement, truth
//! inference, workers, gold, policy, worker statements and pay) written atomically.

use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::policy::pay::read_pay;
use crowdqc::policy::read_policy;
use crowdqc_report::{QualityReport, ReportOptions, check_output_path};

use crate::common::{self, InputOpts};
use crate::progress::Bar;

/// Arguments of `crowdqc report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: PathBuf,
    /// Gold labels file: adds the gold section and gold accuracy of every worker.
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// Access policy (TOML): adds who would be allowed, warned, demoted, suspended or
    /// banned and why, and the policy's exact and simulated curves.
    #[arg(long, value_name = "POLICY.toml")]
    pub policy: Option<PathBuf>,
    /// Pay table (TOML): the worker statements give effective hourly pay and the share
    /// of unpaid time (needs --policy and a duration_ms column).
    #[arg(long, value_name = "PAY.toml")]
    pub pay: Option<PathBuf>,
    /// Truth-inference method (any of `crowdqc aggregate --method`).
    #[arg(long, default_value = "ds", value_name = "METHOD")]
    pub method: String,
    /// Confidence level of every interval, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// Page title (default: the judgments file's name).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// The report: one HTML file (must end in .html).
    #[arg(long, value_name = "REPORT.html")]
    pub out: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// Runs the subcommand.
///
/// # Errors
/// An output path not ending in .html, bad options, unreadable inputs or policy, a
/// method that cannot fit the data, I/O failures.
pub fn run(a: Args) -> Result<()> {
    check_output_path(&a.out)?;
    crowdqc_io::check_file_path(&a.out)?;
    let name = a.judgments.display().to_string();
    let opts = ReportOptions::new()
        .method(a.method)
        .confidence(a.confidence)
        .title(a.title.unwrap_or_else(|| format!("crowdqc report: {name}")))
        .source(name);
    opts.validate()?;
    let policy = a.policy.as_deref().map(read_policy).transpose()?;
    let pay = a.pay.as_deref().map(read_pay).transpose()?;
    let m = common::load(&a.judgments, &a.input, a.gold.as_deref())?;
    let report = QualityReport::build_with_progress(
        &m,
        &opts,
        policy.as_ref(),
        pay.as_ref(),
        &Bar::stderr(),
    )?;
    let html = report.to_html()?;
    crowdqc_io::write_atomic(&a.out, |w| {
        w.write_all(html.as_bytes())
            .map_err(|e| crowdqc::Error::Io {
                path: a.out.clone(),
                source: e,
            })
    })?;
    common::print_out(&format!("wrote {}\n", a.out.display()))
}
