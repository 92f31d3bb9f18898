//! `crowdqc aggregate`: truth inference with any method of the registry.

use std::path::PathBuf;
use std::time::Instant;

use crowdqc::aggregation::auto::{Auto, AutoReport};
use crowdqc::aggregation::registry::{self, RunOptions};
use crowdqc::aggregation::report::{self, AggregateSummary, EvalGold, GoldUse};
use crowdqc::aggregation::state::{self, ModelState, WarmStart};
use crowdqc::core::estimator::{Estimator, FittedModel};
use crowdqc::core::progress::Progress;
use crowdqc::{Error, Result};

use crate::args::{FitOutput, wrote_lines};
use crate::common::{self, InputOpts};
use crate::progress::Bar;

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

/// What `aggregate --format json` prints: the library's summary plus the files written
/// and the time taken.
#[derive(Debug, serde::Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    summary: &'a AggregateSummary,
    out: Option<String>,
    workers_out: Option<String>,
    seconds: Seconds,
    /// What `--method auto` chose and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    auto: Option<&'a AutoReport>,
    /// How `--init-from` matched the data's workers to the saved model.
    #[serde(skip_serializing_if = "Option::is_none")]
    warm_start: Option<WarmStart>,
    /// Where `--save-model` wrote the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    saved_model: Option<String>,
}

