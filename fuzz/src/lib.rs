//! The fuzz targets' entry points, shared with the corpus replay test of crowdqc-cli
//! (`crates/crowdqc-cli/tests/it/fuzz_corpus.rs`), which includes the same file.

#[path = "../entries.rs"]
pub mod entries;
