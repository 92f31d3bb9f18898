//! Memory estimates before large allocations.
//!
//! Data with very many classes (10⁵ distinct labels) or many workers make some dense
//! tables (items × classes posteriors, workers × classes² confusion matrices,
//! classes² weight matrices) far larger than any machine. Code that is about to
//! allocate such a table first computes its size with [`bytes_of`] and asks
//! [`check`]; when the size exceeds the **budget** the caller gets
//! [`Error::ResourceLimit`] with the estimate, what needed it and the way out (a
//! method that works sparsely, fewer classes, a higher limit), instead of an abort or
//! a swapping host.
//!
//! The budget is the smaller of
//! - the process-wide limit set with [`set_limit`] (the CLI's `--max-memory`), and
//! - the memory the kernel reports as available (`MemAvailable` in `/proc/meminfo`,
//!   read at every check; unknown on other systems, where only the limit applies).
//!
//! Checks are for *large* tables: small allocations are not checked, and the budget
//! is compared with one table at a time (not the sum of everything alive), so a
//! limit is a guard against the absurd, not an exact cap on the resident set.
//!
//! ```
//! use crowdqc_core::memory;
//!
//! assert_eq!(memory::parse_bytes("4G").expect("size"), 4 << 30);
//! let bytes = memory::bytes_of::<f64>(&[100_000, 100_000]).expect("no overflow");
//! assert_eq!(bytes, 80_000_000_000);
//! let e = memory::check_within(bytes, Some(1 << 30), "a dense table", "use a sparse one")
//!     .expect_err("80 GB > 1 GiB");
//! assert!(e.to_string().contains("80.0 GB"), "{e}");
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// 0 = no limit set.
static LIMIT: AtomicU64 = AtomicU64::new(0);

/// Sets (or with `None` clears) the process-wide memory limit in bytes that [`check`]
/// compares estimates with, besides the memory available. The CLI sets it from
/// `--max-memory`.
pub fn set_limit(bytes: Option<u64>) {
    LIMIT.store(bytes.unwrap_or(0), Ordering::Relaxed);
}

/// The process-wide limit set with [`set_limit`], if any.
pub fn limit() -> Option<u64> {
    match LIMIT.load(Ordering::Relaxed) {
        0 => None,
        b => Some(b),
    }
}

/// Memory available to new allocations according to the kernel (`MemAvailable` of
/// `/proc/meminfo`), or `None` when unknown (not Linux, or unreadable).
pub fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_meminfo(&text)
}

fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut parts = line["MemAvailable:".len()..].split_whitespace();
    let n: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") | None => n.checked_mul(1024),
        Some(_) => None,
    }
}

