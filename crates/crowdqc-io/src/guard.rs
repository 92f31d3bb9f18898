//! Containment of panics in third-party decoders: a corrupt file must give an `Err`,
//! never a crash. (arrow-ipc, for one, panics on some malformed buffers.)

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crowdqc_core::{Error, Result};

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// True while the current thread is inside a decoder call that crowdqc-io guards: a
/// panic there is caught and turned into an error. A process-wide panic hook (such as
/// the `crowdqc` command's) should stay silent and return when this is true.
pub fn in_guarded_decode() -> bool {
    DEPTH.with(Cell::get) > 0
}

/// Runs `f`, turning a panic inside it into [`Error::Parse`] about a corrupt `kind` file.
pub(crate) fn guarded<T>(kind: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let r = catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    r.unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::Parse {
            line: None,
            message: format!(
                "invalid, corrupt or truncated {kind} file: the decoder failed: {msg}"
            ),
        })
    })
}
