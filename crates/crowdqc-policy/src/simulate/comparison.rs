//! [`SimComparison`]: several policies simulated with the same settings, side by side
//! (what `crowdqc policy simulate` prints).

use std::fmt;

use serde::Serialize;

use super::SimReport;
use crate::spec::Policy;

/// The warnings of one policy file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyWarnings {
    /// Policy name.
    pub policy: String,
    /// Its warnings, in words.
    pub warnings: Vec<String>,
}

/// Simulation reports of several policies (same settings), with each policy's
/// warnings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimComparison {
    /// Warnings per policy, in input order.
    pub warnings: Vec<PolicyWarnings>,
    /// One report per policy, in input order.
    pub reports: Vec<SimReport>,
}

impl SimComparison {
    /// The comparison of `reports`, simulated from `policies` (same order).
    pub fn new(policies: &[Policy], reports: Vec<SimReport>) -> Self {
        SimComparison {
            warnings: policies
                .iter()
                .map(|p| PolicyWarnings {
                    policy: p.name.clone(),
                    warnings: p.warnings.clone(),
                })
                .collect(),
            reports,
        }
    }
}

impl fmt::Display for SimComparison {
    /// Per policy its warnings and [`SimReport::text`]; with several policies, then
    /// [`SimReport::compare_markdown`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.reports.iter().enumerate() {
            for w in self.warnings.get(i).map_or(&[][..], |w| &w.warnings) {
                writeln!(f, "warning: {w}")?;
            }
            writeln!(f, "{}", r.text())?;
        }
        if self.reports.len() > 1 {
            writeln!(
                f,
                "side by side: P(restricted = ban, suspend or untrust) (median gold answers \
                 until it) · share of work on gold\n"
            )?;
            f.write_str(&SimReport::compare_markdown(&self.reports))?;
        }
        Ok(())
    }
}
