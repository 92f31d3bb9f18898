//! Replays the committed fuzz corpus on stable: every seed (`fuzz/seeds/<target>/`)
//! and every regression input (`fuzz/regressions/<target>/`, one per crash the fuzzers
//! found, see `fuzz/README.md`) through the very entry functions the cargo-fuzz
//! targets run, which are the functions the `crowdqc` command uses for each input.

#[path = "../../../../fuzz/entries.rs"]
mod entries;

use std::path::PathBuf;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn replay(kind: &str) -> usize {
    let mut n = 0;
    for target in entries::TARGETS {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = files.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).expect("read corpus file");
            let r = std::panic::catch_unwind(|| entries::run(target, &data));
            assert!(r.is_ok(), "{target}: {} panicked", f.display());
            n += 1;
        }
    }
    entries::cleanup();
    n
}

#[test]
fn fuzz_seeds_replay_without_panics() {
    // at least one seed per target
    assert!(replay("seeds") >= entries::TARGETS.len());
}

#[test]
fn fuzz_regressions_replay_without_panics() {
    // the two arrow decoder panics the IPC targets found (contained by crowdqc-io's
    // guard: a bad-file error, exit code 2), and any added later
    assert!(replay("regressions") >= 2);
}
