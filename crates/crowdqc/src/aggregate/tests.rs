use std::path::{Path, PathBuf};

use crowdqc_aggregation::report::GoldUse;
use crowdqc_core::progress::NoProgress;
use crowdqc_core::{ColumnMap, Error, IngestOptions, JudgmentMatrix};

use super::*;

/// Six items, four workers, labels `a`/`b`; `w4` always answers `b`. Item `i1` and `i2`
/// are gold (`a`, `b`). The column layout is crowd-kit's (`task`, `worker`, `label`).
const JUDGMENTS: &str = "task,worker,label
i1,w1,a\ni1,w2,a\ni1,w3,a\ni1,w4,b
i2,w1,b\ni2,w2,b\ni2,w3,a\ni2,w4,b
i3,w1,a\ni3,w2,a\ni3,w3,b\ni3,w4,b
i4,w1,b\ni4,w2,b\ni4,w3,b\ni4,w4,b
i5,w1,a\ni5,w2,b\ni5,w3,a\ni5,w4,b
i6,w1,a\ni6,w2,a\ni6,w3,a\ni6,w4,b
";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

fn matrix(dir: &Path, gold: Option<&str>) -> JudgmentMatrix {
    let j = write(dir, "j.csv", JUDGMENTS);
    let g = gold.map(|g| write(dir, "gold.csv", g));
    crowdqc_io::read_judgments(&j, &IngestOptions::default(), g.as_deref()).expect("read")
}

fn run(req: Request, m: &JudgmentMatrix) -> Result<Outcome> {
    let mut a = req.open()?;
    a.check_in_memory()?;
    a.read_eval(&ColumnMap::default())?;
    a.run(m, &ColumnMap::default(), &NoProgress)
}

/// The number of items given each class, in class order.
fn items_per_class(o: &Outcome) -> Vec<u64> {
    o.summary
        .label_distribution
        .iter()
        .map(|d| d.items)
        .collect()
}

fn rows(path: &Path) -> usize {
    let batches = crowdqc_io::read_table(path).expect("read output");
    batches.iter().map(|b| b.num_rows()).sum()
}

#[test]
fn majority_vote_counts_and_evaluation_are_the_hand_computed_ones() {
    let dir = tempfile::tempdir().expect("tmp");
    let m = matrix(dir.path(), None);
    // votes: i1 a 3:1, i2 b 3:1, i3 tie 2:2, i4 b, i5 tie 2:2, i6 a 3:1; the default tie
    // rule takes the lowest class index (`a`)
    let eval = write(
        dir.path(),
        "eval.csv",
        "item,label\ni1,a\ni2,b\ni3,b\ni9,a\n",
    );
    let o = run(Request::new("mv").eval(eval), &m).expect("mv");
    let counts = items_per_class(&o);
    assert_eq!(counts, [4, 2]);
    let e = o.summary.eval.expect("evaluation");
    // i1, i2 right, i3 wrong (tie went to a), i9 has no judgments
    assert_eq!((e.scored, e.correct, e.unknown_items), (3, 2, 1));
    assert_eq!(e.accuracy, Some(2.0 / 3.0));
    assert!(o.summary.gold.is_none() && o.auto.is_none() && o.warm_start.is_none());
}

