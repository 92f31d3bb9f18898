//! Every dataset in the shared real-data folder loads through `read_judgments` with its
//! gold, and the counts equal those stated in its `SOURCE.md`.

use crowdqc_core::{IngestOptions, JudgmentMatrix};
use crowdqc_testkit::fixtures::{CATEGORICAL_WITH_GOLD, data_dir};

/// Counts stated in each dataset's `SOURCE.md` ("Counts" section).
struct Expected {
    name: &'static str,
    items: usize,
    workers: usize,
    judgments: u64,
    /// (duplicate pairs, extra rows, conflicting pairs)
    duplicates: (u64, u64, u64),
    /// (gold given, gold usable), `None` without gold.
    gold: Option<(usize, usize)>,
    /// judgments per item (min, max)
    per_item: (usize, usize),
    /// Distinct labels with their judgment counts, in class order; empty for the numeric
    /// datasets (checked by number of classes only).
    classes: &'static [(&'static str, u64)],
}

const EXPECTED: &[Expected] = &[
    Expected {
        name: "welinder2010-bluebirds",
        items: 108,
        workers: 39,
        judgments: 4212,
        duplicates: (0, 0, 0),
        gold: Some((108, 108)),
        per_item: (39, 39),
        classes: &[("0", 2615), ("1", 1597)],
    },
    Expected {
        name: "zheng2017-product",
        items: 8315,
        workers: 176,
        judgments: 24945,
        duplicates: (0, 0, 0),
        gold: Some((8315, 8315)),
        per_item: (3, 3),
        classes: &[("0", 19834), ("1", 5111)],
    },
    Expected {
        name: "zhou2012-dogs",
        items: 807,
        workers: 109,
        judgments: 8070,
        duplicates: (0, 0, 0),
        gold: Some((807, 807)),
        per_item: (10, 10),
        classes: &[("0", 1900), ("1", 1699), ("2", 2167), ("3", 2304)],
    },
    Expected {
        name: "zheng2017-face",
        items: 584,
        workers: 27,
        judgments: 5242,
        duplicates: (0, 0, 0),
        gold: Some((584, 584)),
        per_item: (7, 9),
        classes: &[("0", 2193), ("1", 1466), ("2", 803), ("3", 780)],
    },
    Expected {
        name: "venanzi2014-weather-sentiment-amt",
        items: 300,
        workers: 110,
        judgments: 6000,
        duplicates: (5, 5, 0),
        gold: Some((300, 300)),
        per_item: (20, 20),
        classes: &[
            ("0", 1163),
            ("1", 1524),
            ("2", 1715),
            ("3", 1314),
            ("4", 284),
        ],
    },
    Expected {
        name: "zhou2012-websearch",
        items: 2665,
        workers: 177,
        judgments: 15567,
        duplicates: (0, 0, 0),
        gold: Some((2653, 2653)),
        per_item: (1, 12),
        classes: &[
            ("1", 1858),
            ("2", 2249),
            ("3", 2831),
            ("4", 3268),
            ("5", 5361),
        ],
    },
    Expected {
        name: "snow2008-rte",
        items: 800,
        workers: 164,
        judgments: 8000,
        duplicates: (0, 0, 0),
        gold: Some((800, 800)),
        per_item: (10, 10),
        classes: &[("0", 3419), ("1", 4581)],
    },
    Expected {
        name: "snow2008-temp",
        items: 462,
        workers: 76,
        judgments: 4620,
        duplicates: (0, 0, 0),
        gold: Some((462, 462)),
        per_item: (10, 10),
        classes: &[("1", 2178), ("2", 2442)],
    },
    Expected {
        name: "snow2008-wsd",
        items: 177,
        workers: 34,
        judgments: 1770,
        duplicates: (0, 0, 0),
        gold: Some((177, 177)),
        per_item: (10, 10),
        classes: &[("1", 1288), ("2", 40), ("3", 442)],
    },
    Expected {
        name: "gal-adultcontent2",
        items: 11040,
        workers: 825,
        judgments: 92721,
        duplicates: (2918, 2922, 149),
        gold: Some((1517, 333)),
        per_item: (1, 30),
        classes: &[("G", 70706), ("P", 10579), ("R", 4340), ("X", 7096)],
    },
    Expected {
        name: "gal-barzanmozafari",
        items: 1000,
        workers: 83,
        judgments: 5000,
        duplicates: (0, 0, 0),
        gold: Some((1000, 1000)),
        per_item: (5, 5),
        classes: &[("0", 3594), ("1", 1406)],
    },
    Expected {
        name: "gal-copyright-infringement",
        items: 1593,
        workers: 44,
        judgments: 7540,
        duplicates: (1588, 1588, 269),
        gold: Some((9, 9)),
        per_item: (1, 8),
        classes: &[("broken", 842), ("no", 4826), ("yes", 1872)],
    },
    Expected {
        name: "gal-hitspam-crowdflower",
        items: 5380,
        workers: 153,
        judgments: 42762,
        duplicates: (3248, 4169, 0),
        gold: Some((101, 100)),
        per_item: (2, 66),
        classes: &[("No", 26555), ("Yes", 16207)],
    },
    Expected {
        name: "gal-adultcontent-toy",
        items: 5,
        workers: 5,
        judgments: 25,
        duplicates: (0, 0, 0),
        gold: Some((5, 5)),
        per_item: (5, 5),
        classes: &[("notporn", 10), ("porn", 15)],
    },
    Expected {
        name: "crowdkit-toy",
        items: 5,
        workers: 5,
        judgments: 24,
        duplicates: (0, 0, 0),
        gold: Some((2, 2)),
        per_item: (4, 5),
        classes: &[("no", 11), ("yes", 13)],
    },
    Expected {
        name: "crowdkit-simple",
        items: 10,
        workers: 6,
        judgments: 33,
        duplicates: (0, 0, 0),
        gold: Some((10, 10)),
        per_item: (3, 4),
        classes: &[("chicken", 6), ("goose", 10), ("parrot", 17)],
    },
    Expected {
        name: "dawid-skene-1979-anaesthesia",
        items: 45,
        workers: 5,
        judgments: 315,
        duplicates: (45, 90, 13),
        gold: None,
        per_item: (7, 7),
        classes: &[("1", 127), ("2", 125), ("3", 48), ("4", 15)],
    },
    Expected {
        // gold does not join: URL keys vs HIT ids, `No`/`Yes` vs `NO`/`YES`
        name: "gal-hitspam-mturk",
        items: 5840,
        workers: 135,
        judgments: 28354,
        duplicates: (0, 0, 0),
        gold: Some((101, 0)),
        per_item: (2, 5),
        classes: &[("NO", 15765), ("YES", 12589)],
    },
];

