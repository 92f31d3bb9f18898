//! Integration tests of crowdqc-policy.

mod evaluate;
mod exact;
mod hardening;
mod pace;
mod parse;
mod props;
mod real_data;
mod real_pay;
mod recommended;
mod replay;
mod simulate;
mod statement;
mod stats_table;

/// Reads one of the repository's example policies.
pub fn example_policy(name: &str) -> crowdqc_policy::Policy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/").to_string() + name;
    let src = std::fs::read_to_string(&path).expect("example policy exists");
    crowdqc_policy::parse_policy(&src).expect("example policy is valid")
}
