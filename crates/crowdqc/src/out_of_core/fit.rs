//! The out-of-core driver: runs → shard files → EM streaming the shard files.

use std::path::Path;

use crowdqc_aggregation::distributed::{
    DsConfig, DsDriver, DsFit, DsStats, IdSort, Shard, SortedIds, Step, e_step, init_stats, merge,
};
use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, IdDictionary, IngestOptions, Result};
use crowdqc_io::{ItemRuns, TempFile};

/// A judgment file partitioned by item into shard files in a spill directory (see the
/// [module docs](super)); the files are removed when this is dropped.
#[derive(Debug)]
pub struct OutOfCore {
    shards: Vec<TempFile>,
    rows: Vec<u64>,
    items: Vec<u64>,
    workers: SortedIds,
    labels: SortedIds,
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
        let mut runs = ItemRuns::partition(path, opts, dir, n_runs, progress)?;
        let workers = SortedIds::from_ids(runs.workers().iter(), IdSort::Ids);
        let labels = SortedIds::from_ids(runs.labels().iter(), IdSort::Labels);
        if labels.len() < 2 {
            return Err(Error::insufficient(format!(
                "Dawid-Skene needs at least two classes in the judgments, found {}",
                labels.len()
            ))
            .in_file(path));
        }
        let wr = ranks(runs.workers(), &workers);
        let lr = ranks(runs.labels(), &labels);
        let mut shards = Vec::with_capacity(runs.len());
        let mut items = Vec::with_capacity(runs.len());
        progress.start("building run shards", Some(runs.len() as u64));
        for p in 0..runs.len() {
            progress.check()?;
            let batches = runs.read(p)?;
            let shard = Shard::from_coded_batches(&batches, &wr, &lr, workers.len(), labels.len())?;
            drop(batches);
            runs.remove(p);
            let file = runs.temp_file()?;
            shard.write_file(file.path())?;
            items.push(shard.n_items() as u64);
            shards.push(file);
            progress.advance(1);
        }
        progress.finish();
        let rows = (0..runs.len()).map(|p| runs.rows(p)).collect();
        Ok(OutOfCore {
            shards,
            rows,
            items,
            workers,
            labels,
        })
    }

    /// Number of runs.
    pub fn n_runs(&self) -> usize {
        self.shards.len()
    }

    /// Judgments (every input row).
    pub fn n_judgments(&self) -> u64 {
        self.rows.iter().sum()
    }

    /// Judgments per run.
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

    /// Loads shard `p` (with its item ids when `with_items`).
    ///
    /// # Errors
    /// An unreadable shard file.
    pub fn shard(&self, p: usize, with_items: bool) -> Result<Shard> {
        Shard::read_file(self.shards[p].path(), with_items)
    }

    /// `f` on every shard, loaded in turn, its statistics merged in run order (the
    /// merge is exact, so the order does not change the bits).
    fn merged(&self, f: &dyn Fn(&Shard) -> Result<DsStats>) -> Result<DsStats> {
        let mut acc: Option<DsStats> = None;
        for p in 0..self.n_runs() {
            let s = f(&self.shard(p, false)?)?;
            match &mut acc {
                Some(a) => merge(a, &s)?,
                None => acc = Some(s),
            }
        }
        acc.ok_or_else(|| Error::insufficient("no run to fit"))
    }

    /// Dawid–Skene (or one-coin, per `cfg`) streaming the shard files: one pass over
    /// them per iteration. Bit-identical to [`fit_shards`](crowdqc_aggregation::distributed::fit_shards)
    /// over any partitioning of the same judgments and to the in-memory
    /// `exact_sums(true)` fit. Progress counts iterations.
    ///
    /// # Errors
    /// The driver's errors; unreadable shard files; [`Error::Interrupted`].
    pub fn fit_ds(&self, cfg: &DsConfig, progress: &dyn Progress) -> Result<DsFit> {
        let mut driver = DsDriver::new(cfg.clone())?;
        progress.start("fitting out of core", Some(driver.max_iter() as u64));
        let r = (|| {
            let mut params = driver.start(&self.merged(&init_stats)?)?;
            loop {
                progress.check()?;
                let stats = self.merged(&|s| e_step(s, &params))?;
                match driver.update(&stats)? {
                    Step::Continue(p) => params = p,
                    Step::Done(fit) => return Ok(fit),
                }
                progress.advance(1);
            }
        })();
        progress.finish();
        r
    }
}
