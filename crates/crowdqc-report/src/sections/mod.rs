//! The report's sections: each builds its typed content from the libraries and renders
//! it as an [`html::Section`](crate::html::Section).

pub mod agreement;
pub mod data;
pub mod gold;
pub mod policy;
pub mod statements;
pub mod truth;
pub mod workers;
