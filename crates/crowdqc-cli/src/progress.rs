//! The command line's [`Progress`]: a bar with an estimate on stderr when stderr is a
//! terminal, nothing otherwise; Ctrl-C is left to the default handler (the process
//! exits), so [`Progress::interrupted`] is never true here.

use std::io::IsTerminal;

use crowdqc::core::progress::Progress;

/// A progress bar drawn on stderr (8 redraws a second), or nothing when stderr is not a
/// terminal. Create one per long operation and pass `&bar` to the library call.
#[derive(Debug)]
pub struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    /// A bar for stderr (hidden when stderr is not a terminal).
    pub fn stderr() -> Self {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            None,
            indicatif::ProgressDrawTarget::stderr_with_hz(8),
        );
        Bar(Some(bar))
    }
}

impl Progress for Bar {
    fn start(&self, what: &str, total: Option<u64>) {
        let Some(bar) = &self.0 else { return };
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
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
