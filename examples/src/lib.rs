//! Example programs for crowdqc: see `src/bin/`.
