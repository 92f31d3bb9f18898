//! Loader for the real datasets in `$CROWDQC_DATA` (default `../shared/fixtures`
//! relative to the workspace root) and for the project's own `fixtures/`.
//!
//! Tests call [`data_dir`]; when the folder is absent it returns `None` and the test
//! prints that it skipped, unless `CROWDQC_REQUIRE_DATA=1` (set by `.ci/run`), in which
//! case it panics so that CI fails.

use std::path::{Path, PathBuf};

use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};

/// The workspace root: the nearest directory holding `Cargo.lock` above the package
/// cargo is running (its `CARGO_MANIFEST_DIR` at run time, set for tests, benches and
/// `cargo run`), else two levels above this crate's manifest as compiled. The run-time
/// path comes first because a build reused from another checkout (a shared target
/// directory) carries that checkout's compile-time path.
pub fn workspace_root() -> PathBuf {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let found = std::env::var_os("CARGO_MANIFEST_DIR").and_then(|start| {
        Path::new(&start)
            .ancestors()
            .find(|d| d.join("Cargo.lock").is_file())
            .map(Path::to_path_buf)
    });
    let root = found.unwrap_or(compiled);
    root.canonicalize().unwrap_or(root)
}

/// The project's own small fixtures (`<workspace>/fixtures`).
pub fn project_fixtures() -> PathBuf {
    workspace_root().join("fixtures")
}

/// The shared real-data folder, or `None` (with a message on stderr) when it is absent.
///
/// # Panics
/// When the folder is absent and `CROWDQC_REQUIRE_DATA=1`.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CROWDQC_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/fixtures"));
    if dir.is_dir() {
        return Some(dir);
    }
    let required = std::env::var("CROWDQC_REQUIRE_DATA").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CROWDQC_REQUIRE_DATA=1 but the data folder {} is missing",
        dir.display()
    );
    eprintln!(
        "skipped: data folder {} not found (set CROWDQC_DATA)",
        dir.display()
    );
    None
}

/// Path of one dataset folder in the shared data (`None` when the data is absent).
pub fn dataset_dir(name: &str) -> Option<PathBuf> {
    data_dir().map(|d| d.join(name))
}

/// Reads a headered CSV file into rows of strings.
///
/// # Panics
/// When the file cannot be read or parsed (test helper).
pub fn read_csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = rdr
        .headers()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .iter()
        .map(str::to_string)
        .collect();
    let rows = rdr
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    (header, rows)
}

/// Loads `judgments.csv` (columns item, worker, label) and, when present and `with_gold`,
/// `gold.csv` (item, label) from a dataset folder. Ids and labels are taken as strings
/// (labels that all parse as numbers are still ordered numerically).
///
/// # Panics
/// On unreadable files or ingest errors (test helper).
pub fn load_dataset(dir: &Path, opts: IngestOptions, with_gold: bool) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(opts).expect("options");
    let (h, rows) = read_csv_rows(&dir.join("judgments.csv"));
    let col = |name: &str| {
        h.iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name} in {h:?}"))
    };
    let (ci, cw, cl) = (col("item"), col("worker"), col("label"));
    for r in &rows {
        b.push_row(IdRef::Str(&r[ci]), IdRef::Str(&r[cw]), IdRef::Str(&r[cl]))
            .expect("row");
    }
    let gold = dir.join("gold.csv");
    if with_gold && gold.is_file() {
        let (h, rows) = read_csv_rows(&gold);
        let gi = h
            .iter()
            .position(|c| c == "item")
            .expect("gold item column");
        let gl = h
            .iter()
            .position(|c| c == "label")
            .expect("gold label column");
        for r in &rows {
            b.push_gold_row(IdRef::Str(&r[gi]), IdRef::Str(&r[gl]))
                .expect("gold row");
        }
    }
    b.finish()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// The categorical datasets with gold in the shared data (folder names).
pub const CATEGORICAL_WITH_GOLD: &[&str] = &[
    "welinder2010-bluebirds",
    "zheng2017-product",
    "zhou2012-dogs",
    "zheng2017-face",
    "venanzi2014-weather-sentiment-amt",
    "zhou2012-websearch",
    "snow2008-rte",
    "snow2008-temp",
    "snow2008-wsd",
    "gal-adultcontent2",
    "gal-barzanmozafari",
    "gal-copyright-infringement",
    "gal-hitspam-crowdflower",
    "gal-adultcontent-toy",
    "crowdkit-toy",
    "crowdkit-simple",
];
