//! `crowdqc pairwise aggregate|policy`: the pairwise-comparison task type, mirroring
//! the top-level commands: item scores with standard errors, intervals and ranks,
//! worker reliability; policy decisions from gold comparisons.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crowdqc::Result;
use crowdqc::pairwise::eval::{RankingEval, evaluate_fit};
use crowdqc::pairwise::gold::{KnownOrder, evidence_by_worker, levels_from_batches};
use crowdqc::pairwise::{
    Comparisons, ComparisonsBuilder, Method, PairwiseOptions, PairwiseParams, PairwiseSummary,
};

use super::worker_policy::PolicyArgs;
use crate::common::{self, Format};

/// Subcommands of `crowdqc pairwise`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Score items from pairwise comparisons (worker, left, right, winner) and estimate
    /// worker reliability: bt, bt-ties, noisy-bt, crowd-bt, elo, win-rate.
    Aggregate(Box<AggregateArgs>),
    /// Evaluate an access policy for every worker from gold comparisons (known
    /// winners or known item levels) and the fitted reliability (`model_accuracy`).
    Policy(Box<PolicyCmd>),
}

/// How to read a comparisons file.
#[derive(Debug, Clone, clap::Args)]
pub struct Input {
    /// Comparisons file (.parquet, .csv, .arrow/.ipc): worker, left, right, winner
    /// (crowd-kit's `label`: the winning item's id, `left`, `right`, or a tie marker),
    /// or worker, winner, loser.
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
        let mut opts = PairwiseOptions {
            worker: self.worker_column.clone(),
            left: self.left_column.clone(),
            right: self.right_column.clone(),
            winner: self.winner_column.clone(),
            loser: self.loser_column.clone(),
            duplicates: self.duplicates.parse()?,
            ..PairwiseOptions::default()
        };
        if let Some(t) = &self.tie_markers {
            opts.tie_markers.clone_from(t);
        }
        Ok(opts)
    }

    fn load(&self) -> Result<Comparisons> {
        let path = &self.comparisons;
        let mut b = ComparisonsBuilder::new(self.options()?)?;
        for batch in crowdqc::io::BatchReader::open(path)? {
            b.push_batch(&batch?).map_err(|e| e.in_file(path))?;
        }
        let data = b.finish().map_err(|e| e.in_file(path))?;
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
    #[allow(missing_docs)]
    pub input: Input,
    /// Write one row per item: item, score, stderr, lower, upper, rank, log_strength,
    /// comparisons, wins, component.
    #[arg(long, value_name = "ITEMS")]
    pub out: Option<PathBuf>,
    /// Write one row per worker: worker, comparisons, ties, agreement, reliability, bias.
    #[arg(long = "workers-out", value_name = "WORKERS")]
    pub workers_out: Option<PathBuf>,
    /// Gold levels used only to evaluate the scores (an item column and a numeric
    /// `level`, `gold`, `label` or `true_label` column): Kendall's tau-b, Spearman's rho,
    /// pair accuracy.
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
    /// Standard errors from this many seeded bootstrap resamples instead of the
    /// observed information.
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Elo K-factor.
    #[arg(long, default_value_t = 32.0, value_name = "K")]
    pub elo_k: f64,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `crowdqc pairwise policy`.
#[derive(Debug, clap::Args)]
pub struct PolicyCmd {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: Input,
    /// Gold comparisons: `left, right, winner` or `winner, loser` (known winners), or
    /// `item, level` (known levels: the higher level wins).
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
}

/// Runs a `pairwise` subcommand.
///
/// # Errors
/// Those of the subcommand.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Aggregate(a) => aggregate(*a),
        Command::Policy(a) => policy(*a),
    }
}

fn params(a: &AggregateArgs) -> Result<PairwiseParams> {
    let mut p = PairwiseParams::new(a.input.method.parse()?)
        .seed(a.seed)
        .elo_k(a.elo_k);
    p = a.max_iter.map_or(p.clone(), |n| p.max_iter(n));
    p = a.tol.map_or(p.clone(), |t| p.tol(t));
    p = a.prior.map_or(p.clone(), |x| p.prior(x));
    p = a.bootstrap.map_or(p.clone(), |b| p.bootstrap(b));
    p.validate()?;
    Ok(p)
}

#[derive(Debug, serde::Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    summary: &'a PairwiseSummary,
    eval: Option<RankingEval>,
    out: Option<String>,
    workers_out: Option<String>,
    seconds: Seconds,
}

#[derive(Debug, serde::Serialize)]
struct Seconds {
    read: f64,
    fit: f64,
}

fn read_levels(path: &Path) -> Result<Vec<(crowdqc::core::Id, f64)>> {
    let t = crowdqc::io::read_table_with_lines(path)?;
    levels_from_batches(t.batches()).map_err(|e| t.locate(e))
}

fn aggregate(args: AggregateArgs) -> Result<()> {
    let params = params(&args)?;
    for p in [&args.out, &args.workers_out].into_iter().flatten() {
        crowdqc::io::check_output_path(p)?;
    }
    let levels = args.eval.as_deref().map(read_levels).transpose()?;
    let t0 = Instant::now();
    let data = args.input.load()?;
    let t_read = t0.elapsed();
    let fit = params.fit(&data)?;
    let t_fit = t0.elapsed() - t_read;
    let eval = levels
        .map(|l| evaluate_fit(&fit, l.iter().map(|(id, v)| (id.as_ref(), *v))))
        .transpose()?;
    if let Some(p) = &args.out {
        crowdqc::io::write_table(p, &fit.items_table()?)?;
    }
    if let Some(p) = &args.workers_out {
        crowdqc::io::write_table(p, &fit.workers_table()?)?;
    }
    let shown = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let o = Output {
        summary: &PairwiseSummary::new(&data, &fit),
        eval,
        out: shown(&args.out),
        workers_out: shown(&args.workers_out),
        seconds: Seconds {
            read: t_read.as_secs_f64(),
            fit: t_fit.as_secs_f64(),
        },
    };
    common::print_out(&match args.format {
        Format::Json => common::to_json(&o)?,
        Format::Text => {
            let mut t = o.summary.to_string();
            t += &o
                .eval
                .map_or(String::new(), |e| format!("eval         {e}\n"));
            for p in [&o.out, &o.workers_out].into_iter().flatten() {
                t += &format!("wrote        {p}\n");
            }
            t + &format!(
                "time         read {:.2} s, fit {:.2} s\n",
                o.seconds.read, o.seconds.fit
            )
        }
    })
}

fn policy(a: PolicyCmd) -> Result<()> {
    let method: Method = a.input.method.parse()?;
    let policy = a.policy.open()?;
    let data = a.input.load()?;
    let t = crowdqc::io::read_table_with_lines(&a.gold)?;
    let known = KnownOrder::from_batches(&data, t.batches(), &a.input.options()?)
        .map_err(|e| t.locate(e))?;
    let fit = PairwiseParams::new(method).fit(&data)?;
    a.policy
        .decide(&policy, evidence_by_worker(&data, Some(&known), Some(&fit)))
}
