//! MMSR integration tests (being written).
