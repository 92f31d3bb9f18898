//! # crowdqc-testkit
//!
//! Test support for crowdqc (not published):
//!
//! - [`fixtures`]: the loader for the real datasets in `$CROWDQC_DATA` and the
//!   project's own `fixtures/`;
//! - [`synth`]: seeded synthetic crowds with known truth (worker archetypes with
//!   confusion matrices, class imbalance, redundancy, gold), as rows, a
//!   `JudgmentMatrix` or streamed Arrow batches;
//! - [`strategies`]: proptest strategies for small judgment sets, row permutations and
//!   id relabellings (for invariance tests).

#![deny(missing_docs)]

pub mod fixtures;
pub mod strategies;
pub mod synth;
