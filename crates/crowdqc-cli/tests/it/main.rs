//! Integration tests of the `crowdqc` binary (one test binary; one module per subcommand).

mod aggregate;
mod agreement;
mod gold;
mod inspect;
mod limits;
mod policy;
mod ratings;
mod util;
