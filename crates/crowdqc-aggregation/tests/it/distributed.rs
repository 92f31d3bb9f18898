//! The sharded API (`crowdqc_aggregation::distributed`): fits over 1, 3 and 8 shards
//! partitioned by a hash of the item id, and over 1 and 4 rayon threads, have the same
//! bits as each other and as the single-machine fit with exact sums, which stays within
//! 1e-6 of crowd-kit 1.4.2 (`fixtures/aggregation/crowdkit_expected.json`, written by
//! crowd-kit itself: see that folder's README).

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use crowdqc_aggregation::distributed::{
    DsConfig, DsFit, DsParams, DsStats, GlobalIds, MvStats, Shard, ShardIds, e_step, fit_shards,
    init_stats, item_order, merge, mv_shard,
};
use crowdqc_aggregation::{DawidSkene, DawidSkeneModel, MajorityVote, OneCoinDawidSkene, StopRule};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{ColumnMap, Error, Gold, IdRef, IngestOptions, JudgmentMatrix};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};
use serde_json::Value;

use crate::support::{item, load};

/// Rows of the matrix as `(item, worker, label)` strings, in judgment order.
pub(crate) fn rows(m: &JudgmentMatrix) -> Vec<[String; 3]> {
    let (is, ws, cs) = (
        m.judgment_items(),
        m.judgment_workers(),
        m.judgment_classes(),
    );
    (0..m.n_judgments())
        .map(|p| {
            [
                m.items().get(is[p]).to_string(),
                m.workers().get(ws[p]).to_string(),
                m.classes().label(cs[p]).to_string(),
            ]
        })
        .collect()
}

pub(crate) fn batch(rows: &[&[String; 3]]) -> RecordBatch {
    let schema = Arc::new(Schema::new(
        ["task", "worker", "label"]
            .map(|n| Field::new(n, DataType::Utf8, false))
            .to_vec(),
    ));
    let cols: Vec<ArrayRef> = (0..3)
        .map(|j| Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r[j]))) as ArrayRef)
        .collect();
    RecordBatch::try_new(schema, cols).expect("batch")
}

/// FNV-1a of the item id: the partition of a judgment.
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The rows split into `n` shards by item hash, each shard as batches of at most 500
/// rows (rows of a shard in input order, or reversed).
fn partition(rows: &[[String; 3]], n: usize, reverse: bool) -> Vec<Vec<RecordBatch>> {
    (0..n as u64)
        .map(|s| {
            let mut mine: Vec<&[String; 3]> = rows
                .iter()
                .filter(|r| hash(&r[0]) % n as u64 == s)
                .collect();
            if reverse {
                mine.reverse();
            }
            mine.chunks(500).map(batch).collect()
        })
        .collect()
}

/// A sharded fit: the global dictionaries, the fit, and the posteriors in global
/// sorted item order (with their item ids).
struct Sharded {
    global: GlobalIds,
    fit: DsFit,
    items: Vec<String>,
    q: Vec<f64>,
}

