//! Gold ratings: evidence for policies.
