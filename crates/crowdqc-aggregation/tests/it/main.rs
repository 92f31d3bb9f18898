//! Integration tests of crowdqc-aggregation (one binary).

mod glad;
mod kos;
mod mace;
mod mmsr;

mod parity;
mod reference;
mod support;
