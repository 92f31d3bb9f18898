//! # crowdqc-report
//!
//! One self-contained HTML quality report of a batch of crowdsourced judgments, built
//! from the libraries' typed reports and drawn with `plotters`' SVG backend: inline SVG
//! charts, inline CSS, a small optional script that sorts tables, and nothing fetched
//! from anywhere (a Content-Security-Policy forbids it). Every id and label is
//! escaped, so untrusted data is shown as text.
//!
//! Sections: the data at a glance ([`MatrixSummary`]); agreement (every coefficient of
//! [`crowdqc_agreement::report`] with its interval, per-item agreement); truth
//! inference (any method of the aggregation registry: label distribution, confidence,
//! the items most in doubt); workers (model and gold accuracy against volume,
//! confusion heat maps of the least and most reliable, spammer scores); gold
//! ([`GoldScoreReport`], with gold); worker statements and pay
//! ([`crowdqc_policy::statement::Statements`], with a policy and optionally a pay
//! table); and policy ([`crowdqc_policy::Evaluation`],
//! [`crowdqc_policy::ExactReport`], [`crowdqc_policy::simulate::SimReport`], with a
//! policy).
//!
//! ```
//! use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
//! use crowdqc_report::{QualityReport, ReportOptions};
//! # fn main() -> crowdqc_core::Result<()> {
//! let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
//! for (item, worker, label) in [("a", "w1", "x"), ("a", "w2", "x"), ("b", "w1", "y"), ("b", "w2", "y")] {
//!     b.push_row(IdRef::Str(item), IdRef::Str(worker), IdRef::Str(label))?;
//! }
//! let m = b.finish()?;
//! let report = QualityReport::build(&m, &ReportOptions::new().method("mv"), None)?;
//! let html = report.to_html()?;
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert_eq!(report.data.judgments, 4);
//! # Ok(()) }
//! ```

use std::path::Path;

use crowdqc_agreement::{AgreementReport, ItemAgreement};
use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::summary::MatrixSummary;
use crowdqc_core::{Error, JudgmentMatrix, Result};
use crowdqc_gold::GoldScoreReport;
use crowdqc_policy::Policy;
use crowdqc_policy::pay::PayTable;

pub mod html;
pub mod plot;
mod sections;

pub use sections::policy::PolicySection;
pub use sections::truth::{DoubtRow, TruthSection};
pub use sections::workers::{ConfusionView, WorkerRow, WorkersSection};

/// What to compute and show.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Truth-inference method of the aggregation registry (default `ds`).
    pub method: String,
    /// Confidence level of every interval, in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Rows of the "most in doubt" and "often missed" tables (default 20).
    pub top: usize,
    /// Title of the page (default: "crowdqc report").
    pub title: String,
    /// Where the judgments came from, shown under the title.
    pub source: String,
    /// Simulated workers per archetype in the policy simulation (default 1000).
    pub sim_runs: u64,
    /// Task slots per simulated worker (default 1000).
    pub sim_tasks: u64,
    /// Seed of the simulations (default 0).
    pub seed: u64,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            method: "ds".into(),
            confidence: 0.95,
            top: 20,
            title: "crowdqc report".into(),
            source: String::new(),
            sim_runs: 1000,
            sim_tasks: 1000,
            seed: 0,
        }
    }
}

impl ReportOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the truth-inference method.
    pub fn method(mut self, m: impl Into<String>) -> Self {
        self.method = m.into();
        self
    }

    /// Sets the confidence level of the intervals.
    pub fn confidence(mut self, c: f64) -> Self {
        self.confidence = c;
        self
    }

    /// Sets the page title.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = t.into();
        self
    }

    /// Sets the source line (e.g. the judgments file).
    pub fn source(mut self, s: impl Into<String>) -> Self {
        self.source = s.into();
        self
    }

    /// Sets the simulated workers per archetype and task slots per worker.
    pub fn simulation(mut self, runs: u64, tasks: u64) -> Self {
        self.sim_runs = runs;
        self.sim_tasks = tasks;
        self
    }

    /// Checks the options before any work.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `method` (not in the registry) or
    /// `confidence` (outside (0, 1)).
    pub fn validate(&self) -> Result<()> {
        if crowdqc_aggregation::registry::method(&self.method).is_none() {
            let names: Vec<&str> = crowdqc_aggregation::registry::METHODS
                .iter()
                .map(|m| m.name)
                .collect();
            return Err(Error::param(
                "method",
                format!(
                    "unknown method `{}`; one of {}",
                    self.method,
                    names.join(", ")
                ),
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::param(
                "confidence",
                format!("must be in (0, 1), got {}", self.confidence),
            ));
        }
        Ok(())
    }
}

/// Checks an output path before any work: it must end in `.html` (or `.htm`).
///
/// # Errors
/// [`Error::InvalidParameter`] naming `out`.
pub fn check_output_path(path: &Path) -> Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => Ok(()),
        _ => Err(Error::param(
            "out",
            format!(
                "the report is one HTML file: give a path ending in .html, got `{}`",
                path.display()
            ),
        )),
    }
}

/// Everything the report shows, as the libraries computed it.
#[derive(Debug, Clone)]
pub struct QualityReport {
    /// The options it was built with.
    pub options: ReportOptions,
    /// Counts, classes, redundancy, duplicates, gold join.
    pub data: MatrixSummary,
    /// Judgments per item, indexed by item.
    pub per_item: Vec<u64>,
    /// Judgments per worker, indexed by worker.
    pub per_worker: Vec<u64>,
    /// Every agreement coefficient with its interval.
    pub agreement: AgreementReport,
    /// Per-item agreement, indexed by item.
    pub item_agreement: Vec<ItemAgreement>,
    /// Truth inference.
    pub truth: TruthSection,
    /// Per-worker reliability.
    pub workers: WorkersSection,
    /// Gold scores (when the matrix has gold).
    pub gold: Option<GoldScoreReport>,
    /// Policy decisions and curves (with a policy).
    pub policy: Option<PolicySection>,
}

