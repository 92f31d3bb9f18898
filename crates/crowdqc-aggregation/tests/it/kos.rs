//! KOS integration tests (being written).
