//! The command line's [`Progress`]: a bar with an estimate on stderr when stderr is a
//! terminal, nothing otherwise; Ctrl-C is handled by `common::install_signal_handler`
//! (the process removes unfinished outputs and exits), so [`Progress::interrupted`] is
//! never true here.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crowdqc::core::progress::Progress;

/// A progress bar drawn on stderr (8 redraws a second), or nothing when stderr is not a
/// terminal. Create one per long operation and pass `&bar` to the library call.
#[derive(Debug)]
pub struct Bar(Option<Shown>);

/// The bar, and when it becomes visible (quick operations never show one).
#[derive(Debug)]
struct Shown {
    bar: indicatif::ProgressBar,
    created: Instant,
    delay: Duration,
    visible: AtomicBool,
}

impl Bar {
    /// A bar for stderr, drawn from the start (hidden when stderr is not a terminal).
    pub fn stderr() -> Self {
        Self::stderr_after(Duration::ZERO)
    }

    /// A bar for stderr that appears only once the operation has run for `delay`.
    pub fn stderr_after(delay: Duration) -> Self {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let target = if delay.is_zero() {
            indicatif::ProgressDrawTarget::stderr_with_hz(8)
        } else {
            indicatif::ProgressDrawTarget::hidden()
        };
        Bar(Some(Shown {
            bar: indicatif::ProgressBar::with_draw_target(None, target),
            created: Instant::now(),
            delay,
            visible: AtomicBool::new(delay.is_zero()),
        }))
    }
}

impl Shown {
    /// The bar, made visible once its delay has passed.
    fn bar(&self) -> &indicatif::ProgressBar {
        if !self.visible.load(Ordering::Relaxed) && self.created.elapsed() >= self.delay {
            self.visible.store(true, Ordering::Relaxed);
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(8));
        }
        &self.bar
    }
}

impl Progress for Bar {
    fn start(&self, what: &str, total: Option<u64>) {
        let Some(shown) = &self.0 else { return };
        let bar = shown.bar();
        let template = if total.is_some() {
            "{msg} [{bar:30}] {human_pos}/{human_len} ({elapsed}, eta {eta})"
        } else {
            "{spinner} {msg} {human_pos} ({elapsed})"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar.set_position(0);
        match total {
            Some(t) => bar.set_length(t),
            None => {
                bar.unset_length();
                // nothing to count: keep the spinner and the clock moving
                bar.enable_steady_tick(std::time::Duration::from_millis(125));
            }
        }
    }

    fn advance(&self, n: u64) {
        if let Some(shown) = &self.0 {
            shown.bar().inc(n);
        }
    }

    fn finish(&self) {
        if let Some(shown) = &self.0 {
            shown.bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
