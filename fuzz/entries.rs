//! Entry points of the fuzz targets: each takes arbitrary bytes, writes them to a file
//! of the target's kind and runs it through the functions the `crowdqc` command uses
//! for that kind of input (crowdqc-io readers, the policy reader, the table parsers,
//! the matrix builder, the `inspect` summary). Any panic, abort or hang is a bug; a
//! returned error is the expected answer to a bad input and must be a bad-input error
//! (exit code 2), since the file was readable.
//!
//! Shared verbatim by `fuzz/` (cargo-fuzz, nightly) and by the corpus replay test of
//! crowdqc-cli (`tests/it/fuzz_corpus.rs`, stable), through `#[path]`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, LargeStringBuilder, StringBuilder,
    StringDictionaryBuilder, UInt64Builder,
};
use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use crowdqc::Error;
use crowdqc::core::progress::NoProgress;
use crowdqc::core::summary::{MatrixSummary, ingest_notes};
use crowdqc::core::{DuplicatePolicy, IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};

/// Installs (once) a panic hook that stays silent for panics inside the third-party
/// decoders that crowdqc-io guards (it catches them and reports a bad file, and the
/// `crowdqc` command's hook does the same), and hands every other panic to the hook
/// installed before (libFuzzer's, which aborts: a crash).
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !crowdqc_io::in_guarded_decode() {
                previous(info);
            }
        }));
    });
}

/// The names of the targets, in the order the README lists them.
pub const TARGETS: &[&str] = &[
    "csv",
    "tsv",
    "parquet",
    "ipc_file",
    "ipc_stream",
    "gold",
    "policy",
    "stats",
    "contingency",
    "counts",
    "builder",
];

/// Runs target `name` on `data` (for the corpus replay).
///
/// # Panics
/// On an unknown target name, or whatever the target itself panics on (a bug).
pub fn run(name: &str, data: &[u8]) {
    init();
    match name {
        "csv" => csv(data),
        "tsv" => tsv(data),
        "parquet" => parquet(data),
        "ipc_file" => ipc_file(data),
        "ipc_stream" => ipc_stream(data),
        "gold" => gold(data),
        "policy" => policy(data),
        "stats" => stats(data),
        "contingency" => contingency(data),
        "counts" => counts(data),
        "builder" => builder(data),
        other => panic!("unknown fuzz target `{other}`"),
    }
}

/// The scratch directory of this process and thread (libFuzzer workers are processes,
/// tests are threads).
fn scratch_dir() -> PathBuf {
    let tid = format!("{:?}", std::thread::current().id());
    let tid: String = tid.chars().filter(char::is_ascii_digit).collect();
    std::env::temp_dir().join(format!("crowdqc-fuzz-{}-{tid}", std::process::id()))
}

/// Removes this thread's scratch directory.
pub fn cleanup() {
    let _ = std::fs::remove_dir_all(scratch_dir());
}

/// Writes `data` to a scratch file named `name` and returns its path.
fn file(name: &str, data: &[u8]) -> PathBuf {
    let dir = scratch_dir();
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, data).expect("write scratch file");
    path
}

/// A returned error must be a bad-input error (the file was readable).
fn expect_user_error(e: &Error) {
    assert!(
        e.is_user_error() || matches!(e.innermost(), Error::Interrupted),
        "bad input reported as a runtime failure (exit 1): {e}"
    );
    // rendering the message must not panic either
    let _ = e.to_string();
}

/// What `crowdqc inspect` does with a loaded matrix (both renderings).
fn inspect(m: &JudgmentMatrix) {
    let _ = ingest_notes(m, false);
    let s = MatrixSummary::of(m);
    let _ = s.to_string();
}

fn judgments(data: &[u8], name: &str) {
    let path = file(name, data);
    judgments_at(&path, None);
}

fn judgments_at(path: &Path, gold: Option<&Path>) {
    let opts = IngestOptions::default();
    match crowdqc_io::read_judgments_with_progress(path, &opts, gold, &NoProgress) {
        Ok(m) => inspect(&m),
        Err(e) => expect_user_error(&e),
    }
}

/// A CSV judgment file, read as `crowdqc inspect x.csv` reads it.
pub fn csv(data: &[u8]) {
    judgments(data, "j.csv");
}

/// A TSV judgment file.
pub fn tsv(data: &[u8]) {
    judgments(data, "j.tsv");
}

