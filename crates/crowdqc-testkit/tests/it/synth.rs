//! The generator's realised statistics match its configuration; determinism; chunking.

use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_testkit::synth::{
    Archetype, ArchetypeMix, BatchOptions, ClassPrior, IdFormat, LabelFormat, Redundancy, RowOrder,
    SynthConfig, SynthCrowd,
};

fn crowd(cfg: SynthConfig) -> SynthCrowd {
    SynthCrowd::new(cfg).expect("valid config")
}

/// Per-archetype `(correct, total)` and the per-worker observed-label counts.
fn accuracy_by_archetype(c: &SynthCrowd) -> std::collections::BTreeMap<Archetype, (u64, u64)> {
    let truth = c.item_truth();
    let mut acc = std::collections::BTreeMap::new();
    for j in c.judgments() {
        let a = c.workers()[j.worker as usize].archetype;
        let e = acc.entry(a).or_insert((0u64, 0u64));
        e.0 += u64::from(j.label == truth[j.item as usize].class);
        e.1 += 1;
    }
    acc
}

#[test]
fn good_and_mediocre_accuracy_match_the_config() {
    let c = crowd(SynthConfig {
        seed: 11,
        n_items: 6000,
        n_workers: 40,
        n_classes: 4,
        mix: ArchetypeMix {
            good: 1.0,
            mediocre: 1.0,
            random: 0.0,
            constant: 0.0,
            adversarial: 0.0,
        },
        good_accuracy: (0.9, 0.9),
        mediocre_accuracy: (0.7, 0.7),
        redundancy: Redundancy::Fixed(4),
        ..Default::default()
    });
    let acc = accuracy_by_archetype(&c);
    let (g, gn) = acc[&Archetype::Good];
    let (m, mn) = acc[&Archetype::Mediocre];
    assert_eq!(gn + mn, 24_000);
    // binomial standard errors are below 0.005 here; allow 5 of them
    assert!(
        (g as f64 / gn as f64 - 0.9).abs() < 0.02,
        "good {}",
        g as f64 / gn as f64
    );
    assert!(
        (m as f64 / mn as f64 - 0.7).abs() < 0.025,
        "mediocre {}",
        m as f64 / mn as f64
    );
}

#[test]
fn spammers_and_adversaries_behave_as_their_confusion_matrices() {
    let k = 3u32;
    let c = crowd(SynthConfig {
        seed: 5,
        n_items: 4000,
        n_workers: 30,
        n_classes: k as usize,
        mix: ArchetypeMix {
            good: 0.0,
            mediocre: 0.0,
            random: 1.0,
            constant: 1.0,
            adversarial: 1.0,
        },
        adversarial_strength: (0.8, 0.8),
        redundancy: Redundancy::Fixed(3),
        activity_skew: 0.0,
        ..Default::default()
    });
    assert_eq!(
        c.workers()
            .iter()
            .filter(|w| w.archetype == Archetype::ConstantSpammer)
            .count(),
        10
    );
    let truth = c.item_truth();
    let (mut adv_pref, mut adv_n, mut rnd_ok, mut rnd_n) = (0u64, 0u64, 0u64, 0u64);
    for j in c.judgments() {
        let w = &c.workers()[j.worker as usize];
        let t = truth[j.item as usize].class;
        match w.archetype {
            Archetype::ConstantSpammer => assert_eq!(j.label, w.target),
            Archetype::Adversarial => {
                adv_n += 1;
                adv_pref += u64::from(j.label == (t + w.target) % k);
                assert!((1..k).contains(&w.target));
            }
            Archetype::RandomSpammer => {
                rnd_n += 1;
                rnd_ok += u64::from(j.label == t);
            }
            other => panic!("unexpected archetype {other:?}"),
        }
    }
    // adversarial: P(preferred wrong class) = 0.8 + 0.2 / 3
    let p = adv_pref as f64 / adv_n as f64;
    assert!(
        (p - (0.8 + 0.2 / 3.0)).abs() < 0.02,
        "adversarial preference {p}"
    );
    let r = rnd_ok as f64 / rnd_n as f64;
    assert!((r - 1.0 / 3.0).abs() < 0.025, "random spammer accuracy {r}");
    // the confusion matrices say the same
    let adv = c
        .workers()
        .iter()
        .find(|w| w.archetype == Archetype::Adversarial)
        .expect("one");
    let m = adv.confusion(3);
    for t in 0..3 {
        let row: f64 = m[t * 3..t * 3 + 3].iter().sum();
        assert!((row - 1.0).abs() < 1e-12);
    }
    assert!((m[(adv.target as usize) % 3] - (0.8 + 0.2 / 3.0)).abs() < 1e-12);
}

