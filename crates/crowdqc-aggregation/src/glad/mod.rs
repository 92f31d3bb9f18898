//! GLAD (being implemented).
