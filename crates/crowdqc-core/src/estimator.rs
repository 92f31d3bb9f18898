//! Estimator traits shared by the algorithm crates (truth inference, worker reliability).
