//! Evidence from judgments and the time-ordered replay.

use std::sync::Arc;

use arrow_array::{Float64Array, Int64Array, RecordBatch, StringArray};
use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_policy::replay::{Clock, evidence_from_matrix, peer_agreement, replay, replay_with};
use crowdqc_policy::{Action, parse_policy};
use crowdqc_policy::{ReplayOptions, TimeUnit};

/// Worker `bad` answers gold item g1..g6 wrongly except g1, worker `good` answers all
/// right; rows are given out of time order on purpose.
fn matrix() -> JudgmentMatrix {
    let mut items = Vec::new();
    let mut workers = Vec::new();
    let mut labels = Vec::new();
    let mut ts = Vec::new();
    let mut dur = Vec::new();
    for g in 1..=6i64 {
        for (w, label) in [("good", "a"), ("bad", if g == 1 { "a" } else { "b" })] {
            items.push(format!("g{g}"));
            workers.push(w.to_string());
            labels.push(label.to_string());
            // reversed time order within the input
            ts.push(1_000_000 - g * 1000 - i64::from(w == "bad"));
            dur.push(if w == "bad" { 500.0 } else { 5000.0 });
        }
    }
    let batch = RecordBatch::try_from_iter([
        ("item", Arc::new(StringArray::from(items)) as _),
        ("worker", Arc::new(StringArray::from(workers)) as _),
        ("label", Arc::new(StringArray::from(labels)) as _),
        ("timestamp", Arc::new(Int64Array::from(ts)) as _),
        ("duration_ms", Arc::new(Float64Array::from(dur)) as _),
    ])
    .expect("batch");
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("builder");
    b.push_batch(&batch).expect("push");
    for g in 1..=6 {
        b.push_gold_row(IdRef::Str(&format!("g{g}")), IdRef::Str("a"))
            .expect("gold");
    }
    b.finish().expect("matrix")
}

fn worker(m: &JudgmentMatrix, name: &str) -> usize {
    (0..m.n_workers())
        .find(|&w| m.workers().get(w as u32).to_string() == name)
        .expect("worker")
}

#[test]
fn evidence_is_computed_in_time_order() {
    let m = matrix();
    let ev = evidence_from_matrix(&m, Some(1000.0));
    let bad = &ev[worker(&m, "bad")];
    assert_eq!(
        (bad.gold_answered, bad.gold_correct, bad.judgments),
        (6, 1, 6)
    );
    // latest in time is g1 (the only correct one): newest outcome is correct
    assert_eq!(bad.recent_gold.get(0), Some(true));
    assert_eq!(bad.fast_answers.and_then(|f| f.share()), Some(1.0));
    let good = &ev[worker(&m, "good")];
    assert_eq!(good.fast_answers.and_then(|f| f.share()), Some(0.0));
    assert_eq!(good.first_seen, Some(1_000_000 - 6000));
    // two workers per item: each agrees with the other only on g1
    let pa = peer_agreement(&m);
    assert_eq!(pa[worker(&m, "bad")], Some(1.0 / 6.0));
}

#[test]
fn replay_emits_decisions_when_a_live_platform_would() {
    let m = matrix();
    let p = parse_policy(
        r#"
[[rules]]
id = "two-wrong"
action = "ban"
untrust = true
min_evidence = 2
when = [{ metric = "gold_wrong", at_least = 2 }]
"#,
    )
    .expect("valid");
    let r = replay(&p, &m).expect("replay");
    assert_eq!(r.events.len(), 1);
    let e = &r.events[0];
    assert_eq!(e.worker as usize, worker(&m, "bad"));
    assert_eq!(e.decision.action, Action::Ban);
    // time order is g6, g5, ...: the bad worker's 2nd wrong answer is on g5
    assert_eq!(e.timestamp_ms, 1_000_000 - 5000 - 1);
    assert_eq!((e.gold_answered, e.gold_correct), (2, 0));
    assert_eq!(e.explanations[0].rule, "two-wrong");
    // 4 later judgments of the banned worker would not have been served
    assert_eq!(r.after_restriction, 4);
    assert_eq!(r.untrusted, vec![worker(&m, "bad") as u32]);
    // the untrusted set removes the worker's judgments
    let kept = m.without_workers(&r.untrusted);
    assert_eq!(kept.n_judgments(), 6);
}

