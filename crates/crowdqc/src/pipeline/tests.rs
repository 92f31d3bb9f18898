use std::path::{Path, PathBuf};

use crowdqc_core::progress::NoProgress;
use crowdqc_core::{DuplicatePolicy, Error};
use crowdqc_gold::{PageParams, ScheduleParams};
use crowdqc_pairwise::{Method, PairwiseOptions, PairwiseParams};
use crowdqc_policy::simulate::SimConfig;
use crowdqc_ratings::{RatingParams, RatingsOptions};

use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

fn rows(path: &Path) -> usize {
    let batches = crowdqc_io::read_table(path).expect("read output");
    batches.iter().map(|b| b.num_rows()).sum()
}

#[test]
fn ratings_aggregate_means_scores_gold_and_writes_both_tables() {
    let dir = tempfile::tempdir().expect("tmp");
    // means: a (1+2+3)/3 = 2, b (4+5+6)/3 = 5; the repeated (a, w1) row is dropped by
    // `first`
    let j = "item,worker,label\na,w1,1\na,w2,2\na,w3,3\nb,w1,4\nb,w2,5\nb,w3,6\na,w1,9\n";
    let j = write(dir.path(), "r.csv", j);
    let opts = RatingsOptions::default().with_duplicates(DuplicatePolicy::First);
    let file = ratings::RatingsFile::new(&j, opts);
    let m = file.load().expect("load");
    assert!(m.duplicate_note().is_some());
    let gold = write(dir.path(), "g.csv", "item,label\na,2.5\nb,5\n");
    let tables = FitTables::new(
        Some(dir.path().join("i.csv")),
        Some(dir.path().join("w.csv")),
    );
    let params = RatingParams::new("mean".parse().expect("method"));
    let r = file
        .aggregate(m, &params, Some((&gold, 0.0)), &tables)
        .expect("fit");
    assert_eq!(r.fit.scores(), [2.0, 5.0]);
    let e = r.eval.as_ref().expect("eval");
    // errors 0.5 and 0: MAE 0.25, RMSE sqrt(0.125)
    assert_eq!((e.n, e.mae, e.rmse), (2, 0.25, 0.125f64.sqrt()));
    assert_eq!(
        (
            rows(&dir.path().join("i.csv")),
            rows(&dir.path().join("w.csv"))
        ),
        (2, 3)
    );
    let text = r.to_string();
    assert!(
        text.starts_with(&format!("ratings      {}\n", j.display())),
        "{text}"
    );
    assert!(
        text.contains("wrote        ") && text.ends_with(" s\n"),
        "{text}"
    );
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["file"], j.display().to_string());
    assert_eq!(json["items"], 2);
}

#[test]
fn ratings_agreement_of_perfectly_consistent_raters_is_one() {
    let dir = tempfile::tempdir().expect("tmp");
    // three raters in exact agreement on four items: every ICC and Kendall's W is 1
    let mut csv = String::from("item,worker,label\n");
    for (i, x) in [1, 3, 2, 5].iter().enumerate() {
        for w in 0..3 {
            csv += &format!("t{i},r{w},{x}\n");
        }
    }
    let f = ratings::RatingsFile::new(write(dir.path(), "r.csv", &csv), RatingsOptions::default());
    let m = f.load().expect("load");
    let out = dir.path().join("a.csv");
    let r = f.agreement(&m, 0.95, Some(&out)).expect("agreement");
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["kendall_w"]["w"], 1.0, "{json}");
    assert!(rows(&out) > 0);
    assert!(
        r.to_string()
            .contains(&format!("wrote        {}\n", out.display()))
    );
}

#[test]
fn pairwise_aggregate_recovers_a_total_order_and_evaluates_it() {
    let dir = tempfile::tempdir().expect("tmp");
    // a beats b beats c beats d, each pair compared by two workers
    let mut csv = String::from("worker,winner,loser\n");
    for (w, l) in [
        ("a", "b"),
        ("b", "c"),
        ("c", "d"),
        ("a", "c"),
        ("b", "d"),
        ("a", "d"),
    ] {
        for worker in ["w1", "w2"] {
            csv += &format!("{worker},{w},{l}\n");
        }
    }
    let data = pairwise::load(
        &write(dir.path(), "c.csv", &csv),
        PairwiseOptions::default(),
    )
    .expect("load");
    let levels = write(dir.path(), "l.csv", "item,level\na,4\nb,3\nc,2\nd,1\n");
    let levels = pairwise::read_levels(&levels).expect("levels");
    let params = PairwiseParams::new(Method::WinRate);
    let tables = FitTables::new(Some(dir.path().join("i.parquet")), None);
    let r = pairwise::aggregate(&data, &params, Some(&levels), &tables).expect("fit");
    let e = r.summary.eval.as_ref().expect("eval");
    assert_eq!(
        (e.kendall_tau_b, e.spearman_rho, e.pair_accuracy),
        (1.0, 1.0, 1.0)
    );
    assert_eq!(rows(&dir.path().join("i.parquet")), 4);
    assert_eq!(r.workers_out, None);
    assert!(r.to_string().contains("\ntime         read 0.00 s, fit "));
}

