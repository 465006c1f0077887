//! The presentation layer: colours, widths, verdict text, diffs, tables, watch mode's screens and
//! keys, in one place. Commands gather the data and print what `ui` makes of it.
//!
//! ```text
//! style     colours, `paint`, the style of each status
//! terminal  the output's width; wrapping (never cutting) long lines; clearing the screen
//! verdict   a verdict as text: headline, failures with diffs, leaks, speed, crashes, build errors
//! diff      unified diffs: expected against actual, yours against the reference
//! tables    `list`, `grade-all` and `verify` rows, the status screen
//! watch     watch mode's screens and messages
//! activity  spinners and progress bars, driven by the grading engine's events
//! feedback  a student's feedback/<id>.md after a roster is graded
//! keys      single key presses in raw mode
//! scaffold  `new`: what was generated, the module's problems, what to do next
//! export    `export`'s summary, and what a copy without solutions says
//! sealed    sealed checks: parts, points, disagreements (call and both answers), the seed
//! ```
//! Colours follow `--color` and NO_COLOR: text is printed through `anstream`, which drops them.
pub mod diff;
pub mod export;
pub mod feedback;
pub mod keys;
pub mod scaffold;
pub mod sealed;
pub mod shards;
pub mod tables;
pub mod verdict;
pub mod watch;

mod activity;
mod style;
mod terminal;

pub use activity::{Activity, RosterActivity, WorkerActivity, progress_bar, spinner};
pub use style::{BOLD, paint};
pub use terminal::{Layout, clear_screen, width, wrap};
pub use verdict::TextOptions;

/// An error of the grader or of the user's command line, on stderr.
pub fn error(message: &str) {
    anstream::eprintln!("{}: {message}", paint(style::BAD, "error"));
}

/// Something the learner should know that changes nothing (a damaged progress file), on stderr.
pub fn note(message: &str) {
    anstream::eprintln!("note: {message}");
}
