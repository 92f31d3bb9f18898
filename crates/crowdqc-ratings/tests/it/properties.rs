//! Invariances: row order, id relabelling, thread count.
