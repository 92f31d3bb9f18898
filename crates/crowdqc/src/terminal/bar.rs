//! [`Bar`]: progress on stderr when it is a terminal.

use std::fmt;
use std::io::IsTerminal;
use std::sync::Once;
use std::time::{Duration, Instant};

use crowdqc_core::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr (8 redraws a second), or nothing when stderr is not a
/// terminal. Counted operations show `what [====>   ] done/total (elapsed, eta …)`,
/// others a spinner with the count. Dropping the bar clears it.
pub struct Bar(Option<Shown>);

/// The bar, hidden until `at` (quick operations never show one).
struct Shown {
    bar: ProgressBar,
    at: Instant,
    visible: Once,
    /// Where the bar is drawn once `at` has passed.
    target: Box<dyn Fn() -> ProgressDrawTarget + Send + Sync>,
}

impl fmt::Debug for Bar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.0.as_ref().map(|s| s.at);
        f.debug_struct("Bar").field("shown_from", &at).finish()
    }
}

impl Bar {
    /// A bar for stderr, drawn from the start (hidden when stderr is not a terminal).
    pub fn stderr() -> Self {
        Self::stderr_after(Duration::ZERO)
    }

    /// A bar for stderr that appears only once the operation has run for `delay`.
    pub fn stderr_after(delay: Duration) -> Self {
        let terminal = std::io::stderr().is_terminal();
        Self::drawn_on(terminal, delay, || ProgressDrawTarget::stderr_with_hz(8))
    }

    /// A bar drawn on `target()` once `delay` has passed, when `shown`.
    fn drawn_on(
        shown: bool,
        delay: Duration,
        target: impl Fn() -> ProgressDrawTarget + Send + Sync + 'static,
    ) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let at = Instant::now() + delay;
        let shown = shown.then(|| Shown {
            bar,
            at,
            visible: Once::new(),
            target: Box::new(target),
        });
        Bar(shown)
    }

    /// The bar, made visible once its delay has passed.
    fn bar(&self) -> Option<&ProgressBar> {
        let s = self.0.as_ref()?;
        if Instant::now() >= s.at {
            let draw = || s.bar.set_draw_target((s.target)());
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

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use indicatif::TermLike;

    use super::*;

    /// A terminal that records what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl Screen {
        fn log(&self, what: String) -> io::Result<()> {
            self.0.lock().expect("screen").push(what);
            Ok(())
        }

        fn lines(&self) -> Vec<String> {
            self.0.lock().expect("screen").clone()
        }

        fn bar(&self, shown: bool, delay: Duration) -> Bar {
            let screen = self.clone();
            Bar::drawn_on(shown, delay, move || {
                ProgressDrawTarget::term_like_with_hz(Box::new(screen.clone()), 100)
            })
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, n: usize) -> io::Result<()> {
            self.log(format!("<up {n}>"))
        }
        fn move_cursor_down(&self, n: usize) -> io::Result<()> {
            self.log(format!("<down {n}>"))
        }
        fn move_cursor_right(&self, n: usize) -> io::Result<()> {
            self.log(format!("<right {n}>"))
        }
        fn move_cursor_left(&self, n: usize) -> io::Result<()> {
            self.log(format!("<left {n}>"))
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.log(s.to_string())
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.log(s.to_string())
        }
        fn clear_line(&self) -> io::Result<()> {
            self.log("<clear>".into())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    fn run(bar: &Bar) {
        bar.start("bootstrap", Some(10));
        bar.advance(3);
    }

    #[test]
    fn a_shown_bar_draws_what_and_the_count_then_clears() {
        let screen = Screen::default();
        let bar = screen.bar(true, Duration::ZERO);
        run(&bar);
        let drawn = screen.lines();
        assert!(
            drawn
                .iter()
                .any(|l| l.starts_with("bootstrap [=========>") && l.contains(" 3/10 (")),
            "{drawn:?}"
        );
        drop(bar);
        let after = screen.lines();
        assert!(after.len() > drawn.len(), "{after:?}");
        assert!(
            after[drawn.len()..].contains(&"<clear>".to_string()),
            "{after:?}"
        );
    }

    #[test]
    fn an_uncounted_operation_shows_a_spinner_and_the_count() {
        let screen = Screen::default();
        let bar = screen.bar(true, Duration::ZERO);
        bar.start("reading", None);
        bar.advance(5);
        // the steady tick (every 125 ms) redraws the count
        let drawn = |screen: &Screen| screen.lines().iter().any(|l| l.contains(" reading 5 ("));
        let t0 = Instant::now();
        while !drawn(&screen) && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        bar.finish();
        assert!(drawn(&screen), "{:?}", screen.lines());
    }

    #[test]
    fn nothing_is_drawn_before_the_delay() {
        let screen = Screen::default();
        let bar = screen.bar(true, Duration::from_secs(3600));
        run(&bar);
        drop(bar);
        assert_eq!(screen.lines(), Vec::<String>::new());
    }

    #[test]
    fn nothing_is_drawn_off_a_terminal() {
        let screen = Screen::default();
        let bar = screen.bar(false, Duration::ZERO);
        run(&bar);
        drop(bar);
        assert_eq!(screen.lines(), Vec::<String>::new());
    }
}
