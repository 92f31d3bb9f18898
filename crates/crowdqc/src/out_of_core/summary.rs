//! `crowdqc aggregate` out of core: the request, the items stream and the summary.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use crowdqc_aggregation::distributed::{DsConfig, DsFit, DsParams, PreparedParams, SortedIds};
use crowdqc_core::numeric::argmax;
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, IdRef, IngestOptions, Result};

use super::rss::peak_rss;
use super::{FitMemory, METHODS, MeasuredPhases, OutOfCore, Phases, Plan};

/// What to fit out of core and where to write the items.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Method name (one of [`METHODS`]).
    pub method: &'a str,
    /// Column names and ingest options.
    pub opts: &'a IngestOptions,
    /// Maximum EM iterations (default: the method's).
    pub max_iter: Option<usize>,
    /// Convergence tolerance (default: the method's).
    pub tol: Option<f64>,
    /// The items file (`.parquet`, `.csv`, `.arrow`), or none.
    pub out: Option<&'a Path>,
    /// Options given that need the data in memory: `(flag, given)`; any given one is
    /// refused, naming the flag.
    pub unsupported: &'a [(&'a str, bool)],
}

/// Items per class.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClassItems {
    /// The class.
    pub class: String,
    /// Items whose label it is.
    pub items: u64,
}

/// What an out-of-core `aggregate` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// The method.
    pub method: String,
    /// Always true.
    pub out_of_core: bool,
    /// Shard files (the runs of the partitioning read, some cut in several).
    pub runs: usize,
    /// Runs of the partitioning read.
    pub partitions: usize,
    /// The memory plan of the fit.
    pub memory: FitMemory,
    /// The peak of each phase by the plan (bytes; the process adds its binary, thread
    /// stacks and allocator slack, see `docs/scale-out-of-core.md`).
    pub phases: Phases,
    /// The process's peak resident set by the end of each phase (bytes; see
    /// [`MeasuredPhases`]): each is the peak of that phase and the ones before.
    pub measured_phases: MeasuredPhases,
    /// The memory budget, in bytes.
    pub budget: u64,
    /// The in-memory estimate that did not fit, in bytes.
    pub in_memory_estimate: u64,
    /// Judgments read (every input row).
    pub judgments: u64,
    /// Items.
    pub items: u64,
    /// Workers.
    pub workers: u64,
    /// Classes.
    pub classes: u64,
    /// EM iterations.
    pub iterations: usize,
    /// Whether the fit converged.
    pub converged: bool,
    /// Why it stopped.
    pub stop_reason: String,
    /// The last objective value.
    pub objective: Option<f64>,
    /// Items per label.
    pub label_distribution: Vec<ClassItems>,
    /// The items file written.
    pub out: Option<String>,
    /// Seconds partitioning, fitting, writing.
    pub seconds: [f64; 3],
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crowdqc_core::memory::format_bytes as b;
        writeln!(
            f,
            "method       {} (out of core, {} runs in {} shard files)",
            self.method, self.partitions, self.runs
        )?;
        writeln!(
            f,
            "memory       in-memory estimate {} > budget {}",
            b(self.in_memory_estimate),
            b(self.budget)
        )?;
        let m = &self.memory;
        writeln!(
            f,
            "fit memory   planned peak {}: {} statistics table(s) of {}, parameters {}, \
             counts {}, ids {}, shards up to {}{}",
            b(m.peak()),
            m.stats_tables,
            b(m.stats_table),
            b(m.params),
            b(m.counts),
            b(m.dictionaries),
            b(m.shard),
            if m.prefetch { " (x2, prefetch)" } else { "" }
        )?;
        let p = &self.phases;
        writeln!(
            f,
            "phases       partition {} (rows buffered up to {}), shard build {}, fit {}, \
             items {}",
            b(p.partition),
            b(m.partition_buffer),
            b(p.shard_build),
            b(p.fit),
            b(p.items)
        )?;
        let q = &self.measured_phases;
        if let (Some(a), Some(s), Some(t), Some(i)) = (q.partition, q.shard_build, q.fit, q.items) {
            writeln!(
                f,
                "measured     peak RSS by the end of: partition {}, shard build {}, fit {}, \
                 items {}",
                b(a),
                b(s),
                b(t),
                b(i)
            )?;
        }
        writeln!(
            f,
            "judgments    {} ({} items, {} workers, {} classes)",
            self.judgments, self.items, self.workers, self.classes
        )?;
        write!(
            f,
            "fit          {} iterations, {}",
            self.iterations, self.stop_reason
        )?;
        if let Some(o) = self.objective {
            write!(f, ", objective {o:.9}")?;
        }
        writeln!(f)?;
        for c in &self.label_distribution {
            writeln!(f, "  {:<12} {} items", c.class, c.items)?;
        }
        if let Some(p) = &self.out {
            writeln!(f, "wrote        {p}")?;
        }
        let [a, b, c] = self.seconds;
        writeln!(
            f,
            "time         partition {a:.2} s, fit {b:.2} s, write {c:.2} s"
        )
    }
}

