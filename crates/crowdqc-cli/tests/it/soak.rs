//! The soak test (issue 12, part 7), ignored by default: 1,000 seeded random
//! invocations of the binary over generated good and bad inputs, each under a memory
//! cap (`prlimit --as`, 4 GiB of address space) and a time limit, asserting that no run
//! panics, aborts (exit 134 or any signal) or hangs, and that no temporary file is
//! left behind. Run it with
//!
//! ```text
//! cargo test -p crowdqc-cli --test it soak -- --ignored --nocapture
//! ```
//!
//! Environment: `CROWDQC_SOAK_RUNS` (default 1000), `CROWDQC_SOAK_SEED` (default 12).
//! It prints the count of each exit code and a few examples of each.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};

use crate::util::s;

/// A small seeded generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Address space per run.
const MEMORY_CAP: &str = "4294967296";
/// Wall time per run (debug build, shared machine).
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// A random judgments table: `items` items, a few workers, `classes` labels.
fn judgments(rng: &mut Rng, items: usize, classes: usize) -> RecordBatch {
    let (mut it, mut wk, mut lb, mut ts) = (vec![], vec![], vec![], vec![]);
    for i in 0..items {
        for w in 0..2 + rng.below(4) {
            it.push(format!("i{i}"));
            wk.push(format!("w{}", (i + w * 7) % 23));
            lb.push(format!("c{}", rng.below(classes)));
            ts.push(1_700_000_000_000 + (i * 1000 + w) as i64);
        }
    }
    RecordBatch::try_from_iter([
        ("item", Arc::new(StringArray::from(it)) as ArrayRef),
        ("worker", Arc::new(StringArray::from(wk)) as ArrayRef),
        ("label", Arc::new(StringArray::from(lb)) as ArrayRef),
        ("timestamp", Arc::new(Int64Array::from(ts)) as ArrayRef),
    ])
    .expect("batch")
}

/// The inputs of one run: good files, and bad variants of them.
struct Inputs {
    judgments: Vec<PathBuf>,
    gold: Vec<PathBuf>,
    policies: Vec<PathBuf>,
    stats: Vec<PathBuf>,
    tables: Vec<PathBuf>,
    counts: Vec<PathBuf>,
    ids: Vec<PathBuf>,
}