fn per_item(m: &JudgmentMatrix) -> (usize, usize) {
    let counts = m.item_offsets().windows(2).map(|w| w[1] - w[0]);
    (counts.clone().min().unwrap_or(0), counts.max().unwrap_or(0))
}

fn check(e: &Expected, m: &JudgmentMatrix) {
    let n = e.name;
    let r = m.report();
    assert_eq!(m.n_items(), e.items, "{n}: items");
    assert_eq!(m.n_workers(), e.workers, "{n}: workers");
    assert_eq!(m.n_judgments() as u64, e.judgments, "{n}: judgments");
    assert_eq!(r.rows_read, e.judgments, "{n}: rows");
    assert_eq!(
        (
            r.duplicate_pairs,
            r.duplicate_extra_rows,
            r.conflicting_duplicate_pairs
        ),
        e.duplicates,
        "{n}: duplicates"
    );
    assert_eq!(per_item(m), e.per_item, "{n}: judgments per item");
    let gold = r.gold.as_ref().map(|g| (g.given, g.joined));
    assert_eq!(gold, e.gold, "{n}: gold given / usable");
    if let Some(g) = &r.gold {
        assert_eq!(g.given, g.joined + g.unknown_items, "{n}");
        assert_eq!(m.gold().items().len(), g.joined, "{n}");
    }
    if !e.classes.is_empty() {
        let got: Vec<(String, u64)> = m
            .classes()
            .iter()
            .zip(m.classes().counts())
            .map(|(l, &c)| (l.to_string(), c))
            .collect();
        let want: Vec<(String, u64)> = e.classes.iter().map(|&(l, c)| (l.into(), c)).collect();
        assert_eq!(got, want, "{n}: classes");
    }
}

#[test]
fn every_dataset_loads_with_the_stated_counts() {
    let Some(dir) = data_dir() else { return };
    // every categorical dataset with gold is covered by the table
    for name in CATEGORICAL_WITH_GOLD {
        assert!(
            EXPECTED.iter().any(|e| e.name == *name),
            "no expectation for {name}"
        );
    }
    for e in EXPECTED {
        let d = dir.join(e.name);
        let gold = d.join("gold.csv");
        let gold = e.gold.map(|_| gold.as_path());
        let m =
            crowdqc_io::read_judgments(&d.join("judgments.csv"), &IngestOptions::default(), gold)
                .unwrap_or_else(|err| panic!("{}: {err}", e.name));
        check(e, &m);
    }
}

#[test]
fn numeric_datasets_load_with_gold_extending_the_scale() {
    let Some(dir) = data_dir() else { return };
    let opts = IngestOptions::default().with_extend_classes_with_gold(true);
    // (name, items, workers, judgments, gold given)
    for (name, items, workers, judgments, gold) in [
        ("snow2008-affect", 700, 38, 7000, 700),
        ("snow2008-wordsim", 30, 10, 300, 30),
    ] {
        let d = dir.join(name);
        let m =
            crowdqc_io::read_judgments(&d.join("judgments.csv"), &opts, Some(&d.join("gold.csv")))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
        let r = m.report();
        assert_eq!(
            (m.n_items(), m.n_workers(), m.n_judgments()),
            (items, workers, judgments),
            "{name}"
        );
        assert_eq!(r.duplicate_pairs, 0, "{name}");
        let g = r.gold.as_ref().expect("gold");
        assert_eq!((g.given, g.joined), (gold, gold), "{name}");
    }
}

#[test]
fn every_format_gives_the_same_matrix_on_real_data() {
    let Some(dir) = data_dir() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = dir.join("gal-adultcontent2");
    let table = crowdqc_io::read_table(&d.join("judgments.csv")).expect("read");
    let reference = crowdqc_io::read_judgments(
        &d.join("judgments.csv"),
        &IngestOptions::default(),
        Some(&d.join("gold.csv")),
    )
    .expect("csv");
    for name in ["j.parquet", "j.arrow"] {
        let p = tmp.path().join(name);
        let mut w = crowdqc_io::TableWriter::create(&p, table[0].schema()).expect("create");
        for b in &table {
            w.write(b).expect("write");
        }
        w.finish().expect("finish");
        let m =
            crowdqc_io::read_judgments(&p, &IngestOptions::default(), Some(&d.join("gold.csv")))
                .expect(name);
        assert_eq!(m.judgment_classes(), reference.judgment_classes(), "{name}");
        assert_eq!(m.judgment_workers(), reference.judgment_workers(), "{name}");
        assert_eq!(m.item_offsets(), reference.item_offsets(), "{name}");
        assert_eq!(m.report(), reference.report(), "{name}");
        assert_eq!(m.gold(), reference.gold(), "{name}");
    }
}
