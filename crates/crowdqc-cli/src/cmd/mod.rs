//! One module per subcommand: each has `Args` (or `Command`) and `run`.

pub mod aggregate;
pub mod agreement;
pub mod gold;
pub mod inspect;
pub mod pairwise;
pub mod policy;
pub mod ratings;
pub mod report;
pub mod worker_policy;
pub mod workers;
