//! Unified diffs, drawn one way for the whole command line: a failed `==` assertion (expected
//! against actual) and `cargo xtask solution` (yours against the reference).
//!
//! Hunks keep three lines of context; changed characters inside a changed line are emphasised
//! (in colour only). A line wider than the output is cut with `…` in a terminal, where the diff
//! must stay one row per line, and broken into rows in a pipe, each row signed like its line.
use anstyle::Style;
use similar::{ChangeTag, TextDiff};

use super::style::{ADDED, EMPHASIS, HUNK, REMOVED, paint};
use super::terminal::Layout;

/// Context lines kept around each change; everything further away is elided.
const CONTEXT: usize = 3;
/// A diff line keeps at least this many columns however deep its indent.
const MIN_ROOM: usize = 8;

pub struct Options<'a> {
    /// Printed before every line.
    pub indent: &'a str,
    pub layout: Layout,
    /// At most this many rows (hunk headers included); the rest are counted in `hidden`.
    pub max_rows: Option<usize>,
}

/// A drawn diff and what it counted.
#[derive(Debug, Default)]
pub struct Drawn {
    pub text: String,
    /// Lines only in the old text, and only in the new.
    pub removed: usize,
    pub added: usize,
    /// Rows left out past `max_rows`.
    pub hidden: usize,
}

impl Drawn {
    /// The two texts are the same, line for line.
    pub fn unchanged(&self) -> bool {
        self.removed == 0 && self.added == 0
    }
}

/// The `--- old` and `+++ new` lines that name the two sides.
pub fn header(old: &str, new: &str, indent: &str) -> String {
    format!(
        "{indent}{}\n{indent}{}\n",
        paint(REMOVED.bold(), &format!("--- {old}")),
        paint(ADDED.bold(), &format!("+++ {new}")),
    )
}

/// The hunks that turn `old` into `new`, each headed `@@ -a,b +c,d @@`.
pub fn hunks(old: &str, new: &str, options: &Options<'_>) -> Drawn {
    let diff = TextDiff::from_lines(old, new);
    let mut drawn = Drawn::default();
    let mut shown = 0;
    let mut push = |drawn: &mut Drawn, row: String| match options.max_rows {
        Some(max) if shown >= max => drawn.hidden += 1,
        _ => {
            drawn.text.push_str(options.indent);
            drawn.text.push_str(&row);
            drawn.text.push('\n');
            shown += 1;
        }
    };
    let indent = options.indent.chars().count();
    // The sign, and in a terminal the `…` of a cut line.
    let margin = if options.layout.terminal { 2 } else { 1 };
    let room = options
        .layout
        .width
        .saturating_sub(indent + margin)
        .max(MIN_ROOM);
    for group in diff.grouped_ops(CONTEXT) {
        let (first, last) = (
            group.first().expect("non-empty group"),
            group.last().expect("non-empty group"),
        );
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        let header = format!(
            "@@ -{} +{} @@",
            hunk_range(old_range.start, old_range.len()),
            hunk_range(new_range.start, new_range.len())
        );
        push(&mut drawn, paint(HUNK, &header));
        for op in &group {
            for change in diff.iter_inline_changes(op) {
                let (sign, style) = match change.tag() {
                    ChangeTag::Delete => {
                        drawn.removed += 1;
                        ('-', REMOVED)
                    }
                    ChangeTag::Insert => {
                        drawn.added += 1;
                        ('+', ADDED)
                    }
                    ChangeTag::Equal => (' ', Style::new()),
                };
                let pieces: Vec<(bool, String)> = change
                    .iter_strings_lossy()
                    .map(|(emphasised, piece)| {
                        let piece = piece.trim_end_matches(['\n', '\r']).replace('\t', "    ");
                        (emphasised, piece)
                    })
                    .collect();
                for row in rows(style, &pieces, room, options.layout.terminal) {
                    push(
                        &mut drawn,
                        format!("{}{row}", paint(style, &sign.to_string())),
                    );
                }
            }
        }
    }
    drawn
}

/// A hunk header's line range as `diff -u` writes it: `3,4`, `3` for one line, `2,0` for none.
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

