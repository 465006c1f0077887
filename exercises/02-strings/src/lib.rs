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
        // TODO: `text.graphemes(true)` iterates over `&str` pieces of `text`; collect them.
        // `text: &str` borrows the UTF-8 bytes of the Python `str` (PyO3 raised TypeError for
        // anything that is not a `str`), and the pieces borrow from it in turn: nothing is copied
        // until PyO3 turns the returned `Vec<&str>` into a Python `list` of `str`.
        todo!()
    }

    /// Count the words of `text` (Unicode word boundaries, UAX #29), lower-cased.
    #[pyfunction]
    fn word_counts(py: Python<'_>, text: &str) -> HashMap<String, usize> {
        // TODO: for each `word` in `text.unicode_words()`, count `word.to_lowercase()` in the
        // `HashMap`; PyO3 turns the returned map into a `dict` once, at the end.
        // Use `str::to_lowercase` on the whole word (not char by char): it knows that a
        // word-final 'Σ' becomes 'ς'.
        // Speed (see the perf case in ../exercise.toml): do all the counting in Rust. Calling
        // back into Python for every word or character (building a `PyDict` item by item,
        // creating a `PyString` per word) costs more than all the counting itself.
        // Optional: the counting touches no Python object, so `py.detach(|| ...)` lets other
        // Python threads run meanwhile (lesson chapter 6).
        todo!()
    }

    /// Wrap `text` into lines of at most `width` characters, joined with "\n".
    #[pyfunction]
    fn wrap(text: &str, width: isize) -> PyResult<String> {
        // `width` is an `isize`, not a `usize`: PyO3 would turn -1 into an OverflowError before
        // your code runs, and we want a ValueError that says what is wrong.
        // TODO 1: if `width < 1`, return
        //   `Err(PyValueError::new_err(format!("width must be at least 1, got {width}")))`.
        // TODO 2: the words are the non-empty pieces of `text.split(is_break_space)`. Put as many
        // words as fit on a line, separated by one space; a word that does not fit starts a new
        // line. A word longer than `width` is cut every `width` characters and its last piece
        // starts the next line. Measure in characters: `word.graphemes(true).count()`, never
        // `word.len()` (bytes) or `word.chars().count()` (code points). To cut, find the byte
        // offset of the `width`-th character with `word.grapheme_indices(true).nth(width)`.
        // Join the lines with "\n" (no trailing newline); no words → "".
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
        // TODO: collect both strings into `Vec<&str>` of graphemes, then compute the classic
        // dynamic-programming table: the cost of turning the first i characters of `a` into the
        // first j characters of `b`, where an insertion, a deletion or a substitution of one
        // character costs 1. Two rows of the table are enough.
        todo!()
    }

    /// Decode UTF-8 `data` (a `bytes` object) and split it into lines.
    #[pyfunction]
    fn decode_lines<'a>(py: Python<'_>, data: &'a [u8]) -> PyResult<Vec<&'a str>> {
        // `data: &[u8]` borrows the contents of a `bytes` object; a `str`, `bytearray` or list
        // raises TypeError before this line runs.
        // TODO 1: `std::str::from_utf8(data)` checks the bytes. Turn its error into Python's own
        // `UnicodeDecodeError` (with the right `start` and `end`) with
        // `PyUnicodeDecodeError::new_err_from_utf8(py, data, error)` and return it as `Err`.
        // TODO 2: split the text into lines at "\n" and "\r\n" (a lone "\r" stays in its line; a
        // final newline does not make an empty last line). One method of `str` does exactly this.
        todo!()
    }
}
