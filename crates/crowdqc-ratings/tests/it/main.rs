//! Integration tests of crowdqc-ratings (one binary).

mod aggregate;
mod agreement;
mod cancel;
mod common;
mod gold;
mod ingest;
mod properties;
