//! Integration tests of crowdqc-core (one binary).

mod batches;
mod duplicates_gold;
mod layout;
mod parts;
mod properties;
mod two_pass;
