//! crowdqc-policy (work in progress).
