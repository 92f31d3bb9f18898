//! Aggregation of ratings into one score per item, with worker bias and variance.

mod fit;
mod model;
mod params;

pub use model::{RatingAggregation, WorkerRatingStats};
pub use params::{Method, RatingParams};

pub(crate) use fit::item_of_positions;
