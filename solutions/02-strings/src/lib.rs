//! Reference solution for exercise 2: `textkit`, a small Unicode-aware text toolkit.
//!
//! "A character" means a user-perceived character (an extended grapheme cluster) everywhere in
//! this module: `"e\u{301}"`, `"👍🏽"` and `"🇫🇷"` are one character each, although Python's
//! `len()` counts 2 code points for each of them and UTF-8 needs 3, 8 and 8 bytes.
use pyo3::prelude::*;

#[pymodule]
mod textkit {
    use std::collections::HashMap;

    use pyo3::exceptions::{PyUnicodeDecodeError, PyValueError};
    use pyo3::prelude::*;
    use unicode_segmentation::UnicodeSegmentation;

    /// Split `text` into user-perceived characters (extended grapheme clusters).
    #[pyfunction]
    fn graphemes(text: &str) -> Vec<&str> {
        // The pieces borrow from `text`: nothing is copied until PyO3 builds the list of `str`.
        text.graphemes(true).collect()
    }

    /// Count the words of `text` (Unicode word boundaries, UAX #29), lower-cased.
    #[pyfunction]
    fn word_counts(py: Python<'_>, text: &str) -> HashMap<String, usize> {
        // Pure Rust from here on: let other Python threads run while we count.
        py.detach(|| {
            let mut counts: HashMap<String, usize> = HashMap::new();
            let mut lowered = String::new();
            for word in text.unicode_words() {
                // Most words are counted before: lower-case into one reused buffer and only
                // allocate a new `String` the first time a word is seen.
                lowered.clear();
                if word.is_ascii() {
                    lowered.extend(word.chars().map(|c| c.to_ascii_lowercase()));
                } else {
                    // `str::to_lowercase`, not per-char: it knows that a word-final 'Σ' is 'ς'.
                    lowered.push_str(&word.to_lowercase());
                }
                match counts.get_mut(lowered.as_str()) {
                    Some(count) => *count += 1,
                    None => {
                        counts.insert(lowered.clone(), 1);
                    }
                }
            }
            counts
        })
    }

    /// Whitespace that separates words. No-break spaces glue their neighbours together.
    fn is_break_space(c: char) -> bool {
        c.is_whitespace() && !matches!(c, '\u{00A0}' | '\u{2007}' | '\u{202F}')
    }

    /// Wrap `text` into lines of at most `width` characters, joined with "\n".
    #[pyfunction]
    fn wrap(text: &str, width: isize) -> PyResult<String> {
        // `isize`, not `usize`: PyO3 would turn -1 into an OverflowError before we could say
        // what is wrong with it.
        if width < 1 {
            return Err(PyValueError::new_err(format!(
                "width must be at least 1, got {width}"
            )));
        }
        let width = width as usize;
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        let mut line_len = 0; // in characters (grapheme clusters), not bytes
        for mut word in text.split(is_break_space).filter(|word| !word.is_empty()) {
            let mut word_len = word.graphemes(true).count();
            if line_len > 0 && line_len + 1 + word_len <= width {
                line.push(' ');
                line.push_str(word);
                line_len += 1 + word_len;
                continue;
            }
            if line_len > 0 {
                lines.push(std::mem::take(&mut line));
            }
            // The word starts a new line; a word longer than a line is cut every `width`
            // characters, at a grapheme boundary so that no character is torn apart.
            while word_len > width {
                let (cut, _) = word
                    .grapheme_indices(true)
                    .nth(width)
                    .expect("word_len > width");
                lines.push(word[..cut].to_string());
                word = &word[cut..];
                word_len -= width;
            }
            line.push_str(word);
            line_len = word_len;
        }
        if line_len > 0 {
            lines.push(line);
        }
        Ok(lines.join("\n"))
    }

    /// Levenshtein distance between `a` and `b`, counted in characters (grapheme clusters).
    #[pyfunction]
    fn edit_distance(py: Python<'_>, a: &str, b: &str) -> usize {
        py.detach(|| {
            let a: Vec<&str> = a.graphemes(true).collect();
            let b: Vec<&str> = b.graphemes(true).collect();
            // Two rows of the classic table, as long as the shorter string.
            let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            let mut previous: Vec<usize> = (0..=short.len()).collect();
            let mut current = vec![0; short.len() + 1];
            for (i, long_char) in long.iter().enumerate() {
                current[0] = i + 1;
                for (j, short_char) in short.iter().enumerate() {
                    let substitution = previous[j] + usize::from(long_char != short_char);
                    current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
                }
                std::mem::swap(&mut previous, &mut current);
            }
            previous[short.len()]
        })
    }

    /// Decode UTF-8 `data` (a `bytes` object) and split it into lines.
    #[pyfunction]
    fn decode_lines<'a>(py: Python<'_>, data: &'a [u8]) -> PyResult<Vec<&'a str>> {
        let text = std::str::from_utf8(data)
            .map_err(|error| PyUnicodeDecodeError::new_err_from_utf8(py, data, error))?;
        // `str::lines` splits at "\n" and "\r\n", keeps a lone "\r", and does not produce an
        // empty last line for a trailing newline: exactly the rule in the README.
        Ok(text.lines().collect())
    }
}
