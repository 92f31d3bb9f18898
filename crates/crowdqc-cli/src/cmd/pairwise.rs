//! `crowdqc pairwise ...`: the pairwise-comparison task type, mirroring the top-level
//! commands (`pairwise aggregate` like `aggregate`): item scores with standard errors,
//! intervals and ranks, worker reliability, a summary in text or JSON.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crowdqc::core::columns::{self, IdColumn, NumberColumn, Role};
use crowdqc::core::{DuplicatePolicy, Id};
use crowdqc::pairwise::eval::{RankingEval, evaluate_fit};
use crowdqc::pairwise::{
    Comparisons, ComparisonsBuilder, Method, PairwiseOptions, PairwiseParams, PairwiseSummary,
};
use crowdqc::{Error, Result};

use crate::common::{self, Format};

/// Subcommands of `crowdqc pairwise`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Score items from pairwise comparisons (worker, left, right, winner) and estimate
    /// worker reliability: bt, bt-ties, noisy-bt, crowd-bt, elo, win-rate.
    Aggregate(Box<AggregateArgs>),
}

/// Arguments of `crowdqc pairwise aggregate`.
#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    /// Comparisons file (.parquet, .csv, .arrow/.ipc): worker, left, right, winner
    /// (crowd-kit's `label`: the winning item's id, `left`, `right`, or a tie marker),
    /// or worker, winner, loser.
    pub comparisons: PathBuf,
    /// Method: bt, bt-ties, noisy-bt, crowd-bt, elo, win-rate.
    #[arg(long, default_value = "crowd-bt", value_name = "METHOD")]
    pub method: String,
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
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs a `pairwise` subcommand.
///
/// # Errors
/// Those of the subcommand.
pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Aggregate(a) => aggregate(*a),
    }
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

fn read_comparisons(path: &Path, opts: PairwiseOptions) -> Result<Comparisons> {
    let mut b = ComparisonsBuilder::new(opts)?;
    for batch in crowdqc::io::BatchReader::open(path)? {
        b.push_batch(&batch?).map_err(|e| e.in_file(path))?;
    }
    b.finish().map_err(|e| e.in_file(path))
}

fn read_levels(path: &Path) -> Result<Vec<(Id, f64)>> {
    let mut out = Vec::new();
    let mut row0 = 0u64;
    for batch in crowdqc::io::BatchReader::open(path)? {
        let batch = batch?;
        let schema = batch.schema();
        let located = |e: Error| e.in_file(path);
        let ii = columns::resolve(&schema, Role::Item, None).map_err(located)?;
        let li =
            columns::resolve_named(&schema, "level", &["level", "gold", "label", "true_label"])
                .map_err(located)?;
        let ids =
            IdColumn::new(batch.column(ii), schema.field(ii).name(), row0).map_err(located)?;
        let lv =
            NumberColumn::new(batch.column(li), schema.field(li).name(), row0).map_err(located)?;
        for i in 0..batch.num_rows() {
            out.push((
                Id::from(ids.get(i).map_err(located)?),
                lv.get(i).map_err(located)?,
            ));
        }
        row0 += batch.num_rows() as u64;
    }
    Ok(out)
}