/// The items table of `fit` over `ooc`, one batch per run (run order, items sorted
/// within a run): columns `item`, `label`, `confidence`, `p_<label>` per class, as the
/// in-memory items table. `counts` gets the items per class.
pub fn items<'a>(
    ooc: &'a OutOfCore,
    fit: &'a DsFit,
    counts: &'a mut [u64],
) -> impl Iterator<Item = Result<RecordBatch>> + 'a {
    items_of(ooc, &fit.posterior_params, counts)
}

/// [`items`] from the posterior parameters alone (the fit's other tables can be
/// dropped first).
pub fn items_of<'a>(
    ooc: &'a OutOfCore,
    posterior_params: &DsParams,
    counts: &'a mut [u64],
) -> impl Iterator<Item = Result<RecordBatch>> + 'a {
    let mut p = 0;
    let prepared = PreparedParams::new(posterior_params);
    std::iter::from_fn(move || {
        while p < ooc.n_runs() {
            p += 1;
            // the last shard's arrays and the writer's encoded pages (encoded on the
            // pool's threads, so spread over their arenas)
            super::release_freed_heap();
            let r = (|| {
                let shard = ooc.shard(p - 1, true)?;
                if shard.n_items() == 0 {
                    return Ok(None);
                }
                let q = prepared.posteriors(&shard)?;
                let ids = shard
                    .items()
                    .ok_or_else(|| Error::insufficient("a shard file without item ids"))?;
                batch(ids, ooc.labels(), &q, counts).map(Some)
            })();
            match r {
                Ok(None) => {}
                Ok(Some(b)) => return Some(Ok(b)),
                Err(e) => return Some(Err(e)),
            }
        }
        None
    })
}

fn batch(
    items: &SortedIds,
    labels: &SortedIds,
    q: &[f64],
    counts: &mut [u64],
) -> Result<RecordBatch> {
    let k = labels.len();
    let lab: Vec<u32> = q.chunks_exact(k).map(argmax).collect();
    for &l in &lab {
        counts[l as usize] += 1;
    }
    let label: ArrayRef =
        match labels.get(0) {
            IdRef::Int(_) => Arc::new(Int64Array::from_iter_values(lab.iter().map(|&l| {
                match labels.get(l as usize) {
                    IdRef::Int(v) => v,
                    IdRef::Str(_) => 0,
                }
            }))),
            IdRef::Str(_) => Arc::new(StringArray::from_iter_values(
                lab.iter().map(|&l| labels.get(l as usize).to_string()),
            )),
        };
    let conf = q.chunks_exact(k).zip(&lab).map(|(row, &l)| row[l as usize]);
    let mut cols: Vec<(String, ArrayRef)> = vec![
        ("item".into(), items.to_array()),
        ("label".into(), label),
        (
            "confidence".into(),
            Arc::new(Float64Array::from_iter_values(conf)),
        ),
    ];
    for c in 0..k {
        cols.push((
            format!("p_{}", labels.get(c)),
            Arc::new(Float64Array::from_iter_values(
                q.iter().skip(c).step_by(k).copied(),
            )),
        ));
    }
    Ok(RecordBatch::try_from_iter(cols)?)
}

