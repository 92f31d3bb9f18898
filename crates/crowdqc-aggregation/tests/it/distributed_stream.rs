//! Streamed statistics (`distributed::StatsStream`, the out-of-core fit's pass): shards
//! written to files, cut into item ranges, read back without counts and summed into
//! 1 to 3 reused tables in pools of 1 and 4 threads give the same bytes as `merge` of
//! `init_stats` / `e_step` over the whole shards, pass after pass (exact integer sums:
//! any grouping must give the same bits, so any difference is a bug); the
//! posteriors of prepared parameters equal `posteriors`.

use std::path::PathBuf;

use crowdqc_aggregation::distributed::{
    DsConfig, DsDriver, DsStats, GlobalIds, PreparedParams, Shard, ShardIds, StatsStream, e_step,
    init_stats, merge, posteriors,
};
use crowdqc_core::{ColumnMap, IngestOptions, JudgmentMatrix};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

use crate::distributed::{batch, rows};
use crate::support::load;

/// A directory under the system temp dir, removed when dropped (the crate has no
/// `tempfile` dependency).
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let p = std::env::temp_dir().join(format!(
            "crowdqc-stream-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&p).expect("dir");
        Dir(p)
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

/// The whole matrix as one shard (global codes from its own ids).
fn whole_shard(m: &JudgmentMatrix) -> Shard {
    let rows = rows(m);
    let b = batch(&rows.iter().collect::<Vec<_>>());
    let map = ColumnMap::default();
    let ids = ShardIds::from_batches(std::slice::from_ref(&b), &map).expect("ids");
    let global = GlobalIds::merge(&[&ids]).expect("global");
    Shard::from_batches(&[b], &map, &global).expect("shard")
}

/// The matrix as shards: items split into `n` interleaved groups, written to files.
fn shard_files(m: &JudgmentMatrix, n: usize, dir: &std::path::Path) -> Vec<(Shard, PathBuf)> {
    // one shard over the whole matrix, then cut by items
    let whole = whole_shard(m);
    let ranges = whole.item_ranges(
        (whole.n_judgments() as u64 * 8).div_ceil(n as u64).max(1),
        8,
        0,
    );
    ranges
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let p = dir.join(format!("s{i}"));
            whole.write_items_file(&p, r).expect("write");
            (Shard::read_file(&p, false).expect("read"), p)
        })
        .collect()
}

fn merged(shards: &[(Shard, PathBuf)], f: &dyn Fn(&Shard) -> DsStats) -> DsStats {
    let mut acc = f(&shards[0].0);
    for (s, _) in &shards[1..] {
        merge(&mut acc, &f(s)).expect("merge");
    }
    acc
}

fn check(name: &str, m: &JudgmentMatrix) {
    let dir = Dir::new("check");
    let shards = shard_files(m, 4, dir.path());
    assert!(shards.len() >= 3, "{name}: {} shards", shards.len());
    let (w, k) = (shards[0].0.n_workers(), shards[0].0.n_classes());
    // the reference: merge of whole-shard statistics, three EM passes
    let init = merged(&shards, &|s| init_stats(s).expect("init"));
    let mut driver = DsDriver::new(DsConfig::dawid_skene().max_iter(3)).expect("driver");
    let mut params = vec![driver.start(&init).expect("start")];
    let mut expect = vec![init.to_bytes()];
    for _ in 0..2 {
        let p = params.last().expect("params").clone();
        let st = merged(&shards, &|s| e_step(s, &p).expect("e-step"));
        expect.push(st.to_bytes());
        match driver.update(&st).expect("update") {
            crowdqc_aggregation::distributed::Step::Continue(p) => params.push(p),
            crowdqc_aggregation::distributed::Step::Done(_) => break,
        }
    }
    for threads in [1, 4] {
        for tables in [1, 2, 3] {
            let what = format!("{name}: {threads} threads, {tables} tables");
            in_pool(threads, || {
                let mut stream = StatsStream::new(w, k, tables);
                assert_eq!(stream.n_tables(), tables);
                for (_, p) in &shards {
                    let s = Shard::read_codes(p, false).expect("codes");
                    // a shard without counts is for the stream only
                    assert!(e_step(&s, &params[0]).is_err(), "{what}");
                    stream.add_init(&s).expect("init");
                }
                let st = stream.take().expect("take");
                assert_eq!(st.to_bytes(), expect[0], "{what}: init");
                stream.give_back(st);
                for (i, p) in params.iter().enumerate().take(expect.len() - 1) {
                    let prepared = PreparedParams::new(p);
                    for (sh, path) in &shards {
                        let s = Shard::read_codes(path, false).expect("codes");
                        stream.add_e_step(&s, &prepared).expect("e-step");
                        let q = prepared.posteriors(&s).expect("q");
                        let want = posteriors(sh, p).expect("posteriors");
                        assert_eq!(
                            q.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                            "{what}: posteriors"
                        );
                    }
                    let st = stream.take().expect("take");
                    assert_eq!(st.to_bytes(), expect[i + 1], "{what}: pass {}", i + 1);
                    stream.give_back(st);
                }
                // a pass that misses a shard is refused
                let s = Shard::read_codes(&shards[0].1, false).expect("codes");
                stream
                    .add_e_step(&s, &PreparedParams::new(&params[0]))
                    .expect("e-step");
                assert!(stream.take().is_err(), "{what}: short pass");
            });
        }
    }
}

#[test]
fn streamed_statistics_equal_merged_shard_statistics() {
    for name in ["zhou2012-dogs", "snow2008-rte"] {
        let Some(m) = load(name, false) else { return };
        check(name, &m);
    }
    for (k, workers, n) in [(2, 40, 12_000), (5, 300, 30_000)] {
        let cfg = SynthConfig {
            seed: 5,
            n_workers: workers,
            n_classes: k,
            redundancy: Redundancy::Fixed(5),
            ..SynthConfig::default()
        }
        .with_judgments(n);
        let m = SynthCrowd::new(cfg)
            .expect("config")
            .to_matrix(&BatchOptions::default(), IngestOptions::default())
            .expect("matrix");
        check(&format!("synthetic k={k}"), &m);
    }
}

#[test]
fn item_ranges_cover_every_item_within_the_cost() {
    let dir = Dir::new("ranges");
    let Some(m) = load("zhou2012-dogs", false) else {
        return;
    };
    let whole = whole_shard(&m);
    for cap in [1u64, 500, 4_000, u64::MAX] {
        let rs = whole.item_ranges(cap, 8, 96);
        // contiguous, in order, covering every item
        assert_eq!(rs.first().map(|r| r.start), Some(0));
        assert_eq!(rs.last().map(|r| r.end), Some(whole.n_items()));
        assert!(rs.windows(2).all(|w| w[0].end == w[1].start));
        for r in &rs {
            let cost = 96 * r.len() as u64 + 8 * whole.range_judgments(r.clone()) as u64;
            // over the cap only as a single item
            assert!(cost <= cap || r.len() == 1, "cap {cap}: {r:?} costs {cost}");
        }
        // the files hold every judgment once
        let mut n = 0;
        for (i, r) in rs.iter().enumerate() {
            let p = dir.path().join(format!("c{i}"));
            whole.write_items_file(&p, r.clone()).expect("write");
            let s = Shard::read_file(&p, false).expect("read");
            assert_eq!(s.n_items(), r.len());
            n += s.n_judgments();
        }
        assert_eq!(n, m.n_judgments(), "cap {cap}");
    }
    let n = whole.n_items();
    assert!(
        whole
            .write_items_file(&dir.path().join("x"), n..n + 1)
            .is_err()
    );
}
