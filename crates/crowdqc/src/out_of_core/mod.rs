//! Dawid–Skene out of core: for judgment files whose in-memory fit does not fit the
//! memory budget, with a spill directory (`crowdqc aggregate --spill-dir DIR`).
//!
//! 1. **Plan** ([`plan`]): from the row count a Parquet footer declares (for CSV and
//!    Arrow IPC, an upper bound from the file size: one judgment per 6 bytes) and the
//!    memory budget ([`crowdqc_core::memory::budget`]: available memory or
//!    `--max-memory`). When one or two in-memory passes fit, nothing changes; when they
//!    do not and a spill directory is given, the file goes out of core in `P` runs
//!    chosen so one run's shard takes about a quarter of the budget (64 bytes per
//!    judgment while a run is built); without a spill directory the refusal names
//!    `--spill-dir DIR` and `--max-memory`.
//!    Once the partitioning read has counted the workers `W` and classes `K`, the
//!    memory held throughout the fit is counted ([`FitMemory`]: one or more E-step
//!    statistics tables of `16·W·K²` bytes, the parameters `2 · 8·W·K²`, the counts,
//!    the dictionaries); when that alone exceeds the budget the fit is refused
//!    ([`crowdqc_core::Error::ResourceLimit`], exit 2, naming the largest table and the
//!    `--max-memory` that would do), otherwise each run is cut into as many shard files
//!    as the room left needs. The plan gives the peak of every phase
//!    ([`FitMemory::phases`]): the partitioning read buffers rows up to an eighth of
//!    the budget ([`PARTITION_BUFFER_SHARE`]), and the heap each phase frees is handed
//!    back to the system before the next ([`release_freed_heap`]).
//! 2. **Runs** ([`OutOfCore::prepare`]): the file is read once and hash-partitioned by
//!    item into `P` run files ([`crowdqc_io::ItemRuns`]; the hash of
//!    `crowdqc.distributed.partition_by_item`); workers and labels are coded by
//!    dictionaries that are then sorted (globally sorted codes, as the distributed
//!    fit's). Each run is then turned into a compact CSR shard file (8 bytes per item,
//!    5 per judgment at K ≤ 256, then its sorted item ids) and its raw run file removed.
//! 3. **Fit** ([`OutOfCore::fit_ds`]): per EM iteration each shard file is loaded in
//!    turn (the next one read on a thread meanwhile, when two fit) and its E-step
//!    statistics added into the same reused tables
//!    ([`crowdqc_aggregation::distributed::StatsStream`], fixed-point sums): the parameters, objective,
//!    iteration count and posteriors are bit-identical to the in-memory
//!    `exact_sums(true)` fit and to any sharded fit.
//! 4. **Items** ([`items`]): posteriors are computed shard by shard and
//!    streamed out; the item ids are read back from the shard files, so they are never
//!    all in memory.
//!
//! **Row order of the items output**: run by run (run `0` first), and within a run by
//! item id (integers numerically, strings by bytes). It is not the in-memory path's
//! order (first appearance in the input); the rows themselves are the same.
//!
//! Methods: `ds` and `one-coin-ds` ([`METHODS`]); others are refused, as are options
//! that need every item in memory (gold, evaluation gold, worker tables, saved models,
//! weights, declared classes, a duplicate policy other than keeping all). Every file in
//! the spill directory is a registered temporary file: removed on success, on error
//! and on Ctrl-C/SIGTERM ([`crowdqc_io::abandon_writes`]).

mod fit;
mod fit_memory;
mod rss;
mod summary;

use std::path::Path;

use crowdqc_core::memory;
use crowdqc_core::{Error, Result};

pub use crowdqc_io::release_freed_heap;
pub use fit::OutOfCore;
pub use fit_memory::{
    FitMemory, MIN_SHARD_ROOM, OUTPUT_ROWS, Phases, RUN_IO_BYTES, SHARD_BYTES_PER_ITEM,
    SHARD_BYTES_PER_JUDGMENT,
};
pub use rss::MeasuredPhases;
pub use summary::{ClassItems, Request, Summary, aggregate, check, items, items_of};

/// The methods that run out of core.
pub const METHODS: &[&str] = &["ds", "one-coin-ds"];

/// Bytes per judgment while a run is built into its shard (run batches, row codes,
/// CSR arrays, the item dictionary).
pub const RUN_BYTES_PER_JUDGMENT: u64 = 64;

/// The share of the budget the partitioning read may buffer rows in (one eighth; see
/// [`crowdqc_io::RunsMemory`]).
pub const PARTITION_BUFFER_SHARE: u64 = 8;

