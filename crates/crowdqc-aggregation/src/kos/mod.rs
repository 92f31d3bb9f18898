//! KOS (being implemented).
