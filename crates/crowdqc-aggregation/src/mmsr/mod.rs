//! MMSR (being implemented).
