//! The policy step shared by `pairwise policy` and `ratings policy`: evaluate a policy
//! over per-worker evidence built by a task type's library, print and write the
//! decisions exactly as `crowdqc policy eval` does.

use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::core::Id;
use crowdqc::core::evidence::WorkerEvidence;
use crowdqc::policy::{Evaluation, EvidenceTable, Policy, read_policy};

use crate::common::{self, Format};

/// Policy, decisions output and format (flattened into the task types' `policy`).
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Write the decisions table here (.parquet or .csv): worker, action,
    /// duration_ms, untrust, rules, tier, explanation.
    #[arg(long, value_name = "DECISIONS")]
    pub out: Option<PathBuf>,
    /// Also list workers for whom nothing fired (text output).
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

impl PolicyArgs {
    /// Reads the policy and checks the output path (before any long work).
    ///
    /// # Errors
    /// An unreadable or invalid policy, an unwritable output path.
    pub fn open(&self) -> Result<Policy> {
        let policy = read_policy(&self.policy)?;
        if let Some(p) = &self.out {
            crowdqc::io::check_output_path(p)?;
        }
        Ok(policy)
    }

    /// Evaluates `policy` for every worker of `rows`, writes and prints the decisions.
    ///
    /// # Errors
    /// Writing the decisions table.
    pub fn decide(&self, policy: &Policy, rows: Vec<(Id, WorkerEvidence)>) -> Result<()> {
        self.show(&policy.evaluate_table(&EvidenceTable::from_evidence(rows, policy)))
    }

    /// Writes the decisions table to `--out` (if given) and prints the evaluation
    /// (text, or JSON with only the workers something happened to unless `--all`).
    ///
    /// # Errors
    /// Writing the table or stdout.
    pub fn show(&self, r: &Evaluation) -> Result<()> {
        if let Some(p) = &self.out {
            crowdqc::io::write_table(p, &r.to_record_batch()?)?;
        }
        common::print_out(&match self.format {
            Format::Json => {
                let mut shown = r.clone();
                shown.decisions.retain(|d| self.all || d.is_event());
                common::to_json(&shown)?
            }
            Format::Text => r.text(self.all),
        })
    }
}