/// The least budget the out-of-core path takes: the partitioning read's smallest batch
/// ([`crowdqc_io::MIN_BATCH_ROWS`] rows at [`crowdqc_io::BATCH_BYTES_PER_ROW`]),
/// decoded and split into runs, in its share of the budget (the batch and its copy
/// take as much as the buffered rows, an eighth, see [`PARTITION_BUFFER_SHARE`]):
/// 64 KiB (a floor for the read alone: the per-worker tables of the fit are checked
/// on their own, see [`FitMemory::plan`]). Below it [`aggregate`] refuses, naming
/// `--max-memory` ([`OutOfCore::prepare_within`] reads in batches of
/// [`crowdqc_io::MIN_BATCH_ROWS`] rows then, above its plan).
pub const MIN_BUDGET: u64 = crowdqc_io::MIN_BATCH_ROWS as u64
    * crowdqc_io::BATCH_BYTES_PER_ROW
    * 2
    * PARTITION_BUFFER_SHARE;

/// Refuses a budget below [`MIN_BUDGET`] ([`Error::ResourceLimit`], exit 2 in the CLI).
///
/// # Errors
/// [`Error::ResourceLimit`] naming `--max-memory` and the floor.
pub fn check_budget_floor(budget: u64, budget_kind: &str) -> Result<()> {
    if budget >= MIN_BUDGET {
        return Ok(());
    }
    Err(Error::ResourceLimit {
        what: format!(
            "the out-of-core partitioning read (its smallest input batch, {} rows at about {} \
             bytes each, decoded and split into runs, in an eighth of the budget)",
            crowdqc_io::MIN_BATCH_ROWS,
            crowdqc_io::BATCH_BYTES_PER_ROW
        ),
        bytes: MIN_BUDGET,
        budget,
        budget_kind: budget_kind.to_string(),
        way_out: format!(
            "raise --max-memory to at least {} ({MIN_BUDGET} bytes), the least budget the \
             out-of-core path takes",
            memory::format_bytes(MIN_BUDGET)
        ),
    })
}

/// Most runs [`plan`] chooses.
pub const MAX_RUNS: usize = 4096;

/// An out-of-core plan: the input's judgments (declared, or bounded from the file
/// size), the in-memory estimate that did not fit, the budget and the number of runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Judgments declared by the file (or an upper bound from its size).
    pub judgments: u64,
    /// The in-memory two-pass estimate, in bytes.
    pub estimate: u64,
    /// The memory budget, in bytes.
    pub budget: u64,
    /// Runs to partition into.
    pub runs: usize,
    /// What the budget is (`the memory limit (--max-memory)` or `the memory
    /// available`), for the refusal of [`OutOfCore::prepare_within`].
    pub budget_kind: &'static str,
}

/// Runs for `judgments` within `budget` bytes: one run's shard build takes at most a
/// quarter of the budget; at least 2, at most [`MAX_RUNS`].
pub fn runs_for(judgments: u64, budget: u64) -> usize {
    let per_run = (budget / 4).max(1);
    let need = judgments
        .saturating_mul(RUN_BYTES_PER_JUDGMENT)
        .div_ceil(per_run);
    usize::try_from(need).unwrap_or(MAX_RUNS).clamp(2, MAX_RUNS)
}

/// Chooses between the in-memory read (`Ok(None)`: use
/// [`crowdqc_io::plan_read_spilled`]) and the out-of-core path (see the module docs).
///
/// # Errors
/// An unreadable Parquet footer; [`Error::ResourceLimit`] (with the path) when the
/// in-memory read does not fit and no spill directory is given.
pub fn plan(path: &Path, spill_dir: Option<&Path>) -> Result<Option<Plan>> {
    let judgments = match (crowdqc_io::declared_rows(path)?, spill_dir) {
        (Some(n), _) => n,
        (None, Some(_)) => std::fs::metadata(path).map_or(0, |m| m.len() / 6),
        (None, None) => return Ok(None),
    };
    let Some(budget) = memory::budget() else {
        return Ok(None);
    };
    match memory::plan_aggregate(judgments, true) {
        Ok(_) => Ok(None),
        Err(Error::ResourceLimit { bytes, .. }) if spill_dir.is_some() => Ok(Some(Plan {
            judgments,
            estimate: bytes,
            budget,
            runs: runs_for(judgments, budget),
            budget_kind: match (memory::limit(), memory::available()) {
                (Some(l), Some(a)) if l <= a => "the memory limit (--max-memory)",
                (Some(_), None) => "the memory limit (--max-memory)",
                _ => "the memory available",
            },
        })),
        Err(e) => Err(e.in_file(path)),
    }
}
