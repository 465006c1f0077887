//! Expected-vs-actual diffs for failed `==` assertions, drawn with `similar`.
use anstyle::{AnsiColor, Effects, Style};
use similar::{ChangeTag, TextDiff};

use crate::run::Comparison;

/// Context lines kept around each change; everything further away is elided.
const CONTEXT: usize = 3;
/// At most this many diff lines are shown; the rest is summarised.
const MAX_LINES: usize = 40;

const REMOVED: Style = AnsiColor::Red.on_default();
const ADDED: Style = AnsiColor::Green.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const EMPHASIS: Effects = Effects::BOLD.insert(Effects::UNDERLINE);

/// A unified diff of expected (`-`) against actual (`+`), each line prefixed with `indent` and cut
/// to `width` columns. Changed characters inside a changed line are emphasised (in colour only).
pub fn render(comparison: &Comparison, indent: &str, width: usize) -> String {
    let (expected, actual) = (&comparison.expected, &comparison.actual);
    let describe = |kind: &str, type_name: &str, len: Option<usize>| match (comparison.text, len) {
        (true, _) => format!(
            "{kind} ({})",
            plural(
                line_count(if kind == "expected" { expected } else { actual }),
                "line"
            )
        ),
        (false, Some(len)) => format!("{kind} ({type_name}, {})", plural(len, "item")),
        (false, None) => format!("{kind} ({type_name})"),
    };
    let mut out = String::new();
    out.push_str(&format!(
        "{indent}{}\n",
        paint(
            REMOVED,
            &format!(
                "--- {}",
                describe(
                    "expected",
                    &comparison.expected_type,
                    comparison.expected_len
                )
            )
        )
    ));
    out.push_str(&format!(
        "{indent}{}\n",
        paint(
            ADDED,
            &format!(
                "+++ {}",
                describe("actual", &comparison.actual_type, comparison.actual_len)
            )
        )
    ));
    let diff = TextDiff::from_lines(expected.as_str(), actual.as_str());
    let mut shown = 0;
    let mut hidden = 0;
    let room = width.saturating_sub(indent.chars().count() + 2); // the sign and a possible `…`
    for group in diff.grouped_ops(CONTEXT) {
        let (first, last) = (
            group.first().expect("non-empty group"),
            group.last().expect("non-empty group"),
        );
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        let header = format!(
            "@@ -{},{} +{},{} @@",
            old.start + 1,
            old.len(),
            new.start + 1,
            new.len()
        );
        push_line(
            &mut out,
            &mut shown,
            &mut hidden,
            format!("{indent}{}", paint(HUNK, &header)),
        );
        for op in &group {
            for change in diff.iter_inline_changes(op) {
                let (sign, style) = match change.tag() {
                    ChangeTag::Delete => ('-', REMOVED),
                    ChangeTag::Insert => ('+', ADDED),
                    ChangeTag::Equal => (' ', Style::new()),
                };
                let mut line = String::new();
                let mut used = 0;
                for (emphasised, piece) in change.iter_strings_lossy() {
                    let piece = piece.trim_end_matches(['\n', '\r']);
                    let (piece, cut) = take_columns(piece, room.saturating_sub(used));
                    used += piece.chars().count();
                    let piece_style = if emphasised {
                        style.effects(EMPHASIS)
                    } else {
                        style
                    };
                    line.push_str(&paint(piece_style, &piece));
                    if cut {
                        line.push('…');
                        break;
                    }
                }
                push_line(
                    &mut out,
                    &mut shown,
                    &mut hidden,
                    format!("{indent}{}{line}", paint(style, &sign.to_string())),
                );
            }
        }
    }
    if hidden > 0 {
        out.push_str(&format!(
            "{indent}… {} more diff lines (--verbose shows everything)\n",
            hidden
        ));
    }
    if shown == 0 {
        // Equal renderings but unequal values: e.g. 1 == 1.0000000001 printed alike, or an `__eq__`.
        out.push_str(&format!(
            "{indent}(the two values print the same but are not equal: {} vs {})\n",
            comparison.actual_type, comparison.expected_type
        ));
    }
    out
}

