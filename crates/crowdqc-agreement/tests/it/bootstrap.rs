//! Bootstraps: determinism across thread counts, parameter errors.
