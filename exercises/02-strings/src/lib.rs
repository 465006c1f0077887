//! Exercise 2 — textkit: Unicode-aware text processing with `&str`, `&[u8]`, `String`, `Vec` and
//! `HashMap` crossing the boundary to Python.
//! Read ../README.md first. Check your work with `cargo xtask check exercise-2`.
//!
//! "A character" in this module is a user-perceived character (an extended grapheme cluster):
//! `"e\u{301}"` (e + combining acute accent), `"👍🏽"` and `"🇫🇷"` are one character each, although
//! Python's `len()` counts 2 code points for each and their UTF-8 takes 3, 8 and 8 bytes.
//! `unicode_segmentation::UnicodeSegmentation` (already a dependency) gives you `.graphemes(true)`,
//! `.grapheme_indices(true)` and `.unicode_words()` on any `&str`.
// The todo!() bodies do not use their arguments yet: delete this line when you are done.
#![allow(unused_variables)]
use pyo3::prelude::*;

#[pymodule]
mod textkit {
    use std::collections::HashMap;

    #[allow(unused_imports)] // you will need both
    use pyo3::exceptions::{PyUnicodeDecodeError, PyValueError};
    use pyo3::prelude::*;
    // Brings .graphemes(), .grapheme_indices() and .unicode_words() into scope.
    #[allow(unused_imports)]
    use unicode_segmentation::UnicodeSegmentation;

    /// Split `text` into user-perceived characters (extended grapheme clusters).
    #[pyfunction]
    fn graphemes(text: &str) -> Vec<&str> {
        // TODO: the characters of `text`, in order, as pieces of `text` itself. Rules: a
        // "character" is an *extended* grapheme cluster (an emoji with its skin tone is one);
        // `text: &str` borrows the UTF-8 bytes of the Python `str` (PyO3 raised TypeError for
        // anything else), and pieces that borrow from it are copied only once, when PyO3 turns
        // the returned `Vec<&str>` into a Python `list` of `str`.
        todo!()
    }

    /// Count the words of `text` (Unicode word boundaries, UAX #29), lower-cased.
    #[pyfunction]
    fn word_counts(py: Python<'_>, text: &str) -> HashMap<String, usize> {
        // TODO: how often each word occurs, words found by the Unicode word rules (UAX #29) and
        // compared lower-cased. Rules: lower-case a whole word at once, never char by char — only
        // the whole word knows that a word-final 'Σ' becomes 'ς'; the map you return becomes a
        // `dict` once, at the end.
        // Speed (the grader checks it; `cargo xtask hint 2` when it says too slow): do all the
        // counting in Rust. Calling back into Python for every word or character costs more
        // than all the counting itself.
        // Optional: the counting touches no Python object, so it can run detached from the
        // interpreter and let other Python threads run meanwhile (lesson chapter 6).
        todo!()
    }

    /// Wrap `text` into lines of at most `width` characters, joined with "\n".
    #[pyfunction]
    fn wrap(text: &str, width: isize) -> PyResult<String> {
        // `width` is an `isize`, not a `usize`: PyO3 would turn -1 into an OverflowError before
        // your code runs, and we want a ValueError that says what is wrong.
        // TODO: the words of `text` laid out in lines of at most `width` characters. Rules:
        // - a width below 1 is a ValueError: "width must be at least 1, got 0" (for 0);
        // - the words are the non-empty pieces between break spaces (`is_break_space` below);
        // - greedy: as many words as fit on a line, one space between them; a line may be
        //   exactly `width` long; a word that does not fit starts the next line;
        // - a word longer than `width` is cut every `width` characters, and its last piece
        //   starts the next line;
        // - measure in characters (grapheme clusters), never in bytes or code points, and cut
        //   only between characters;
        // - lines are joined with "\n", with no trailing newline; no words give "".
        todo!()
    }

    /// Whitespace that separates words. The no-break spaces glue their neighbours together.
    #[allow(dead_code)] // you will call it from `wrap`
    fn is_break_space(c: char) -> bool {
        c.is_whitespace() && !matches!(c, '\u{00A0}' | '\u{2007}' | '\u{202F}')
    }

    /// Levenshtein distance between `a` and `b`, counted in characters (grapheme clusters).
    #[pyfunction]
    fn edit_distance(py: Python<'_>, a: &str, b: &str) -> usize {
        // TODO: the fewest insertions, deletions and substitutions of one character (grapheme
        // cluster) that turn `a` into `b`. Rule: the classic dynamic-programming table, whose
        // cell (i, j) is the cost of turning the first i characters of `a` into the first j of
        // `b`; each row needs only the row before it, so two rows are enough.
        todo!()
    }

    /// Decode UTF-8 `data` (a `bytes` object) and split it into lines.
    #[pyfunction]
    fn decode_lines<'a>(py: Python<'_>, data: &'a [u8]) -> PyResult<Vec<&'a str>> {
        // `data: &[u8]` borrows the contents of a `bytes` object; a `str`, `bytearray` or list
        // raises TypeError before this line runs.
        // TODO: the lines of the UTF-8 text in `data`. Rules: bytes that are not UTF-8 raise
        // Python's own `UnicodeDecodeError`, with the `start` and `end` of the bad bytes, as
        // `data.decode()` would (PyO3 can build it from Rust's UTF-8 error); lines end at "\n"
        // or "\r\n", a lone "\r" stays in its line, and a final newline makes no empty last
        // line. The lines may borrow from `data` (hence `'a`): nothing needs copying.
        todo!()
    }
}
