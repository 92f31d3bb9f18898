//! crowdqc-aggregation (work in progress).
