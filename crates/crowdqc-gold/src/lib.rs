//! crowdqc-gold (work in progress).