fn push_line(out: &mut String, shown: &mut usize, hidden: &mut usize, line: String) {
    if *shown < MAX_LINES {
        out.push_str(&line);
        out.push('\n');
        *shown += 1;
    } else {
        *hidden += 1;
    }
}

fn paint(style: Style, text: &str) -> String {
    if text.is_empty() || style == Style::new() {
        return text.to_string();
    }
    format!("{style}{text}{style:#}")
}

/// At most `columns` characters of `text`, and whether it was cut.
fn take_columns(text: &str, columns: usize) -> (String, bool) {
    let mut chars = text.chars();
    let taken: String = chars.by_ref().take(columns).collect();
    let cut = chars.next().is_some();
    (taken, cut)
}

fn line_count(text: &str) -> usize {
    text.lines().count().max(1)
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(expected: &str, actual: &str) -> Comparison {
        Comparison {
            actual: actual.into(),
            expected: expected.into(),
            actual_type: "str".into(),
            expected_type: "str".into(),
            text: true,
            actual_len: None,
            expected_len: None,
        }
    }

    fn strip(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }

    #[test]
    fn a_wrong_line_is_shown_removed_and_added_with_context() {
        let comparison = text(
            "Supercalif\nragilistic\nis a long\nword",
            "Supercalif\nragilisti\nc is a\nword",
        );
        let diff = strip(&render(&comparison, "  ", 100));
        assert!(diff.contains("--- expected (4 lines)"), "{diff}");
        assert!(diff.contains("@@ -1,4 +1,4 @@"), "{diff}");
        assert!(diff.contains("   Supercalif\n"), "{diff}");
        assert!(
            diff.contains("  -ragilistic\n  -is a long\n  +ragilisti\n  +c is a\n"),
            "{diff}"
        );
    }

    #[test]
    fn changed_characters_are_emphasised_in_colour() {
        let plain = strip(&render(
            &text("the colour is red", "the color is red"),
            "",
            100,
        ));
        let painted = render(&text("the colour is red", "the color is red"), "", 100);
        let bold_red = AnsiColor::Red.on_default().effects(EMPHASIS);
        assert!(painted.contains(&format!("{bold_red}")), "{painted:?}");
        assert!(
            plain.contains("-the colour is red\n+the color is red\n"),
            "{plain}"
        );
    }

    #[test]
    fn far_apart_changes_are_elided_between_hunks() {
        let expected: Vec<String> = (0..100).map(|n| format!("{n},")).collect();
        let mut actual = expected.clone();
        actual[5] = "five,".into();
        actual[90] = "ninety,".into();
        let comparison = Comparison {
            actual: actual.join("\n"),
            expected: expected.join("\n"),
            actual_type: "list".into(),
            expected_type: "list".into(),
            text: false,
            actual_len: Some(100),
            expected_len: Some(100),
        };
        let diff = strip(&render(&comparison, "", 100));
        assert_eq!(diff.matches("@@").count(), 4, "{diff}");
        assert!(!diff.contains(" 50,"), "{diff}");
        assert!(diff.contains("--- expected (list, 100 items)"), "{diff}");
    }

    #[test]
    fn long_lines_are_cut_to_the_width() {
        let diff = strip(&render(
            &text(&"a".repeat(300), &"b".repeat(300)),
            "    ",
            100,
        ));
        assert!(
            diff.lines().all(|line| line.chars().count() <= 100),
            "{diff}"
        );
        assert!(diff.contains('…'));
    }

    #[test]
    fn equal_renderings_say_so() {
        let mut comparison = text("1", "1");
        comparison.text = false;
        comparison.actual_type = "float".into();
        comparison.expected_type = "int".into();
        let diff = strip(&render(&comparison, "", 100));
        assert!(
            diff.contains("print the same but are not equal: float vs int"),
            "{diff}"
        );
    }
}
