//! Two-pass reads of files, with and without a spill directory: the same matrix as one
//! pass, bit for bit, and no spill file left behind on success or error.

use std::path::Path;

use crowdqc_core::progress::NoProgress;
use crowdqc_core::{IngestOptions, JudgmentMatrix};
use crowdqc_io::{ReadPasses, ReadPlan, read_judgments_planned};
use crowdqc_testkit::synth::{BatchOptions, SynthConfig, SynthCrowd};

use crate::util::{file, tmp};

fn plan(passes: ReadPasses, spill: Option<&Path>) -> ReadPlan {
    ReadPlan {
        passes,
        spill_dir: spill.map(Path::to_path_buf),
    }
}

fn read(path: &Path, gold: Option<&Path>, p: &ReadPlan) -> crowdqc_core::Result<JudgmentMatrix> {
    read_judgments_planned(path, &IngestOptions::default(), gold, &NoProgress, p)
}

fn digest(m: &JudgmentMatrix) -> String {
    let mut s = String::new();
    for i in 0..m.n_items() as u32 {
        s.push_str(&m.items().get(i).to_string());
        for p in m.item_range(i) {
            let w = m.judgment_workers()[p];
            let c = m.judgment_classes()[p];
            let t = m.timestamps().map_or(0, |t| t[p]);
            let d = m.durations().map_or(0, |d| d[p].to_bits());
            s.push_str(&format!(
                " {}:{}:{t}:{d}",
                m.workers().get(w),
                m.classes().label(c)
            ));
        }
        s.push_str(&format!(" g{:?}\n", m.gold().label(i)));
    }
    s.push_str(&format!("{:?}", m.report()));
    s
}

fn spill_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("spill"))
        .collect()
}

#[test]
fn two_passes_and_a_spill_give_the_one_pass_matrix() {
    let dir = tmp();
    let spill = dir.path().join("spill");
    std::fs::create_dir(&spill).expect("spill dir");
    let crowd = SynthCrowd::new(SynthConfig {
        seed: 11,
        n_items: 4_000,
        n_workers: 120,
        n_classes: 3,
        times: true,
        duplicate_rate: 0.05,
        ..SynthConfig::default()
    })
    .expect("config");
    let opts = BatchOptions {
        rows: 1_000,
        ..BatchOptions::default()
    };
    let path = dir.path().join("j.parquet");
    let batches: Vec<_> = crowd.batches(opts).expect("batches").collect();
    let mut w = crowdqc_io::TableWriter::create(&path, batches[0].schema()).expect("writer");
    for b in &batches {
        w.write(b).expect("write");
    }
    w.finish().expect("finish");
    let gold = dir.path().join("gold.parquet");
    let g: Vec<_> = crowd.gold_batches(opts).expect("gold").collect();
    crowdqc_io::write_batches(&gold, g.into_iter().map(Ok)).expect("gold");

    let one = read(&path, Some(&gold), &plan(ReadPasses::One, None)).expect("one pass");
    assert!(one.timestamps().is_some() && one.gold().len() > 100);
    assert!(one.report().duplicate_pairs > 0);
    let want = digest(&one);
    for p in [
        plan(ReadPasses::Two, None),
        plan(ReadPasses::Two, Some(&spill)),
    ] {
        let m = read(&path, Some(&gold), &p).expect("two passes");
        assert_eq!(digest(&m), want, "{p:?}");
        assert_eq!(m.item_offsets(), one.item_offsets());
        assert!(
            spill_files(&spill).is_empty(),
            "left: {:?}",
            spill_files(&spill)
        );
    }
}

#[test]
fn the_spill_file_is_removed_on_error() {
    let dir = tmp();
    // a bad row late in the file: the first pass fails after spilling two batches
    let mut text = String::from("item,worker,label\n");
    for i in 0..2 * crowdqc_io::BATCH_SIZE + 10 {
        text.push_str(&format!("t{},w{},{}\n", i / 3, i % 7, i % 2));
    }
    text.push_str("t1,,1\n");
    let bad = file(dir.path(), "bad.csv", text);
    let e = read(&bad, None, &plan(ReadPasses::Two, Some(dir.path()))).expect_err("null worker");
    assert!(e.to_string().contains("worker"), "{e}");
    assert!(
        spill_files(dir.path()).is_empty(),
        "{:?}",
        spill_files(dir.path())
    );
    // a gold label outside the classes fails between the passes
    let ok = file(dir.path(), "ok.csv", "item,worker,label\nt1,a,x\nt1,b,y\n");
    let gold = file(dir.path(), "gold.csv", "item,label\nt1,z\n");
    let e = read(&ok, Some(&gold), &plan(ReadPasses::Two, Some(dir.path()))).expect_err("gold");
    assert!(e.to_string().contains("gold label `z`"), "{e}");
    assert!(spill_files(dir.path()).is_empty());
    // a spill directory that is a file
    let e = read(&ok, None, &plan(ReadPasses::Two, Some(&ok))).expect_err("not a dir");
    assert!(e.to_string().contains("spill-dir"), "{e}");
}
