//! # crowdqc
//!
//! Quality control and consensus scoring for crowdsourced labels (work in progress;
//! this page becomes the user guide).

#![deny(missing_docs)]

pub use crowdqc_aggregation as aggregation;
pub use crowdqc_agreement as agreement;
pub use crowdqc_core as core;
pub use crowdqc_gold as gold;
#[cfg(feature = "io")]
pub use crowdqc_io as io;
pub use crowdqc_policy as policy;

pub use crowdqc_core::{Error, JudgmentMatrix, JudgmentMatrixBuilder, Result};
