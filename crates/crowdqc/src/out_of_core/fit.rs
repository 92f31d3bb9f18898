//! The out-of-core driver: runs → shard files → EM streaming the shard files.

use std::path::Path;

use crowdqc_aggregation::distributed::{
    BuildBytes, DsConfig, DsDriver, DsFit, IdSort, PreparedParams, Shard, SortedIds, StatsStream,
};
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, IdDictionary, IngestOptions, Result};
use crowdqc_io::{ItemRuns, TempFile};

use super::fit_memory::FitMemory;
use super::rss::{MeasuredPhases, peak_rss};
use crowdqc_io::release_freed_heap;

/// A judgment file partitioned by item into shard files in a spill directory (see the
/// [module docs](super)); the files are removed when this is dropped.
#[derive(Debug)]
pub struct OutOfCore {
    shards: Vec<TempFile>,
    /// Judgments per shard file.
    rows: Vec<u64>,
    /// Items per shard file.
    items: Vec<u64>,
    /// Runs of the partition (a run may be cut into several shard files).
    runs: usize,
    workers: SortedIds,
    labels: SortedIds,
    memory: FitMemory,
    measured: MeasuredPhases,
}

/// Global code (rank in `sorted`) of every id of `dict`, by its code.
fn ranks(dict: &IdDictionary, sorted: &SortedIds) -> Vec<u32> {
    dict.iter()
        .map(|id| sorted.code_of(id).expect("an id of the dictionary"))
        .collect()
}

impl OutOfCore {
    /// Reads `path` once into `n_runs` runs in `dir`, then turns each run into a shard
    /// file (workers and labels coded by their globally sorted dictionaries).
    ///
    /// # Errors
    /// As [`ItemRuns::partition`]; fewer than two labels; options the path does not
    /// support (declared classes, a duplicate policy other than keeping all).
    pub fn prepare(
        path: &Path,
        opts: &IngestOptions,
        dir: &Path,
        n_runs: usize,
        progress: &dyn Progress,
    ) -> Result<OutOfCore> {
        Self::prepare_within(path, opts, dir, n_runs, None, false, progress)
    }

