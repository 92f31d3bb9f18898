//! The memory plan of the out-of-core fit, made once the partitioning read has
//! counted the workers and classes: what is held throughout (the per-worker tables,
//! the dictionaries) is counted first, and the shard files are cut so that one shard
//! — two with the prefetch — fits in what is left.

use crowdqc_aggregation::distributed::{BuildBytes, params_table_bytes, stats_table_bytes};
use crowdqc_core::memory::format_bytes;
use crowdqc_core::{Error, Result};

/// Bytes per judgment of a loaded shard (`u32` worker and label codes).
pub const SHARD_BYTES_PER_JUDGMENT: u64 = 8;

/// Bytes per item of a loaded shard while its items are written out: the CSR offset
/// (8), the posteriors (8 per class, counted separately), the item id and its copy in
/// the output batch, the label and confidence columns (an allowance of 96 bytes, for
/// ids of up to about 30 bytes).
pub const SHARD_BYTES_PER_ITEM: u64 = 96;

/// The shard build's I/O buffers: the run file's read buffer
/// ([`crowdqc_io::RUN_READ_BUFFER`]), or the shard file's write buffer (1 MiB) and
/// its encoding buffer (512 KiB), whichever is larger.
pub const RUN_IO_BYTES: u64 = 3 << 19;

/// The least room a shard may have; below it the plan refuses.
pub const MIN_SHARD_ROOM: u64 = 4096;

/// Rows of items output the writer may hold before it writes them (one Parquet row
/// group).
pub const OUTPUT_ROWS: u64 = 1 << 20;

/// What the out-of-core fit holds, in bytes, and how it is cut to the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FitMemory {
    /// The memory budget.
    pub budget: u64,
    /// Workers.
    pub workers: u64,
    /// Classes.
    pub classes: u64,
    /// The sorted worker and label ids (held throughout).
    pub dictionaries: u64,
    /// One E-step statistics table (`16 · workers · classes²`).
    pub stats_table: u64,
    /// Statistics tables (one per thread of a pass; a pass uses at most this many
    /// threads).
    pub stats_tables: usize,
    /// The parameters: the current ones and their `log2` (or the next ones during the
    /// M-step), `2 · 8 · workers · classes²`.
    pub params: u64,
    /// Judgments per `(worker, label)`, twice (`2 · 8 · workers · classes`).
    pub counts: u64,
    /// The items writer's buffered rows (at most [`OUTPUT_ROWS`], at
    /// `16 + 8·(classes + 2)` bytes each; 0 without an items file), held while the items are written, when the
    /// statistics tables are gone.
    pub output: u64,
    /// The most one shard may take (loaded, or while its items are written).
    pub shard: u64,
    /// Whether the next shard is read while one is computed (two shards in memory).
    pub prefetch: bool,
    /// The partitioning read's peak (measured inputs, bounded parts): the worker and
    /// label dictionaries as built, the rows buffered for the runs (bounded by
    /// [`partition_buffer`](Self::partition_buffer)), one run's rows concatenated for
    /// writing, the largest decoded batch and its copy split into runs, the runs'
    /// write buffers ([`crowdqc_io::RunsMemory::peak`]).
    pub partition: u64,
    /// The bound on the partitioning read's buffered rows (a share of the budget).
    pub partition_buffer: u64,
    /// The shard build's peak (see [`with_build`](Self::with_build)): the sorted
    /// dictionaries and their code maps, and the largest run's build as it tracked
    /// its bytes.
    pub shard_build: u64,
    /// Judgments of the run whose build held the most.
    pub build_judgments: u64,
    /// Items of the run whose build held the most.
    pub build_items: u64,
}

/// The peak of each phase of the out-of-core path, in bytes (see
/// [`FitMemory::phases`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Phases {
    /// The partitioning read.
    pub partition: u64,
    /// The shard build.
    pub shard_build: u64,
    /// The fit (the tables and one shard, two with the prefetch).
    pub fit: u64,
    /// The items output (its tables, the writer's rows and one shard).
    pub items: u64,
}

impl Phases {
    /// The largest.
    pub fn max(&self) -> u64 {
        self.partition
            .max(self.shard_build)
            .max(self.fit)
            .max(self.items)
    }
}

impl FitMemory {
    /// What is held throughout the fit (everything but the shards).
    pub fn fixed(&self) -> u64 {
        self.dictionaries
            .saturating_add(self.stats_table.saturating_mul(self.stats_tables as u64))
            .saturating_add(self.params)
            .saturating_add(self.counts)
    }

    /// What is held while the items are written (everything but the shard): the
    /// dictionaries, the parameters (the posterior ones and their `log2`) and the
    /// writer's rows.
    pub fn items_fixed(&self) -> u64 {
        self.dictionaries
            .saturating_add(self.params)
            .saturating_add(self.output)
    }

    /// The peak of each phase: the partitioning read and the shard build (from what
    /// they measured, see [`partition`](Self::partition) and
    /// [`shard_build`](Self::shard_build)), the fit (the fixed part and one shard, two
    /// with the prefetch) and the items output (its fixed part and one shard).
    pub fn phases(&self) -> Phases {
        Phases {
            partition: self.partition,
            shard_build: self.shard_build,
            fit: self
                .fixed()
                .saturating_add(self.shard.saturating_mul(if self.prefetch { 2 } else { 1 })),
            items: self.items_fixed().saturating_add(self.shard),
        }
    }

    /// The planned peak of the fit and the items output, which the shard files are cut
    /// to keep within the budget (the largest of all [`phases`](Self::phases) is
    /// `phases().max()`).
    pub fn peak(&self) -> u64 {
        let p = self.phases();
        p.fit.max(p.items)
    }

