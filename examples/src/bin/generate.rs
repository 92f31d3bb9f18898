//! Writes a seeded synthetic crowd (judgments, and optionally gold and worker truth) to
//! Parquet or CSV, chosen by extension. Any size from 1e3 to 1e8 judgments: batches are
//! generated and written as a stream, so memory stays bounded.
//!
//! ```text
//! cargo run --release -p crowdqc-examples --bin generate -- \
//!     judgments.parquet --judgments 1e7 --classes 3 --redundancy 5 --gold gold.parquet
//! ```
//!
//! Exit codes: 0 success, 2 bad arguments or output path, 1 runtime failure.

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use arrow_array::RecordBatch;
use clap::Parser;
use crowdqc::{Error, Result};
use crowdqc_io::{TableWriter, check_output_path, write_table};
use crowdqc_testkit::synth::{
    ArchetypeMix, BatchOptions, ClassPrior, IdFormat, LabelFormat, Redundancy, RowOrder,
    SynthConfig, SynthCrowd,
};

/// Generate a synthetic crowd of judgments with known truth.
#[derive(Debug, Parser)]
#[command(name = "generate", version)]
struct Args {
    /// Output file for the judgments (.parquet or .csv; .arrow/.ipc also work).
    output: PathBuf,
    /// About how many judgments (items = judgments / mean redundancy); accepts 1e6.
    #[arg(short = 'n', long, default_value = "10000", value_parser = parse_count)]
    judgments: u64,
    /// Number of items (overrides --judgments).
    #[arg(long)]
    items: Option<usize>,
    /// Number of workers [default: judgments / 100, at least 2 x max redundancy, at
    /// most 1e6].
    #[arg(long)]
    workers: Option<usize>,
    /// Number of classes.
    #[arg(short = 'k', long, default_value_t = 2)]
    classes: usize,
    /// Class prior: `uniform`, `zipf:S` or weights `0.7,0.2,0.1`.
    #[arg(long, default_value = "uniform")]
    prior: String,
    /// Judgments per item: `5` (fixed), `2..6` (uniform), `poisson:5` (1 + Poisson(4)).
    #[arg(short = 'r', long, default_value = "5")]
    redundancy: String,
    /// Archetype weights, e.g. `good=0.6,mediocre=0.25,random=0.07,constant=0.05,adversarial=0.03`
    /// (the default).
    #[arg(long)]
    mix: Option<String>,
    /// Zipf exponent of worker activity (0 = uniform).
    #[arg(long, default_value_t = 0.8)]
    skew: f64,
    /// Fraction of items that are gold.
    #[arg(long, default_value_t = 0.05)]
    gold_fraction: f64,
    /// Write the gold labels (item, label) of the gold items here.
    #[arg(long)]
    gold: Option<PathBuf>,
    /// Write the workers' truth (worker, archetype, param, target, activity,
    /// expected_accuracy) here.
    #[arg(long)]
    workers_truth: Option<PathBuf>,
    /// Write the items' truth (item, class, gold) here (one row per item).
    #[arg(long)]
    items_truth: Option<PathBuf>,
    /// Id type: `str` (i000123, w0042) or `int`.
    #[arg(long, default_value = "str")]
    ids: String,
    /// Label type: `int` (0..K) or `str` (c0, c1, ...).
    #[arg(long, default_value = "int")]
    labels: String,
    /// Probability that a judgment is repeated by the same worker (duplicates).
    #[arg(long, default_value_t = 0.0)]
    duplicates: f64,
    /// Add `timestamp` (ms since epoch) and `duration_ms` columns.
    #[arg(long)]
    times: bool,
    /// Row order: `shuffled` (interleaved, like a real dump) or `by-item`.
    #[arg(long, default_value = "shuffled")]
    order: String,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Rows per written batch (Parquet row groups hold several).
    #[arg(long, default_value_t = 65_536)]
    batch_rows: usize,
    /// Print nothing on stderr.
    #[arg(short, long)]
    quiet: bool,
}

fn parse_count(s: &str) -> std::result::Result<u64, String> {
    let v: f64 = s.parse().map_err(|_| format!("not a number: `{s}`"))?;
    if !(1.0..=4e9).contains(&v) || v.fract() != 0.0 {
        return Err(format!("must be a whole number in 1..=4e9, got `{s}`"));
    }
    Ok(v as u64)
}

fn parse_redundancy(s: &str) -> Result<Redundancy> {
    let bad = || {
        Error::param(
            "redundancy",
            format!("expected `5`, `2..6` or `poisson:5`, got `{s}`"),
        )
    };
    if let Some(m) = s.strip_prefix("poisson:") {
        return Ok(Redundancy::Poisson {
            mean: m.parse().map_err(|_| bad())?,
        });
    }
    if let Some((a, b)) = s.split_once("..") {
        let b = b.strip_prefix('=').unwrap_or(b);
        return Ok(Redundancy::Uniform {
            min: a.parse().map_err(|_| bad())?,
            max: b.parse().map_err(|_| bad())?,
        });
    }
    Ok(Redundancy::Fixed(s.parse().map_err(|_| bad())?))
}