    /// [`prepare`](Self::prepare) within a memory budget `(bytes, what it is)`, for a fit
    /// whose items go to a Parquet file when `output` (whose writer holds a row group):
    /// once the
    /// partitioning read has counted the workers and classes, the memory held
    /// throughout the fit is planned ([`FitMemory::plan`]) and every run whose shard
    /// would not fit the room left is cut into several shard files (by consecutive
    /// items, so the items output keeps its order). Without a budget, one shard file
    /// per run.
    ///
    /// # Errors
    /// As [`prepare`](Self::prepare); [`Error::ResourceLimit`] when the per-worker
    /// tables do not fit the budget (the files are removed).
    pub fn prepare_within(
        path: &Path,
        opts: &IngestOptions,
        dir: &Path,
        n_runs: usize,
        budget: Option<(u64, &str)>,
        output: bool,
        progress: &dyn Progress,
    ) -> Result<OutOfCore> {
        if opts.classes.is_some() {
            return Err(Error::param(
                "classes",
                "declared classes are not supported out of core; the classes are the labels \
                 seen (drop --classes)",
            ));
        }
        if opts.duplicates != crowdqc_core::DuplicatePolicy::KeepAll {
            return Err(Error::param(
                "duplicates",
                "out of core every judgment is kept (--duplicates keep-all); deduplicate the \
                 input first",
            ));
        }
        let threads = StatsStream::threads();
        // the tables alone (no dictionaries yet) are checked while the workers and
        // labels are counted, so a fit that cannot fit is refused early
        let early = |w: usize, k: usize, _dictionaries: u64| {
            budget.map_or(Ok(()), |(b, kind)| {
                FitMemory::plan(Some(b), kind, w, k, 0, threads, 0).map(|_| ())
            })
        };
        let buffer = budget.map_or(crowdqc_io::DEFAULT_BUFFER_BYTES, |(b, _)| {
            b / super::PARTITION_BUFFER_SHARE
        });
        let mut runs =
            ItemRuns::partition_checked(path, opts, dir, n_runs, buffer, progress, &early)?;
        let mut measured = MeasuredPhases {
            partition: peak_rss(),
            ..MeasuredPhases::default()
        };
        let built = (runs.workers().heap_bytes() + runs.labels().heap_bytes()) as u64;
        // the read's batches and buffered rows are gone: hand their heap back before
        // the shard build
        release_freed_heap();
        let workers = SortedIds::from_ids(runs.workers().iter(), IdSort::Ids);
        let labels = SortedIds::from_ids(runs.labels().iter(), IdSort::Labels);
        if labels.len() < 2 {
            return Err(Error::insufficient(format!(
                "Dawid-Skene needs at least two classes in the judgments, found {}",
                labels.len()
            ))
            .in_file(path));
        }
        let dict_bytes = (workers.heap_bytes() + labels.heap_bytes()) as u64;
        let memory = FitMemory::plan(
            budget.map(|b| b.0),
            budget.map_or("", |b| b.1),
            workers.len(),
            labels.len(),
            dict_bytes,
            threads,
            if output { runs.total_rows() } else { 0 },
        )
        .map_err(|e| e.in_file(path))?;
        let wr = ranks(runs.workers(), &workers);
        let lr = ranks(runs.labels(), &labels);
        // the dictionaries as built are no longer needed: the maps code the runs
        runs.release_dictionaries();
        release_freed_heap();
        let build_dictionaries = dict_bytes + 4 * (wr.len() + lr.len()) as u64;
        let mut memory = memory.with_reads(built, &runs.memory(), runs.len());
        let (per_judgment, per_item) = memory.shard_costs();
        let n_partitions = runs.len();
        let mut shards = Vec::with_capacity(runs.len());
        let (mut rows, mut items) = (Vec::new(), Vec::new());
        let mut build = BuildBytes::default();
        progress.start("building run shards", Some(runs.len() as u64));
        for p in 0..runs.len() {
            progress.check()?;
            let (shard, b) = Shard::from_coded_run(
                runs.batches(p)?,
                usize::try_from(runs.rows(p)).unwrap_or(0),
                (&wr, &lr),
                workers.len(),
                labels.len(),
                false,
            )?;
            runs.remove(p);
            if b.peak > build.peak {
                build = b;
            }
            for r in shard.item_ranges(memory.shard, per_judgment, per_item) {
                let file = runs.temp_file()?;
                shard.write_items_file(file.path(), r.clone())?;
                rows.push(shard.range_judgments(r.clone()) as u64);
                items.push(r.len() as u64);
                shards.push(file);
            }
            drop(shard);
            // the run's triples, ids and CSR arrays: handed back before the next run
            // is built, so each run starts from the heap the plan counts
            release_freed_heap();
            progress.advance(1);
        }
        progress.finish();
        memory = memory.with_build(build_dictionaries, built, build);
        measured.shard_build = peak_rss();
        drop((wr, lr, runs));
        release_freed_heap();
        Ok(OutOfCore {
            shards,
            rows,
            items,
            runs: n_partitions,
            workers,
            labels,
            memory,
            measured,
        })
    }

    /// The process's peak resident set by the end of the partitioning read and of the
    /// shard build (see [`MeasuredPhases`]; the fit and the items are measured
    /// by [`aggregate`](super::aggregate)).
    pub fn measured(&self) -> MeasuredPhases {
        self.measured
    }

    /// Number of shard files (the runs, some cut in several).
    pub fn n_runs(&self) -> usize {
        self.shards.len()
    }

    /// Number of runs of the partitioning read.
    pub fn n_partitions(&self) -> usize {
        self.runs
    }

