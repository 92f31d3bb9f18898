//! What a terminal program built on crowdqc needs around the library calls (feature
//! `terminal`; the `crowdqc` command uses all of it):
//!
//! - [`Bar`]: a [`Progress`](crate::core::progress::Progress) drawn as a progress bar with
//!   an estimate on stderr when stderr is a terminal, optionally only once an operation
//!   has run for a while;
//! - [`install_signal_handler`]: on SIGINT or SIGTERM, removes the output files crowdqc
//!   is still writing ([`abandon_writes`](crate::io::abandon_writes)), says so and exits
//!   with 128 + the signal;
//! - [`install_panic_hook`]: a panic becomes one line saying it is a bug (exit 1), stays
//!   silent while crowdqc-io contains a third-party decoder's panic
//!   ([`in_guarded_decode`](crate::io::in_guarded_decode)), and a closed stdout pipe
//!   exits quietly with 0.
//!
//! The hooks live here rather than in each program because they depend on the
//! library's own state: a program's own panic hook or signal handler must do the same
//! two calls into [`io`](crate::io), or corrupt inputs print panics and interrupted runs
//! leave half-written files. The libraries themselves never draw, install a hook or
//! exit; only a program calls these.
//!
//! ```no_run
//! use crowdqc::terminal::{Bar, install_panic_hook, install_signal_handler};
//!
//! install_panic_hook();
//! install_signal_handler();
//! let bar = Bar::stderr_after(std::time::Duration::from_secs(2));
//! let opts = crowdqc::core::IngestOptions::default();
//! let path = std::path::Path::new("judgments.parquet");
//! let m = crowdqc::io::read_judgments_with_progress(path, &opts, None, &bar)?;
//! # Ok::<(), crowdqc::Error>(())
//! ```

mod bar;
mod hooks;

pub use bar::Bar;
pub use hooks::{install_panic_hook, install_signal_handler};
