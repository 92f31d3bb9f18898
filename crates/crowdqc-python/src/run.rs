//! Running a long computation with the GIL released and Ctrl-C honoured.

use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use crowdqc_core::progress::{InterruptFlag, Progress};
use pyo3::panic::PanicException;
use pyo3::prelude::*;

use crate::errors::to_py;

/// How often the calling thread checks for signals while the work runs.
const POLL: Duration = Duration::from_millis(50);

/// Runs `work` on a scoped worker thread with the GIL released. Every [`POLL`] the
/// calling thread re-acquires the GIL and calls `check_signals`; when that raises
/// (Ctrl-C → `KeyboardInterrupt`) the interrupt flag is set, the work stops at its next
/// safe point and the Python exception is returned. A panic in `work` becomes a
/// `PanicException` carrying the panic message.
pub(crate) fn interruptible<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&dyn Progress) -> crowdqc_core::Result<T> + Send,
{
    let flag = InterruptFlag::new();
    let handle = flag.handle();
    std::thread::scope(|s| {
        let (tx, rx) = channel::<()>();
        // a Receiver is Send but not Sync; the detached closure borrows it
        let rx = Mutex::new(rx);
        let worker = s.spawn(move || {
            let out = work(&flag);
            // the receiver may be gone only if the caller unwound; nothing to report
            let _ = tx.send(());
            out
        });
        let mut pending: Option<PyErr> = None;
        loop {
            match py.detach(|| match rx.lock() {
                Ok(r) => r.recv_timeout(POLL),
                Err(_) => Err(RecvTimeoutError::Disconnected),
            }) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    if pending.is_none()
                        && let Err(e) = py.check_signals()
                    {
                        handle.store(true, Ordering::Relaxed);
                        pending = Some(e);
                    }
                }
            }
        }
        let joined = py.detach(|| worker.join());
        match joined {
            Ok(result) => match (pending, result) {
                (Some(e), Err(_)) => Err(e),
                (Some(e), Ok(_)) => Err(e),
                (None, r) => r.map_err(to_py),
            },
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a Rust panic with no message".into());
                Err(PanicException::new_err(format!(
                    "crowdqc panicked (a bug; please report it): {msg}"
                )))
            }
        }
    })
}
