//! GLAD integration tests (being written).
