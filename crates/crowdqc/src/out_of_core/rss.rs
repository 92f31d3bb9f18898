//! The process's own peak memory by the end of each phase, for the out-of-core
//! summary: the kernel's high-water mark of the resident set (`VmHWM` in
//! `/proc/self/status`; Linux only, nothing elsewhere). It is never reset (resetting it
//! would hide the whole run's peak from `time -v` and `getrusage`), so each value is
//! the peak of that phase and every phase before it.

/// The process's peak resident set (bytes) by the end of each phase of the
/// out-of-core path (`None`: not measured, see the module docs): the partitioning read,
/// then the peak of it and the shard build, and so on. Only meaningful for a process
/// that runs one fit at a time (the CLI).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MeasuredPhases {
    /// By the end of the partitioning read.
    pub partition: Option<u64>,
    /// By the end of the shard build.
    pub shard_build: Option<u64>,
    /// By the end of the fit.
    pub fit: Option<u64>,
    /// By the end of the items output (the whole run's peak).
    pub items: Option<u64>,
}

/// The process's peak resident set so far, in bytes (`VmHWM`; Linux only).
pub(crate) fn peak_rss() -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
