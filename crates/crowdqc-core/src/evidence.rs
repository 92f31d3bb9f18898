//! Per-worker evidence shared by the gold and policy crates.
