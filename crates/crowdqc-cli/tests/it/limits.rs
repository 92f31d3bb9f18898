//! Resource limits (issue 12 F3, F5): `--max-memory` refusals exit 2 with the
//! estimate; contingency counts of 1e10 work; i64::MAX is refused.

use crate::util::{assert_no_panic, crowdqc, file, s};

fn small(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::from("item,worker,label\n");
    for i in 0..50 {
        for w in 0..4 {
            let label = if (i + w) % 3 == 0 { "b" } else { "a" };
            text.push_str(&format!("t{i},w{w},{label}\n"));
        }
    }
    file(dir, "small.csv", text)
}

#[test]
fn max_memory_refusals_exit_2_with_the_estimate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = small(dir.path());
    // glad on 50 items x 2 classes: posteriors and their working copy, 50*2*2*8 =
    // 1,600 bytes
    let r = crowdqc(&[
        "aggregate",
        s(&p),
        "--method",
        "glad",
        "--max-memory",
        "1000",
    ]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("1600 bytes")
            && r.stderr.contains("--max-memory")
            && r.stderr.contains("--method mv"),
        "{}",
        r.stderr
    );
    // ds streams its posteriors: only the per-worker tables count, five of
    // 4 workers x 2 x 2 classes: 4*2*2*5*8 = 640 bytes
    let r = crowdqc(&["aggregate", s(&p), "--method", "ds", "--max-memory", "1000"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let r = crowdqc(&["aggregate", s(&p), "--method", "ds", "--max-memory", "600"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("640 bytes"), "{}", r.stderr);
    // the same with room to spare works; majority vote never needs the dense table
    let r = crowdqc(&["--max-memory", "1M", "aggregate", s(&p), "--method", "ds"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let r = crowdqc(&["aggregate", s(&p), "--method", "mv", "--max-memory", "1"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // a weighted agreement coefficient needs a q x q matrix: 2 x 2 x 8 = 32 bytes
    let r = crowdqc(&[
        "agreement",
        s(&p),
        "--weights",
        "linear",
        "--max-memory",
        "16",
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("32 bytes"), "{}", r.stderr);
    for bad in ["0", "4Q", "lots", "1e30"] {
        let r = crowdqc(&["aggregate", s(&p), "--max-memory", bad]);
        assert_no_panic(&r);
        assert_eq!(r.code, Some(2), "{bad}: {r:?}");
        assert!(r.stderr.contains("max-memory"), "{bad}: {}", r.stderr);
    }
}

#[test]
fn contingency_counts_are_weights() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = file(
        dir.path(),
        "table.csv",
        "label_a,label_b,count\nx,x,10000000000\nx,y,2000000000\ny,x,1000000000\ny,y,7000000000\n",
    );
    let started = std::time::Instant::now();
    let r = crowdqc(&["agreement", "--table", s(&t), "--format", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(started.elapsed().as_secs() < 30);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert!(r.stdout.contains("20000000000"), "{}", r.stdout);
    // Cohen's kappa from the proportions 0.5, 0.1, 0.05, 0.35: p_o = 0.85,
    // p_e = 0.6 * 0.55 + 0.4 * 0.45 = 0.51, kappa = 0.34 / 0.49
    let k = v["cohen_kappa"]["value"].as_f64().expect("value");
    assert!((k - 0.34 / 0.49).abs() < 1e-12, "{k}");
    let t = file(
        dir.path(),
        "max.csv",
        "label_a,label_b,count\nx,x,9223372036854775807\ny,y,1\n",
    );
    let r = crowdqc(&["agreement", "--table", s(&t)]);
    assert_no_panic(&r);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("2^53"), "{}", r.stderr);
}