#[test]
fn gold_fraction_prior_and_redundancy_are_realised() {
    let c = crowd(SynthConfig {
        seed: 3,
        n_items: 20_000,
        n_workers: 100,
        n_classes: 3,
        class_prior: ClassPrior::Weights(vec![7.0, 2.0, 1.0]),
        redundancy: Redundancy::Uniform { min: 2, max: 6 },
        gold_fraction: 0.1,
        ..Default::default()
    });
    let truth = c.item_truth();
    let gold = truth.iter().filter(|t| t.gold).count();
    // sd of the count is 42
    assert!((gold as i64 - 2000).abs() < 200, "gold items {gold}");
    let freq = |k: u32| truth.iter().filter(|t| t.class == k).count() as f64 / 20_000.0;
    assert!((freq(0) - 0.7).abs() < 0.02 && (freq(2) - 0.1).abs() < 0.015);
    let rs: Vec<u32> = truth.iter().map(|t| t.redundancy).collect();
    assert_eq!((rs.iter().min(), rs.iter().max()), (Some(&2), Some(&6)));
    let mean = rs.iter().map(|&r| f64::from(r)).sum::<f64>() / rs.len() as f64;
    assert!((mean - 4.0).abs() < 0.05, "mean redundancy {mean}");
    // the rows agree with the truth: per-item counts, distinct workers
    let m = c
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("ingest");
    assert_eq!(
        m.n_judgments() as u64,
        rs.iter().map(|&r| u64::from(r)).sum::<u64>()
    );
    assert_eq!(m.report().duplicate_pairs, 0);
    let g = m.report().gold.as_ref().expect("gold given");
    assert_eq!((g.given, g.joined, g.unknown_items), (gold, gold, 0));
    for &i in m.gold().items() {
        let ti = c.parse_item(m.items().get(i)).expect("generated id");
        assert_eq!(m.gold().label(i), Some(truth[ti].class));
        assert_eq!(m.item_count(i), truth[ti].redundancy as usize);
    }
}

#[test]
fn poisson_redundancy_has_its_mean_and_is_truncated_at_the_workers() {
    let c = crowd(SynthConfig {
        seed: 9,
        n_items: 20_000,
        n_workers: 12,
        redundancy: Redundancy::Poisson { mean: 5.0 },
        ..Default::default()
    });
    let rs: Vec<u32> = c.item_truth().iter().map(|t| t.redundancy).collect();
    let mean = rs.iter().map(|&r| f64::from(r)).sum::<f64>() / rs.len() as f64;
    // 1 + Poisson(4), truncated at 12 (P(> 12) ≈ 0.0002)
    assert!((mean - 5.0).abs() < 0.05, "mean {mean}");
    assert!(rs.iter().all(|&r| (1..=12).contains(&r)));
    let big = crowd(SynthConfig {
        n_items: 50,
        n_workers: 3,
        redundancy: Redundancy::Poisson { mean: 40.0 },
        ..Default::default()
    });
    assert!(big.item_truth().iter().all(|t| t.redundancy == 3));
    assert_eq!(big.collect_judgments().len(), 150);
}

#[test]
fn activity_skew_and_archetype_counts() {
    let cfg = SynthConfig {
        seed: 1,
        n_items: 30_000,
        n_workers: 20,
        redundancy: Redundancy::Fixed(1),
        activity_skew: 1.0,
        ..Default::default()
    };
    let c = crowd(cfg.clone());
    // 60/25/7/5/3 % of 20 workers: 12, 5, 1.4, 1, 0.6 → largest remainder 12, 5, 1, 1, 1
    let count = |a| c.workers().iter().filter(|w| w.archetype == a).count();
    assert_eq!(
        Archetype::ALL.map(count),
        [12, 5, 1, 1, 1],
        "exact archetype counts"
    );
    let total: f64 = c.workers().iter().map(|w| w.activity).sum();
    assert!((total - 1.0).abs() < 1e-12);
    let mut n = [0u64; 20];
    for j in c.judgments() {
        n[j.worker as usize] += 1;
    }
    for (w, t) in c.workers().iter().enumerate() {
        let expected = t.activity * 30_000.0;
        let sd = (expected * (1.0 - t.activity)).sqrt();
        assert!(
            (n[w] as f64 - expected).abs() < 5.0 * sd + 1.0,
            "worker {w}"
        );
    }
    // zipf s = 1 over 20 ranks: the top worker has 20x the share of the last
    let max = c.workers().iter().map(|w| w.activity).fold(0.0, f64::max);
    let min = c.workers().iter().map(|w| w.activity).fold(1.0, f64::min);
    assert!((max / min - 20.0).abs() < 1e-9);
}