#[test]
fn gold_plan_and_schedule_read_their_tables_and_name_bad_lines() {
    let dir = tempfile::tempdir().expect("tmp");
    let tasks = write(dir.path(), "t.csv", "item\n1\n2\n3\n4\n");
    let workers = write(dir.path(), "w.csv", "worker\nx\ny\n");
    let gold = write(dir.path(), "g.csv", "item,label\n10,a\n11,b\n");
    let p = PageParams::new(2, 1);
    let r = gold::plan(&tasks, &workers, &gold, &p).expect("plan");
    // 4 tasks once each in pages of 1 task + 1 gold: 4 pages, 8 rows
    assert_eq!((r.tasks, r.rows), (4, 8));
    let overlap = write(dir.path(), "o.csv", "item,label\n3,a\n");
    let e = gold::plan(&tasks, &workers, &overlap, &p).expect_err("gold is a task");
    assert!(e.to_string().contains("o.csv"), "{e}");
    // three task requests by two workers: one decision each
    let events = write(dir.path(), "e.csv", "worker,item,label\n0,,\n1,,\n0,,\n");
    let (s, d) = gold::schedule(&events, &gold, None, ScheduleParams::new()).expect("run");
    assert_eq!((d.num_rows(), s.stats().requests), (3, 3));
    // an answer to gold that was never served is refused, naming the file and line
    let bad = write(dir.path(), "b.csv", "worker,item,label\n0,10,a\n");
    let e = gold::schedule(&bad, &gold, None, ScheduleParams::new()).expect_err("unserved");
    let e = e.to_string();
    assert!(e.contains("b.csv") && e.contains("line 2"), "{e}");
}

#[test]
fn policy_gold_factory_knows_two_schedules() {
    let cfg = SimConfig::new();
    assert!(policy::gold_factory("fixed", &cfg, 10).is_ok());
    assert!(policy::gold_factory("adaptive", &cfg, 10).is_ok());
    match policy::gold_factory("weekly", &cfg, 10) {
        Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, "--schedule"),
        _ => panic!("an unknown schedule must be refused"),
    }
}

#[test]
fn read_judgments_returns_the_notes_on_duplicates_and_near_equal_labels() {
    let dir = tempfile::tempdir().expect("tmp");
    // (a, w1) is answered twice with different labels; `yes` and `Yes ` differ only by
    // case and a space
    let j = "item,worker,label\na,w1,yes\na,w1,no\na,w2,Yes \nb,w1,no\nb,w2,no\n";
    let j = write(dir.path(), "j.csv", j);
    let opts = crowdqc_core::IngestOptions::default();
    let (m, notes) = read_judgments(&j, &opts, None, None, &NoProgress).expect("read");
    assert_eq!((m.n_judgments(), m.n_classes()), (5, 3));
    assert_eq!(notes.len(), 2, "{notes:?}");
    let dup = "note: 1 duplicate (item, worker) pairs (1 extra rows), 1 with conflicting labels";
    assert!(notes[0].starts_with(dup), "{notes:?}");
    assert!(notes[1].contains("1 groups of labels"), "{notes:?}");
    assert!(notes[1].contains("--trim-labels"), "{notes:?}");
    // trimmed, `Yes` and `yes` still differ by case; keeping the first row of a pair
    // drops one row; a two-pass read through a spill directory reads the same
    let opts = opts
        .with_trim_labels(true)
        .with_duplicates(DuplicatePolicy::First);
    let plan = crowdqc_io::ReadPlan {
        passes: crowdqc_io::ReadPasses::Two,
        spill_dir: Some(dir.path().to_path_buf()),
    };
    let (m, notes) = read_judgments(&j, &opts, None, Some(&plan), &NoProgress).expect("read");
    assert_eq!((m.n_judgments(), m.n_classes()), (4, 3));
    assert!(notes[0].ends_with("kept the first row of each pair, dropped 1 rows"));
    assert!(
        notes[1].ends_with("they differ by case: fix the labels"),
        "{notes:?}"
    );
}

#[test]
fn agreement_outputs_need_judgments_and_a_writable_path() {
    let dir = tempfile::tempdir().expect("tmp");
    let ok = dir.path().join("items.csv");
    let bad = Path::new("/no/such/dir/w.csv");
    assert!(agreement::check_outputs(true, Some(&ok), None).is_ok());
    assert!(agreement::check_outputs(false, None, None).is_ok());
    let no_judgments = |e: Error| match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("{other}"),
    };
    let e = agreement::check_outputs(false, None, Some(&ok)).expect_err("no judgments");
    assert_eq!(no_judgments(e), "workers-out");
    // the first output given is named, before any path is checked
    let e = agreement::check_outputs(false, Some(bad), Some(&ok)).expect_err("no judgments");
    assert_eq!(no_judgments(e), "items-out");
    let e = agreement::check_outputs(true, Some(&ok), Some(bad)).expect_err("unwritable");
    assert!(e.to_string().contains("/no/such/dir"), "{e}");
}
