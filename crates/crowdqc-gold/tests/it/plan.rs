//! Batch page layout.

use std::collections::{HashMap, HashSet};

use crowdqc_gold::{GoldPool, PageParams, RowKind, plan_pages};

fn pool(n: u32) -> GoldPool {
    GoldPool::new((0..n).map(|i| (10_000 + i, 0))).expect("pool")
}

#[test]
fn pages_hold_the_configured_mix_and_every_task_gets_r_distinct_workers() {
    let tasks: Vec<u32> = (0..1_000).collect();
    let p = PageParams::new(10, 2).redundancy(3).quiz(5).seed(7);
    let plan = plan_pages(&p, &tasks, &pool(200), 12).expect("plan");
    assert_eq!(plan.gold_shortfall, 0);
    // each task exactly 3 times, by 3 distinct workers
    let mut by_task: HashMap<u32, HashSet<u32>> = HashMap::new();
    for r in plan.rows.iter().filter(|r| r.kind == RowKind::Task) {
        assert!(by_task.entry(r.item).or_default().insert(r.worker));
    }
    assert_eq!(by_task.len(), 1_000);
    assert!(by_task.values().all(|w| w.len() == 3));
    // pages: page 0 is the quiz (5 gold), every later page has 2 gold and <= 8 tasks;
    // full pages have exactly 10 rows; no worker sees a gold item twice
    let mut pages: HashMap<(u32, u32), Vec<RowKind>> = HashMap::new();
    let mut gold_seen: HashMap<u32, HashSet<u32>> = HashMap::new();
    for r in &plan.rows {
        pages.entry((r.worker, r.page)).or_default().push(r.kind);
        if r.kind != RowKind::Task {
            assert!(gold_seen.entry(r.worker).or_default().insert(r.item));
        }
    }
    for ((_, page), kinds) in &pages {
        let g = kinds.iter().filter(|&&k| k != RowKind::Task).count();
        if *page == 0 {
            assert!(kinds.iter().all(|&k| k == RowKind::Quiz) && kinds.len() == 5);
        } else {
            assert_eq!(g, 2);
            assert!(kinds.len() <= 10);
        }
    }
    // 3,000 task rows over 12 workers = 250 each = 31 full pages + one of 2 tasks
    let per_worker = plan.rows.iter().filter(|r| r.worker == 0).count();
    assert_eq!(per_worker, 5 + 250 + 32 * 2);
    // exposure counts distinct workers and is balanced
    let ex: Vec<u32> = plan.exposure.iter().map(|&(_, e)| e).collect();
    let total: u32 = ex.iter().sum();
    assert_eq!(total as usize, 12 * (5 + 32 * 2));
    assert!(
        ex.iter().max().expect("x") - ex.iter().min().expect("x") <= 1,
        "{ex:?}"
    );
    // gold sits at varying positions
    let positions: HashSet<u32> = plan
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Gold)
        .map(|r| r.position)
        .collect();
    assert!(positions.len() >= 8);
    assert!((plan.gold_share() - 69.0 / 319.0).abs() < 1e-12);
}

#[test]
fn deterministic_and_seed_dependent() {
    let tasks: Vec<u32> = (0..300).collect();
    let p = PageParams::new(6, 1).redundancy(2).seed(1);
    let a = plan_pages(&p, &tasks, &pool(50), 7).expect("plan");
    assert_eq!(a, plan_pages(&p, &tasks, &pool(50), 7).expect("plan"));
    let b = plan_pages(&p.clone().seed(2), &tasks, &pool(50), 7).expect("plan");
    assert_ne!(a.rows, b.rows);
}

#[test]
fn shortfall_when_workers_max_out_and_retirement() {
    let tasks: Vec<u32> = (0..100).collect();
    // one worker, 100 tasks, 4 tasks + 1 gold per page = 25 pages, only 10 gold
    let plan = plan_pages(&PageParams::new(5, 1), &tasks, &pool(10), 1).expect("plan");
    assert_eq!(plan.gold_shortfall, 15);
    // retirement: 4 workers, each item may go to at most 2 of them
    let plan =
        plan_pages(&PageParams::new(5, 1).max_exposure(2), &tasks, &pool(10), 4).expect("plan");
    assert!(plan.exposure.iter().all(|&(_, e)| e <= 2));
    assert_eq!(plan.gold_shortfall, 4 * 7 - 20);
}

