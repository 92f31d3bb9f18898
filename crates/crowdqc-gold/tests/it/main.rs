//! Integration tests of crowdqc-gold.

mod evidence;
mod forgive;
mod interval;
mod limits;
mod plan;
mod schedule;
mod score;
mod state;
