//! Integration tests of crowdqc-agreement: published values, properties, bootstrap,
//! per-item / per-worker views.

mod bootstrap;
mod common;
mod crowdkit;
mod errors;
mod limits;
mod progress;
mod properties;
mod published;
mod reference;
mod report;
mod votes;
