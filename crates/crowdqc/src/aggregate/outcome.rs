//! [`Outcome`]: what `crowdqc aggregate` reports, as JSON (`Serialize`) and text
//! (`Display`).

use std::fmt;

use crowdqc_aggregation::auto::AutoReport;
use crowdqc_aggregation::report::AggregateSummary;
use crowdqc_aggregation::state::WarmStart;

/// What `crowdqc aggregate` reports: the library's summary, the files written, the time
/// taken, and what `auto` chose or how the saved model was matched.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    /// Data, fit, label distribution, gold use and evaluation.
    #[serde(flatten)]
    pub summary: AggregateSummary,
    /// The items table written.
    pub out: Option<String>,
    /// The workers table written.
    pub workers_out: Option<String>,
    /// Time taken (the caller fills in `read`).
    pub seconds: Seconds,
    /// What `auto` chose and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto: Option<AutoReport>,
    /// How `init_from` matched the data's workers to the saved model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warm_start: Option<WarmStart>,
    /// Where the model was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_model: Option<String>,
}

/// Seconds reading, fitting and writing.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Seconds {
    /// Reading the judgments (measured by the caller).
    pub read: f64,
    /// Fitting.
    pub fit: f64,
    /// Writing the tables and the saved model.
    pub write: f64,
}

impl fmt::Display for Outcome {
    /// The text output of `crowdqc aggregate`: `auto`'s choice, the warm start, the
    /// summary, the files written and the time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(a) = &self.auto {
            write!(f, "{a}")?;
        }
        if let Some(w) = &self.warm_start {
            write!(f, "{w}")?;
        }
        write!(f, "{}", self.summary)?;
        for p in [&self.out, &self.workers_out, &self.saved_model]
            .into_iter()
            .flatten()
        {
            writeln!(f, "wrote        {p}")?;
        }
        let s = &self.seconds;
        writeln!(
            f,
            "time         read {:.2} s, fit {:.2} s, write {:.2} s",
            s.read, s.fit, s.write
        )
    }
}