#[test]
fn rejects_bad_input() {
    let tasks: Vec<u32> = (0..10).collect();
    let g = pool(5);
    for (p, name) in [
        (PageParams::new(0, 0), "page_size"),
        (PageParams::new(4, 4), "gold_per_page"),
        (PageParams::new(4, 1).redundancy(0), "redundancy"),
        (PageParams::new(4, 1).redundancy(3), "redundancy"),
        (PageParams::new(4, 1).quiz(6), "quiz"),
    ] {
        let e = plan_pages(&p, &tasks, &g, 2).unwrap_err();
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    let p = PageParams::new(4, 1);
    assert!(plan_pages(&p, &[], &g, 2).is_err());
    assert!(
        plan_pages(&p, &tasks, &g, 0)
            .unwrap_err()
            .to_string()
            .contains("workers")
    );
    let e = plan_pages(&p, &[1, 2, 1], &g, 2).unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
    let e = plan_pages(&p, &[1, 10_003], &g, 2).unwrap_err();
    assert!(e.to_string().contains("gold item"), "{e}");
}

/// `gold plan` over tables: integer ids keep their type in the layout table, repeated
/// gold rows count once, and input errors name the row.
#[test]
fn plan_report_over_id_tables() {
    use std::sync::Arc;

    use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
    use arrow_schema::DataType;
    use crowdqc_core::columns::Role;
    use crowdqc_gold::{Id, PagePlanReport, check_disjoint, read_gold_rows, read_ids};

    let tasks = RecordBatch::try_from_iter([(
        "task",
        Arc::new(Int64Array::from((1..=20).collect::<Vec<i64>>())) as _,
    )])
    .expect("batch");
    let workers =
        RecordBatch::try_from_iter([("annotator", Arc::new(Int64Array::from(vec![7, 8])) as _)])
            .expect("batch");
    let gold = RecordBatch::try_from_iter([
        ("item", Arc::new(Int64Array::from(vec![100, 101, 100])) as _),
        (
            "true_label",
            Arc::new(StringArray::from(vec!["x", "y", "x"])) as _,
        ),
    ])
    .expect("batch");
    let t = read_ids(std::slice::from_ref(&tasks), Role::Item, true).expect("tasks");
    let w = read_ids(&[workers], Role::Worker, true).expect("workers");
    let g = read_gold_rows(&[gold]).expect("gold");
    let r = PagePlanReport::build(&t, &g, &w, &PageParams::new(5, 1).seed(1)).expect("plan");
    assert_eq!((r.tasks, r.workers, r.gold_items), (20, 2, 2));
    // 10 tasks per worker on pages of 4 tasks + 1 gold: 3 pages each, 6 gold slots;
    // the pool has 2 distinct gold items and no worker sees one twice: 4 filled
    assert_eq!((r.pages, r.gold_rows, r.rows), (6, 4, 24));
    assert_eq!(r.gold_shortfall, 2);
    let b = r.to_record_batch().expect("table");
    for (col, ty) in [
        ("worker", DataType::Int64),
        ("page", DataType::Int64),
        ("item", DataType::Int64),
        ("gold_label", DataType::Utf8),
    ] {
        assert_eq!(b.column_by_name(col).expect(col).data_type(), &ty, "{col}");
    }
    assert_eq!(
        b.column_by_name("gold_label").expect("labels").null_count(),
        20
    );
    // errors name the (1-based) row
    let e = read_ids(&[tasks.clone(), tasks], Role::Item, true).expect_err("twice");
    assert_eq!(
        e.to_string(),
        "row 21, column `task`: item `1` is listed twice"
    );
    let e = check_disjoint(&t, &[(Id::Int(3), Id::Str("x".into()))]).expect_err("overlap");
    assert!(
        e.to_string()
            .starts_with("row 1, column `item`: `3` is both"),
        "{e}"
    );
}

#[test]
fn page_size_has_an_upper_bound() {
    // issue 12 F4: a page of 4294967295 rows allocated 34 GB before any check
    assert!(
        PageParams::new(PageParams::MAX_PAGE_SIZE, 1)
            .validate()
            .is_ok()
    );
    let e = PageParams::new(u32::MAX, 1)
        .validate()
        .expect_err("absurd page");
    let m = e.to_string();
    assert!(
        m.starts_with(
            "invalid parameter `page_size`: at most 100000 rows per page, got 4294967295"
        ),
        "{m}"
    );
    assert!(
        PageParams::new(PageParams::MAX_PAGE_SIZE + 1, 1)
            .validate()
            .is_err()
    );
}
