//! Reads a judgments file into a `JudgmentMatrix` once and prints wall time, CPU time
//! (whole process and calling thread), peak resident memory and a digest of everything
//! the read produced (item, worker and class dictionaries in code order, item offsets,
//! workers, classes): two builds of the reader are equivalent on a file when their
//! digests are equal.
//!
//! ```text
//! cargo run -p crowdqc-io --release --example read_digest -- judgments.parquet
//! ```
//! Only crowdqc-core and crowdqc-io are compiled, so it rebuilds fast when comparing
//! reader changes (the `ingest_mem` example of crowdqc-examples prints the same times).
#![allow(missing_docs, clippy::print_stdout)]

use std::hash::Hasher;
use std::time::Instant;

use crowdqc_core::IngestOptions;

/// User + system CPU seconds from a `/proc/.../stat` file (0 when unavailable).
fn cpu_secs(stat: &str) -> f64 {
    let Ok(s) = std::fs::read_to_string(stat) else {
        return 0.0;
    };
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<u64>() as f64 / 100.0
}

/// Peak resident memory in MiB (`VmHWM`), 0 when unavailable.
fn peak_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// FNV-1a, 64 bits: a fixed hash (the std one is seeded per process).
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

fn main() -> crowdqc_core::Result<()> {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: read_digest JUDGMENTS_FILE");
        std::process::exit(2);
    };
    let (cpu0, main0) = (
        cpu_secs("/proc/self/stat"),
        cpu_secs("/proc/thread-self/stat"),
    );
    let t = Instant::now();
    let m = crowdqc_io::read_judgments(path.as_ref(), &IngestOptions::default(), None)?;
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs("/proc/self/stat") - cpu0;
    let main = cpu_secs("/proc/thread-self/stat") - main0;
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for d in [m.items(), m.workers()] {
        h.write_usize(d.len());
        for id in d.iter() {
            h.write(id.to_string().as_bytes());
            h.write_u8(0);
        }
    }
    for c in m.classes().iter() {
        h.write(c.to_string().as_bytes());
        h.write_u8(0);
    }
    for &o in m.item_offsets() {
        h.write_usize(o);
    }
    for &w in m.judgment_workers() {
        h.write_u32(w);
    }
    for &c in m.judgment_classes() {
        h.write_u32(c);
    }
    println!(
        "wall {secs:.3} s  cpu {cpu:.2} s (calling thread {main:.2} s)  peak {:.0} MiB  \
         {} judgments, {} items, {} workers  digest {:016x}",
        peak_mib(),
        m.n_judgments(),
        m.n_items(),
        m.n_workers(),
        h.finish()
    );
    Ok(())
}