/// One diff line as rows of at most `room` characters: cut with `…` when `cut`, else broken.
fn rows(style: Style, pieces: &[(bool, String)], room: usize, cut: bool) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut used = 0;
    for (emphasised, piece) in pieces {
        let piece_style = if *emphasised {
            style.effects(EMPHASIS)
        } else {
            style
        };
        let mut rest = piece.as_str();
        while !rest.is_empty() {
            if used == room {
                if cut {
                    row.push('…');
                    rows.push(row);
                    return rows;
                }
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            let end = rest
                .char_indices()
                .nth(room - used)
                .map_or(rest.len(), |(index, _)| index);
            row.push_str(&paint(piece_style, &rest[..end]));
            used += rest[..end].chars().count();
            rest = &rest[end..];
        }
    }
    rows.push(row);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }

    fn draw(old: &str, new: &str, indent: &str, layout: Layout) -> String {
        let options = Options {
            indent,
            layout,
            max_rows: None,
        };
        hunks(old, new, &options).text
    }

    const TERMINAL: Layout = Layout {
        width: 100,
        terminal: true,
    };

    #[test]
    fn a_wrong_line_is_shown_removed_and_added_with_context() {
        let drawn = hunks(
            "Supercalif\nragilistic\nis a long\nword",
            "Supercalif\nragilisti\nc is a\nword",
            &Options {
                indent: "  ",
                layout: Layout::pipe(),
                max_rows: None,
            },
        );
        let diff = strip(&drawn.text);
        assert!(diff.contains("@@ -1,4 +1,4 @@"), "{diff}");
        assert!(diff.contains("   Supercalif\n"), "{diff}");
        assert!(
            diff.contains("  -ragilistic\n  -is a long\n  +ragilisti\n  +c is a\n"),
            "{diff}"
        );
        assert_eq!((drawn.removed, drawn.added), (2, 2));
    }

    #[test]
    fn changed_characters_are_emphasised_in_colour() {
        let painted = draw("the colour is red", "the color is red", "", Layout::pipe());
        let bold_red = REMOVED.effects(EMPHASIS);
        assert!(painted.contains(&format!("{bold_red}")), "{painted:?}");
        assert!(
            strip(&painted).contains("-the colour is red\n+the color is red\n"),
            "{painted}"
        );
    }

    #[test]
    fn far_apart_changes_are_elided_between_hunks() {
        let old: Vec<String> = (0..100).map(|n| format!("{n},")).collect();
        let mut new = old.clone();
        new[5] = "five,".into();
        new[90] = "ninety,".into();
        let diff = strip(&draw(&old.join("\n"), &new.join("\n"), "", Layout::pipe()));
        assert_eq!(diff.matches("@@").count(), 4, "{diff}");
        assert!(!diff.contains(" 50,"), "{diff}");
        assert!(diff.contains("@@ -3,7 +3,7 @@"), "{diff}");
    }

    #[test]
    fn hunk_ranges_are_written_as_diff_does() {
        let diff = strip(&draw("a\n", "b\n", "", Layout::pipe()));
        assert!(diff.starts_with("@@ -1 +1 @@\n-a\n+b\n"), "{diff}");
        let diff = strip(&draw("", "b\n", "", Layout::pipe()));
        assert!(diff.starts_with("@@ -0,0 +1 @@\n+b\n"), "{diff}");
    }

    #[test]
    fn long_lines_are_cut_to_the_width_in_a_terminal() {
        let diff = strip(&draw(&"a".repeat(300), &"b".repeat(300), "    ", TERMINAL));
        assert!(
            diff.lines().all(|line| line.chars().count() <= 100),
            "{diff}"
        );
        assert!(diff.contains('…'));
    }

    #[test]
    fn long_lines_are_broken_into_signed_rows_in_a_pipe() {
        let diff = strip(&draw(
            &"a".repeat(300),
            &"b".repeat(300),
            "    ",
            Layout::pipe(),
        ));
        assert!(
            diff.lines().all(|line| line.chars().count() <= 100),
            "{diff}"
        );
        assert!(!diff.contains('…'), "{diff}");
        let removed: String = diff
            .lines()
            .filter_map(|line| line.strip_prefix("    -"))
            .collect();
        assert_eq!(removed, "a".repeat(300));
        assert_eq!(
            diff.lines()
                .filter(|line| line.starts_with("    +"))
                .count(),
            4
        );
    }

    #[test]
    fn rows_past_the_limit_are_counted_not_drawn() {
        let old: String = (0..50).map(|n| format!("{n}\n")).collect();
        let drawn = hunks(
            &old,
            "",
            &Options {
                indent: "",
                layout: Layout::pipe(),
                max_rows: Some(40),
            },
        );
        assert_eq!(drawn.text.lines().count(), 40);
        assert_eq!(drawn.hidden, 11);
        assert_eq!(drawn.removed, 50);
    }

    #[test]
    fn the_header_names_both_sides() {
        assert_eq!(
            strip(&header("x (yours)", "y (reference)", "  ")),
            "  --- x (yours)\n  +++ y (reference)\n"
        );
    }
}
