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

/// The result of the worker thread: the work's result, or the panic message.
type Outcome<T> = Result<crowdqc_core::Result<T>, String>;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a Rust panic with no message".into())
}

/// Runs `work` on a worker thread with the GIL released. Every [`POLL`] the calling
/// thread re-acquires the GIL and calls `check_signals`; when that raises (Ctrl-C →
/// `KeyboardInterrupt`) the interrupt flag is set, so the work stops at its next safe
/// point, and the Python exception is returned at once, without waiting for the
/// worker (which owns everything it uses and discards its result). A panic in `work`
/// becomes a `PanicException` carrying the panic message.
pub(crate) fn interruptible<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Progress) -> crowdqc_core::Result<T> + Send + 'static,
{
    let flag = InterruptFlag::new();
    let handle = flag.handle();
    let (tx, rx) = channel::<Outcome<T>>();
    std::thread::Builder::new()
        .name("crowdqc-fit".into())
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&flag)))
                .map_err(|p| panic_message(p.as_ref()));
            // the receiver is gone only when the caller was interrupted: drop the result
            let _ = tx.send(out);
        })
        .map_err(|e| PanicException::new_err(format!("cannot start a fit thread: {e}")))?;
    // a Receiver is Send but not Sync; the detached closure borrows it
    let rx = Mutex::new(rx);
    loop {
        let got = py.detach(|| match rx.lock() {
            Ok(r) => r.recv_timeout(POLL),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        });
        match got {
            Ok(Ok(result)) => return result.map_err(to_py),
            Ok(Err(msg)) => {
                return Err(PanicException::new_err(format!(
                    "crowdqc panicked (a bug; please report it): {msg}"
                )));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PanicException::new_err(
                    "crowdqc's fit thread ended without a result",
                ));
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    handle.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
    }
}