fn parse_prior(s: &str) -> Result<ClassPrior> {
    let bad = || {
        Error::param(
            "prior",
            format!("expected `uniform`, `zipf:S` or weights `0.7,0.2,0.1`, got `{s}`"),
        )
    };
    if s == "uniform" {
        return Ok(ClassPrior::Uniform);
    }
    if let Some(z) = s.strip_prefix("zipf:") {
        return Ok(ClassPrior::Zipf(z.parse().map_err(|_| bad())?));
    }
    let w: std::result::Result<Vec<f64>, _> = s.split(',').map(|x| x.trim().parse()).collect();
    Ok(ClassPrior::Weights(w.map_err(|_| bad())?))
}

fn config(a: &Args) -> Result<(SynthConfig, BatchOptions)> {
    let redundancy = parse_redundancy(&a.redundancy)?;
    let max_r = match redundancy {
        Redundancy::Fixed(r) => r as usize,
        Redundancy::Uniform { max, .. } => max as usize,
        Redundancy::Poisson { mean } => (mean * 3.0) as usize + 5,
    };
    let mut cfg = SynthConfig {
        seed: a.seed,
        n_classes: a.classes,
        class_prior: parse_prior(&a.prior)?,
        redundancy,
        mix: match &a.mix {
            Some(m) => ArchetypeMix::parse(m)?,
            None => ArchetypeMix::default(),
        },
        activity_skew: a.skew,
        gold_fraction: a.gold_fraction,
        duplicate_rate: a.duplicates,
        times: a.times,
        row_order: match a.order.as_str() {
            "shuffled" => RowOrder::Shuffled,
            "by-item" => RowOrder::ByItem,
            o => {
                return Err(Error::param(
                    "order",
                    format!("expected `shuffled` or `by-item`, got `{o}`"),
                ));
            }
        },
        ..Default::default()
    }
    .with_judgments(a.judgments);
    if let Some(n) = a.items {
        cfg.n_items = n;
    }
    let n_judgments = cfg.n_items as f64 * redundancy.mean();
    cfg.n_workers = a
        .workers
        .unwrap_or_else(|| ((n_judgments / 100.0) as usize).clamp(2 * max_r, 1_000_000));
    let opts = BatchOptions {
        rows: a.batch_rows,
        ids: match a.ids.as_str() {
            "str" => IdFormat::Str,
            "int" => IdFormat::Int,
            o => {
                return Err(Error::param(
                    "ids",
                    format!("expected `str` or `int`, got `{o}`"),
                ));
            }
        },
        labels: match a.labels.as_str() {
            "str" => LabelFormat::Str,
            "int" => LabelFormat::Int,
            o => {
                return Err(Error::param(
                    "labels",
                    format!("expected `str` or `int`, got `{o}`"),
                ));
            }
        },
    };
    cfg.validate()?;
    Ok((cfg, opts))
}

fn run(a: &Args) -> Result<()> {
    let (cfg, opts) = config(a)?;
    for p in [
        Some(&a.output),
        a.gold.as_ref(),
        a.workers_truth.as_ref(),
        a.items_truth.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        check_output_path(p)?;
    }
    let crowd = SynthCrowd::new(cfg)?;
    let start = Instant::now();
    let mut writer = TableWriter::create(&a.output, crowd.schema(&opts))?;
    // generate on a second thread, write on this one; the bounded channel keeps at
    // most a few batches in flight.
    let (tx, rx) = sync_channel::<RecordBatch>(4);
    let mut rows = 0u64;
    std::thread::scope(|s| -> Result<()> {
        let crowd = &crowd;
        let producer = s.spawn(move || -> Result<()> {
            for b in crowd.batches(opts)? {
                if tx.send(b).is_err() {
                    break; // the writer failed; its error is reported
                }
            }
            Ok(())
        });
        let written = (|| -> Result<()> {
            for b in rx.iter() {
                writer.write(&b)?;
                rows += b.num_rows() as u64;
            }
            Ok(())
        })();
        drop(rx);
        producer
            .join()
            .map_err(|_| Error::insufficient("the generator thread panicked"))??;
        written
    })?;
    writer.finish()?;
    if let Some(g) = &a.gold {
        let mut w = TableWriter::create(g, crowd.gold_schema(&opts))?;
        for b in crowd.gold_batches(opts)? {
            w.write(&b)?;
        }
        w.finish()?;
    }
    if let Some(p) = &a.workers_truth {
        write_table(p, &crowd.workers_batch(&opts))?;
    }
    if let Some(p) = &a.items_truth {
        let mut w = TableWriter::create(p, crowd.items_truth_schema(&opts))?;
        for b in crowd.items_truth_batches(opts)? {
            w.write(&b)?;
        }
        w.finish()?;
    }
    if !a.quiet {
        let c = crowd.config();
        eprintln!(
            "wrote {rows} judgments ({} items, {} workers, {} classes, seed {}) to {} in {:.1} s",
            c.n_items,
            c.n_workers,
            c.n_classes,
            c.seed,
            a.output.display(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(if e.is_user_error() { 2 } else { 1 });
    }
}
