//! # crowdqc-testkit
//!
//! Test support for crowdqc (not published): the loader for the real datasets in
//! `$CROWDQC_DATA`, seeded synthetic crowds and proptest strategies.

#![deny(missing_docs)]

pub mod fixtures;
