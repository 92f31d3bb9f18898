//! Helpers for running the built `crowdqc` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `crowdqc` with `args` (and extra environment variables).
pub fn crowdqc_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crowdqc"));
    cmd.args(args).env("RUST_BACKTRACE", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run crowdqc");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `crowdqc` with `args`.
pub fn crowdqc(args: &[&str]) -> Run {
    crowdqc_env(args, &[])
}

/// Asserts that nothing a user sees looks like a Rust panic.
pub fn assert_no_panic(r: &Run) {
    for s in [&r.stdout, &r.stderr] {
        assert!(
            !s.contains("panicked at")
                && !s.contains("stack backtrace")
                && !s.contains("RUST_BACKTRACE"),
            "{r:?}"
        );
    }
}

/// Writes `text` to `dir/name`.
pub fn file(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// A path as `&str`.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
