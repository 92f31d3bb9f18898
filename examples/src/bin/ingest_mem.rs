//! Measures ingest time and memory: reads a judgments file (Parquet / CSV / IPC) into a
//! `JudgmentMatrix` and prints wall time, judgments per second, the matrix's
//! `heap_bytes()` and bytes per judgment, and the process's peak resident memory
//! (`VmHWM` from `/proc/self/status`, Linux) before and after.
//!
//! ```text
//! cargo run --release -p crowdqc-examples --bin generate -- /tmp/j.parquet -n 1e7
//! cargo run --release -p crowdqc-examples --bin ingest_mem -- /tmp/j.parquet
//! ```
//!
//! Run one measurement per process: the peak is process-wide.

use std::path::PathBuf;
use std::time::Instant;

use crowdqc_core::IngestOptions;

/// A field of `/proc/self/status` in bytes (e.g. `VmHWM`, `VmRSS`), when available.
fn status_bytes(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// User + system CPU seconds of a `/proc/.../stat` file (process or thread), 0 when
/// unavailable (clock ticks of 1/100 s, the Linux default).
fn cpu_secs(stat: &str) -> f64 {
    let Ok(s) = std::fs::read_to_string(stat) else {
        return 0.0;
    };
    // fields after the parenthesised command: state is field 3, utime 14, stime 15
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<u64>() as f64 / 100.0
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn main() {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!(
            "usage: ingest_mem JUDGMENTS_FILE [--breakdown | --two-pass] | ingest_mem --synth N [str|int]"
        );
        std::process::exit(2);
    };
    if path.as_os_str() == "--synth" {
        let n: f64 = std::env::args()
            .nth(2)
            .and_then(|v| v.parse().ok())
            .unwrap_or(1e6);
        let ids = std::env::args().nth(3).unwrap_or_else(|| "str".into());
        synth(n as u64, ids == "int");
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("--breakdown") {
        breakdown(&path);
        return;
    }
    // `--two-pass`: the low-memory read (dictionaries and counts, then every row into
    // place), as `aggregate` chooses for inputs that would not fit one pass
    let passes = if std::env::args().nth(2).as_deref() == Some("--two-pass") {
        crowdqc_io::ReadPasses::Two
    } else {
        crowdqc_io::ReadPasses::One
    };
    let before = status_bytes("VmHWM").unwrap_or(0);
    let (cpu0, main0) = (
        cpu_secs("/proc/self/stat"),
        cpu_secs("/proc/thread-self/stat"),
    );
    let t = Instant::now();
    let read = crowdqc_io::read_judgments_passes(
        &path,
        &IngestOptions::default(),
        None,
        &crowdqc_core::progress::NoProgress,
        passes,
    );
    let m = match read {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(if e.is_user_error() { 2 } else { 1 });
        }
    };
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs("/proc/self/stat") - cpu0;
    let main = cpu_secs("/proc/thread-self/stat") - main0;
    let peak = status_bytes("VmHWM").unwrap_or(0);
    let rss = status_bytes("VmRSS").unwrap_or(0);
    let n = m.n_judgments() as u64;
    let heap = m.heap_bytes() as u64;
    println!("file               {}", path.display());
    println!(
        "judgments          {n} ({} items, {} workers, {} classes)",
        m.n_items(),
        m.n_workers(),
        m.n_classes()
    );
    println!(
        "time               {secs:.3} s ({:.2} M judgments/s)",
        n as f64 / secs / 1e6
    );
    println!(
        "heap_bytes         {:.1} MiB ({:.1} bytes/judgment)",
        mib(heap),
        heap as f64 / n as f64
    );
    // the calling thread merges row groups in order; the others decode and encode them
    println!(
        "cpu                {cpu:.2} s (user + sys; calling thread {main:.2} s, other threads {:.2} s)",
        cpu - main
    );
    println!("VmHWM before       {:.1} MiB", mib(before));
    println!("VmHWM after        {:.1} MiB", mib(peak));
    println!("VmRSS after        {:.1} MiB", mib(rss));
    println!(
        "peak / heap_bytes  {:.2} (growth during ingest / heap_bytes {:.2})",
        peak as f64 / heap as f64,
        peak.saturating_sub(before) as f64 / heap as f64
    );
}

/// Times Parquet/CSV decoding, core `push_batch` and `finish` separately (holds all
/// decoded batches, so its memory numbers are not the ingest's).
fn breakdown(path: &std::path::Path) {
    let t = Instant::now();
    let reader = crowdqc_io::BatchReader::open_judgments(path, &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let batches: Vec<_> = reader
        .map(|b| b.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let decode = t.elapsed().as_secs_f64();
    let n: usize = batches.iter().map(|b| b.num_rows()).sum();
    let types: Vec<String> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), f.data_type()))
        .collect();
    let t = Instant::now();
    let mut b = crowdqc_core::JudgmentMatrixBuilder::new(IngestOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    b.reserve(n);
    for batch in &batches {
        b.push_batch(batch).unwrap_or_else(|e| panic!("{e}"));
    }
    let push = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let m = b.finish().unwrap_or_else(|e| panic!("{e}"));
    let finish = t.elapsed().as_secs_f64();
    println!("columns  {}", types.join(", "));
    println!("decode   {decode:.3} s  ({} batches)", batches.len());
    println!("push     {push:.3} s");
    println!("finish   {finish:.3} s");
    println!("judgments {}", m.n_judgments());
}

/// Core ingest alone: generates `n` judgments as in-memory batches (the ingest bench's
/// data), then times `push_batch` and `finish` (memory numbers include the batches).
fn synth(n: u64, int_ids: bool) {
    use crowdqc_testkit::synth::{BatchOptions, IdFormat, Redundancy, SynthConfig, SynthCrowd};
    let cfg = SynthConfig {
        seed: 42,
        n_classes: 3,
        redundancy: Redundancy::Fixed(5),
        n_workers: (n as usize / 100).max(10),
        gold_fraction: 0.0,
        ..Default::default()
    }
    .with_judgments(n);
    let opts = BatchOptions {
        ids: if int_ids {
            IdFormat::Int
        } else {
            IdFormat::Str
        },
        ..Default::default()
    };
    let crowd = SynthCrowd::new(cfg).unwrap_or_else(|e| panic!("{e}"));
    let batches: Vec<_> = crowd
        .batches(opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .collect();
    let before = status_bytes("VmHWM").unwrap_or(0);
    let t = Instant::now();
    let mut b = crowdqc_core::JudgmentMatrixBuilder::new(IngestOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    b.reserve(n as usize);
    for batch in &batches {
        b.push_batch(batch).unwrap_or_else(|e| panic!("{e}"));
    }
    let push = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let m = b.finish().unwrap_or_else(|e| panic!("{e}"));
    let finish = t.elapsed().as_secs_f64();
    let peak = status_bytes("VmHWM").unwrap_or(0);
    println!("push     {push:.3} s");
    println!("finish   {finish:.3} s");
    println!(
        "total    {:.3} s ({:.2} M judgments/s)",
        push + finish,
        m.n_judgments() as f64 / (push + finish) / 1e6
    );
    println!(
        "heap     {:.1} MiB ({:.1} bytes/judgment); VmHWM growth {:.1} MiB",
        mib(m.heap_bytes() as u64),
        m.heap_bytes() as f64 / m.n_judgments() as f64,
        mib(peak.saturating_sub(before))
    );
}