/// Without a timestamp column the replay runs item by item with no clock, and says
/// so (the README's replay line on the bundled example, which has none).
#[test]
fn replay_without_timestamps_runs_in_item_order() {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("builder");
    b.push_row(IdRef::Str("i"), IdRef::Str("w"), IdRef::Str("a"))
        .expect("row");
    let m = b.finish().expect("matrix");
    let p = parse_policy("[[rules]]\nid = \"r\"\naction = \"warn\"\nmin_evidence = 1\nwhen = [{ metric = \"judgments\", above = 0 }]\n").expect("valid");
    let r = replay(&p, &m).expect("item order");
    assert_eq!(r.clock, Clock::ItemOrder);
    let log = r.log(&p, &m);
    assert_eq!(log.events.len(), 1);
    assert_eq!(log.events[0].timestamp_ms, None);
    assert!(log.text().contains("no timestamp column"), "{}", log.text());
    let t = log.to_record_batch().expect("table");
    assert_eq!(t.column(0).null_count(), 1);
}

/// Plain integer timestamps need their unit (issue 9: epoch seconds were read as
/// milliseconds, putting every judgment in January 1970); with `s` a suspension of
/// 1000 s ends 1000 later in the file's unit.
#[test]
fn integer_timestamps_need_a_unit() {
    use arrow_schema::{DataType, TimeUnit as ArrowUnit};
    let e = ReplayOptions::for_column("timestamp", &DataType::Int64, None).expect_err("no unit");
    assert!(e.to_string().contains("--time-unit s|ms|us|ns"), "{e}");
    let ts = DataType::Timestamp(ArrowUnit::Second, None);
    assert!(ReplayOptions::for_column("timestamp", &ts, Some(TimeUnit::Seconds)).is_err());
    assert_eq!(
        ReplayOptions::for_column("timestamp", &ts, None).expect("carries its unit"),
        ReplayOptions::new()
    );
    use arrow_schema::{Field, Schema};
    let schema = Schema::new(vec![Field::new("item", DataType::Utf8, false)]);
    let e = ReplayOptions::for_schema(&schema, None, Some(TimeUnit::Seconds)).expect_err("none");
    assert!(e.to_string().contains("no timestamp column"), "{e}");
    assert_eq!(
        ReplayOptions::for_schema(&schema, None, None).expect("item order"),
        ReplayOptions::new()
    );
    let secs = ReplayOptions::for_column("t", &DataType::Int64, Some(TimeUnit::Seconds))
        .expect("unit given");
    let m = matrix();
    let p = parse_policy(
        "[[rules]]\nid = \"two-wrong\"\naction = \"ban\"\nmin_evidence = 2\nwhen = [{ metric = \"gold_wrong\", at_least = 2 }]\n",
    )
    .expect("valid");
    let r = replay_with(&p, &m, &secs).expect("replay");
    assert_eq!(r.events[0].timestamp_ms, (1_000_000 - 5000 - 1) * 1000);
    let log = r.log(&p, &m);
    // 994 999 s after the epoch
    assert_eq!(
        log.events[0].time.as_deref(),
        Some("1970-01-12T12:23:19.000Z")
    );
    let us = ReplayOptions::new().integer_time_unit(Some(TimeUnit::Microseconds));
    let r = replay_with(&p, &m, &us).expect("replay");
    assert_eq!(r.events[0].timestamp_ms, (1_000_000 - 5000 - 1) / 1000);
}
