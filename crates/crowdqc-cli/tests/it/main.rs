//! Integration tests of the `crowdqc` binary (one test binary; one module per subcommand).

mod aggregate;
mod agreement;
mod fuzz_corpus;
mod gold;
mod hardening;
mod inspect;
mod policy;
mod soak;
mod util;
