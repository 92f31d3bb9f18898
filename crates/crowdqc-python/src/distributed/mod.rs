//! Bindings of `crowdqc_aggregation::distributed` (issue 13, part 5) for
//! `crowdqc.distributed`, the Ray adapter.
//!
//! Plain functions and classes over bytes and Arrow arrays, knowing nothing of Ray:
//! parameters and statistics cross the Python boundary as `bytes` (cheap to put in
//! Ray's object store), ids as pyarrow arrays. [`shard::DistShard`] is what a shard's
//! actor holds; [`driver::DsDriverPy`] and the merge functions run on the driver;
//! [`hash::shard_of`] is the stable hash of the partitioning helper. Every call that
//! touches judgments releases the GIL.

mod counts;
mod driver;
mod hash;
mod shard;

use pyo3::prelude::*;

/// Adds this module's functions and classes to `crowdqc._native` (called last by the
/// module initialiser, so other helpers' registrations never conflict with it).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(hash::shard_of, m)?)?;
    m.add_class::<shard::DistShard>()?;
    m.add_class::<driver::GlobalDicts>()?;
    m.add_class::<driver::DsDriverPy>()?;
    m.add_function(wrap_pyfunction!(driver::dist_global_ids, m)?)?;
    m.add_function(wrap_pyfunction!(driver::ds_merge, m)?)?;
    m.add_function(wrap_pyfunction!(driver::ds_params_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(driver::ds_params_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(driver::agreement_merge, m)?)?;
    m.add_function(wrap_pyfunction!(driver::gold_merge, m)?)?;
    Ok(())
}