#[test]
fn duplicates_and_times() {
    let c = crowd(SynthConfig {
        seed: 4,
        n_items: 5000,
        n_workers: 30,
        redundancy: Redundancy::Fixed(3),
        duplicate_rate: 0.2,
        times: true,
        ..Default::default()
    });
    let m = c
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("ingest");
    let r = m.report();
    // repeats per distinct judgment: geometric with mean 0.2 / 0.8 = 0.25
    let extra = r.duplicate_extra_rows as f64 / 15_000.0;
    assert!((extra - 0.25).abs() < 0.02, "extra rows per pair {extra}");
    assert!(r.conflicting_duplicate_pairs > 0);
    let rows = c.collect_judgments();
    assert!(
        rows.windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms)
    );
    assert!(rows.iter().all(|j| j.duration_ms > 0));
    assert_eq!(m.timestamps().map(<[i64]>::len), Some(rows.len()));
    // spammers are faster than good workers (medians 1.5-2.5 s vs 12 s)
    let med = |a: Archetype| {
        let mut d: Vec<i64> = rows
            .iter()
            .filter(|j| c.workers()[j.worker as usize].archetype == a)
            .map(|j| j.duration_ms)
            .collect();
        d.sort_unstable();
        d[d.len() / 2]
    };
    assert!(med(Archetype::Good) > 10_000 && med(Archetype::ConstantSpammer) < 2_000);
}

fn same_matrix(a: &JudgmentMatrix, b: &JudgmentMatrix) {
    assert_eq!(a.item_offsets(), b.item_offsets());
    assert_eq!(a.judgment_workers(), b.judgment_workers());
    assert_eq!(a.judgment_classes(), b.judgment_classes());
    assert_eq!(a.worker_positions(), b.worker_positions());
    assert!(a.items().iter().eq(b.items().iter()));
    assert!(a.workers().iter().eq(b.workers().iter()));
    assert!(a.classes().iter().eq(b.classes().iter()));
    assert_eq!(a.gold().as_slice(), b.gold().as_slice());
    assert_eq!(a.timestamps(), b.timestamps());
}

#[test]
fn chunked_batches_equal_the_unchunked_matrix_and_the_rows() {
    let cfg = SynthConfig {
        seed: 21,
        n_items: 9000, // three blocks, the last partial
        n_workers: 60,
        n_classes: 12,
        redundancy: Redundancy::Poisson { mean: 3.0 },
        duplicate_rate: 0.05,
        times: true,
        ..Default::default()
    };
    let c = crowd(cfg);
    let opts = |rows| BatchOptions {
        rows,
        ids: IdFormat::Str,
        labels: LabelFormat::Str,
    };
    let whole = c
        .to_matrix(&opts(usize::MAX), IngestOptions::default())
        .expect("whole");
    assert_eq!(c.batches(opts(usize::MAX)).expect("rows").count(), 1);
    let chunked = c
        .to_matrix(&opts(777), IngestOptions::default())
        .expect("chunked");
    same_matrix(&whole, &chunked);
    // string labels are zero-padded: class index = true class index
    assert_eq!(whole.classes().label(3), IdRef::Str("c03"));
    // rows pushed one by one give the same matrix too
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
    let rows = c.collect_judgments();
    for j in &rows {
        let (i, w, l) = (
            format!("i{:04}", j.item),
            format!("w{:02}", j.worker),
            format!("c{:02}", j.label),
        );
        b.push_row(IdRef::Str(&i), IdRef::Str(&w), IdRef::Str(&l))
            .expect("row");
    }
    let by_row = b.finish().expect("finish");
    assert_eq!(by_row.judgment_workers(), whole.judgment_workers());
    assert_eq!(by_row.judgment_classes(), whole.judgment_classes());
    // integer ids: same structure
    let ints = BatchOptions {
        rows: 1000,
        ids: IdFormat::Int,
        labels: LabelFormat::Int,
    };
    let mi = c.to_matrix(&ints, IngestOptions::default()).expect("ints");
    assert_eq!(mi.item_offsets(), whole.item_offsets());
    assert_eq!(mi.judgment_classes(), whole.judgment_classes());
    assert_eq!(mi.items().get(0), IdRef::Int(rows[0].item.into()));
}

