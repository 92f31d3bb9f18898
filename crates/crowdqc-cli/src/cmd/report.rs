//! `crowdqc report`: one self-contained HTML quality report, written atomically.

use std::path::PathBuf;

use crowdqc::policy::{pay::read_pay, read_policy};
use crowdqc::terminal::Bar;
use crowdqc::{Error, Result};
use crowdqc_report::{QualityReport, ReportOptions, check_output_path};

use crate::args::Judgments;
use crate::common;

/// Arguments of `crowdqc report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: Judgments,
    /// Access policy (TOML): adds its decisions and its exact and simulated curves.
    #[arg(long, value_name = "POLICY.toml")]
    pub policy: Option<PathBuf>,
    /// Pay table (TOML): hourly pay in the worker statements (needs --policy, duration_ms).
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
}

/// Runs the subcommand.
pub fn run(a: Args) -> Result<()> {
    check_output_path(&a.out)?;
    crowdqc_io::check_file_path(&a.out)?;
    let name = a.data.judgments.display().to_string();
    let opts = ReportOptions::new()
        .method(a.method)
        .confidence(a.confidence)
        .title(a.title.unwrap_or_else(|| format!("crowdqc report: {name}")))
        .source(name);
    opts.validate()?;
    let policy = a.policy.as_deref().map(read_policy).transpose()?;
    let pay = a.pay.as_deref().map(read_pay).transpose()?;
    let m = a.data.load()?;
    let bar = Bar::stderr();
    let report =
        QualityReport::build_with_progress(&m, &opts, policy.as_ref(), pay.as_ref(), &bar)?;
    let html = report.to_html()?;
    crowdqc_io::write_atomic(&a.out, |w| {
        let path = a.out.clone();
        w.write_all(html.as_bytes())
            .map_err(|source| Error::Io { path, source })
    })?;
    common::print_out(&format!("wrote {}\n", a.out.display()))
}
