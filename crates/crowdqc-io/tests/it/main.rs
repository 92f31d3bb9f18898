//! Integration tests of crowdqc-io (one binary).

mod bad_input;
mod csv_input;
mod real_data;
mod roundtrip;
mod util;