#[test]
fn deterministic_for_a_seed_and_blocks_are_independent() {
    let cfg = SynthConfig {
        seed: 77,
        n_items: 5000,
        redundancy: Redundancy::Uniform { min: 1, max: 5 },
        ..Default::default()
    };
    let a = crowd(cfg.clone()).collect_judgments();
    let b = crowd(cfg.clone()).collect_judgments();
    assert_eq!(a, b);
    let other = crowd(SynthConfig {
        seed: 78,
        ..cfg.clone()
    })
    .collect_judgments();
    assert_ne!(a, other);
    // pinned: the first rows of seed 77 with 10 items (guards against accidental changes
    // of the streams, which would silently change fixtures/example)
    let small = crowd(SynthConfig {
        n_items: 10,
        ..cfg.clone()
    });
    let first: Vec<(u32, u32, u32)> = small
        .judgments()
        .take(3)
        .map(|j| (j.item, j.worker, j.label))
        .collect();
    assert_eq!(first, [(9, 9, 1), (6, 44, 1), (6, 29, 1)]);
    let c = crowd(cfg.clone());
    let last = c.block(1);
    let again = std::thread::spawn(move || crowd(cfg).block(1).rows)
        .join()
        .expect("thread");
    assert_eq!(last.rows, again);
    assert_eq!(last.items, 4096..5000);
    // by-item order holds the same judgments per item
    let by_item = crowd(SynthConfig {
        row_order: RowOrder::ByItem,
        ..c.config().clone()
    })
    .collect_judgments();
    assert!(by_item.windows(2).all(|w| w[0].item <= w[1].item));
    let mut sorted = a.clone();
    sorted.sort_by_key(|j| (j.item, j.worker));
    let mut by_item_sorted = by_item;
    by_item_sorted.sort_by_key(|j| (j.item, j.worker));
    assert_eq!(
        sorted
            .iter()
            .map(|j| (j.item, j.worker))
            .collect::<Vec<_>>(),
        by_item_sorted
            .iter()
            .map(|j| (j.item, j.worker))
            .collect::<Vec<_>>()
    );
}

#[test]
fn with_judgments_sizes_the_crowd() {
    let cfg = SynthConfig {
        redundancy: Redundancy::Fixed(4),
        gold_fraction: 0.0,
        ..Default::default()
    }
    .with_judgments(10_000);
    assert_eq!(cfg.n_items, 2500);
    let c = crowd(cfg);
    let n: usize = c
        .batches(BatchOptions::default())
        .expect("batches")
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(n, 10_000);
    assert_eq!(
        c.gold_batches(BatchOptions::default())
            .expect("gold")
            .count(),
        0
    );
}

#[test]
fn one_class_crowds_work() {
    let c = crowd(SynthConfig {
        n_classes: 1,
        n_items: 100,
        ..Default::default()
    });
    assert!(c.collect_judgments().iter().all(|j| j.label == 0));
    assert_eq!(c.workers()[0].confusion(1), vec![1.0]);
}