    /// Records what the partitioning read held (`dictionaries`: the worker and label
    /// dictionaries as built; `runs`: its buffers, for `n_runs` runs).
    pub fn with_reads(
        mut self,
        dictionaries: u64,
        runs: &crowdqc_io::RunsMemory,
        n_runs: usize,
    ) -> FitMemory {
        self.partition_buffer = runs.buffer;
        self.partition = dictionaries.saturating_add(runs.peak(n_runs));
        self
    }

    /// Records the shard build's peak: `dictionaries` bytes held throughout it (the
    /// sorted worker and label ids and the maps from the runs' codes) and the larger of
    /// the dictionaries as built (`built` bytes, held until they are sorted and mapped)
    /// and the largest run's build: its tracked bytes ([`BuildBytes::peak`]: its
    /// triples, item ids, CSR arrays and batch) and the run file's read buffer or the
    /// shard file's write buffers ([`RUN_IO_BYTES`]).
    pub fn with_build(mut self, dictionaries: u64, built: u64, build: BuildBytes) -> FitMemory {
        self.shard_build =
            dictionaries.saturating_add(built.max(build.peak.saturating_add(RUN_IO_BYTES)));
        self.build_judgments = build.judgments;
        self.build_items = build.items;
        self
    }

    /// The cost of a shard (in the units of [`shard`](Self::shard)) per judgment and
    /// per item.
    pub fn shard_costs(&self) -> (u64, u64) {
        (
            SHARD_BYTES_PER_JUDGMENT,
            SHARD_BYTES_PER_ITEM + 8 * self.classes,
        )
    }

    /// Plans the fit of `workers` × `classes` with dictionaries of `dictionaries`
    /// bytes (and `output_rows` rows of items held by the writer, 0 without an items
    /// file) within `budget` (`None`: no limit; then as many tables as `threads` and
    /// shards of any size). Tables: as many as `threads` while they leave a quarter of
    /// the budget to the shards, at least one. The shard room is halved for the
    /// prefetch while a half is at least [`MIN_SHARD_ROOM`].
    ///
    /// # Errors
    /// [`Error::ResourceLimit`] when the tables held throughout (with one statistics
    /// table) and [`MIN_SHARD_ROOM`] exceed the budget: the message gives the estimate,
    /// each table, the budget and the way out.
    pub fn plan(
        budget: Option<u64>,
        budget_kind: &str,
        workers: usize,
        classes: usize,
        dictionaries: u64,
        threads: usize,
        output_rows: u64,
    ) -> Result<FitMemory> {
        let stats = stats_table_bytes(workers, classes).unwrap_or(u64::MAX);
        let param = params_table_bytes(workers, classes).unwrap_or(u64::MAX);
        let mut m = FitMemory {
            budget: budget.unwrap_or(u64::MAX),
            workers: workers as u64,
            classes: classes as u64,
            dictionaries,
            stats_table: stats,
            stats_tables: threads.max(1),
            params: param.saturating_mul(2),
            counts: (workers as u64)
                .saturating_mul(classes as u64)
                .saturating_mul(16),
            output: output_rows
                .min(OUTPUT_ROWS)
                .saturating_mul(16 + 8 * (classes as u64 + 2)),
            shard: u64::MAX,
            prefetch: true,
            partition: 0,
            partition_buffer: 0,
            shard_build: 0,
            build_judgments: 0,
            build_items: 0,
        };
        let Some(b) = budget else {
            return Ok(m);
        };
        m.stats_tables = 1;
        let need = m
            .fixed()
            .max(m.items_fixed())
            .saturating_add(MIN_SHARD_ROOM);
        if need > b {
            return Err(refusal(&m, need, budget_kind));
        }
        while m.stats_tables < threads.max(1) {
            m.stats_tables += 1;
            if m.fixed() > b - b / 4 {
                m.stats_tables -= 1;
                break;
            }
        }
        let left = b - m.fixed().max(m.items_fixed());
        m.prefetch = left / 2 >= MIN_SHARD_ROOM;
        m.shard = if m.prefetch { left / 2 } else { left };
        Ok(m)
    }
}

fn refusal(m: &FitMemory, need: u64, budget_kind: &str) -> Error {
    let parts = [
        (
            m.stats_table,
            "the E-step statistics table (16 bytes per worker per class², one per thread)",
        ),
        (
            m.params,
            "the parameters (8 bytes per worker per class², twice)",
        ),
        (
            m.counts,
            "the judgment counts (8 bytes per worker per class, twice)",
        ),
        (m.dictionaries, "the worker and label ids"),
        (
            m.output,
            "the items writer's buffered rows (one row group of 2^20 rows)",
        ),
    ];
    // the first of equals (the statistics table before the two parameter tables)
    let largest = parts
        .iter()
        .rev()
        .max_by_key(|(b, _)| *b)
        .map_or("", |p| p.1);
    let listed: Vec<String> = parts
        .iter()
        .map(|(b, what)| format!("{what}: {}", format_bytes(*b)))
        .collect();
    Error::ResourceLimit {
        what: format!(
            "the out-of-core fit of {} workers x {} classes holds per-worker tables that no \
             number of runs divides ({}; and at least {} for one shard)",
            m.workers,
            m.classes,
            listed.join(", "),
            format_bytes(MIN_SHARD_ROOM)
        ),
        bytes: need,
        budget: m.budget,
        budget_kind: budget_kind.to_string(),
        way_out: format!(
            "raise --max-memory to at least {} (no higher than the memory available), or fit \
             fewer workers or classes: the largest is {largest}",
            format_bytes(need)
        ),
    }
}
