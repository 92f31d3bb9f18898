//! The signal handler and the panic hook of a terminal program.

use std::any::Any;
use std::io::Write;
use std::panic::Location;

/// On SIGINT or SIGTERM (from a second thread): removes unfinished outputs, says so on
/// stderr and exits with 128 + the signal (130, 143), as a shell reports a process
/// killed by it. If the handler cannot be registered, the default handlers stay (the
/// process still ends on a signal, without the clean-up).
pub fn install_signal_handler() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // the default handlers stay: the process still ends on a signal
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let removed = crowdqc_io::abandon_writes();
                let _ = writeln!(std::io::stderr(), "{}", interrupted_line(sig, removed));
                std::process::exit(128 + sig);
            }
        });
    drop(spawned);
}

/// The line printed when signal `sig` (SIGINT or SIGTERM) ends the run, having
/// removed `removed` unfinished output files.
fn interrupted_line(sig: i32, removed: usize) -> String {
    let name = if sig == signal_hook::consts::SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    };
    let note = if removed > 0 {
        format!("; removed {removed} unfinished output file(s)")
    } else {
        String::new()
    };
    format!("interrupted by {name}{note}")
}

/// Replaces Rust's panic output with one line on stderr saying this is a bug in
/// crowdqc, and exit code 1; a panic from printing to a closed stdout pipe
/// (`crowdqc … | head`) exits quietly with 0; a panic that crowdqc-io contains (a
/// third-party decoder on a corrupt file) prints nothing.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let guarded = crowdqc_io::in_guarded_decode();
        match on_panic(guarded, info.payload(), info.location()) {
            OnPanic::Contained => {}
            OnPanic::ClosedStdout => std::process::exit(0),
            OnPanic::Bug(line) => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
                std::process::exit(1);
            }
        }
    }));
}

/// What the panic hook does with a panic.
#[derive(Debug, PartialEq, Eq)]
enum OnPanic {
    /// crowdqc-io catches it and reports the file as invalid: say nothing.
    Contained,
    /// Printing to a closed stdout pipe: exit 0 quietly.
    ClosedStdout,
    /// A bug: print this line and exit 1.
    Bug(String),
}

/// How the hook handles a panic with `payload` at `location` (`guarded`: inside a
/// decode that crowdqc-io contains).
fn on_panic(guarded: bool, payload: &dyn Any, location: Option<&Location<'_>>) -> OnPanic {
    if guarded {
        // a third-party decoder choked on a corrupt file: crowdqc-io catches this
        // and reports the file as invalid
        return OnPanic::Contained;
    }
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
        return OnPanic::ClosedStdout;
    }
    let location = location
        .map(|l| format!(" ({}:{})", l.file(), l.line()))
        .unwrap_or_default();
    OnPanic::Bug(format!(
        "error: internal error: {msg}{location}; this is a bug in crowdqc, please report it"
    ))
}

#[cfg(test)]
mod tests {
    use signal_hook::consts::{SIGINT, SIGTERM};

    use super::*;

    #[test]
    fn a_signal_names_itself_and_the_files_removed() {
        assert_eq!(interrupted_line(SIGINT, 0), "interrupted by SIGINT");
        assert_eq!(
            interrupted_line(SIGTERM, 2),
            "interrupted by SIGTERM; removed 2 unfinished output file(s)"
        );
        // the exit codes a shell reports for these signals
        assert_eq!((128 + SIGINT, 128 + SIGTERM), (130, 143));
    }

    #[test]
    fn a_panic_is_one_line_naming_message_and_place() {
        let here = Location::caller();
        let expected = format!(
            "error: internal error: boom ({}:{}); this is a bug in crowdqc, please report it",
            here.file(),
            here.line()
        );
        assert_eq!(on_panic(false, &"boom", Some(here)), OnPanic::Bug(expected));
        let owned: Box<dyn Any> = Box::new(String::from("owned"));
        let OnPanic::Bug(line) = on_panic(false, owned.as_ref(), None) else {
            panic!("a String payload is a bug report");
        };
        assert!(
            line.starts_with("error: internal error: owned; this is a bug"),
            "{line}"
        );
        let OnPanic::Bug(line) = on_panic(false, &42_u8, None) else {
            panic!("any payload is a bug report");
        };
        assert!(line.contains("internal error: unknown panic;"), "{line}");
    }

    #[test]
    fn a_closed_stdout_is_quiet_and_a_contained_decode_is_silent() {
        // the message std's print! panics with when stdout is a closed pipe
        let msg = String::from("failed printing to stdout: Broken pipe (os error 32)");
        assert_eq!(on_panic(false, &msg, None), OnPanic::ClosedStdout);
        // either part alone is a bug
        let other = String::from("failed printing to stdout: disk full");
        assert!(matches!(on_panic(false, &other, None), OnPanic::Bug(_)));
        assert_eq!(on_panic(true, &"boom", None), OnPanic::Contained);
    }
}
