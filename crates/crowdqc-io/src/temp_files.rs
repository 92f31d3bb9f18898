//! Temporary files of the atomic writers: nothing is left behind (the rule is at
//! [`remove_stale_temp_files`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use crowdqc_core::{Error, Result};

/// How long a temp file must have been left unmodified before a later run may remove
/// it (when no process holds its lock).
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// The marker in the names of crowdqc's temp files: `.<output>.crowdqc-XXXXXX.tmp`.
pub(crate) const MARKER: &str = ".crowdqc-";

#[derive(Debug, Default)]
struct Registry {
    live: Vec<PathBuf>,
    abandoned: bool,
    removed_stale: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    live: Vec::new(),
    abandoned: false,
    removed_stale: Vec::new(),
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A temp file registered as live until dropped.
#[derive(Debug)]
pub(crate) struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        registry().live.retain(|p| p != &self.0);
    }
}

/// Creates a temp file through `create` and registers it, unless [`abandon_writes`]
/// was called (then [`Error::Interrupted`]). The registry is locked throughout, so a
/// signal handler's cleanup never misses a file being created.
pub(crate) fn create_registered<T>(
    create: impl FnOnce() -> Result<T>,
    path_of: impl Fn(&T) -> PathBuf,
) -> Result<(T, Registered)> {
    let mut reg = registry();
    if reg.abandoned {
        return Err(Error::Interrupted);
    }
    let t = create()?;
    let path = path_of(&t);
    reg.live.push(path.clone());
    Ok((t, Registered(path)))
}

/// Removes every temp file this process is writing and makes any later writer fail
/// with [`Error::Interrupted`]: for a signal handler that is about to exit the
/// process. Returns the number of files removed.
pub fn abandon_writes() -> usize {
    let mut reg = registry();
    reg.abandoned = true;
    let mut n = 0;
    for p in reg.live.drain(..) {
        if std::fs::remove_file(&p).is_ok() {
            n += 1;
        }
    }
    n
}

/// Stale temp files removed by this process so far (by [`remove_stale_temp_files`]),
/// taken out of the record: for a command to report them.
pub fn take_removed_stale() -> Vec<PathBuf> {
    std::mem::take(&mut registry().removed_stale)
}

/// True when `name` is a crowdqc temp file name: `.<output>.crowdqc-XXXXXX.tmp`, or
/// the older `.<output>.XXXXXX.tmp` with an output extension crowdqc writes.
pub fn is_temp_name(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let Some((output, random)) = inner.rsplit_once('.') else {
        return false;
    };
    let alnum = |s: &str| s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if let Some(r) = random.strip_prefix("crowdqc-") {
        return !output.is_empty() && alnum(r);
    }
    alnum(random) && crate::FileFormat::from_path(Path::new(output)).is_ok()
}

/// True when no process holds the lock of `path` (it can be locked now).
fn unlocked(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    f.try_lock().is_ok()
}

/// Removes the stale temp files of crowdqc in `dir` and returns their paths; they are
/// also recorded for [`take_removed_stale`]. Errors reading the directory are ignored
/// (nothing is removed). Every [`TableWriter`](crate::TableWriter) calls it on its
/// output's directory before creating its own temp file.
///
/// Writers name their temp file `.<output name>.crowdqc-<6 random characters>.tmp` and
/// hold an exclusive advisory lock (`flock`) on it for its whole life; a normal end,
/// an error or a panic removes it, and so does [`abandon_writes`] on SIGINT/SIGTERM.
/// Only SIGKILL, an abort or a power cut leave one behind. **The rule**: a file whose
/// name has that pattern is stale when no process holds its lock (the kernel drops a
/// lock when its process ends, however it ends, so a locked file belongs to a running
/// writer) *and* it was last modified more than [`STALE_AFTER`] ago (a writer locks
/// its file microseconds after creating it; the minute covers that window and file
/// systems with coarse timestamps). Files named by earlier versions
/// (`.<output>.<6 characters>.tmp`, the output having a crowdqc extension) are
/// judged by the same rule. Nothing else is touched. On a file system without
/// `flock` (some network mounts) no file can be locked, so none is removed.
pub fn remove_stale_temp_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let now = SystemTime::now();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_temp_name(name) {
            continue;
        }
        let path = entry.path();
        let old = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if old && unlocked(&path) && std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    if !removed.is_empty() {
        registry().removed_stale.extend(removed.iter().cloned());
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names() {
        assert!(is_temp_name(".out.parquet.crowdqc-a1B2c3.tmp"));
        assert!(is_temp_name(".a.b.csv.crowdqc-zzzzzz.tmp"));
        assert!(is_temp_name(".out.parquet.a1B2c3.tmp"));
        assert!(!is_temp_name(".out.xlsx.a1B2c3.tmp"));
        assert!(!is_temp_name("out.parquet.crowdqc-a1B2c3.tmp"));
        assert!(!is_temp_name(".out.parquet.crowdqc-a1B2c.tmp"));
        assert!(!is_temp_name(".out.parquet.crowdqc-a1B2c3"));
        assert!(!is_temp_name(".bashrc"));
    }
}