fn sharded(parts: &[Vec<RecordBatch>], cfg: &DsConfig) -> Sharded {
    let map = ColumnMap::default();
    let ids: Vec<ShardIds> = parts
        .iter()
        .map(|b| ShardIds::from_batches(b, &map).expect("ids"))
        .collect();
    let global = GlobalIds::merge(&ids.iter().collect::<Vec<_>>()).expect("partitioned");
    let shards: Vec<Shard> = parts
        .iter()
        .map(|b| Shard::from_batches(b, &map, &global).expect("shard"))
        .collect();
    let (fit, qs) = fit_shards(&shards, cfg, None).expect("fit");
    let sets: Vec<_> = shards.iter().map(|s| s.items().expect("items")).collect();
    let k = global.labels.len();
    let (mut items, mut q) = (Vec::new(), Vec::new());
    for (s, r) in item_order(&sets).expect("order") {
        let (s, r) = (s as usize, r as usize);
        items.push(sets[s].get(r).to_string());
        q.extend_from_slice(&qs[s][r * k..(r + 1) * k]);
    }
    Sharded {
        global,
        fit,
        items,
        q,
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

/// The single-machine model's numbers in the global codes: (priors, confusion
/// `[worker, true, observed]`, posteriors by sorted item id).
fn single_in_global(m: &JudgmentMatrix, model: &DawidSkeneModel, s: &Sharded) -> [Vec<f64>; 3] {
    let k = s.global.labels.len();
    for c in 0..k {
        assert_eq!(
            m.classes().label(c as u32).to_string(),
            s.global.labels.get(c).to_string(),
            "class order"
        );
    }
    let conf = model.confusion();
    let mut c = vec![0.0; s.global.workers.len() * k * k];
    for w in 0..m.n_workers() {
        let g = s
            .global
            .workers
            .code_of(m.workers().get(w as u32))
            .expect("worker") as usize;
        for t in 0..k {
            for l in 0..k {
                c[(g * k + t) * k + l] = conf[[w, t, l]];
            }
        }
    }
    let post = model.posteriors();
    let mut q = Vec::new();
    for id in &s.items {
        let i = item(m, id);
        q.extend(post.row(i).iter().copied());
    }
    [model.priors().to_vec(), c, q]
}

/// Shard counts 1, 3, 8 (8 with rows reversed), thread counts 1 and 4: identical bits;
/// equal to the single-machine exact fit.
fn check_dataset(name: &str, m: &JudgmentMatrix) {
    let rows = rows(m);
    for (cfg, single) in [
        (
            DsConfig::dawid_skene(),
            DawidSkene::params().exact_sums(true).fit(m).expect("ds"),
        ),
        (
            DsConfig::dawid_skene().stop_rule(StopRule::LogLikelihood),
            DawidSkene::params()
                .stop_rule(StopRule::LogLikelihood)
                .exact_sums(true)
                .fit(m)
                .expect("ds ll"),
        ),
        (
            DsConfig::one_coin(),
            OneCoinDawidSkene::params()
                .exact_sums(true)
                .fit(m)
                .expect("one-coin"),
        ),
    ] {
        let what = format!(
            "{name} {:?} {:?}",
            cfg.method(),
            single.fit_report().iterations
        );
        let base = in_pool(1, || sharded(&partition(&rows, 1, false), &cfg));
        for (n, threads, reverse) in [(1, 4, false), (3, 1, false), (3, 4, true), (8, 4, true)] {
            let s = in_pool(threads, || sharded(&partition(&rows, n, reverse), &cfg));
            let w = format!("{what}: {n} shards, {threads} threads");
            assert_eq!(s.items, base.items, "{w}: items");
            assert_eq!(s.fit.report, base.fit.report, "{w}: report");
            assert_eq!(
                bits(s.fit.params.priors()),
                bits(base.fit.params.priors()),
                "{w}: priors"
            );
            assert_eq!(
                bits(s.fit.params.confusion()),
                bits(base.fit.params.confusion()),
                "{w}: confusion"
            );
            assert_eq!(
                bits(&s.fit.log_likelihood),
                bits(&base.fit.log_likelihood),
                "{w}: ll"
            );
            assert_eq!(bits(&s.q), bits(&base.q), "{w}: posteriors");
        }
        // the single-machine exact fit: the same bits
        let [p, c, q] = single_in_global(m, &single, &base);
        assert_eq!(
            single.fit_report(),
            &base.fit.report,
            "{what}: single report"
        );
        assert_eq!(
            bits(&p),
            bits(base.fit.params.priors()),
            "{what}: single priors"
        );
        assert_eq!(
            bits(&c),
            bits(base.fit.params.confusion()),
            "{what}: single confusion"
        );
        assert_eq!(bits(&q), bits(&base.q), "{what}: single posteriors");
        assert_eq!(
            bits(single.log_likelihood_trace()),
            bits(&base.fit.log_likelihood),
            "{what}: single log-likelihood"
        );
    }
}

#[test]
fn shards_and_threads_give_identical_bits_on_real_data() {
    for name in ["zhou2012-dogs", "snow2008-rte"] {
        let Some(m) = load(name, false) else { return };
        check_dataset(name, &m);
    }
}

#[test]
fn shards_and_threads_give_identical_bits_on_generated_data() {
    for (k, workers, n) in [(2, 40, 12_000), (5, 300, 30_000), (12, 60, 8_000)] {
        let cfg = SynthConfig {
            seed: 11,
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
        check_dataset(&format!("synthetic k={k}"), &m);
    }
}

fn expected() -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aggregation/crowdkit_expected.json");
    let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&s).expect("json")
}

fn check_parity(name: &str, what: &str, m: &JudgmentMatrix, model: &DawidSkeneModel, e: &Value) {
    let r = model.fit_report();
    assert_eq!(
        r.iterations as u64,
        e["iterations"].as_u64().expect("iterations"),
        "{name} {what}: iterations"
    );
    for (i, (a, b)) in r
        .objective
        .iter()
        .zip(e["loss_history"].as_array().expect("loss"))
        .enumerate()
    {
        let b = b.as_f64().expect("f64");
        assert!((a - b).abs() < 1e-9, "{name} {what}: loss[{i}] {a} vs {b}");
    }
    for (c, p) in e["priors"].as_array().expect("priors").iter().enumerate() {
        let p = p.as_f64().expect("f64");
        assert!(
            (model.priors()[c] - p).abs() < 1e-6,
            "{name} {what}: prior {c}"
        );
    }
    let post = model.posteriors();
    let mut worst: f64 = 0.0;
    for (id, row) in e["posteriors_sample"].as_object().expect("sample") {
        let i = item(m, id);
        for (c, v) in row.as_array().expect("row").iter().enumerate() {
            worst = worst.max((post[[i, c]] - v.as_f64().expect("f64")).abs());
        }
    }
    eprintln!("{name} {what}: max |Δposterior| {worst:.2e}");
    assert!(worst < 1e-6, "{name} {what}: max |Δposterior| {worst:e}");
}

/// The exact-sums single-machine fit (= every sharded fit) keeps crowd-kit parity.
#[test]
fn exact_sums_keep_crowdkit_parity() {
    let exp = expected();
    let mut checked = 0;
    for (name, e) in exp["datasets"].as_object().expect("datasets") {
        let Some(m) = load(name, true) else { return };
        let ds = DawidSkene::params().exact_sums(true).fit(&m).expect("ds");
        check_parity(name, "ds", &m, &ds, &e["ds"]);
        let oc = OneCoinDawidSkene::params()
            .exact_sums(true)
            .fit(&m)
            .expect("one-coin");
        check_parity(name, "one-coin", &m, &oc, &e["one_coin_ds"]);
        if let Some(g) = e.get("ds_gold") {
            // crowd-kit's clamped items only (as parity.rs)
            let pairs: Vec<(u32, u32)> = g["clamped_items"]
                .as_array()
                .expect("clamped")
                .iter()
                .map(|id| {
                    let i = item(&m, id.as_str().expect("id")) as u32;
                    (i, m.gold().label(i).expect("gold label"))
                })
                .collect();
            let mut mg = m.clone();
            mg.set_gold(Gold::from_pairs(m.n_items(), m.n_classes(), pairs).expect("gold"))
                .expect("set gold");
            let dsg = DawidSkene::params()
                .clamp_gold(true)
                .exact_sums(true)
                .fit(&mg)
                .expect("ds gold");
            check_parity(name, "ds+gold", &mg, &dsg, g);
        }
        checked += 1;
    }
    assert!(checked >= 10);
}

#[test]
fn majority_vote_over_shards_equals_the_single_machine_vote() {
    let Some(m) = load("zhou2012-dogs", false) else {
        return;
    };
    let single = MajorityVote::params().fit(&m).expect("mv");
    let rows = rows(&m);
    for n in [1, 3, 8] {
        let parts = partition(&rows, n, true);
        let map = ColumnMap::default();
        let ids: Vec<ShardIds> = parts
            .iter()
            .map(|b| ShardIds::from_batches(b, &map).expect("ids"))
            .collect();
        let global = GlobalIds::merge(&ids.iter().collect::<Vec<_>>()).expect("merge");
        let k = global.labels.len();
        let mut stats: Option<MvStats> = None;
        for b in &parts {
            let shard = Shard::from_batches(b, &map, &global).expect("shard");
            let r = mv_shard(&shard);
            let items = shard.items().expect("items");
            for (row, id) in items.iter().enumerate() {
                let i = item(&m, &id.to_string());
                assert_eq!(
                    r.labels[row],
                    single.labels()[i],
                    "{n} shards: label of {id}"
                );
                let want: Vec<f64> = single.posteriors().row(i).to_vec();
                assert_eq!(bits(&r.shares[row * k..(row + 1) * k]), bits(&want), "{id}");
            }
            match &mut stats {
                None => stats = Some(r.stats),
                Some(s) => s.merge(&r.stats).expect("merge"),
            }
        }
        let acc = stats.expect("stats").accuracy();
        let want = single.worker_accuracy();
        for w in 0..m.n_workers() {
            let g = global
                .workers
                .code_of(m.workers().get(w as u32))
                .expect("worker");
            assert_eq!(acc[g as usize].to_bits(), want[w].to_bits(), "worker {w}");
        }
    }
}

#[test]
fn data_not_partitioned_by_item_is_refused_naming_the_item() {
    let r = |i: &str, w: &str, l: &str| [i.to_string(), w.to_string(), l.to_string()];
    let a = [r("t1", "w1", "x"), r("t2", "w1", "y")];
    let b = [r("t3", "w2", "x"), r("t2", "w2", "x")];
    let map = ColumnMap::default();
    let ia = ShardIds::from_batches(&[batch(&a.iter().collect::<Vec<_>>())], &map).expect("a");
    let ib = ShardIds::from_batches(&[batch(&b.iter().collect::<Vec<_>>())], &map).expect("b");
    match GlobalIds::merge(&[&ia, &ib]) {
        Err(Error::Conflict(msg)) => {
            assert!(msg.contains("item t2"), "{msg}");
            assert!(msg.contains("shard 0 and shard 1"), "{msg}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // integer ids in one shard, strings in another: compared as strings
    let ids = crowdqc_aggregation::distributed::SortedIds::from_ids(
        [IdRef::Int(7), IdRef::Int(10)],
        crowdqc_aggregation::distributed::IdSort::Ids,
    );
    let strs = crowdqc_aggregation::distributed::SortedIds::from_ids(
        [IdRef::Str("10")],
        crowdqc_aggregation::distributed::IdSort::Ids,
    );
    let e = item_order(&[&ids, &strs]).expect_err("10 twice");
    assert!(e.to_string().contains("item 10"), "{e}");
}

#[test]
fn params_and_stats_round_trip_through_bytes() {
    let Some(m) = load("zhou2012-dogs", false) else {
        return;
    };
    let rows = rows(&m);
    let parts = partition(&rows, 3, false);
    let map = ColumnMap::default();
    let ids: Vec<ShardIds> = parts
        .iter()
        .map(|b| ShardIds::from_batches(b, &map).expect("ids"))
        .collect();
    let global = GlobalIds::merge(&ids.iter().collect::<Vec<_>>()).expect("merge");
    let shards: Vec<Shard> = parts
        .iter()
        .map(|b| Shard::from_batches(b, &map, &global).expect("shard"))
        .collect();
    let mut init = init_stats(&shards[0]).expect("init");
    for s in &shards[1..] {
        merge(&mut init, &init_stats(s).expect("init")).expect("merge");
    }
    let p = crowdqc_aggregation::distributed::m_step(&init, &DsConfig::dawid_skene()).expect("m");
    let back = DsParams::from_bytes(&p.to_bytes()).expect("params");
    assert_eq!(back, p);
    assert_eq!(p.to_bytes().len(), p.byte_len());
    let flat = DsParams::from_flat(
        p.n_workers(),
        p.n_classes(),
        p.priors().to_vec(),
        p.confusion().to_vec(),
    )
    .expect("flat");
    assert_eq!(flat, p);
    let st = e_step(&shards[1], &p).expect("e-step");
    let sb = DsStats::from_bytes(&st.to_bytes()).expect("stats");
    assert_eq!(sb, st);
    assert_eq!(st.to_bytes().len(), st.byte_len());
    // merging is order-free: (0 + 1) + 2 == 2 + (1 + 0)
    let e: Vec<DsStats> = shards.iter().map(|s| e_step(s, &p).expect("e")).collect();
    let mut a = e[0].clone();
    merge(&mut a, &e[1]).expect("m");
    merge(&mut a, &e[2]).expect("m");
    let mut b = e[1].clone();
    merge(&mut b, &e[0]).expect("m");
    let mut c = e[2].clone();
    merge(&mut c, &b).expect("m");
    assert_eq!(a, c);
    // truncated or foreign bytes are refused with a typed error
    let bytes = p.to_bytes();
    assert!(matches!(
        DsParams::from_bytes(&bytes[..bytes.len() - 1]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(DsStats::from_bytes(&bytes).is_err());
    assert!(DsParams::from_flat(3, 2, vec![0.5, 0.5], vec![0.0; 11]).is_err());
}

/// A warm start from the parameters of a fit whose posteriors are the E-step of its
/// returned parameters (the log-likelihood rule) reproduces those posteriors in one
/// iteration, in both engines.
#[test]
fn warm_start_from_fitted_parameters_reproduces_their_posteriors() {
    let Some(m) = load("zhou2012-dogs", false) else {
        return;
    };
    for exact in [false, true] {
        let base = DawidSkene::params()
            .stop_rule(StopRule::LogLikelihood)
            .exact_sums(exact);
        let a = base.fit(&m).expect("fit");
        let b = DawidSkene::params()
            .max_iter(1)
            .exact_sums(exact)
            .fit_from(&m, &a.params())
            .expect("warm");
        let gap = (&a.posteriors() - &b.posteriors())
            .iter()
            .fold(0.0f64, |x, v| x.max(v.abs()));
        assert!(gap < 1e-12, "exact {exact}: gap {gap:e}");
        // the log-likelihood of the warm start's first E-step is the fit's last
        let (la, lb) = (a.log_likelihood(), b.log_likelihood_trace()[0]);
        assert!(
            (la - lb).abs() < 1e-9 * la.abs(),
            "exact {exact}: {la} vs {lb}"
        );
        // and a cold start differs (the test can fail)
        let cold = DawidSkene::params()
            .max_iter(1)
            .exact_sums(exact)
            .fit(&m)
            .expect("cold");
        let gap = (&a.posteriors() - &cold.posteriors())
            .iter()
            .fold(0.0f64, |x, v| x.max(v.abs()));
        assert!(gap > 1e-6, "exact {exact}: cold start gap {gap:e}");
    }
    let bad = DsParams::from_flat(2, 2, vec![0.5, 0.5], vec![0.5; 8]).expect("params");
    assert!(DawidSkene::params().fit_from(&m, &bad).is_err());
}

#[test]
fn bad_shard_input_is_refused_with_typed_errors() {
    let r = |i: &str, w: &str, l: &str| [i.to_string(), w.to_string(), l.to_string()];
    let a = [r("t1", "w1", "x"), r("t1", "w2", "y")];
    let b = [r("t2", "w3", "x")];
    let map = ColumnMap::default();
    let ba = vec![batch(&a.iter().collect::<Vec<_>>())];
    let bb = vec![batch(&b.iter().collect::<Vec<_>>())];
    let ia = ShardIds::from_batches(&ba, &map).expect("a");
    // dictionaries built without shard b: its worker w3 is unknown
    let global = GlobalIds::merge(&[&ia]).expect("global");
    let e = Shard::from_batches(&bb, &map, &global).expect_err("unknown worker");
    assert!(e.to_string().contains("worker w3"), "{e}");
    // a missing column is named
    let e = ShardIds::from_batches(&ba, &ColumnMap::default().with_worker("annotator_id"))
        .expect_err("no such column");
    assert!(matches!(e, Error::MissingColumn { .. }), "{e:?}");
    // parameters of other dictionaries are refused by the E-step
    let shard = Shard::from_batches(&ba, &map, &global).expect("shard");
    let p = DsParams::from_flat(3, 2, vec![0.5, 0.5], vec![0.5; 12]).expect("params");
    assert!(matches!(
        e_step(&shard, &p),
        Err(Error::InvalidParameter { .. })
    ));
    // statistics of other dictionaries do not merge
    let mut s = init_stats(&shard).expect("init");
    assert!(merge(&mut s, &DsStats::zeros(3, 2)).is_err());
    // the driver needs a start
    let mut d =
        crowdqc_aggregation::distributed::DsDriver::new(DsConfig::dawid_skene()).expect("driver");
    assert!(d.update(&s).is_err());
    assert!(DsConfig::dawid_skene().tol(0.0).validate().is_err());
    assert!(
        DsConfig::dawid_skene()
            .fixed_priors(vec![0.2, 0.2])
            .validate()
            .is_err()
    );
}
