//! Times the Parquet read path on a synthetic judgment file (string ids, integer labels):
//! decoding alone (projected batches) and the whole `read_judgments`.
//!
//! ```text
//! cargo run -p crowdqc-io --profile bench --example ingest_timing -- 1e7 [DIR]
//! ```
//! The file is generated once into DIR (default: the system temp dir) with the testkit
//! generator (seed 42, 3 classes, 5 judgments per item, one worker per 100 judgments).
#![allow(missing_docs, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use crowdqc_core::{ColumnMap, IngestOptions, JudgmentMatrixBuilder};
use crowdqc_io::{BatchReader, TableWriter, read_judgments};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

fn main() -> crowdqc_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let n = args
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .map_or(1_000_000, |v| v as u64);
    let dir = args.next().map_or_else(std::env::temp_dir, PathBuf::from);
    let path = dir.join(format!("crowdqc_ingest_{n}.parquet"));
    if !path.exists() {
        let t = Instant::now();
        let cfg = SynthConfig {
            seed: 42,
            n_classes: 3,
            redundancy: Redundancy::Fixed(5),
            n_workers: (n as usize / 100).max(10),
            gold_fraction: 0.0,
            ..Default::default()
        }
        .with_judgments(n);
        let crowd = SynthCrowd::new(cfg)?;
        let o = BatchOptions::default();
        let mut w = TableWriter::create(&path, crowd.schema(&o))?;
        for b in crowd.batches(o)? {
            w.write(&b)?;
        }
        w.finish()?;
        println!("generated {} in {:.2?}", path.display(), t.elapsed());
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("file: {} ({:.1} MB)", path.display(), size as f64 / 1e6);
    if std::env::var_os("CROWDQC_CSV").is_some() {
        // the same judgments as CSV: two-pass read with type inference
        let csv = path.with_extension("csv");
        if !csv.exists() {
            let r = BatchReader::open(&path)?;
            let mut w = TableWriter::create(&csv, r.schema())?;
            for b in r {
                w.write(&b?)?;
            }
            w.finish()?;
        }
        let size = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);
        for round in 0..2 {
            let t = Instant::now();
            let m = read_judgments(&csv, &IngestOptions::default(), None)?;
            let e = t.elapsed();
            println!(
                "csv round {round}: read_judgments {e:.2?} ({:.1} M judgments/s, {:.0} MB/s)",
                m.n_judgments() as f64 / e.as_secs_f64() / 1e6,
                size as f64 / e.as_secs_f64() / 1e6
            );
        }
        return Ok(());
    }
    if std::env::var_os("CROWDQC_READ_ONCE").is_some() {
        // one read, for peak-memory measurements (e.g. /usr/bin/time -v)
        let t = Instant::now();
        let m = read_judgments(&path, &IngestOptions::default(), None)?;
        println!(
            "read_judgments {:.2?}; matrix heap {:.1} MB",
            t.elapsed(),
            m.heap_bytes() as f64 / 1e6
        );
        return Ok(());
    }
    for round in 0..3 {
        let t = Instant::now();
        let r = BatchReader::open_judgments(&path, &ColumnMap::default())?;
        let schema = r.schema();
        let mut rows = 0;
        for b in r {
            rows += b?.num_rows();
        }
        let scan = t.elapsed();
        let batches: Vec<_> = BatchReader::open_judgments(&path, &ColumnMap::default())?
            .collect::<crowdqc_core::Result<_>>()?;
        let t = Instant::now();
        let mut b = JudgmentMatrixBuilder::new(IngestOptions::default())?;
        b.reserve(n as usize);
        for batch in &batches {
            b.push_batch(batch)?;
        }
        drop(b.finish()?);
        let ingest = t.elapsed();
        drop(batches);
        let t = Instant::now();
        let m = read_judgments(&path, &IngestOptions::default(), None)?;
        let full = t.elapsed();
        if round == 0 {
            let types: Vec<String> = schema
                .fields()
                .iter()
                .map(|f| format!("{}: {}", f.name(), f.data_type()))
                .collect();
            println!("columns read: {}", types.join(", "));
            println!(
                "matrix: {} items, {} workers, {} judgments, {:.1} bytes/judgment",
                m.n_items(),
                m.n_workers(),
                m.n_judgments(),
                m.heap_bytes() as f64 / m.n_judgments() as f64
            );
        }
        println!(
            "round {round}: decode only {scan:.2?} ({rows} rows, {:.1} M rows/s); core ingest of decoded batches {ingest:.2?}; read_judgments {full:.2?} ({:.1} M judgments/s)",
            rows as f64 / scan.as_secs_f64() / 1e6,
            m.n_judgments() as f64 / full.as_secs_f64() / 1e6
        );
    }
    Ok(())
}
