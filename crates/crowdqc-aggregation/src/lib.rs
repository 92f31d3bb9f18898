//! # crowdqc-aggregation
//!
//! Truth inference and worker reliability (being implemented).

#![deny(missing_docs)]

pub mod glad;
pub mod kos;
pub mod mace;
pub mod mmsr;
