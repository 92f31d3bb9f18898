//! Real data with times: CrowdTruth's news-event task (CrowdFlower 2015, 3 000
//! judgments by 189 workers) has AcceptTime and SubmitTime per judgment. Durations
//! (SubmitTime − AcceptTime) and timestamps are derived here from the raw CSV; tasks
//! per day, pay and the quota decisions are checked against a count made directly
//! from the CSV text.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use crowdqc_core::{IngestOptions, JudgmentMatrixBuilder};
use crowdqc_policy::pay::{parse_pay, pay_by_worker};
use crowdqc_policy::statement::statements_from_matrix;
use crowdqc_policy::{Action, EvidenceTable, parse_policy};
use crowdqc_testkit::fixtures::{dataset_dir, read_csv_rows};

/// `M/D/YYYY HH:MM:SS` → (date text, seconds since the epoch, UTC).
fn parse_time(s: &str) -> (String, i64) {
    let (date, time) = s.split_once(' ').expect("date and time");
    let d: Vec<i64> = date.split('/').map(|x| x.parse().expect("date")).collect();
    let t: Vec<i64> = time.split(':').map(|x| x.parse().expect("time")).collect();
    let (m, day, y) = (d[0], d[1], d[2]);
    // days from civil (Howard Hinnant's algorithm)
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (
        date.to_string(),
        days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2],
    )
}

#[test]
fn crowdtruth_events_pay_and_activity_match_the_csv() {
    let Some(dir) = dataset_dir("crowdtruth-multilabel") else {
        return;
    };
    let (h, rows) = read_csv_rows(&dir.join("events_raw.csv"));
    let col = |n: &str| h.iter().position(|c| c == n).expect("column");
    let (cu, cw, ca, cs, cl) = (
        col("Unit_ID"),
        col("Worker_ID"),
        col("AcceptTime"),
        col("SubmitTime"),
        col("Annotations"),
    );
    let mut ts = Vec::new();
    let mut dur = Vec::new();
    // independent count: per worker tasks, dates, seconds, unpaid seconds and tasks
    let mut want: HashMap<&str, (u64, BTreeSet<String>, i64, i64, u64)> = HashMap::new();
    let training = |u: &str| u.parse::<u32>().expect("unit") <= 10; // units 1..10 unpaid
    for r in &rows {
        let (_, a) = parse_time(&r[ca]);
        let (date, s) = parse_time(&r[cs]);
        ts.push((s * 1000).to_string());
        dur.push(((s - a) * 1000) as f64);
        let e = want.entry(r[cw].as_str()).or_default();
        e.0 += 1;
        e.1.insert(date);
        e.2 += s - a;
        if training(&r[cu]) {
            e.3 += s - a;
            e.4 += 1;
        }
    }
    let strings = |c: usize| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| {
            // the number of words marked is the label (it does not matter here)
            if c == cl {
                r[c].split(',')
                    .filter(|w| !w.trim().is_empty())
                    .count()
                    .to_string()
            } else {
                r[c].clone()
            }
        })))
    };
    let batch = RecordBatch::try_from_iter([
        ("item", strings(cu)),
        ("worker", strings(cw)),
        ("label", strings(cl)),
        (
            "timestamp",
            Arc::new(StringArray::from_iter_values(ts)) as ArrayRef,
        ),
        ("duration_ms", Arc::new(Float64Array::from(dur)) as ArrayRef),
    ])
    .expect("batch");
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("builder");
    b.push_batch(&batch).expect("rows");
    let m = b.finish().expect("matrix");
    assert_eq!((m.n_judgments(), m.n_workers()), (3000, 189));

    let units: Vec<String> = (1..=10).map(|u| format!("\"{u}\"")).collect();
    let pay = parse_pay(
        &format!(
            "currency = \"USD\"\nrate = 0.02\nplatform_cut = 0.2\nhourly_floor = 3.0\n\
             [unpaid]\nitems = [{}]\n",
            units.join(", ")
        ),
        None,
    )
    .expect("pay table");
    let wp = pay_by_worker(&m, &pay).expect("pay");
    let policy = parse_policy(
        "[[rules]]\nid = \"quota\"\naction = \"ban\"\nmin_evidence = 1\n\
         when = [{ metric = \"tasks_per_day\", below = 20 }]\n\
         [[rules]]\nid = \"floor\"\naction = \"warn\"\nmin_evidence = 1\n\
         when = [{ metric = \"hourly_pay\", below = 3.0 }]\n",
    )
    .expect("policy");
    let mut table = EvidenceTable::from_matrix(&m, &policy);
    table.fill_pay(&wp).expect("pay rows");
    let eval = policy.evaluate_table(&table);
    let (mut banned, mut warned) = (0, 0);
    for w in 0..m.n_workers() as u32 {
        let id = m.workers().get(w).to_string();
        let (tasks, dates, secs, unpaid_secs, unpaid_tasks) = &want[id.as_str()];
        let per_day = *tasks as f64 / dates.len() as f64;
        assert_eq!(
            table.evidence[w as usize].tasks_per_day,
            Some(per_day),
            "{id}"
        );
        let p = &wp[w as usize];
        assert_eq!(
            (p.paid_tasks, p.unpaid_tasks),
            (tasks - unpaid_tasks, *unpaid_tasks)
        );
        let hourly = (tasks - unpaid_tasks) as f64 * 0.02 * 0.8 / (*secs as f64 / 3600.0);
        assert!(
            (p.hourly.expect("hourly") - hourly).abs() < 1e-9 * hourly,
            "{id}"
        );
        let share = *unpaid_secs as f64 / *secs as f64;
        assert!(
            (p.unpaid_share.expect("share") - share).abs() < 1e-12,
            "{id}"
        );
        let d = &eval.decisions[w as usize];
        assert_eq!(d.action == Action::Ban, per_day < 20.0, "{id}");
        assert_eq!(d.rules.contains(&"floor".to_string()), hourly < 3.0, "{id}");
        banned += usize::from(per_day < 20.0);
        warned += usize::from(hourly < 3.0);
    }
    // 10 training units × 15 judgments; the rules are not vacuous on this data
    assert_eq!(wp.iter().map(|p| p.unpaid_tasks).sum::<u64>(), 150);
    assert!(
        banned > 10 && banned < 189 && warned > 10 && warned < 189,
        "{banned} {warned}"
    );
    // every worker gets a statement in plain words
    let s = statements_from_matrix(&m, &policy, Some(&pay)).expect("statements");
    assert_eq!(s.statements.len(), 189);
    for st in &s.statements {
        let text = st.to_string();
        assert!(
            text.contains("an hour") && !text.contains("quota"),
            "{text}"
        );
    }
}