    /// The memory plan of the fit.
    pub fn memory(&self) -> &FitMemory {
        &self.memory
    }

    /// Judgments (every input row).
    pub fn n_judgments(&self) -> u64 {
        self.rows.iter().sum()
    }

    /// Judgments per shard file.
    pub fn run_judgments(&self) -> &[u64] {
        &self.rows
    }

    /// Items over all runs.
    pub fn n_items(&self) -> u64 {
        self.items.iter().sum()
    }

    /// The workers, sorted (a worker's global code is its rank).
    pub fn workers(&self) -> &SortedIds {
        &self.workers
    }

    /// The labels in class order.
    pub fn labels(&self) -> &SortedIds {
        &self.labels
    }

    /// Loads shard `p` (with its item ids when `with_items`), without the per-worker
    /// counts ([`Shard::read_codes`]).
    ///
    /// # Errors
    /// An unreadable shard file.
    pub fn shard(&self, p: usize, with_items: bool) -> Result<Shard> {
        Shard::read_codes(self.shards[p].path(), with_items)
    }

    /// `f` on every shard file in order, loaded without counts and item ids; with the
    /// prefetch of the memory plan, the next file is read on a thread while `f` runs.
    fn stream(&self, f: &mut dyn FnMut(&Shard) -> Result<()>) -> Result<()> {
        let n = self.n_runs();
        let load = |p: usize| Shard::read_codes(self.shards[p].path(), false);
        if !self.memory.prefetch || n < 2 {
            for p in 0..n {
                f(&load(p)?)?;
            }
            return Ok(());
        }
        std::thread::scope(|sc| {
            let join = |h: std::thread::ScopedJoinHandle<'_, Result<Shard>>| {
                h.join().map_err(|_| Error::External {
                    context: "reading a shard file".into(),
                    message: "the reader thread panicked".into(),
                })?
            };
            let mut next = Some(sc.spawn(move || load(0)));
            for p in 0..n {
                let cur = match next.take() {
                    Some(h) => join(h)?,
                    None => load(p)?,
                };
                if p + 1 < n {
                    next = Some(sc.spawn(move || load(p + 1)));
                }
                f(&cur)?;
            }
            Ok(())
        })
    }

    /// Dawid–Skene (or one-coin, per `cfg`) streaming the shard files: one pass over
    /// them per iteration, the statistics summed into the tables of the memory plan
    /// ([`StatsStream`]). Bit-identical to [`fit_shards`](crowdqc_aggregation::distributed::fit_shards)
    /// over any partitioning of the same judgments and to the in-memory
    /// `exact_sums(true)` fit. Progress counts iterations.
    ///
    /// # Errors
    /// The driver's errors; unreadable shard files; [`Error::Interrupted`].
    pub fn fit_ds(&self, cfg: &DsConfig, progress: &dyn Progress) -> Result<DsFit> {
        let mut driver = DsDriver::new(cfg.clone())?;
        progress.start("fitting out of core", Some(driver.max_iter() as u64));
        let r = (|| {
            let mut stream = StatsStream::new(
                self.workers.len(),
                self.labels.len(),
                self.memory.stats_tables,
            );
            self.stream(&mut |s| stream.add_init(s))?;
            let stats = stream.take()?;
            drop(driver.start(&stats)?);
            stream.give_back(stats);
            loop {
                progress.check()?;
                let current = driver
                    .current()
                    .ok_or_else(|| Error::insufficient("the driver has no parameters to run"))?;
                let prepared = PreparedParams::new(current);
                self.stream(&mut |s| stream.add_e_step(s, &prepared))?;
                drop(prepared);
                let stats = stream.take()?;
                let done = driver.advance(&stats);
                stream.give_back(stats);
                // the pass's shards and the old parameters' blocks
                release_freed_heap();
                if let Some(fit) = done? {
                    return Ok(fit);
                }
                progress.advance(1);
            }
        })();
        progress.finish();
        r
    }
}
