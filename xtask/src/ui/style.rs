//! Colours and emphasis: every style the command line uses, and `paint` to apply one.
//!
//! Styles are written as ANSI codes into the text; print it through `anstream`, which drops them
//! for NO_COLOR, pipes and `--color never`.
use anstyle::{AnsiColor, Effects, Style};

use grader::Status;

pub const GOOD: Style = AnsiColor::Green.on_default().bold();
pub const BAD: Style = AnsiColor::Red.on_default().bold();
pub const NEUTRAL: Style = AnsiColor::Yellow.on_default().bold();
pub const DIM: Style = Style::new().dimmed();
pub const BOLD: Style = Style::new().bold();
/// The filled part of a progress bar.
pub const FILLED: Style = AnsiColor::Green.on_default();

/// Diff lines: removed, added, hunk headers; changed characters inside a changed line.
pub const REMOVED: Style = AnsiColor::Red.on_default();
pub const ADDED: Style = AnsiColor::Green.on_default();
pub const HUNK: Style = AnsiColor::Cyan.on_default();
pub const EMPHASIS: Effects = Effects::BOLD.insert(Effects::UNDERLINE);

/// `text` in `style`; plain when either is empty, so no stray codes surround nothing.
pub fn paint(style: Style, text: &str) -> String {
    if text.is_empty() || style == Style::new() {
        return text.to_string();
    }
    format!("{style}{text}{style:#}")
}

pub fn status_style(status: Status) -> Style {
    match status {
        Status::Passed => GOOD,
        Status::NotStarted => NEUTRAL,
        _ => BAD,
    }
}
