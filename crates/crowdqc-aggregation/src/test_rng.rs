//! The unit tests' random numbers: xorshift64 (13, 7, 17), seeded.

/// A xorshift64 generator starting from `seed` (non-zero): each call returns the next
/// state.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
