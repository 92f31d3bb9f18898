//! The command line's [`Progress`]: a bar with an estimate on stderr when it is a terminal
//! (Ctrl-C is handled by `common::install_signal_handler`, never by the libraries).

use std::io::IsTerminal;
use std::sync::Once;
use std::time::{Duration, Instant};

use crowdqc::core::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr (8 redraws a second), or nothing when it is not a terminal.
#[derive(Debug)]
pub struct Bar(Option<Shown>);

/// The bar, hidden until `at` (quick operations never show one).
#[derive(Debug)]
struct Shown {
    bar: ProgressBar,
    at: Instant,
    visible: Once,
}

impl Bar {
    /// A bar for stderr, drawn from the start (hidden when stderr is not a terminal).
    pub fn stderr() -> Self {
        Self::stderr_after(Duration::ZERO)
    }

    /// A bar for stderr that appears only once the operation has run for `delay`.
    pub fn stderr_after(delay: Duration) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let at = Instant::now() + delay;
        let shown = std::io::stderr().is_terminal().then(|| Shown {
            bar,
            at,
            visible: Once::new(),
        });
        Bar(shown)
    }

    /// The bar, made visible once its delay has passed.
    fn bar(&self) -> Option<&ProgressBar> {
        let s = self.0.as_ref()?;
        if Instant::now() >= s.at {
            let draw = || s.bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(8));
            s.visible.call_once(draw);
        }
        Some(&s.bar)
    }
}

impl Progress for Bar {
    fn start(&self, what: &str, total: Option<u64>) {
        let Some(bar) = self.bar() else { return };
        let template = if total.is_some() {
            "{msg} [{bar:30}] {human_pos}/{human_len} ({elapsed}, eta {eta})"
        } else {
            "{spinner} {msg} {human_pos} ({elapsed})"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar.set_position(0);
        match total {
            Some(t) => bar.set_length(t),
            None => {
                bar.unset_length();
                // nothing to count: keep the spinner and the clock moving
                bar.enable_steady_tick(Duration::from_millis(125));
            }
        }
    }

    fn advance(&self, n: u64) {
        if let Some(b) = self.bar() {
            b.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(s) = &self.0 {
            s.bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
