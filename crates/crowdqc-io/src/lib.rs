//! crowdqc-io (work in progress).
