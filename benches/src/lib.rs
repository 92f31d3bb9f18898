//! Criterion benches for crowdqc live in `benches/`; see `README.md` for the numbers.
