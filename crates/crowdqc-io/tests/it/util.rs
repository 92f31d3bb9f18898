//! Helpers shared by the tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use crowdqc_core::{Error, IngestOptions, JudgmentMatrix};

/// A temp dir that lives as long as the test.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn file(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

/// A small judgments batch: 3 items, 2 workers, string labels.
pub fn judgments() -> RecordBatch {
    RecordBatch::try_from_iter([
        (
            "item",
            Arc::new(StringArray::from(vec!["t1", "t1", "t2", "t2", "t3"])) as ArrayRef,
        ),
        (
            "worker",
            Arc::new(StringArray::from(vec!["a", "b", "a", "b", "a"])) as ArrayRef,
        ),
        (
            "label",
            Arc::new(Int64Array::from(vec![1, 2, 2, 2, 10])) as ArrayRef,
        ),
    ])
    .expect("batch")
}

/// Reads judgments with default options.
pub fn read(path: &Path, gold: Option<&Path>) -> crowdqc_core::Result<JudgmentMatrix> {
    crowdqc_io::read_judgments(path, &IngestOptions::default(), gold)
}

/// The error of a read that must fail, with its message.
pub fn fails(path: &Path) -> (Error, String) {
    let e = read(path, None).expect_err("must fail");
    let s = e.to_string();
    (e, s)
}
