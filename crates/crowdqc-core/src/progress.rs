//! Progress reporting and cooperative interruption for long operations.
//!
//! Long library operations (EM fits, MACE restarts, bootstraps, policy simulations,
//! ingest of large inputs) take a `&dyn Progress`. They call [`Progress::start`] once
//! with what they are about to do, [`Progress::advance`] as units complete (iterations,
//! replicates, runs, rows), and check [`Progress::interrupted`] at safe points (between
//! iterations or replicates, never inside a hot loop over judgments); when it returns
//! `true` they stop and return [`Error::Interrupted`].
//!
//! Front ends implement it: the CLI draws a progress bar on a terminal, the Python
//! package sets an interrupt flag when the user presses Ctrl-C. Libraries never draw
//! anything themselves. [`NoProgress`] is the silent, never-interrupted default, and
//! [`InterruptFlag`] is a ready-made implementation over an atomic flag.
//!
//! ```
//! use crowdqc_core::progress::{InterruptFlag, Progress};
//!
//! let flag = InterruptFlag::new();
//! let handle = flag.handle(); // give this to a signal handler or another thread
//! assert!(!flag.interrupted());
//! handle.store(true, std::sync::atomic::Ordering::Relaxed);
//! assert!(flag.interrupted());
//! assert!(flag.check().is_err()); // Error::Interrupted
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// Receives progress from a long operation and may ask it to stop.
///
/// Every method has a no-op default, so an implementation overrides only what it
/// needs. Implementations must be cheap: `advance` and `interrupted` may be called
/// once per iteration or replicate.
pub trait Progress: Send + Sync {
    /// The operation starts: `what` names it (`"dawid-skene"`, `"bootstrap"`, ...),
    /// `total` is the number of units it expects, if known (for iterative fits, the
    /// iteration limit).
    fn start(&self, what: &str, total: Option<u64>) {
        let _ = (what, total);
    }

    /// `n` more units are done.
    fn advance(&self, n: u64) {
        let _ = n;
    }

    /// The operation has finished (successfully or not).
    fn finish(&self) {}

    /// Whether the caller wants the operation to stop at the next safe point.
    fn interrupted(&self) -> bool {
        false
    }

    /// `Err(Error::Interrupted)` when [`interrupted`](Progress::interrupted) is true:
    /// the one-line check operations call at their safe points.
    ///
    /// # Errors
    /// [`Error::Interrupted`] when the caller asked to stop.
    fn check(&self) -> Result<()> {
        if self.interrupted() {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// Reports nothing and never interrupts: the default for library calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A [`Progress`] that reports nothing and stops when its shared flag is set (from a
/// signal handler, a watchdog thread or another language's runtime).
#[derive(Debug, Clone, Default)]
pub struct InterruptFlag {
    flag: Arc<AtomicBool>,
}

impl InterruptFlag {
    /// A new, unset flag.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared flag: storing `true` interrupts the operation at its next safe point.
    pub fn handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.flag)
    }
}

impl Progress for InterruptFlag {
    fn interrupted(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_progress_never_interrupts() {
        let p = NoProgress;
        p.start("x", Some(3));
        p.advance(1);
        p.finish();
        assert!(p.check().is_ok());
    }

    #[test]
    fn flag_interrupts_once_set() {
        let f = InterruptFlag::new();
        assert!(f.check().is_ok());
        f.handle().store(true, Ordering::Relaxed);
        assert!(matches!(f.check(), Err(Error::Interrupted)));
    }
}
