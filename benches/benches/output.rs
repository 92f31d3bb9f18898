//! Criterion benches: writing the items table (issue 13 item 2).
//!
//! - `items_output`: [`crowdqc_io::write_table`] of an items table as `crowdqc
//!   aggregate --out` writes it — `item` (Utf8, unique ids `item-0000001`), `label`
//!   (Utf8, one of K = 5 class names), `confidence` and the K posteriors `p_<class>`
//!   (Float64; peaked, like a fitted Dawid–Skene model's: the top class near 1) — to
//!   Parquet and to CSV in a temporary directory, including the atomic rename and the
//!   fsync. Throughput = rows. Targets: ≥ 10 M rows/s Parquet, ≥ 3.3 M rows/s CSV.
//!
//! Set `CROWDQC_BENCH_ROWS` to change the table size (default 1,000,000). With
//! `CROWDQC_BENCH_CPU=N` each format is first written N times and the process's CPU
//! time (user + system, from `/proc/self/stat`, Linux) per row is printed: on a shared
//! machine CPU time is steadier than wall time, and divided by the cores in use it
//! estimates the quiet wall time.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const K: usize = 5;

/// The items table of `n` rows (deterministic: a 64-bit LCG).
pub fn items_table(n: usize) -> RecordBatch {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut post = vec![vec![0.0f64; n]; K];
    let mut label = Vec::with_capacity(n);
    let mut conf = Vec::with_capacity(n);
    for i in 0..n {
        let top = ((next() * K as f64) as usize).min(K - 1);
        // the top class gets 1 - e, the others share e (e mostly tiny, sometimes large)
        let e = next().powi(8) * 0.6;
        let mut rest = 0.0;
        for (c, col) in post.iter_mut().enumerate() {
            if c != top {
                let v = e * next();
                col[i] = v;
                rest += v;
            }
        }
        post[top][i] = 1.0 - rest;
        label.push(format!("class-{top}"));
        conf.push(1.0 - rest);
    }
    let mut cols: Vec<(String, ArrayRef)> = vec![
        (
            "item".into(),
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("item-{i:07}")),
            )),
        ),
        ("label".into(), Arc::new(StringArray::from(label))),
        ("confidence".into(), Arc::new(Float64Array::from(conf))),
    ];
    for (c, p) in post.into_iter().enumerate() {
        cols.push((format!("p_class-{c}"), Arc::new(Float64Array::from(p))));
    }
    RecordBatch::try_from_iter(cols).expect("columns of equal length")
}

/// CPU seconds (user + system) of this process so far, from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // fields after the command name (which ends with ')'): utime is the 12th, stime
    // the 13th, in clock ticks (100 per second on Linux)
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn cpu_report(table: &RecordBatch, dir: &std::path::Path, times: usize) {
    for ext in ["parquet", "csv"] {
        let path = dir.join(format!("items.{ext}"));
        crowdqc_io::write_table(&path, table).expect("writes");
        let (wall, cpu) = (std::time::Instant::now(), cpu_seconds());
        for _ in 0..times {
            crowdqc_io::write_table(&path, table).expect("writes");
        }
        let rows = (table.num_rows() * times) as f64;
        let (w, c) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        println!(
            "{ext}: {:.2} M rows/s wall, {:.2} M rows per CPU-second ({:.0} ns CPU per row), {} bytes",
            rows / w / 1e6,
            rows / c / 1e6,
            c / rows * 1e9,
            std::fs::metadata(&path).map_or(0, |m| m.len())
        );
    }
}

fn bench_output(c: &mut Criterion) {
    let n: usize = std::env::var("CROWDQC_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let table = items_table(n);
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(times) = std::env::var("CROWDQC_BENCH_CPU")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        cpu_report(&table, dir.path(), times);
    }
    let mut g = c.benchmark_group("items_output");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for ext in ["parquet", "csv"] {
        let path = dir.path().join(format!("items.{ext}"));
        g.bench_with_input(BenchmarkId::new(ext, n), &table, |b, t| {
            b.iter(|| crowdqc_io::write_table(&path, t).expect("writes"));
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench_output
}
criterion_main!(benches);
