//! Integration tests of the `crowdqc` binary (one test binary; one module per subcommand).

mod aggregate;
mod agreement;
mod fuzz_corpus;
mod gold;
mod hardening;
mod inspect;
mod limits;
mod model_state;
mod out_of_core;
mod pairwise;
mod policy;
mod ratings;
mod report;
mod size;
mod soak;
mod util;
mod workers;