impl QualityReport {
    /// Builds every section from `m` (with its gold, when it has any) and an optional
    /// access policy.
    ///
    /// # Errors
    /// Invalid options; a method that cannot fit the data (e.g. `kos` on three
    /// classes); errors of the libraries' reports.
    pub fn build(
        m: &JudgmentMatrix,
        opts: &ReportOptions,
        policy: Option<&Policy>,
    ) -> Result<Self> {
        Self::build_with_progress(m, opts, policy, None, &NoProgress)
    }

    /// [`QualityReport::build`] with a pay table (worker statements then give
    /// effective hourly pay; needs a policy and a `duration_ms` column), reporting the
    /// fit and simulations to `progress`.
    ///
    /// # Errors
    /// As [`QualityReport::build`]; a pay table without a policy (`pay`) or without
    /// durations (`duration_ms`); a policy with a pay rule and no pay table (`--pay`);
    /// [`Error::Interrupted`].
    pub fn build_with_progress(
        m: &JudgmentMatrix,
        opts: &ReportOptions,
        policy: Option<&Policy>,
        pay: Option<&PayTable>,
        progress: &dyn Progress,
    ) -> Result<Self> {
        opts.validate()?;
        if pay.is_some() && policy.is_none() {
            return Err(Error::param(
                "pay",
                "pay is shown in the worker statements, which need a policy: add --policy \
                 POLICY.toml",
            ));
        }
        // pay is checked before the (long) fit: a pay rule needs a table, a table needs
        // durations
        let worker_pay = match (policy, pay) {
            (Some(p), Some(table)) => {
                crowdqc_policy::check_pay(p, Some(table))?;
                Some(crowdqc_policy::pay::pay_by_worker(m, table)?)
            }
            (Some(p), None) => {
                crowdqc_policy::check_pay(p, None)?;
                None
            }
            _ => None,
        };
        let agreement_opts =
            crowdqc_agreement::ReportOptions::default().confidence(opts.confidence);
        let agreement = crowdqc_agreement::report(m, &agreement_opts)?;
        let model = crowdqc_aggregation::registry::fit_with_progress(
            &opts.method,
            m,
            &crowdqc_aggregation::registry::RunOptions::default(),
            progress,
        )?;
        let truth = TruthSection::build(m, model.as_ref(), opts.top);
        let gold = if m.gold().is_empty() {
            None
        } else {
            let params = crowdqc_gold::GoldParams::new().confidence(opts.confidence);
            Some(GoldScoreReport::build(
                m,
                &params,
                Some(model.as_ref()),
                &[],
            )?)
        };
        let workers = WorkersSection::build(m, model.as_ref(), gold.as_ref(), opts.confidence)?;
        let policy = match policy {
            Some(p) => Some(PolicySection::build(
                m,
                p,
                pay.zip(worker_pay.as_deref()),
                opts,
                model.as_ref(),
                progress,
            )?),
            None => None,
        };
        Ok(QualityReport {
            options: opts.clone(),
            data: MatrixSummary::of(m),
            per_item: (0..m.n_items() as u32)
                .map(|i| m.item_count(i) as u64)
                .collect(),
            per_worker: (0..m.n_workers() as u32)
                .map(|w| m.worker_count(w) as u64)
                .collect(),
            agreement,
            item_agreement: crowdqc_agreement::item_agreement(m),
            truth,
            workers,
            gold,
            policy,
        })
    }

    /// The report as one HTML page.
    ///
    /// # Errors
    /// A chart that cannot be drawn (not expected).
    pub fn to_html(&self) -> Result<String> {
        let mut s = vec![
            sections::data::render(self)?,
            sections::agreement::render(self)?,
            self.truth.render()?,
            self.workers.render()?,
        ];
        if let Some(g) = &self.gold {
            s.push(sections::gold::render(g, self.options.top)?);
        }
        if let Some(p) = &self.policy {
            s.push(p.render()?);
            s.push(sections::statements::render(&p.statements)?);
        }
        let mut sub = format!(
            "{} judgments of {} items by {} workers",
            self.data.judgments, self.data.items, self.data.workers
        );
        if !self.options.source.is_empty() {
            sub = format!("{}: {sub}", self.options.source);
        }
        Ok(html::page(&self.options.title, &sub, &s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_must_be_html() {
        assert!(check_output_path(Path::new("r.html")).is_ok());
        assert!(check_output_path(Path::new("dir/R.HTM")).is_ok());
        for bad in ["r.htm.txt", "report", "r.pdf", "html"] {
            let e = check_output_path(Path::new(bad)).expect_err(bad);
            let msg = e.to_string();
            assert!(msg.contains("out") && msg.contains(".html"), "{msg}");
            assert!(e.is_user_error());
        }
    }

    #[test]
    fn bad_options_name_the_parameter() {
        let e = ReportOptions::new()
            .method("nope")
            .validate()
            .expect_err("method");
        assert!(e.to_string().contains("method"), "{e}");
        let e = ReportOptions::new()
            .confidence(1.0)
            .validate()
            .expect_err("conf");
        assert!(e.to_string().contains("confidence"), "{e}");
    }
}