fn aggregate(args: AggregateArgs) -> Result<()> {
    let method: Method = args.method.parse()?;
    for p in [&args.out, &args.workers_out].into_iter().flatten() {
        crowdqc::io::check_output_path(p)?;
    }
    let mut params = PairwiseParams::new(method)
        .seed(args.seed)
        .elo_k(args.elo_k);
    if let Some(n) = args.max_iter {
        params = params.max_iter(n);
    }
    if let Some(t) = args.tol {
        params = params.tol(t);
    }
    if let Some(p) = args.prior {
        params = params.prior(p);
    }
    if let Some(b) = args.bootstrap {
        params = params.bootstrap(b);
    }
    params.validate()?;
    let duplicates: DuplicatePolicy = args.duplicates.parse()?;
    let mut opts = PairwiseOptions {
        worker: args.worker_column.clone(),
        left: args.left_column.clone(),
        right: args.right_column.clone(),
        winner: args.winner_column.clone(),
        loser: args.loser_column.clone(),
        duplicates,
        ..PairwiseOptions::default()
    };
    if let Some(t) = &args.tie_markers {
        opts.tie_markers.clone_from(t);
    }
    let levels = args.eval.as_deref().map(read_levels).transpose()?;
    let t0 = Instant::now();
    let data = read_comparisons(&args.comparisons, opts)?;
    let t_read = t0.elapsed();
    if let Some(w) = data.report().disconnected_warning() {
        eprintln!("{w}");
    }
    let t1 = Instant::now();
    let fit = params.fit(&data)?;
    let t_fit = t1.elapsed();
    let eval = match &levels {
        Some(l) => Some(evaluate_fit(
            &fit,
            l.iter().map(|(id, v)| (id.as_ref(), *v)),
        )?),
        None => None,
    };
    if let Some(p) = &args.out {
        crowdqc::io::write_table(p, &fit.items_table()?)?;
    }
    if let Some(p) = &args.workers_out {
        crowdqc::io::write_table(p, &fit.workers_table()?)?;
    }
    let summary = PairwiseSummary::new(&data, &fit);
    let output = Output {
        summary: &summary,
        eval,
        out: args.out.as_ref().map(|p| p.display().to_string()),
        workers_out: args.workers_out.as_ref().map(|p| p.display().to_string()),
        seconds: Seconds {
            read: t_read.as_secs_f64(),
            fit: t_fit.as_secs_f64(),
        },
    };
    let text = match args.format {
        Format::Json => common::to_json(&output)?,
        Format::Text => text(&output),
    };
    common::print_out(&text)
}

fn text(o: &Output<'_>) -> String {
    let mut t = o.summary.to_string();
    if let Some(e) = &o.eval {
        let _ = writeln!(
            t,
            "eval         {} items: kendall tau-b {:.4}, spearman rho {:.4}, pair accuracy {:.4} over {} pairs",
            e.items, e.kendall_tau_b, e.spearman_rho, e.pair_accuracy, e.pairs
        );
    }
    for p in [&o.out, &o.workers_out].into_iter().flatten() {
        let _ = writeln!(t, "wrote        {p}");
    }
    let _ = writeln!(
        t,
        "time         read {:.2} s, fit {:.2} s",
        o.seconds.read, o.seconds.fit
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;

    fn args(dir: &Path, csv: &str, method: &str) -> AggregateArgs {
        let input = dir.join("c.csv");
        std::fs::write(&input, csv).expect("write");
        AggregateArgs {
            comparisons: input,
            method: method.into(),
            out: Some(dir.join("items.parquet")),
            workers_out: Some(dir.join("workers.csv")),
            eval: None,
            max_iter: None,
            tol: None,
            prior: None,
            bootstrap: None,
            seed: 0,
            elo_k: 32.0,
            worker_column: None,
            left_column: None,
            right_column: None,
            winner_column: None,
            loser_column: None,
            tie_markers: None,
            duplicates: "keep-all".into(),
            format: Format::Json,
        }
    }

    const CSV: &str = "worker,left,right,label\nw1,a,b,a\nw1,b,c,b\nw1,c,a,a\nw2,a,c,tie\n";

    #[test]
    fn writes_items_and_workers_tables() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = args(dir.path(), CSV, "crowd-bt");
        aggregate(a).expect("runs");
        let items = crowdqc::io::read_table(&dir.path().join("items.parquet")).expect("items");
        let b = &items[0];
        assert_eq!(b.num_rows(), 3);
        let schema = b.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "item",
                "score",
                "stderr",
                "lower",
                "upper",
                "rank",
                "log_strength",
                "comparisons",
                "wins",
                "component"
            ]
        );
        let ranks = b.column(5).as_primitive::<arrow_array::types::Int64Type>();
        // a beats b and c; b beats c: ranks 1, 2, 3 in item order a, b, c
        assert_eq!(ranks.values().to_vec(), [1, 2, 3]);
        let workers = crowdqc::io::read_table(&dir.path().join("workers.csv")).expect("workers");
        assert_eq!(workers[0].num_rows(), 2);
    }

    #[test]
    fn rejects_bad_rows_and_methods() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = aggregate(args(dir.path(), "worker,left,right,label\nw,a,b,c\n", "bt"))
            .expect_err("bad winner");
        assert!(e.to_string().contains("`c` is neither"), "{e}");
        assert!(e.is_user_error());
        let e = aggregate(args(dir.path(), CSV, "bradley")).expect_err("bad method");
        assert!(e.to_string().contains("unknown method `bradley`"), "{e}");
        assert!(!dir.path().join("items.parquet").exists());
    }
}
