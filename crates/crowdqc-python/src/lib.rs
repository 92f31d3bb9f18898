//! # crowdqc-python
//!
//! The native module `crowdqc._native` of the Python package `crowdqc` (PyO3, abi3 for
//! CPython ≥ 3.9, built with maturin). It parses Python objects, calls the crowdqc
//! libraries and returns Arrow arrays; it implements no statistics. The crowd-kit
//! compatible classes live in Python (`python/crowdqc/`) over this module.
//!
//! - [`Matrix`]: a judgment matrix built from anything exporting the Arrow C stream
//!   interface (`__arrow_c_stream__`: pyarrow tables and readers, polars and pandas
//!   ≥ 2.2 data frames) without copying the input columns; the GIL is released
//!   while the batches are ingested.
//! - [`Model`]: a fitted truth-inference model (`fit`); the fit runs on a worker
//!   thread with the GIL released while the calling thread polls for Ctrl-C and
//!   interrupts the fit through [`crowdqc_core::progress::InterruptFlag`]. A Rust
//!   panic surfaces as `pyo3_runtime.PanicException`.
//! - metric functions over `crowdqc-agreement` and `read_table` over `crowdqc-io`.
//! - rating aggregation, ICC and Kendall's W over `crowdqc-ratings` (`ratings_*`).
//! - pairwise comparisons (Bradley–Terry family, Crowd-BT, Elo, win rate) and their
//!   evaluation over `crowdqc-pairwise` (`pairwise_*`).
//!
//! Errors are mapped from [`crowdqc_core::Error`] to `crowdqc.Error` (a `ValueError`)
//! and one subclass per kind, defined in `crowdqc._errors` (see [`errors`]).

mod agreement;
mod arrow_out;
mod distributed;
pub mod errors;
mod fit;
mod gold;
mod ingest;
mod metrics;
mod pairwise;
mod policy;
mod ratings;
mod run;

use pyo3::prelude::*;

pub use fit::Model;
pub use ingest::Matrix;

/// The native module `crowdqc._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Matrix>()?;
    m.add_class::<Model>()?;
    m.add_function(wrap_pyfunction!(fit::fit, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::krippendorff_alpha, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::uncertainty, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::consistency, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::mv_skills, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::read_table, m)?)?;
    m.add_function(wrap_pyfunction!(panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(agreement::agreement_report, m)?)?;
    m.add_function(wrap_pyfunction!(agreement::agreement_report_counts, m)?)?;
    m.add_function(wrap_pyfunction!(agreement::agreement_report_table, m)?)?;
    m.add_function(wrap_pyfunction!(agreement::item_agreement_table, m)?)?;
    m.add_function(wrap_pyfunction!(agreement::worker_agreement_table, m)?)?;
    m.add_function(wrap_pyfunction!(gold::gold_score, m)?)?;
    m.add_function(wrap_pyfunction!(gold::gold_plan_pages, m)?)?;
    m.add_class::<gold::NativeGoldScheduler>()?;
    m.add_class::<policy::NativePolicy>()?;
    m.add_class::<policy::NativePolicySession>()?;
    m.add_function(wrap_pyfunction!(ratings::ratings_aggregate, m)?)?;
    m.add_function(wrap_pyfunction!(ratings::ratings_agreement, m)?)?;
    m.add_function(wrap_pyfunction!(ratings::ratings_policy, m)?)?;
    m.add_function(wrap_pyfunction!(pairwise::pairwise_fit, m)?)?;
    m.add_function(wrap_pyfunction!(pairwise::pairwise_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(pairwise::pairwise_policy, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    distributed::register(m)?;
    Ok(())
}

/// Panics with `message` on the fit thread (`crowdqc._native._panic_for_tests`): lets
/// the tests check that a Rust panic surfaces as a Python `PanicException` instead of
/// aborting the interpreter.
#[pyfunction]
#[pyo3(name = "_panic_for_tests")]
fn panic_for_tests(py: Python<'_>, message: String) -> PyResult<()> {
    run::interruptible(py, move |_| -> crowdqc_core::Result<()> {
        panic!("{message}")
    })
}