/// The budget one table may take: the smaller of [`limit`] and [`available`]
/// (`None` when neither is known).
pub fn budget() -> Option<u64> {
    match (limit(), available()) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Bytes of a table of `T` with the given dimensions; `None` on overflow (which is
/// always too large).
pub fn bytes_of<T>(dims: &[usize]) -> Option<u64> {
    dims.iter()
        .try_fold(std::mem::size_of::<T>() as u64, |acc, &d| {
            acc.checked_mul(d as u64)
        })
}

/// Fails with [`Error::ResourceLimit`] when `bytes` (an estimate from [`bytes_of`];
/// `None` means it overflowed) exceeds the [`budget`]. `what` names what needs the
/// memory (`"dawid-skene: confusion matrices (workers × classes²)"`), `way_out` says
/// what to do instead.
///
/// # Errors
/// [`Error::ResourceLimit`] as described.
pub fn check(bytes: Option<u64>, what: &str, way_out: &str) -> Result<()> {
    let bytes = bytes.unwrap_or(u64::MAX);
    let lim = limit();
    let avail = available();
    if let Some(l) = lim
        && bytes > l
    {
        return Err(refusal(
            bytes,
            l,
            "the memory limit (--max-memory)",
            what,
            way_out,
        ));
    }
    if let Some(a) = avail
        && bytes > a
    {
        return Err(refusal(bytes, a, "the memory available", what, way_out));
    }
    Ok(())
}

/// Like [`check`] against an explicit limit only (no process-wide limit, no
/// `/proc/meminfo`): deterministic, for callers with their own budget and for tests.
///
/// # Errors
/// [`Error::ResourceLimit`] when `bytes > limit`.
pub fn check_within(bytes: u64, limit: Option<u64>, what: &str, way_out: &str) -> Result<()> {
    match limit {
        Some(l) if bytes > l => Err(refusal(bytes, l, "the memory limit", what, way_out)),
        _ => Ok(()),
    }
}

/// True when `bytes` fits the [`budget`] (what [`check`] would accept).
pub fn fits(bytes: Option<u64>) -> bool {
    check(bytes, "", "").is_ok()
}

fn refusal(bytes: u64, budget: u64, budget_kind: &str, what: &str, way_out: &str) -> Error {
    Error::ResourceLimit {
        what: what.to_string(),
        bytes,
        budget,
        budget_kind: budget_kind.to_string(),
        way_out: way_out.to_string(),
    }
}

/// Peak bytes per judgment of reading a judgment file in one pass and fitting
/// Dawid–Skene on it with the items table streamed out (`crowdqc aggregate --method ds
/// --out`): the rows' codes are kept until the matrix is built (9 bytes per row) next to
/// the dictionaries, then Dawid–Skene's per-worker tables. Measured: 29.5 bytes per
/// judgment at 1e8 (2.95 GB; K = 5, redundancy 5, 1M workers, string ids, rows not
/// grouped by item); see `benches/README.md`.
pub const ONE_PASS_BYTES_PER_JUDGMENT: u64 = 30;

/// Peak bytes per judgment of the same with a two-pass read
/// (`JudgmentMatrixBuilder::set_two_pass`): the matrix (5 bytes per judgment, 8 per
/// item) and its dictionaries, no per-row buffer.
pub const TWO_PASS_BYTES_PER_JUDGMENT: u64 = 14;

/// One pass is chosen only while its estimate is at most this share of the budget
/// (it is faster, but leaves less room for everything else on the machine).
pub const ONE_PASS_SHARE: f64 = 0.5;

/// How a judgment file is read into a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadPasses {
    /// One pass, keeping the rows' codes until the matrix is built (fastest).
    One,
    /// Two passes over the file: dictionaries and counts first, then every row straight
    /// into its place (least memory; the file is read twice).
    Two,
}

/// The estimated peak memory of reading and fitting `judgments` judgments with the
/// given read.
pub fn aggregate_estimate(judgments: u64, passes: ReadPasses) -> u64 {
    let per = match passes {
        ReadPasses::One => ONE_PASS_BYTES_PER_JUDGMENT,
        ReadPasses::Two => TWO_PASS_BYTES_PER_JUDGMENT,
    };
    judgments.saturating_mul(per)
}

/// Chooses the read of a file of `judgments` rows from the [`budget`]: one pass while
/// its estimate is at most [`ONE_PASS_SHARE`] of the budget (always, when no budget is
/// known), else two passes when `can_reread` and their estimate fits the budget.
///
/// # Errors
/// [`Error::ResourceLimit`] with the smallest estimate, the budget and what to do, when
/// nothing fits.
pub fn plan_aggregate(judgments: u64, can_reread: bool) -> Result<ReadPasses> {
    plan_within(judgments, can_reread, budget(), budget_kind())
}

fn budget_kind() -> &'static str {
    match (limit(), available()) {
        (Some(l), Some(a)) if l <= a => "the memory limit (--max-memory)",
        (Some(_), None) => "the memory limit (--max-memory)",
        _ => "the memory available",
    }
}

/// [`plan_aggregate`] against an explicit budget (deterministic, for tests).
///
/// # Errors
/// As [`plan_aggregate`].
pub fn plan_within(
    judgments: u64,
    can_reread: bool,
    budget: Option<u64>,
    budget_kind: &str,
) -> Result<ReadPasses> {
    let Some(b) = budget else {
        return Ok(ReadPasses::One);
    };
    let one = aggregate_estimate(judgments, ReadPasses::One);
    if one as f64 <= b as f64 * ONE_PASS_SHARE {
        return Ok(ReadPasses::One);
    }
    let two = aggregate_estimate(judgments, ReadPasses::Two);
    if can_reread && two <= b {
        return Ok(ReadPasses::Two);
    }
    if !can_reread && one <= b {
        return Ok(ReadPasses::One);
    }
    let (bytes, per) = if can_reread {
        (two, TWO_PASS_BYTES_PER_JUDGMENT)
    } else {
        (one, ONE_PASS_BYTES_PER_JUDGMENT)
    };
    Err(refusal(
        bytes,
        b,
        budget_kind,
        &format!(
            "reading and fitting {judgments} judgments (about {per} bytes per judgment at \
             peak{})",
            if can_reread {
                ", reading the file twice"
            } else {
                ""
            }
        ),
        "give --spill-dir DIR (a local directory with room for about 40 bytes per \
         judgment) to fit out of core (ds, one-coin-ds), raise --max-memory (no higher \
         than the memory available), free memory, or fit shards with \
         crowdqc.distributed",
    ))
}