/// A Parquet judgment file.
pub fn parquet(data: &[u8]) {
    judgments(data, "j.parquet");
}

/// An Arrow IPC judgment file (file format when it starts with `ARROW1`).
pub fn ipc_file(data: &[u8]) {
    judgments(data, "j.arrow");
}

/// An Arrow IPC stream of judgments (data starting with the file magic is skipped: the
/// `ipc_file` target covers it).
pub fn ipc_stream(data: &[u8]) {
    if data.starts_with(b"ARROW1") {
        return;
    }
    judgments(data, "j.arrows");
}

/// A fixed, valid judgment file for the gold target.
const GOLD_JUDGMENTS: &str = "item,worker,label\n1,a,x\n1,b,y\n2,a,x\n2,b,x\n3,c,y\n";

/// A gold file (CSV) next to fixed judgments, read as `crowdqc gold score` and
/// `inspect --gold` read it, then as an evaluation table (`read_gold_table`).
pub fn gold(data: &[u8]) {
    let j = file("gj.csv", GOLD_JUDGMENTS.as_bytes());
    let g = file("g.csv", data);
    judgments_at(&j, Some(&g));
    if let Err(e) = crowdqc_io::read_gold_table(&g, &Default::default()) {
        expect_user_error(&e);
    }
}

/// A policy file (TOML), read as every `crowdqc policy` command reads it; a policy
/// that parses is also evaluated on an empty evidence table.
pub fn policy(data: &[u8]) {
    let p = file("p.toml", data);
    match crowdqc::policy::read_policy(&p) {
        Ok(policy) => {
            let _ = policy.evaluate_table(&Default::default());
        }
        Err(e) => expect_user_error(&e),
    }
}

/// The fixed policy the stats target evaluates.
const STATS_POLICY: &str = r#"
name = "fuzz"
[[rules]]
id = "low"
action = "ban"
when = [{ metric = "gold_accuracy", below = 0.5 }]
"#;

/// A `--stats` table (CSV), read as `crowdqc policy eval --stats` reads it.
pub fn stats(data: &[u8]) {
    let policy = crowdqc::policy::parse_policy(STATS_POLICY).expect("fixed policy parses");
    let s = file("s.csv", data);
    let t = match crowdqc_io::read_table_with_lines(&s) {
        Ok(t) => t,
        Err(e) => return expect_user_error(&e),
    };
    match crowdqc::policy::EvidenceTable::from_stats(&t.clone().into_batches(), &policy) {
        Ok(table) => {
            let r = policy.evaluate_table(&table);
            let _ = r.text(true);
        }
        Err(e) => expect_user_error(&t.locate(e)),
    }
}

/// A two-rater contingency table (CSV), read as `crowdqc agreement --table` reads it.
pub fn contingency(data: &[u8]) {
    let p = file("c.csv", data);
    let t = match crowdqc_io::read_table_with_lines(&p) {
        Ok(t) => t,
        Err(e) => return expect_user_error(&e),
    };
    if let Err(e) = crowdqc::agreement::Contingency::from_batches(t.batches().map(|(_, b)| b)) {
        expect_user_error(&t.locate(e));
    }
}

/// A Fleiss counts table (CSV), read as `crowdqc agreement --counts` reads it.
pub fn counts(data: &[u8]) {
    let p = file("n.csv", data);
    let t = match crowdqc_io::read_table_with_lines(&p) {
        Ok(t) => t,
        Err(e) => return expect_user_error(&e),
    };
    if let Err(e) = crowdqc::agreement::ItemCounts::from_batches(t.batches().map(|(_, b)| b)) {
        expect_user_error(&t.locate(e));
    }
}

/// A cursor over the fuzzer's bytes (zeros once they run out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0u64, |acc, _| (acc << 8) | u64::from(self.byte()))
    }

    fn text(&mut self) -> String {
        let n = usize::from(self.byte() % 12);
        let raw: Vec<u8> = (0..n).map(|_| self.byte()).collect();
        String::from_utf8_lossy(&raw).into_owned()
    }
}

const NAMES: &[&str] = &[
    "item",
    "worker",
    "label",
    "timestamp",
    "duration_ms",
    "task",
    "annotator",
    "x",
];

