//! Shared helpers: CSV rows to Arrow batches to a `RatingMatrix`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use crowdqc_core::{ColumnMap, DuplicatePolicy, IdRef};
use crowdqc_ratings::{RatingMatrix, RatingsBuilder, RatingsOptions};

/// A batch of string columns.
pub fn batch(cols: &[(&str, Vec<String>)]) -> RecordBatch {
    RecordBatch::try_from_iter(
        cols.iter()
            .map(|(n, v)| (*n, Arc::new(StringArray::from(v.clone())) as ArrayRef)),
    )
    .expect("batch")
}

/// Ratings from `(item, worker, value)` rows.
pub fn matrix(rows: &[(String, String, f64)], dup: DuplicatePolicy) -> RatingMatrix {
    let mut b = RatingsBuilder::new(RatingsOptions::default().with_duplicates(dup)).expect("opts");
    for (i, w, x) in rows {
        b.push_row(IdRef::Str(i), IdRef::Str(w), *x).expect("row");
    }
    b.finish().expect("finish")
}

/// The `judgments.csv` of a shared dataset through the column layer (labels as text, so
/// `-0` and `00` are parsed as numbers by core's `NumberColumn`).
pub fn load(dir: &Path) -> RatingMatrix {
    let (header, rows) = crowdqc_testkit::fixtures::read_csv_rows(&dir.join("judgments.csv"));
    let cols: Vec<(&str, Vec<String>)> = header
        .iter()
        .enumerate()
        .map(|(j, h)| (h.as_str(), rows.iter().map(|r| r[j].clone()).collect()))
        .collect();
    let mut b = RatingsBuilder::new(RatingsOptions::default()).expect("opts");
    b.push_batch(&batch(&cols)).expect("ingest");
    b.finish().expect("finish")
}

/// `gold.csv` of a shared dataset as (item, value).
pub fn gold(dir: &Path) -> Vec<(String, f64)> {
    let (_, rows) = crowdqc_testkit::fixtures::read_csv_rows(&dir.join("gold.csv"));
    rows.into_iter()
        .map(|r| (r[0].clone(), r[1].trim().parse().expect("gold number")))
        .collect()
}

/// A roitero2020 scale file (`S3`, `S6`, `S100`) with the column map the CLI would use.
///
/// The attention checks (`source = gold_question`, statement `HIGH` or `LOW`, no
/// `name_unique`) are left out, as pandas' groupby leaves out their null item.
pub fn roitero(dir: &Path, scale: &str) -> (RatingMatrix, Vec<Vec<String>>, Vec<String>) {
    let (header, rows) =
        crowdqc_testkit::fixtures::read_csv_rows(&dir.join(format!("{scale}.csv")));
    let item = header
        .iter()
        .position(|h| h == "name_unique")
        .expect("name_unique");
    let rows: Vec<Vec<String>> = rows.into_iter().filter(|r| !r[item].is_empty()).collect();
    let cols: Vec<(&str, Vec<String>)> = header
        .iter()
        .enumerate()
        .map(|(j, h)| (h.as_str(), rows.iter().map(|r| r[j].clone()).collect()))
        .collect();
    let map = ColumnMap::default()
        .with_item("name_unique")
        .with_worker("unit_id")
        .with_label(format!("{scale}_truth_level"));
    let mut b = RatingsBuilder::new(RatingsOptions::default().with_columns(map)).expect("opts");
    b.push_batch(&batch(&cols)).expect("ingest");
    (b.finish().expect("finish"), rows, header)
}

/// The project's `fixtures/ratings` folder.
pub fn fixtures() -> PathBuf {
    crowdqc_testkit::fixtures::project_fixtures().join("ratings")
}

/// Reads a JSON fixture.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// Scores by item id.
pub fn by_id(m: &RatingMatrix, scores: &[f64]) -> std::collections::HashMap<String, f64> {
    (0..m.n_items())
        .map(|i| (m.items().get(i as u32).to_string(), scores[i]))
        .collect()
}
