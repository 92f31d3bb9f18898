//! `crowdqc aggregate`: truth inference with any method of the registry; item and
//! worker tables to Parquet/CSV, a summary (text or JSON) on stdout.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use crowdqc::aggregation::auto::{Auto, AutoReport};
use crowdqc::aggregation::registry::{self, RunOptions};
use crowdqc::aggregation::report::{self, AggregateSummary, EvalGold, GoldUse};
use crowdqc::aggregation::state::{self, ModelState, WarmStart};
use crowdqc::core::estimator::{Estimator, FittedModel};
use crowdqc::core::progress::Progress;
use crowdqc::{Error, Result};

use crate::common::{self, Format, InputOpts};
use crate::progress::Bar;

/// Arguments of `crowdqc aggregate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: PathBuf,
    /// Method: mv, wmv, wawa, zbs, gold-mv, ds, one-coin-ds, glad, mace, kos, mmsr,
    /// minimax, minimax-ordinal, auto (picks a gold-free method by held-out judgment
    /// likelihood and prints what it chose and why).
    #[arg(long, default_value = "ds", value_name = "METHOD")]
    pub method: String,
    /// Treat the classes as ordered (lowest to highest: numeric labels, or the order
    /// given by --classes): `--method minimax --ordinal` runs minimax-ordinal, and
    /// `--method auto --ordinal` also compares minimax-ordinal.
    #[arg(long)]
    pub ordinal: bool,
    /// Known labels the method uses (ds clamps these items; gold-mv weights workers by
    /// them); other methods ignore them and say so.
    #[arg(long, value_name = "GOLD")]
    pub gold: Option<PathBuf>,
    /// Labels used only to report accuracy, never to fit (item column + label,
    /// true_label or gold).
    #[arg(long = "eval", value_name = "EVAL_GOLD")]
    pub eval: Option<PathBuf>,
    /// Write one row per item: item, label, confidence, and the posterior of each class.
    #[arg(long, value_name = "ITEMS")]
    pub out: Option<PathBuf>,
    /// Write one row per worker: worker, judgments, accuracy, and the method's own
    /// per-worker parameters.
    #[arg(long = "workers-out", value_name = "WORKERS")]
    pub workers_out: Option<PathBuf>,
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
    /// Save the fitted model (ds, one-coin-ds: priors, confusion matrices, worker and
    /// class ids, fit report) to this file, for `--init-from` on later data.
    #[arg(long = "save-model", value_name = "MODEL")]
    pub save_model: Option<PathBuf>,
    /// Start the fit (ds, one-coin-ds) from a model saved with `--save-model`: known
    /// workers start from their saved confusion, new workers from the model's mean
    /// confusion; the classes must be the model's.
    #[arg(long = "init-from", value_name = "MODEL")]
    pub init_from: Option<PathBuf>,
    /// Directory for spill files: a two-pass read's codes, or the runs of an out-of-core fit (ds, one-coin-ds) when even two passes would not fit the memory.
    #[arg(long = "spill-dir", value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
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
///
/// # Errors
/// Unknown method, unreadable inputs, bad parameters, or a failed fit.
pub fn run(args: Args) -> Result<()> {
    let name = match (args.method.as_str(), args.ordinal) {
        ("minimax" | "minimax-ordinal", true) => "minimax-ordinal",
        ("auto", true) => "auto",
        (other, true) => {
            return Err(Error::param(
                "ordinal",
                format!("--ordinal applies to --method minimax or auto, not `{other}`"),
            ));
        }
        (other, false) => other,
    };
    let info = registry::method(name).ok_or_else(|| {
        Error::param(
            "method",
            format!(
                "unknown method `{}`; one of {}",
                args.method,
                registry::METHODS
                    .iter()
                    .map(|m| m.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    for p in [&args.out, &args.workers_out].into_iter().flatten() {
        crowdqc::io::check_output_path(p)?;
    }
    let stateful = args.save_model.is_some() || args.init_from.is_some();
    if stateful {
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
    if let (Some(plan), Some(dir)) = (
        crowdqc::out_of_core::plan(&args.judgments, args.spill_dir.as_deref())?,
        &args.spill_dir,
    ) {
        let a = &args;
        let unsupported = [
            ("gold", a.gold.is_some()),
            ("eval", a.eval.is_some()),
            ("workers-out", a.workers_out.is_some()),
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
            out: a.out.as_deref(),
            unsupported: &unsupported,
        };
        let s = crowdqc::out_of_core::aggregate(&a.judgments, dir, &plan, &req, &Bar::stderr())?;
        return common::print_out(&match a.format {
            Format::Json => common::to_json(&s)?,
            Format::Text => s.to_string(),
        });
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
    if info.name == "kos" {
        let seen = m.classes().counts().iter().filter(|&&c| c > 0).count();
        if seen != 2 {
            return Err(Error::param(
                "method",
                format!("kos handles exactly two classes; the judgments have {seen}"),
            ));
        }
    }
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
        state::stream_items(&m, d, eval_gold.is_some(), |s| match &args.out {
            Some(p) => crowdqc::io::write_batches(p, s),
            None => s.count_all(),
        })
    });
    let (counts, labels) = streamed.transpose()?.unzip();
    if let (None, Some(p)) = (&ds, &args.out) {
        crowdqc::io::write_batches(p, report::item_batches(&m, model))?;
    }
    if let Some(p) = &args.workers_out {
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
    let output = Output {
        summary: &summary,
        out: args.out.as_ref().map(|p| p.display().to_string()),
        workers_out: args.workers_out.as_ref().map(|p| p.display().to_string()),
        seconds: Seconds {
            read: t_read.as_secs_f64(),
            fit: t_fit.as_secs_f64(),
            write: t_write.as_secs_f64(),
        },
        auto: auto.as_ref(),
        warm_start,
        saved_model: args.save_model.as_ref().map(|p| p.display().to_string()),
    };
    let text = match args.format {
        Format::Json => common::to_json(&output)?,
        Format::Text => text(&output),
    };
    common::print_out(&text)
}

fn text(o: &Output<'_>) -> String {
    let mut t = String::new();
    if let Some(a) = o.auto {
        let _ = writeln!(t, "auto chose   {}", a.chosen);
        let _ = writeln!(t, "why          {}", a.reason);
        for c in &a.candidates {
            match (c.heldout_loglik, &c.error) {
                (Some(v), _) => {
                    let _ = writeln!(t, "  {:<16} held-out log-likelihood {v:.5}", c.method);
                }
                (None, e) => {
                    let _ = writeln!(
                        t,
                        "  {:<16} not scored: {}",
                        c.method,
                        e.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    if let Some(w) = &o.warm_start {
        let _ = writeln!(
            t,
            "warm start   from a {} model of {} judgments: {} workers matched, {} new (mean confusion)",
            w.method, w.state_judgments, w.matched_workers, w.new_workers
        );
    }
    t.push_str(&o.summary.to_string());
    for p in [&o.out, &o.workers_out, &o.saved_model]
        .into_iter()
        .flatten()
    {
        let _ = writeln!(t, "wrote        {p}");
    }
    let _ = writeln!(
        t,
        "time         read {:.2} s, fit {:.2} s, write {:.2} s",
        o.seconds.read, o.seconds.fit, o.seconds.write
    );
    t
}