/// One column of `rows` values of a type chosen by the bytes.
fn column(b: &mut Bytes<'_>, rows: usize) -> ArrayRef {
    let kind = b.byte() % 7;
    let null = |b: &mut Bytes<'_>| b.byte().is_multiple_of(8);
    match kind {
        0 => {
            let mut a = StringBuilder::new();
            for _ in 0..rows {
                if null(b) {
                    a.append_null();
                } else {
                    a.append_value(b.text());
                }
            }
            Arc::new(a.finish())
        }
        1 => {
            let mut a = LargeStringBuilder::new();
            for _ in 0..rows {
                a.append_value(b.text());
            }
            Arc::new(a.finish())
        }
        2 => {
            let mut a = Int64Builder::new();
            for _ in 0..rows {
                if null(b) {
                    a.append_null();
                } else {
                    a.append_value(b.u64() as i64 >> (b.byte() % 64));
                }
            }
            Arc::new(a.finish())
        }
        3 => {
            let mut a = UInt64Builder::new();
            for _ in 0..rows {
                a.append_value(b.u64() >> (b.byte() % 65).min(63));
            }
            Arc::new(a.finish())
        }
        4 => {
            let mut a = Float64Builder::new();
            for _ in 0..rows {
                if null(b) {
                    a.append_null();
                } else {
                    a.append_value(f64::from_bits(b.u64()));
                }
            }
            Arc::new(a.finish())
        }
        5 => {
            let mut a = BooleanBuilder::new();
            for _ in 0..rows {
                a.append_value(b.byte() & 1 == 1);
            }
            Arc::new(a.finish())
        }
        _ => {
            let mut a = StringDictionaryBuilder::<Int8Type>::new();
            for _ in 0..rows {
                let v = format!("v{}", b.byte() % 100);
                if null(b) || a.append(v).is_err() {
                    a.append_null();
                }
            }
            Arc::new(a.finish())
        }
    }
}

/// One record batch built from the bytes: 1 to 6 columns named from [`NAMES`] (names
/// may repeat), 0 to 63 rows.
fn batch(b: &mut Bytes<'_>) -> Option<RecordBatch> {
    let ncols = 1 + usize::from(b.byte() % 6);
    let rows = usize::from(b.byte() % 64);
    let mut fields = Vec::new();
    let mut arrays = Vec::new();
    for _ in 0..ncols {
        let name = NAMES[usize::from(b.byte()) % NAMES.len()];
        let a = column(b, rows);
        fields.push(Field::new(name, a.data_type().clone(), true));
        arrays.push(a);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).ok()
}

/// The matrix builder fed arbitrary Arrow batches (gold batches first, then judgment
/// batches), with options chosen by the bytes, then the `inspect` summary.
pub fn builder(data: &[u8]) {
    let mut b = Bytes(data);
    let flags = b.byte();
    let mut opts = IngestOptions::default()
        .with_duplicates(match flags % 4 {
            0 => DuplicatePolicy::KeepAll,
            1 => DuplicatePolicy::First,
            2 => DuplicatePolicy::Last,
            _ => DuplicatePolicy::Error,
        })
        .with_trim_labels(flags & 4 != 0)
        .with_extend_classes_with_gold(flags & 8 != 0);
    if flags & 16 != 0 {
        opts = opts.with_classes((0..1 + b.byte() % 4).map(|_| b.text()));
    }
    let mut builder = match JudgmentMatrixBuilder::new(opts) {
        Ok(x) => x,
        Err(e) => return expect_user_error(&e),
    };
    let gold_batches = b.byte() % 3;
    for _ in 0..gold_batches {
        if let Some(batch) = batch(&mut b)
            && let Err(e) = builder.push_gold_batch(&batch)
        {
            return expect_user_error(&e);
        }
    }
    if flags & 32 != 0 {
        let (i, l) = (b.text(), b.text());
        if let Err(e) = builder.push_gold_row(IdRef::Str(&i), IdRef::Str(&l)) {
            return expect_user_error(&e);
        }
    }
    let batches = 1 + b.byte() % 3;
    for _ in 0..batches {
        if let Some(batch) = batch(&mut b)
            && let Err(e) = builder.push_batch(&batch)
        {
            return expect_user_error(&e);
        }
    }
    match builder.finish() {
        Ok(m) => inspect(&m),
        Err(e) => expect_user_error(&e),
    }
}
