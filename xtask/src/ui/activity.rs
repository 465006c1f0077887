//! Signs of life while something takes time: a spinner for one step, a bar for many. Both draw on
//! stderr, and indicatif hides them when stderr is not a terminal.
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// `⠙ checking exercise-3 lru 4s`
pub fn spinner(message: String) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
    );
    spinner.set_message(message);
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}

/// `[███▓░░░] 3/8 building exercise-4 4s`, for `length` steps.
pub fn progress_bar(length: u64) -> ProgressBar {
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg} {elapsed}")
            .expect("valid template")
            .progress_chars("█▓░"),
    );
    bar
}
