//! The shape of the output: how wide it may be, and what happens to text that is wider.
//!
//! In a terminal, output fits the window (at most `MAX_WIDTH` columns, so lines stay readable);
//! in a pipe or CI log it is `MAX_WIDTH` wide. Prose and compiler output are wrapped, never cut,
//! so a `help:` line at the end of a long diagnostic is always there to read. Only table cells
//! and diff lines are cut (`…`), and only in a terminal, where the table must fit the window.
use std::io::IsTerminal;

use textwrap::{Options, WordSplitter};

/// Output is never wider than this, even in a wider terminal.
pub const MAX_WIDTH: usize = 100;
/// A narrower terminal still gets this many columns: below it nothing would fit.
const MIN_WIDTH: usize = 40;

/// Where stdout goes, and how wide it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub width: usize,
    /// A person's terminal: cells may be cut to fit. In a pipe nothing is cut.
    pub terminal: bool,
}

impl Layout {
    /// The layout of stdout now (a terminal window may have been resized since the last call).
    pub fn stdout() -> Self {
        if !std::io::stdout().is_terminal() {
            return Self::pipe();
        }
        let columns = crossterm::terminal::size()
            .map(|(columns, _)| usize::from(columns))
            .unwrap_or(MAX_WIDTH);
        Self {
            width: columns.clamp(MIN_WIDTH, MAX_WIDTH),
            terminal: true,
        }
    }

    /// A pipe, a file or a CI log.
    pub const fn pipe() -> Self {
        Self {
            width: MAX_WIDTH,
            terminal: false,
        }
    }

    /// `text` word-wrapped: the first line starts with `first`, the others with `rest`. Words
    /// longer than a line are broken, never dropped; hyphens and paths are not split at `-`.
    pub fn wrap(&self, text: &str, first: &str, rest: &str) -> Vec<String> {
        let options = Options::new(self.width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .word_splitter(WordSplitter::NoHyphenation);
        textwrap::wrap(text, options)
            .into_iter()
            .map(|line| line.into_owned())
            .collect()
    }

    /// One line of preformatted text (a compiler diagnostic, a traceback) after `indent`. A line
    /// too long for the width goes on in lines indented two more than its own text.
    pub fn wrap_line(&self, line: &str, indent: &str) -> Vec<String> {
        let text = line.trim_start();
        let lead = &line[..line.len() - text.len()];
        if textwrap::core::display_width(line) + indent.len() <= self.width || text.is_empty() {
            return vec![format!("{indent}{}", line.trim_end())];
        }
        let first = format!("{indent}{lead}");
        self.wrap(text, &first, &format!("{first}  "))
    }

    /// A table column's width for `texts`: `columns` in a terminal, where longer cells are cut;
    /// in a pipe wide enough for the longest, so rows stay aligned with nothing cut.
    pub fn column<'a>(&self, texts: impl IntoIterator<Item = &'a str>, columns: usize) -> usize {
        if self.terminal {
            return columns;
        }
        texts
            .into_iter()
            .map(|text| text.chars().count())
            .fold(columns, usize::max)
    }

    /// A table cell: in a terminal at most `columns` wide (cut with `…`), whole in a pipe.
    pub fn cell(&self, text: &str, columns: usize) -> String {
        if !self.terminal || text.chars().count() <= columns {
            return text.to_string();
        }
        let mut taken: String = text.chars().take(columns.saturating_sub(1)).collect();
        taken.push('…');
        taken
    }
}

/// The width of stdout's output (see `Layout::stdout`).
pub fn width() -> usize {
    Layout::stdout().width
}

/// Word-wrap `text` to `columns` columns.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    Layout {
        width: columns,
        terminal: false,
    }
    .wrap(text, "", "")
}

/// A fresh screen: cursor home, everything cleared. Written past anstream, which would strip
/// it with colours off: clearing is not colour.
pub fn clear_screen() {
    use crossterm::cursor::MoveTo;
    use crossterm::terminal::{Clear, ClearType};
    let _ = crossterm::execute!(std::io::stdout(), MoveTo(0, 0), Clear(ClearType::All));
}

#[cfg(test)]
mod tests {
    use super::*;

    const NARROW: Layout = Layout {
        width: 20,
        terminal: false,
    };

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let lines = wrap("a bb ccc dddd eeeee ffffff", 10);
        assert!(
            lines.iter().all(|line| line.chars().count() <= 10),
            "{lines:?}"
        );
        assert_eq!(lines.join(" "), "a bb ccc dddd eeeee ffffff");
    }

    #[test]
    fn a_long_line_is_wrapped_under_its_own_text_not_cut() {
        let lines = NARROW.wrap_line("   = help: implement __traverse__", "  ");
        assert_eq!(
            lines,
            ["     = help:", "       implement", "       __traverse__"]
        );
        assert_eq!(NARROW.wrap_line("  | x  y", "  "), ["    | x  y"]);
    }

    #[test]
    fn words_longer_than_a_line_are_broken_not_dropped() {
        let lines = NARROW.wrap(&"x".repeat(30), "", "");
        assert_eq!(lines.concat(), "x".repeat(30));
        let path = NARROW.wrap("see exercises/03-todo/src", "", "");
        assert_eq!(path, ["see", "exercises/03-todo/sr", "c"]);
    }

    #[test]
    fn cells_are_cut_only_in_a_terminal() {
        let terminal = Layout {
            width: 100,
            terminal: true,
        };
        assert_eq!(terminal.cell("abcdef", 4), "abc…");
        assert_eq!(terminal.cell("abc", 4), "abc");
        assert_eq!(Layout::pipe().cell("abcdef", 4), "abcdef");
        assert_eq!(terminal.column(["abcdef"], 4), 4);
        assert_eq!(Layout::pipe().column(["abcdef", "ab"], 4), 6);
        assert_eq!(Layout::pipe().column(["ab"], 4), 4);
    }
}
