//! `crowdqc aggregate`: truth inference with any method of the registry.

use std::path::PathBuf;
use std::time::Instant;

use crowdqc::Result;
use crowdqc::aggregate::Request;
use crowdqc::terminal::Bar;

use crate::args::FitOutput;
use crate::common::{self, InputOpts};

/// Arguments of `crowdqc aggregate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: PathBuf,
    /// Method: mv, wmv, wawa, zbs, gold-mv, ds, one-coin-ds, glad, mace, kos, mmsr,
    /// minimax, minimax-ordinal, auto (see docs/cli.md).
    #[arg(long, default_value = "ds", value_name = "METHOD")]
    pub method: String,
    /// Ordered classes (numeric, or --classes order): minimax-ordinal for minimax and auto.
    #[arg(long)]
    pub ordinal: bool,
    /// Known labels the method uses (ds clamps them, gold-mv weights by them).
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// Labels used only to report accuracy, never to fit (a gold file).
    #[arg(long = "eval", value_name = "EVAL_GOLD")]
    pub eval: Option<PathBuf>,
    #[command(flatten)]
    pub output: FitOutput,
    /// Per-worker weights for `--method wmv` (columns worker, weight).
    #[arg(long, value_name = "WEIGHTS")]
    pub weights: Option<PathBuf>,
    /// Maximum iterations (iterative methods; default: the method's own).
    #[arg(long, value_name = "N")]
    pub max_iter: Option<usize>,
    /// Convergence tolerance (iterative methods; default: the method's own).
    #[arg(long, value_name = "T")]
    pub tol: Option<f64>,
    /// Seed of randomised methods (mv: ties broken at random with this seed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Save the fitted model (ds, one-coin-ds) here, for `--init-from` on later data.
    #[arg(long = "save-model", value_name = "MODEL")]
    pub save_model: Option<PathBuf>,
    /// Start the fit (ds, one-coin-ds) from a model saved with `--save-model`.
    #[arg(long = "init-from", value_name = "MODEL")]
    pub init_from: Option<PathBuf>,
    /// Directory for spill files: two-pass codes, or out-of-core runs (ds, one-coin-ds).
    #[arg(long = "spill-dir", value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputOpts,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    let mut a = Request::new(&args.method)
        .ordinal(args.ordinal)
        .gold(args.gold.is_some())
        .eval(args.eval)
        .weights(args.weights)
        .max_iter(args.max_iter)
        .tol(args.tol)
        .seed(args.seed)
        .save_model(args.save_model)
        .init_from(args.init_from)
        .outputs(args.output.out.clone(), args.output.workers_out)
        .open()?;
    // out of core (with --spill-dir) when even two passes would not fit the memory
    let ooc = crowdqc::out_of_core::plan(&args.judgments, args.spill_dir.as_deref())?;
    if let (Some(plan), Some(dir)) = (ooc, &args.spill_dir) {
        let opts = args.input.ingest_options()?;
        let req = crowdqc::out_of_core::Request {
            method: a.method(),
            opts: &opts,
            max_iter: args.max_iter,
            tol: args.tol,
            out: args.output.out.as_deref(),
            unsupported: &a.out_of_core_unsupported(),
        };
        let s = crowdqc::out_of_core::aggregate(&args.judgments, dir, &plan, &req, &Bar::stderr())?;
        return args.output.format.print(&s, || s.to_string());
    }
    // one or two passes over the file, from its row count and the memory; a file that
    // cannot fit either way is refused before reading
    let plan = crowdqc::io::plan_read_spilled(&args.judgments, args.spill_dir.as_deref())?;
    a.check_in_memory()?;
    let opts = args.input.ingest_options()?;
    // evaluation gold is read and validated before the (long) judgments
    a.read_eval(&opts.columns)?;
    let t0 = Instant::now();
    let m = common::load(
        &args.judgments,
        &args.input,
        args.gold.as_deref(),
        Some(&plan),
    )?;
    let read = t0.elapsed().as_secs_f64();
    let mut outcome = a.run(&m, &opts.columns, &Bar::stderr())?;
    outcome.seconds.read = read;
    args.output.format.print(&outcome, || outcome.to_string())
}