#[derive(Debug, serde::Serialize)]
struct Seconds {
    read: f64,
    fit: f64,
    write: f64,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    let info = report::resolve_method(&args.method, args.ordinal)?;
    args.output.check()?;
    if args.save_model.is_some() || args.init_from.is_some() {
        state::check_method(info.name)?;
    }
    if let Some(p) = &args.save_model {
        crowdqc::io::check_file_path(p)?;
    }
    // the saved model is read and checked before the (long) judgments
    let warm = args
        .init_from
        .as_deref()
        .map(ModelState::read)
        .transpose()?;
    // out of core (with --spill-dir) when even two passes would not fit the memory
    let ooc = crowdqc::out_of_core::plan(&args.judgments, args.spill_dir.as_deref())?;
    if let (Some(plan), Some(dir)) = (ooc, &args.spill_dir) {
        let a = &args;
        let unsupported = [
            ("gold", a.gold.is_some()),
            ("eval", a.eval.is_some()),
            ("workers-out", a.output.workers_out.is_some()),
            ("weights", a.weights.is_some()),
            ("save-model", a.save_model.is_some()),
            ("init-from", a.init_from.is_some()),
            ("seed", a.seed.is_some()),
        ];
        let opts = a.input.ingest_options()?;
        let req = crowdqc::out_of_core::Request {
            method: info.name,
            opts: &opts,
            max_iter: a.max_iter,
            tol: a.tol,
            out: a.output.out.as_deref(),
            unsupported: &unsupported,
        };
        let s = crowdqc::out_of_core::aggregate(&a.judgments, dir, &plan, &req, &Bar::stderr())?;
        return a.output.format.print(&s, || s.to_string());
    }
    // one or two passes over the file, from its row count and the memory; a file that
    // cannot fit either way is refused before reading
    let plan = crowdqc::io::plan_read_spilled(&args.judgments, args.spill_dir.as_deref())?;
    if info.name == "wmv" && args.weights.is_none() {
        return Err(Error::param(
            "weights",
            "--method wmv needs --weights WEIGHTS",
        ));
    }
    let opts = args.input.ingest_options()?;
    // evaluation gold is read and validated before the (long) judgments
    let eval_gold = match &args.eval {
        Some(p) => {
            let t = crowdqc::io::read_gold_table(p, &opts.columns)?;
            Some(EvalGold::from_batches(t.batches(), &opts.columns).map_err(|e| t.locate(e))?)
        }
        None => None,
    };
    let t0 = Instant::now();
    let m = common::load_planned(&args.judgments, &args.input, args.gold.as_deref(), &plan)?;
    let t_read = t0.elapsed();
    report::check_method_data(info, &m)?;
    let weights = match &args.weights {
        Some(p) => {
            let t = crowdqc::io::read_weights_table(p, &opts.columns)?;
            Some(report::worker_weights(&m, t.batches(), &opts.columns).map_err(|e| t.locate(e))?)
        }
        None => None,
    };
    let use_gold = args.gold.is_some() && info.uses_gold;
    let run = RunOptions {
        max_iter: args.max_iter,
        tol: args.tol,
        seed: args.seed,
        use_gold,
        weights,
    };
    let t1 = Instant::now();
    let bar = Bar::stderr();
    bar.start(&format!("fitting {}", info.name), None);
    let mut warm_start = None;
    let mut saved: Option<ModelState> = None;
    // ds and one-coin-ds keep no items x K posterior table: the items are computed
    // chunk by chunk as they are written (the same values)
    let mut ds = None;
    let (other, auto) = if state::check_method(info.name).is_ok() {
        let r = state::fit_streamed(info.name, &m, &run, warm.as_ref(), &bar);
        bar.finish();
        let (model, w) = r.map_err(|e| match (&args.init_from, &e) {
            (Some(p), Error::InvalidParameter { name, .. }) if name == "init-from" => e.in_file(p),
            _ => e,
        })?;
        warm_start = w;
        if args.save_model.is_some() {
            saved = Some(ModelState::from_model(info.name, &m, &model));
        }
        ds = Some(model);
        (None, None)
    } else if info.name == "auto" {
        let mut p = Auto::params().ordinal(args.ordinal);
        if let Some(s) = run.seed {
            p = p.seed(s);
        }
        let r = p.fit_with_progress(&m, &bar);
        bar.finish();
        let (model, report) = r?.into_parts();
        (Some(model), Some(report))
    } else {
        let r = registry::fit_with_progress(info.name, &m, &run, &bar);
        bar.finish();
        (Some(r?), None)
    };
    let model: &dyn FittedModel = match (&ds, &other) {
        (Some(d), _) => d,
        (None, Some(o)) => o.as_ref(),
        (None, None) => return Err(Error::insufficient("no model was fitted")),
    };
    let t_fit = t1.elapsed();
    let t2 = Instant::now();
    let streamed = ds.as_ref().map(|d| {
        state::stream_items(&m, d, eval_gold.is_some(), |s| match &args.output.out {
            Some(p) => crowdqc::io::write_batches(p, s),
            None => s.count_all(),
        })
    });
    let (counts, labels) = streamed.transpose()?.unzip();
    if let (None, Some(p)) = (&ds, &args.output.out) {
        crowdqc::io::write_batches(p, report::item_batches(&m, model))?;
    }
    if let Some(p) = &args.output.workers_out {
        crowdqc::io::write_table(p, &report::workers_table(&m, model)?)?;
    }
    if let (Some(p), Some(s)) = (&args.save_model, &saved) {
        crowdqc::io::write_atomic(p, |w| s.write_to(w))?;
    }
    let t_write = t2.elapsed();
    let eval = eval_gold.map(|g| {
        let labels = labels.flatten().unwrap_or_else(|| model.labels());
        g.evaluate(&m, &labels, use_gold)
    });
    let items = m.gold().len() as u64;
    let gold = args.gold.as_ref().map(|_| {
        if info.uses_gold {
            GoldUse::Used { items }
        } else {
            GoldUse::Ignored { items }
        }
    });
    let mut summary = AggregateSummary::new(&m, model, gold, eval);
    for (d, c) in summary
        .label_distribution
        .iter_mut()
        .zip(counts.iter().flatten())
    {
        d.items = *c;
    }
    let [out, workers_out] = args.output.shown();
    let output = Output {
        summary: &summary,
        out,
        workers_out,
        seconds: Seconds {
            read: t_read.as_secs_f64(),
            fit: t_fit.as_secs_f64(),
            write: t_write.as_secs_f64(),
        },
        auto: auto.as_ref(),
        warm_start,
        saved_model: args.save_model.as_ref().map(|p| p.display().to_string()),
    };
    args.output.format.print(&output, || text(&output))
}

fn text(o: &Output<'_>) -> String {
    let mut t = o.auto.map(ToString::to_string).unwrap_or_default();
    t += &o
        .warm_start
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    t += &o.summary.to_string();
    t += &wrote_lines(&[o.out.clone(), o.workers_out.clone(), o.saved_model.clone()]);
    let s = &o.seconds;
    t + &format!(
        "time         read {:.2} s, fit {:.2} s, write {:.2} s\n",
        s.read, s.fit, s.write
    )
}
