//! Integration tests of crowdqc-pairwise (one binary).

mod bad_input;
mod cancel;
mod gold;
mod parity;
mod props;
mod readability;
mod support;
