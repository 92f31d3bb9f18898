//! Loading the shared agreement examples.

use std::path::{Path, PathBuf};

use crowdqc_agreement::{Contingency, ItemCounts};
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_testkit::fixtures::{dataset_dir, read_csv_rows};

/// `../shared/fixtures/agreement-examples/<name>`, or `None` (skipped) when absent.
pub fn example(name: &str) -> Option<PathBuf> {
    dataset_dir("agreement-examples").map(|d| d.join(name))
}

/// A long `item,worker,label` file, optionally keeping only some workers.
pub fn load_long(path: &Path, workers: Option<&[&str]>) -> JudgmentMatrix {
    load_long_with(path, workers, IngestOptions::default())
}

/// As [`load_long`] with ingest options.
pub fn load_long_with(
    path: &Path,
    workers: Option<&[&str]>,
    opts: IngestOptions,
) -> JudgmentMatrix {
    let (h, rows) = read_csv_rows(path);
    let col = |n: &str| h.iter().position(|c| c == n).expect("column");
    let (ci, cw, cl) = (col("item"), col("worker"), col("label"));
    let mut b = JudgmentMatrixBuilder::new(opts).expect("options");
    for r in &rows {
        if workers.is_some_and(|ws| !ws.contains(&r[cw].as_str())) {
            continue;
        }
        b.push_row(IdRef::Str(&r[ci]), IdRef::Str(&r[cw]), IdRef::Str(&r[cl]))
            .expect("row");
    }
    b.finish().expect("matrix")
}

/// A counts file `item,<category…>` (blank cells are 0).
pub fn load_counts(path: &Path) -> ItemCounts {
    let (h, rows) = read_csv_rows(path);
    let rows: Vec<Vec<u64>> = rows
        .iter()
        .map(|r| {
            r[1..]
                .iter()
                .map(|c| {
                    if c.trim().is_empty() {
                        0
                    } else {
                        c.trim().parse().expect("count")
                    }
                })
                .collect()
        })
        .collect();
    ItemCounts::from_table(&h[1..], &rows).expect("counts")
}

/// A contingency file `label_a,label_b,count`.
pub fn load_table(path: &Path) -> Contingency {
    let (_, rows) = read_csv_rows(path);
    let rows: Vec<(String, String, u64)> = rows
        .into_iter()
        .map(|r| {
            (
                r[0].clone(),
                r[1].clone(),
                r[2].trim().parse().expect("count"),
            )
        })
        .collect();
    Contingency::from_rows(&rows).expect("table")
}

/// Asserts that `x` rounds to `published` at its number of decimals.
#[track_caller]
pub fn assert_published(x: Option<f64>, published: &str) {
    let x = x.expect("coefficient is defined");
    let p: f64 = published.parse().expect("number");
    let decimals = published.split('.').nth(1).map_or(0, str::len) as i32;
    let tol = 0.5 * 10f64.powi(-decimals) + 1e-12;
    assert!(
        (x - p).abs() <= tol,
        "got {x}, published {published} (tolerance {tol})"
    );
}
