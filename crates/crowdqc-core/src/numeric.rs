//! Numeric helpers (log-space arithmetic, floors) shared by the algorithm crates.
