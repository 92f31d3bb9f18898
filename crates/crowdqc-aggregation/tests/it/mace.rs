//! MACE integration tests (being written).