/// A byte count for people: `80.0 GB`, `512.0 MB`, `999 bytes` (decimal units), or
/// `more than 18 EB` for an overflowed estimate.
pub fn format_bytes(bytes: u64) -> String {
    if bytes == u64::MAX {
        return "more than 18 EB".into();
    }
    const UNITS: [(&str, f64); 5] = [
        ("EB", 1e18),
        ("PB", 1e15),
        ("TB", 1e12),
        ("GB", 1e9),
        ("MB", 1e6),
    ];
    let b = bytes as f64;
    for (name, scale) in UNITS {
        if b >= scale {
            return format!("{:.1} {name}", b / scale);
        }
    }
    if bytes >= 1000 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

/// Parses a byte size: a whole number of bytes (`1000000`), or a number with a binary
/// unit suffix `K`, `M`, `G`, `T` (powers of 1024; `KB`/`KiB`, `GB`/`GiB`... are the
/// same, case-insensitive; decimals allowed, e.g. `1.5G`).
///
/// # Errors
/// [`Error::InvalidParameter`] naming `max-memory` for anything else, zero, or a size
/// beyond `u64`.
pub fn parse_bytes(s: &str) -> Result<u64> {
    let bad = |why: &str| {
        Error::param(
            "max-memory",
            format!("{why}, got `{s}`; give bytes or a size like 512M, 4G or 1.5T"),
        )
    };
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let shift = match unit.as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(bad("unknown unit")),
    };
    let x: f64 = num.parse().map_err(|_| bad("not a number"))?;
    let bytes = x * (1u64 << shift) as f64;
    if !(bytes.is_finite() && bytes >= 1.0) {
        return Err(bad("must be at least 1 byte"));
    }
    if bytes >= u64::MAX as f64 {
        return Err(bad("too large"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_bytes("1000").expect("bytes"), 1000);
        assert_eq!(parse_bytes("4G").expect("G"), 4 * 1024 * 1024 * 1024);
        assert_eq!(parse_bytes("4gib").expect("GiB"), 4 << 30);
        assert_eq!(parse_bytes("512M").expect("M"), 512 << 20);
        assert_eq!(parse_bytes("1.5K").expect("K"), 1536);
        assert_eq!(parse_bytes(" 2 T ").expect("T"), 2 << 40);
        for bad in ["", "G", "0", "-1G", "4Q", "1e30", "1.2.3M", "99999999999T"] {
            let e = parse_bytes(bad).expect_err(bad);
            assert!(e.to_string().contains("max-memory"), "{bad}: {e}");
        }
    }

    #[test]
    fn estimates_and_refusals() {
        assert_eq!(bytes_of::<f64>(&[3, 4]), Some(96));
        assert_eq!(bytes_of::<u32>(&[]), Some(4));
        assert_eq!(bytes_of::<f64>(&[usize::MAX, 2]), None);
        assert!(check_within(100, Some(100), "x", "y").is_ok());
        assert!(check_within(u64::MAX, None, "x", "y").is_ok());
        let e = check_within(
            4_000_000_000_000,
            Some(1 << 30),
            "gold confusion",
            "do less",
        )
        .expect_err("too large");
        let s = e.to_string();
        assert!(
            s.contains("gold confusion")
                && s.contains("4.0 TB")
                && s.contains("4000000000000 bytes")
                && s.contains("do less"),
            "{s}"
        );
        assert!(e.is_user_error());
        assert_eq!(format_bytes(999), "999 bytes");
        assert_eq!(format_bytes(16_600_000_000), "16.6 GB");
        assert_eq!(format_bytes(u64::MAX), "more than 18 EB");
    }

    #[test]
    fn reads_are_planned_from_the_budget() {
        let gb = 1_000_000_000u64;
        // 1e8 judgments: one pass needs 3 GB, within half of 24 GB
        assert_eq!(
            plan_within(100_000_000, true, Some(24 * gb), "m").ok(),
            Some(ReadPasses::One)
        );
        // 1e9: one pass (30 GB) is more than half of 24 GB, two passes (14 GB) fit
        assert_eq!(
            plan_within(gb, true, Some(24 * gb), "m").ok(),
            Some(ReadPasses::Two)
        );
        // a stream that cannot be read twice takes one pass while it fits at all
        assert_eq!(
            plan_within(gb / 2, false, Some(24 * gb), "m").ok(),
            Some(ReadPasses::One)
        );
        assert!(plan_within(gb, false, Some(24 * gb), "m").is_err());
        // no budget known: one pass
        assert_eq!(plan_within(gb, true, None, "m").ok(), Some(ReadPasses::One));
        // 2e9: nothing fits; the message gives the two-pass estimate and the budget
        let e = plan_within(2 * gb, true, Some(24 * gb), "the memory available")
            .expect_err("28 GB > 24 GB");
        let s = e.to_string();
        assert!(
            s.contains("28.0 GB") && s.contains("24.0 GB") && s.contains("reading the file twice"),
            "{s}"
        );
        assert!(e.is_user_error());
    }

    #[test]
    fn meminfo_is_read_in_kib() {
        let text = "MemTotal:       24000000 kB\nMemFree: 1 kB\nMemAvailable:   2000 kB\n";
        assert_eq!(parse_meminfo(text), Some(2_048_000));
        assert_eq!(parse_meminfo("MemTotal: 5 kB\n"), None);
        // on this machine (Linux) the kernel reports it
        if cfg!(target_os = "linux") {
            assert!(available().is_some_and(|a| a > 0));
        }
    }

    #[test]
    fn overflowed_estimates_never_fit_a_known_budget() {
        // an overflow is u64::MAX bytes: above any real limit or available memory
        if available().is_some() {
            assert!(!fits(None));
            let e = check(None, "a table", "shrink it").expect_err("overflow");
            assert!(e.to_string().contains("more than 18 EB"), "{e}");
        }
    }
}