#[test]
fn streamed_dawid_skene_equals_the_registry_fit_and_writes_every_table() {
    let dir = tempfile::tempdir().expect("tmp");
    let m = matrix(dir.path(), None);
    let (items, workers) = (dir.path().join("i.csv"), dir.path().join("w.parquet"));
    let model = dir.path().join("m.bin");
    let req = Request::new("ds")
        .outputs(items.clone(), workers.clone())
        .save_model(model.clone());
    let o = run(req, &m).expect("ds");
    // the same fit through the registry, keeping its posterior table
    let direct = registry::fit("ds", &m, &RunOptions::default()).expect("registry fit");
    let mut dist = vec![0u64; m.n_classes()];
    for c in direct.labels() {
        dist[c as usize] += 1;
    }
    let counts = items_per_class(&o);
    assert_eq!(counts, dist);
    assert_eq!(
        o.summary.objective,
        direct.fit_report().objective.last().copied()
    );
    assert_eq!((rows(&items), rows(&workers)), (6, 4));
    // the saved model starts a later fit: every worker of the data is known to it
    let again = run(Request::new("ds").init_from(model), &m).expect("warm start");
    let w = again.warm_start.expect("warm start reported");
    assert_eq!(
        (w.state_workers, w.matched_workers, w.new_workers),
        (4, 4, 0)
    );
    assert_eq!((w.method.as_str(), w.state_judgments), ("ds", 24));
    let shown = o.to_string();
    for p in [&items, &workers] {
        assert!(
            shown.contains(&format!("wrote        {}\n", p.display())),
            "{shown}"
        );
    }
    assert!(shown.ends_with(" s\n") && shown.contains("\ntime         read 0.00 s, fit "));
}

#[test]
fn gold_is_used_by_ds_and_reported_as_ignored_by_mv() {
    let dir = tempfile::tempdir().expect("tmp");
    let m = matrix(dir.path(), Some("item,label\ni1,a\ni2,b\n"));
    let ds = run(Request::new("ds").gold(true), &m).expect("ds");
    assert_eq!(ds.summary.gold, Some(GoldUse::Used { items: 2 }));
    let mv = run(Request::new("mv").gold(true), &m).expect("mv");
    assert_eq!(mv.summary.gold, Some(GoldUse::Ignored { items: 2 }));
    // with the gold items also in the evaluation gold, ds (which fitted them) is scored
    // on the held-out item only; mv on all three
    let eval = write(dir.path(), "eval.csv", "item,label\ni1,a\ni2,b\ni4,b\n");
    let ds = run(Request::new("ds").gold(true).eval(eval.clone()), &m).expect("ds");
    let e = ds.summary.eval.expect("eval");
    assert_eq!(
        (e.scored, e.excluded_fit_gold, e.held_out_only),
        (1, 2, true)
    );
    let mv = run(Request::new("mv").gold(true).eval(eval), &m).expect("mv");
    assert_eq!(mv.summary.eval.expect("eval").scored, 3);
}

#[test]
fn weighted_majority_vote_reads_its_weights_and_needs_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let m = matrix(dir.path(), None);
    let e = run(Request::new("wmv"), &m).expect_err("no weights");
    assert!(
        matches!(&e, Error::InvalidParameter { name, .. } if name == "weights"),
        "{e}"
    );
    // w4 (always b) outweighs the rest: every item is b
    let w = write(
        dir.path(),
        "w.csv",
        "worker,weight\nw1,1\nw2,1\nw3,1\nw4,10\n",
    );
    let o = run(Request::new("wmv").weights(w), &m).expect("wmv");
    let counts = items_per_class(&o);
    assert_eq!(counts, [0, 6]);
}

#[test]
fn bad_requests_are_refused_before_any_data_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let param = |r: Request| match r.open() {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("expected a parameter error, got {other:?}"),
    };
    assert_eq!(param(Request::new("nope")), "method");
    assert_eq!(param(Request::new("mv").ordinal(true)), "ordinal");
    assert_eq!(
        param(Request::new("mv").save_model(dir.path().join("m"))),
        "method"
    );
    let bad_out = Request::new("mv").outputs(dir.path().join("no/such/i.csv"), None);
    assert!(bad_out.open().is_err());
    let not_a_model = write(dir.path(), "m.bin", "not a model");
    assert!(Request::new("ds").init_from(not_a_model).open().is_err());
    let a = Request::new("minimax")
        .ordinal(true)
        .open()
        .expect("ordinal minimax");
    assert_eq!(a.method(), "minimax-ordinal");
    let given: Vec<&str> = (Request::new("ds").gold(true).seed(1).open().expect("ds"))
        .out_of_core_unsupported()
        .iter()
        .filter(|(_, given)| *given)
        .map(|(flag, _)| *flag)
        .collect();
    assert_eq!(given, ["gold", "seed"]);
}
