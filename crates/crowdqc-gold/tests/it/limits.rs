//! Resource limits (issue 12 F5): gold scoring on 10^5 labels keeps the per-worker
//! confusion and the consensus sparsely (a dense `workers × classes²` table would be
//! 4 TB) and gives the counts a dense table would.

use std::time::{Duration, Instant};

use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};
use crowdqc_gold::{ConfusionCell, GoldParams};

#[test]
fn gold_scoring_on_a_hundred_thousand_labels() {
    let k = 100_000u32;
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    for i in 0..20_000u32 {
        for r in 0..5u32 {
            // worker r of the item's five answers label i when r < 3, else label i + 1
            let label = if r < 3 { (i * 5) % k } else { (i * 5 + 1) % k };
            b.push_row(
                IdRef::Int(i64::from(i)),
                IdRef::Int(i64::from(r)),
                IdRef::Int(i64::from(label)),
            )
            .expect("row");
        }
        // every class occurs
        for j in 1..5u32 {
            let x = 20_000 + i;
            b.push_row(
                IdRef::Int(i64::from(x)),
                IdRef::Int(9),
                IdRef::Int(i64::from((i * 5 + j) % k)),
            )
            .expect("row");
        }
        if i % 10 == 0 {
            // gold on every tenth item: the minority label (workers 3 and 4 right)
            b.push_gold_row(
                IdRef::Int(i64::from(i)),
                IdRef::Int(i64::from((i * 5 + 1) % k)),
            )
            .expect("gold");
        }
    }
    let m = b.finish().expect("matrix");
    assert_eq!(m.n_classes(), k as usize);
    let t0 = Instant::now();
    let s = GoldParams::new().score(&m).expect("score");
    assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
    // 2,000 gold items; workers 0..2 always wrong, 3 and 4 always right
    for w in 0..5u32 {
        let g = s.worker(w);
        assert_eq!(g.answered, 2_000);
        assert_eq!(g.correct, if w < 3 { 0 } else { 2_000 });
    }
    assert!(
        s.confusion().is_none(),
        "5 workers x 10^10 cells must not be dense"
    );
    let cells = s.confusion_cells();
    // one cell per (worker, gold item): the gold classes are distinct
    assert_eq!(cells.len(), 5 * 2_000);
    let first = ConfusionCell {
        worker: 0,
        gold: 1,
        observed: 0,
        count: 1,
    };
    assert!(cells.contains(&first), "{:?}", &cells[..3]);
    assert_eq!(s.confusion_count(0, 1, 0), 1);
    assert_eq!(s.confusion_count(3, 1, 1), 1);
    // consensus = vote shares, sparse: 3/5 for the majority, 2/5 for gold; contested
    for (g, item) in s.items().iter().enumerate() {
        assert_eq!(s.consensus(g).len(), 2);
        assert!((item.gold_support - 0.4).abs() < 1e-15);
        assert!((item.consensus_confidence - 0.6).abs() < 1e-15);
        assert_eq!(item.misses, 3);
    }
}
