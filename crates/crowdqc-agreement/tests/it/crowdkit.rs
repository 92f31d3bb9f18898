//! crowd-kit's `uncertainty` and `consistency`.
