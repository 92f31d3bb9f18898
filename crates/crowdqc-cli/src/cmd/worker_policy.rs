//! The policy step shared by `policy eval`, `pairwise policy` and `ratings policy`.

use std::path::PathBuf;

use crowdqc::Result;
use crowdqc::core::Id;
use crowdqc::core::evidence::WorkerEvidence;
use crowdqc::policy::{Evaluation, EvidenceTable, Policy, read_policy};

use crate::args::Output;

/// Policy, decisions output and format (flattened into the task types' `policy`).
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Policy file (TOML).
    #[arg(long, value_name = "P.toml")]
    pub policy: PathBuf,
    /// Also list workers for whom nothing fired.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub output: Output,
}

impl PolicyArgs {
    /// Reads the policy and checks the output path (before any long work).
    pub fn open(&self) -> Result<Policy> {
        let policy = read_policy(&self.policy)?;
        self.output.check()?;
        Ok(policy)
    }

    /// Evaluates `policy` for every worker of `rows`, writes and prints the decisions.
    pub fn decide(&self, policy: &Policy, rows: Vec<(Id, WorkerEvidence)>) -> Result<()> {
        self.show(&policy.evaluate_table(&EvidenceTable::from_evidence(rows, policy)))
    }

    /// Writes the decisions to `--out` and prints them (JSON: only the workers something
    /// happened to, unless `--all`).
    pub fn show(&self, r: &Evaluation) -> Result<()> {
        self.output.write(|| r.to_record_batch())?;
        let mut shown = r.clone();
        shown.decisions.retain(|d| self.all || d.is_event());
        self.output.format.print(&shown, || r.text(self.all))
    }
}