/// Checks a request before any reading: the method and the options.
///
/// # Errors
/// [`Error::InvalidParameter`] naming `method` (listing [`METHODS`]) or the first
/// unsupported option given.
pub fn check(req: &Request<'_>) -> Result<DsConfig> {
    let mut cfg = match req.method {
        "ds" => DsConfig::dawid_skene(),
        "one-coin-ds" => DsConfig::one_coin(),
        other => {
            return Err(Error::param(
                "method",
                format!(
                    "`{other}` cannot run out of core; the methods that can: {} (or free \
                     memory / raise --max-memory to run it in memory)",
                    METHODS.join(", ")
                ),
            ));
        }
    };
    if let Some((flag, _)) = req.unsupported.iter().find(|(_, given)| *given) {
        return Err(Error::param(
            *flag,
            format!(
                "--{flag} is not supported out of core (the input does not fit in memory); \
                 run without it, or in memory with more memory / a higher --max-memory"
            ),
        ));
    }
    if let Some(v) = req.max_iter {
        cfg = cfg.max_iter(v);
    }
    if let Some(v) = req.tol {
        cfg = cfg.tol(v);
    }
    cfg.validate()?;
    Ok(cfg)
}

/// `crowdqc aggregate` out of core: checks the request, partitions `path` into
/// `plan.runs` runs in `dir`, fits, streams the items to `req.out` (or only counts the
/// labels) and returns the summary. Every file in `dir` is removed before it returns
/// (success or error).
///
/// # Errors
/// As [`check`], [`OutOfCore::prepare`], [`OutOfCore::fit_ds`] and the writer.
pub fn aggregate(
    path: &Path,
    dir: &Path,
    plan: &Plan,
    req: &Request<'_>,
    progress: &dyn Progress,
) -> Result<Summary> {
    let cfg = check(req)?;
    super::check_budget_floor(plan.budget, plan.budget_kind)?;
    if let Some(p) = req.out {
        crowdqc_io::check_output_path(p)?;
    }
    let t0 = Instant::now();
    let ooc = OutOfCore::prepare_within(
        path,
        req.opts,
        dir,
        plan.runs,
        Some((plan.budget, plan.budget_kind)),
        // the Parquet writer holds a row group of encoded rows; CSV and Arrow stream
        req.out.is_some_and(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
        }),
        progress,
    )?;
    let t1 = Instant::now();
    let mut measured = ooc.measured();
    let fit = ooc.fit_ds(&cfg, progress)?;
    measured.fit = peak_rss();
    let t2 = Instant::now();
    // only the posterior parameters are needed from here: the fitted ones are dropped
    // now (a `..` pattern would keep them to the end of this function), and the heap
    // the fit's passes freed is handed back
    let DsFit {
        posterior_params,
        report,
        params,
        log_likelihood,
    } = fit;
    drop((params, log_likelihood));
    super::release_freed_heap();
    let mut counts = vec![0u64; ooc.labels().len()];
    let stream = items_of(&ooc, &posterior_params, &mut counts);
    match req.out {
        Some(p) => crowdqc_io::write_batches(p, stream)?,
        None => {
            for b in stream {
                b?;
            }
        }
    }
    measured.items = peak_rss();
    let t3 = Instant::now();
    Ok(Summary {
        method: req.method.to_string(),
        out_of_core: true,
        runs: ooc.n_runs(),
        partitions: ooc.n_partitions(),
        memory: *ooc.memory(),
        phases: ooc.memory().phases(),
        measured_phases: measured,
        budget: plan.budget,
        in_memory_estimate: plan.estimate,
        judgments: ooc.n_judgments(),
        items: ooc.n_items(),
        workers: ooc.workers().len() as u64,
        classes: ooc.labels().len() as u64,
        iterations: report.iterations,
        converged: report.converged,
        stop_reason: format!("{:?}", report.stop_reason).to_lowercase(),
        objective: report.objective.last().copied(),
        label_distribution: ooc
            .labels()
            .iter()
            .zip(&counts)
            .map(|(c, &n)| ClassItems {
                class: c.to_string(),
                items: n,
            })
            .collect(),
        out: req.out.map(|p| p.display().to_string()),
        seconds: [
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            (t3 - t2).as_secs_f64(),
        ],
    })
}