/// A damaged copy of `bytes`: truncated, bit-flipped, or with random bytes spliced in.
fn damage(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    match rng.below(3) {
        0 => b.truncate(rng.below(b.len().max(1))),
        1 => {
            for _ in 0..1 + rng.below(8) {
                if !b.is_empty() {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
        }
        _ => {
            let at = rng.below(b.len().max(1));
            let junk: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            b.splice(at..at, junk);
        }
    }
    b
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

fn generate(dir: &Path, rng: &mut Rng) -> Inputs {
    let mut inp = Inputs {
        judgments: vec![],
        gold: vec![],
        policies: vec![],
        stats: vec![],
        tables: vec![],
        counts: vec![],
        ids: vec![],
    };
    for (k, ext) in ["csv", "tsv", "parquet", "arrow"]
        .iter()
        .cycle()
        .take(12)
        .enumerate()
    {
        let (items, classes) = (5 + rng.below(300), 2 + rng.below(5));
        let b = judgments(rng, items, classes);
        let p = dir.join(format!("j{k}.{ext}"));
        crowdqc_io::write_table(&p, &b).expect("write judgments");
        let bytes = std::fs::read(&p).expect("read");
        inp.judgments.push(p);
        for d in 0..1 {
            inp.judgments.push(write(
                dir,
                &format!("j{k}-bad{d}.{ext}"),
                damage(rng, &bytes),
            ));
        }
    }
    inp.judgments.push(write(dir, "empty.csv", ""));
    inp.judgments
        .push(write(dir, "header.csv", "item,worker,label\n"));
    inp.judgments
        .push(write(dir, "dup.csv", "item,worker,label,label\n1,a,x,y\n"));
    inp.judgments
        .push(write(dir, "ragged.csv", "item,worker,label\n1,a\n"));
    inp.judgments.push(write(dir, "cut.arrow", b"ARROW1\0"));
    let d = dir.join("dir.csv");
    std::fs::create_dir_all(&d).expect("mkdir");
    inp.judgments.push(d.clone());
    inp.judgments.push(dir.join("missing.csv"));
    let mut gold = String::from("item,label\n");
    for i in (0..300).step_by(7) {
        let _ = writeln!(gold, "i{i},c{}", i % 3);
    }
    let g = write(dir, "gold.csv", &gold);
    inp.gold
        .push(write(dir, "gold-bad.csv", damage(rng, gold.as_bytes())));
    inp.gold.push(g);
    inp.gold.push(d.clone());
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    for e in std::fs::read_dir(repo).expect("policies").flatten() {
        let text = std::fs::read(e.path()).expect("policy");
        let name = e.file_name().to_string_lossy().into_owned();
        inp.policies
            .push(write(dir, &format!("bad-{name}"), damage(rng, &text)));
        inp.policies.push(e.path());
    }
    inp.policies
        .push(write(dir, "bin.toml", [0u8, 159, 146, 150, 0, 1]));
    inp.policies.push(write(
        dir,
        "longdur.toml",
        "name = \"x\"\n[[rules]]\nid = \"s\"\naction = \"suspend\"\nduration = \"99999999999999999d\"\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n",
    ));
    inp.policies.push(d.clone());
    let stats =
        "worker,gold_answered,gold_correct,recent_gold\nw1,10,9,1110111111\nw2,30,12,\nw3,0,0,\n";
    inp.stats.push(write(dir, "stats.csv", stats));
    inp.stats
        .push(write(dir, "stats-bad.csv", damage(rng, stats.as_bytes())));
    inp.stats
        .push(write(dir, "stats-typo.csv", "worker,gold_answred\nw1,3\n"));
    inp.stats.push(write(
        dir,
        "stats-dup.csv",
        "worker,judgments\nw1,3\nw1,4\n",
    ));
    inp.stats
        .push(write(dir, "stats-huge.csv", "worker,judgments\nw1,1e300\n"));
    let table = "label_a,label_b,count\nyes,yes,20\nyes,no,5\nno,yes,10\nno,no,15\n";
    inp.tables.push(write(dir, "table.csv", table));
    inp.tables
        .push(write(dir, "table-bad.csv", damage(rng, table.as_bytes())));
    let counts = "item,a,b,c\n1,0,3,1\n2,4,0,0\n3,1,1,2\n4,2,2,0\n";
    inp.counts.push(write(dir, "counts.csv", counts));
    inp.counts
        .push(write(dir, "counts-bad.csv", damage(rng, counts.as_bytes())));
    inp.ids.push(write(
        dir,
        "tasks.csv",
        (0..200).fold(String::from("item\n"), |mut t, i| {
            let _ = writeln!(t, "t{i}");
            t
        }),
    ));
    inp.ids
        .push(write(dir, "workers.csv", "worker\na\nb\nc\nd\n"));
    inp
}

/// A random path of `v`, as text.
fn pick_path<'a>(rng: &mut Rng, v: &'a [PathBuf]) -> &'a str {
    s(&v[rng.below(v.len())])
}

/// One random command line.
fn command(rng: &mut Rng, inp: &Inputs, out: &Path) -> Vec<String> {
    let j = pick_path(rng, &inp.judgments).to_string();
    let g = pick_path(rng, &inp.gold).to_string();
    let p = pick_path(rng, &inp.policies).to_string();
    let big = [
        "0",
        "1",
        "3",
        "100",
        "4294967295",
        "1000000000000",
        "-1",
        "x",
    ];
    let o = s(out).to_string();
    let mut v: Vec<String> = match rng.below(11) {
        0 => vec!["inspect".into(), j],
        1 => vec![
            "inspect".into(),
            j,
            "--gold".into(),
            g,
            "--format".into(),
            "json".into(),
        ],
        2 => vec!["agreement".into(), j],
        3 => vec![
            "agreement".into(),
            "--table".into(),
            pick_path(rng, &inp.tables).into(),
            "--bootstrap".into(),
            (*rng.pick(&["10", "0", "1000000000"])).into(),
        ],
        4 => vec![
            "agreement".into(),
            "--counts".into(),
            pick_path(rng, &inp.counts).into(),
        ],
        5 => {
            let m = *rng.pick(&[
                "mv", "wmv", "ds", "glad", "mace", "wawa", "zbs", "kos", "mmsr", "nope",
            ]);
            vec![
                "aggregate".into(),
                "--method".into(),
                m.into(),
                j,
                "--out".into(),
                o,
            ]
        }
        6 => vec!["gold".into(), "score".into(), j, "--gold".into(), g],
        7 => vec![
            "gold".into(),
            "plan".into(),
            "--tasks".into(),
            s(&inp.ids[0]).into(),
            "--workers".into(),
            s(&inp.ids[1]).into(),
            "--gold".into(),
            g,
            "--page-size".into(),
            (*rng.pick(&big)).into(),
            "--out".into(),
            o,
        ],
        8 => vec![
            "policy".into(),
            "eval".into(),
            "--policy".into(),
            p,
            "--stats".into(),
            pick_path(rng, &inp.stats).into(),
        ],
        9 => vec![
            "policy".into(),
            "simulate".into(),
            "--policy".into(),
            p,
            "--runs".into(),
            (*rng.pick(&["20", "1000000000000", "0"])).into(),
            "--tasks".into(),
            (*rng.pick(&["100", "1000000000000", "0"])).into(),
        ],
        _ => vec![
            "policy".into(),
            "exact".into(),
            "--policy".into(),
            p,
            "--horizon".into(),
            (*rng.pick(&["30", "1000000000", "0"])).into(),
            "--runs".into(),
            (*rng.pick(&["1000", "1000000000000"])).into(),
        ],
    };
    if rng.below(25) == 0 {
        v.push("--no-such-flag".into());
    }
    v
}

/// Runs the binary under the memory cap; `None` for the exit code when it was killed
/// by a signal (or timed out).
fn run(args: &[String]) -> (Option<i32>, String, bool) {
    let mut child = Command::new("prlimit")
        .arg(format!("--as={MEMORY_CAP}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_crowdqc"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn prlimit");
    let started = Instant::now();
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return (status.code(), reader.join().unwrap_or_default(), false);
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return (None, reader.join().unwrap_or_default(), true);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
#[ignore = "soak test: minutes of runs; see the module docs"]
fn soak_random_invocations() {
    let runs: usize = std::env::var("CROWDQC_SOAK_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let seed: u64 = std::env::var("CROWDQC_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let inputs = generate(dir.path(), &mut rng);
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut examples: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    let started = Instant::now();
    for k in 0..runs {
        let ext = *rng.pick(&["csv", "parquet", "arrow", "csv", "parquet", "arrow", "xlsx"]);
        let args = command(&mut rng, &inputs, &out_dir.join(format!("o{k}.{ext}")));
        let (code, stderr, timed_out) = run(&args);
        let key = match (code, timed_out) {
            (_, true) => "timeout".to_string(),
            (Some(c), _) => c.to_string(),
            (None, _) => "signal".to_string(),
        };
        *codes.entry(key.clone()).or_default() += 1;
        let line = format!(
            "{} => {}",
            args.join(" "),
            stderr.lines().last().unwrap_or("")
        );
        let ex = examples.entry(key.clone()).or_default();
        if ex.len() < 4 {
            ex.push(line.clone());
        }
        let bad = timed_out
            || !matches!(code, Some(0..=2))
            || stderr.contains("panicked at")
            || stderr.contains("internal error")
            || stderr.contains("memory allocation");
        if bad {
            failures.push(format!("[{key}] {line}\n{stderr}"));
        }
    }
    println!(
        "soak: {runs} runs (seed {seed}) in {:.0?}",
        started.elapsed()
    );
    for (k, n) in &codes {
        println!("  exit {k}: {n}");
        for e in &examples[k] {
            println!("    {e}");
        }
    }
    let left: Vec<_> = std::fs::read_dir(&out_dir)
        .expect("read dir")
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(crowdqc_io::is_temp_name))
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "temp files left behind: {left:?}");
    assert!(
        failures.is_empty(),
        "{} bad runs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
