//! Integration tests of crowdqc-gold.

mod forgive;
mod interval;
mod plan;
mod schedule;
mod score;
