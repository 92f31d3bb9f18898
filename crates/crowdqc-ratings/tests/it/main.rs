//! Integration tests of crowdqc-ratings (one binary).

mod aggregate;
mod agreement;
mod common;
mod gold;
mod ingest;
mod properties;