#[test]
fn each_bad_parameter_is_rejected_by_name() {
    let bad: Vec<(&str, SynthConfig)> = vec![
        (
            "n_items",
            SynthConfig {
                n_items: 0,
                ..Default::default()
            },
        ),
        (
            "n_workers",
            SynthConfig {
                n_workers: 0,
                ..Default::default()
            },
        ),
        (
            "n_classes",
            SynthConfig {
                n_classes: 0,
                ..Default::default()
            },
        ),
        (
            "class_prior",
            SynthConfig {
                class_prior: ClassPrior::Weights(vec![1.0]),
                ..Default::default()
            },
        ),
        (
            "class_prior",
            SynthConfig {
                class_prior: ClassPrior::Zipf(-1.0),
                ..Default::default()
            },
        ),
        (
            "redundancy",
            SynthConfig {
                redundancy: Redundancy::Fixed(0),
                ..Default::default()
            },
        ),
        (
            "redundancy",
            SynthConfig {
                redundancy: Redundancy::Uniform { min: 3, max: 2 },
                ..Default::default()
            },
        ),
        (
            "redundancy",
            SynthConfig {
                redundancy: Redundancy::Poisson { mean: 0.5 },
                ..Default::default()
            },
        ),
        (
            "mix",
            SynthConfig {
                mix: ArchetypeMix {
                    mediocre: 0.0,
                    ..ArchetypeMix::only(Archetype::Mediocre)
                },
                ..Default::default()
            },
        ),
        (
            "good_accuracy",
            SynthConfig {
                good_accuracy: (0.9, 0.8),
                ..Default::default()
            },
        ),
        (
            "mediocre_accuracy",
            SynthConfig {
                mediocre_accuracy: (0.5, 1.5),
                ..Default::default()
            },
        ),
        (
            "adversarial_strength",
            SynthConfig {
                adversarial_strength: (-0.1, 0.5),
                ..Default::default()
            },
        ),
        (
            "activity_skew",
            SynthConfig {
                activity_skew: f64::NAN,
                ..Default::default()
            },
        ),
        (
            "gold_fraction",
            SynthConfig {
                gold_fraction: 1.5,
                ..Default::default()
            },
        ),
        (
            "duplicate_rate",
            SynthConfig {
                duplicate_rate: 1.0,
                ..Default::default()
            },
        ),
    ];
    for (name, cfg) in bad {
        let e = SynthCrowd::new(cfg).expect_err(name).to_string();
        assert!(e.contains(name), "{name}: {e}");
    }
    let c = crowd(SynthConfig::default());
    let e = c
        .batches(BatchOptions {
            rows: 0,
            ..Default::default()
        })
        .err()
        .expect("rows = 0")
        .to_string();
    assert!(e.contains("rows"), "{e}");
    assert!(ArchetypeMix::parse("good=1,bogus=2").is_err());
    assert!(ArchetypeMix::parse("good=x").is_err());
    let m = ArchetypeMix::parse("good=0.5, adversarial=0.5").expect("parse");
    assert_eq!((m.good, m.mediocre, m.adversarial), (0.5, 0.0, 0.5));
}

#[test]
fn example_fixture_is_the_generator_output() {
    let dir = crowdqc_testkit::fixtures::project_fixtures().join("example");
    let cfg = SynthConfig {
        seed: 2024,
        n_workers: 40,
        n_classes: 3,
        class_prior: ClassPrior::Weights(vec![0.5, 0.3, 0.2]),
        redundancy: Redundancy::Fixed(5),
        gold_fraction: 0.1,
        times: true,
        ..Default::default()
    }
    .with_judgments(3000);
    let c = crowd(cfg);
    let rows = |name: &str| crowdqc_testkit::fixtures::read_csv_rows(&dir.join(name)).1;
    let fmt = |j: &crowdqc_testkit::synth::Judgment| {
        vec![
            format!("i{:03}", j.item),
            format!("w{:02}", j.worker),
            format!("c{}", j.label),
            j.timestamp_ms.to_string(),
            j.duration_ms.to_string(),
        ]
    };
    let expected: Vec<Vec<String>> = c.judgments().map(|j| fmt(&j)).collect();
    assert_eq!(
        crowdqc_testkit::fixtures::read_csv_rows(&dir.join("judgments.csv")).0,
        ["item", "worker", "label", "timestamp", "duration_ms"]
    );
    assert_eq!(
        rows("judgments.csv"),
        expected,
        "regenerate fixtures/example (see its README)"
    );
    let truth = c.item_truth();
    let gold: Vec<Vec<String>> = truth
        .iter()
        .enumerate()
        .filter(|(_, t)| t.gold)
        .map(|(i, t)| vec![format!("i{i:03}"), format!("c{}", t.class)])
        .collect();
    assert_eq!(rows("gold.csv"), gold);
    assert_eq!(rows("items_truth.csv").len(), 600);
    let workers = rows("workers_truth.csv");
    assert_eq!(workers.len(), 40);
    for (w, t) in workers.iter().zip(c.workers()) {
        assert_eq!(w[1], t.archetype.name());
    }
    // and it loads: 3000 judgments, 600 items, 40 workers, 3 classes, gold joined
    let m = crowdqc_testkit::fixtures::load_dataset(&dir, IngestOptions::default(), true);
    assert_eq!(
        (m.n_judgments(), m.n_items(), m.n_workers(), m.n_classes()),
        (3000, 600, 40, 3)
    );
    assert_eq!(m.gold().items().len(), gold.len());
    // the clock: ms since the epoch from 2024-01-01T00:00:00Z, non-decreasing in row
    // order (the replay in the README runs on it)
    let ts: Vec<i64> = expected.iter().map(|r| r[3].parse().expect("ms")).collect();
    assert_eq!(ts[0], 1_704_067_200_000);
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        expected
            .iter()
            .all(|r| r[4].parse::<u64>().is_ok_and(|d| d > 0))
    );
}
