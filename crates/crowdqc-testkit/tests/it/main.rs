//! Integration tests of crowdqc-testkit.

mod strategies;
mod synth;
