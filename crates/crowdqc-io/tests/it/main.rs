//! Integration tests of crowdqc-io (one binary).

mod bad_input;
mod csv_input;
mod hardening;
mod parallel_read;
mod plain_ids;
mod proptests;
mod real_data;
mod roundtrip;
mod small_tables;
mod two_pass;
mod util;
