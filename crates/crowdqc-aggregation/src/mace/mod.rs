//! MACE (being implemented).
