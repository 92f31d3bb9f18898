//! Dawid–Skene, one-coin Dawid–Skene and majority vote over data partitioned by item,
//! as plain functions that know nothing of any engine (the Ray adapter of the Python
//! package is a thin loop over them; a Spark or Dask adapter would be the same).
//!
//! # Protocol
//!
//! 1. **Ids.** Each shard reads its judgments (Arrow `RecordBatch`es, the column layer
//!    of `crowdqc_core::columns`: `item`/`task`, `worker`, `label` of any id type) and
//!    lists its sorted unique ids ([`ShardIds::from_batches`]). The driver merges them
//!    ([`GlobalIds::merge`]): workers and labels get codes by rank in the globally
//!    sorted lists (independent of the partitioning), and an item found in two shards
//!    is refused ([`crowdqc_core::Error::Conflict`] naming it) — the data must be
//!    partitioned by item (hash of the item id).
//! 2. **Shards.** Each shard builds its [`Shard`] with the global dictionaries
//!    ([`Shard::from_batches`]): items stay local, in sorted id order, so concatenating
//!    the shards' rows in global sorted item order ([`item_order`]) gives the output.
//! 3. **EM.** [`init_stats`] on every shard, [`merge`], [`DsDriver::start`]; then
//!    repeatedly [`e_step`] with the driver's parameters on every shard, [`merge`],
//!    [`DsDriver::update`], until it returns [`Step::Done`]; finally [`posteriors`] with
//!    [`DsFit::posterior_params`] on every shard. [`fit_shards`] is that loop in
//!    process. [`DsParams`] (what goes out each iteration: `8 (k + W k²)` bytes) and
//!    [`DsStats`] (what comes back: about `16 W k²` bytes) serialise to bytes and flat
//!    slices.
//! 4. **Majority vote** needs one pass ([`mv_shard`]); only per-worker agreement counts
//!    merge ([`MvStats::merge`]).
//!
//! # Identical results
//!
//! Every sum that crosses items (the M-step's `Σ q` per `(worker, label, class)`, the
//! prior sums, crowd-kit's entropy, the log-likelihood) is accumulated in fixed point:
//! each value rounded to a multiple of `2^-52` as an integer, sums in `i128` (the
//! bounds are in [`SCALE`]'s docs: no overflow below 2^56 judgments). Integer sums are
//! exact, so the merged statistics — and the parameters, objective, iteration count and
//! posteriors — are bit-identical for any number of shards, any merge order and any
//! rayon thread count. Within an item the judgments are put in `(worker, label)` code
//! order, so the per-item floating-point arithmetic does not depend on the row order
//! either. [`DawidSkeneParams::exact_sums`](crate::DawidSkeneParams::exact_sums) runs
//! a single-machine fit through the same code (one shard), with the same bits as any
//! partitioning; it stays within crowd-kit's 1e-6 (tested on the parity fixtures).
//!
//! The parameters are shipped as probabilities; each shard takes their `log2` itself,
//! so shards on hosts with different math libraries could differ in the last bit.
//! Run the shards on one build (the same wheel) for bit-identical results.

mod driver;
mod estep;
mod fixed;
mod ids;
mod mv;
mod params;
mod run_shard;
mod shard;
mod shard_io;
mod single;
mod stream;

pub use driver::{
    DsConfig, DsDriver, DsFit, DsMethod, Step, e_step, fit_shards, init_stats, m_step, merge,
    posteriors,
};
pub use fixed::SCALE;
pub use ids::{GlobalIds, IdSort, ShardIds, SortedIds, check_partitioned, item_order};
pub use mv::{MvShard, MvStats, mv_shard};
pub use params::{DsParams, DsStats};
pub use run_shard::{BuildBytes, RUN_BUILD_BYTES_PER_JUDGMENT};
pub use shard::Shard;
pub use stream::{PreparedParams, StatsStream, params_table_bytes, stats_table_bytes};

pub(crate) use single::{check_warm, fit_matrix, warm_active};
