//! Integration tests of the `crowdqc` binary (one test binary; one module per subcommand).

mod inspect;
mod util;
