//! Integration tests of crowdqc-gold.

mod evidence;
mod forgive;
mod interval;
mod plan;
mod schedule;
mod score;
