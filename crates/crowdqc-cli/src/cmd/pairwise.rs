//! `crowdqc pairwise aggregate|policy`: scores from pairwise comparisons, policy decisions.

use std::path::PathBuf;
use std::time::Instant;

use crowdqc::Result;
use crowdqc::pairwise::{Comparisons, Method, PairwiseOptions, PairwiseParams};
use crowdqc::pipeline::pairwise;

use super::worker_policy::PolicyArgs;
use crate::args::FitOutput;

/// Subcommands of `crowdqc pairwise`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Score items from pairwise comparisons and estimate worker reliability.
    Aggregate(Box<AggregateArgs>),
    /// Evaluate an access policy for every worker from gold comparisons.
    Policy(Box<PolicyCmd>),
}

/// How to read a comparisons file.
#[derive(Debug, Clone, clap::Args)]
pub struct Input {
    /// Comparisons file (.parquet, .csv, .arrow/.ipc): worker, left, right, winner (or
    /// crowd-kit's `label`), or worker, winner, loser (docs/cli.md).
    pub comparisons: PathBuf,
    /// Method: bt, bt-ties, noisy-bt, crowd-bt, elo, win-rate.
    #[arg(long, default_value = "crowd-bt", value_name = "METHOD")]
    pub method: String,
    /// Name of the worker column (default `worker`, `performer`, `annotator`).
    #[arg(long, value_name = "NAME")]
    pub worker_column: Option<String>,
    /// Name of the left item column (default `left`).
    #[arg(long, value_name = "NAME")]
    pub left_column: Option<String>,
    /// Name of the right item column (default `right`).
    #[arg(long, value_name = "NAME")]
    pub right_column: Option<String>,
    /// Name of the outcome column (default `winner`, or crowd-kit's `label`).
    #[arg(long, value_name = "NAME")]
    pub winner_column: Option<String>,
    /// Name of the loser column of the winner/loser layout (default `loser`).
    #[arg(long, value_name = "NAME")]
    pub loser_column: Option<String>,
    /// Outcome values meaning a tie, comma-separated (default tie,draw,equal,=).
    #[arg(long, value_delimiter = ',', value_name = "MARKERS")]
    pub tie_markers: Option<Vec<String>>,
    /// Repeated (worker, pair) rows: keep-all, first, last or error.
    #[arg(long, default_value = "keep-all", value_name = "POLICY")]
    pub duplicates: String,
}

impl Input {
    fn options(&self) -> Result<PairwiseOptions> {
        let d = PairwiseOptions::default();
        Ok(PairwiseOptions {
            worker: self.worker_column.clone(),
            left: self.left_column.clone(),
            right: self.right_column.clone(),
            winner: self.winner_column.clone(),
            loser: self.loser_column.clone(),
            duplicates: self.duplicates.parse()?,
            tie_markers: self.tie_markers.clone().unwrap_or(d.tie_markers),
        })
    }

    /// Reads the comparisons; prints the disconnected-graph warning on stderr.
    fn load(&self) -> Result<Comparisons> {
        let data = pairwise::load(&self.comparisons, self.options()?)?;
        if let Some(w) = data.report().disconnected_warning() {
            eprintln!("{w}");
        }
        Ok(data)
    }
}

/// Arguments of `crowdqc pairwise aggregate`.
#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    #[command(flatten)]
    pub input: Input,
    #[command(flatten)]
    pub output: FitOutput,
    /// Gold levels (item, numeric level) used only to evaluate the scores: tau-b, rho.
    #[arg(long = "eval", value_name = "LEVELS")]
    pub eval: Option<PathBuf>,
    /// Maximum iterations (default: 100 for bt/bt-ties, 500 for crowd-bt/noisy-bt).
    #[arg(long, value_name = "N")]
    pub max_iter: Option<usize>,
    /// Convergence tolerance (default 1e-5).
    #[arg(long, value_name = "T")]
    pub tol: Option<f64>,
    /// Virtual wins and losses of every item against a unit-strength item (default 0).
    #[arg(long, value_name = "LAMBDA")]
    pub prior: Option<f64>,
    /// Standard errors from this many seeded bootstrap resamples.
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Elo K-factor.
    #[arg(long, default_value_t = 32.0, value_name = "K")]
    pub elo_k: f64,
}

/// Arguments of `crowdqc pairwise policy`.
#[derive(Debug, clap::Args)]
pub struct PolicyCmd {
    #[command(flatten)]
    pub input: Input,
    /// Gold comparisons (known winners) or `item, level` (known levels; docs/cli.md).
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Runs a `pairwise` subcommand.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Aggregate(a) => aggregate(*a),
        Command::Policy(a) => policy(*a),
    }
}

fn aggregate(args: AggregateArgs) -> Result<()> {
    let mut p = PairwiseParams::new(args.input.method.parse()?)
        .seed(args.seed)
        .elo_k(args.elo_k);
    p = args.max_iter.map_or(p.clone(), |n| p.max_iter(n));
    p = args.tol.map_or(p.clone(), |t| p.tol(t));
    p = args.prior.map_or(p.clone(), |x| p.prior(x));
    p = args.bootstrap.map_or(p.clone(), |b| p.bootstrap(b));
    p.validate()?;
    let tables = args.output.tables();
    tables.check()?;
    let levels = args
        .eval
        .as_deref()
        .map(pairwise::read_levels)
        .transpose()?;
    let t0 = Instant::now();
    let data = args.input.load()?;
    let read = t0.elapsed().as_secs_f64();
    let mut r = pairwise::aggregate(&data, &p, levels.as_deref(), &tables)?;
    r.seconds.read = read;
    args.output.format.print(&r, || r.to_string())
}

fn policy(a: PolicyCmd) -> Result<()> {
    let method: Method = a.input.method.parse()?;
    let policy = a.policy.open()?;
    let data = a.input.load()?;
    let opts = a.input.options()?;
    let params = PairwiseParams::new(method);
    let evidence = pairwise::policy_evidence(&data, &a.gold, &opts, &params)?;
    a.policy.decide(&policy, evidence)
}
