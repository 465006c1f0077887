"""Pure-Python versions of `textkit` functions: the speed your Rust code is measured against.

The grader times `word_counts` here against `textkit.word_counts` on the text that
`make_word_counts_input` builds (see `[[perf]]` in ../exercise.toml). Both get the same text.
"""
import random
import re
from collections import Counter

# Good enough for the text below (letters with accents or combining marks, digits, apostrophes
# between letters); the Rust version follows the full Unicode word-boundary rules (UAX #29).
_WORD = re.compile(r"[\w\u0300-\u036f]+(?:['\u2019][\w\u0300-\u036f]+)*")


def word_counts(text):
    """What a Python programmer would write: a C-accelerated regex and Counter."""
    return dict(Counter(map(str.lower, _WORD.findall(text))))


_VOCABULARY = [
    "the", "The", "THE", "of", "and", "a", "to", "in", "is", "it", "that", "was", "for", "on",
    "river", "River", "city", "morning", "light", "window", "market", "letter", "garden", "road",
    "don't", "can\u2019t", "l\u2019homme", "o'clock",
    "naïve", "café", "cafe\u0301", "Zürich", "Zu\u0308rich", "Ñandú", "mañana", "Straße",
    "Łódź", "Ærøskøbing", "São", "Paulo", "crème", "brûlée", "jalapeño", "Ångström",
    "Москва", "река", "утро", "ΟΔΟΣ", "οδός", "Αθήνα", "θάλασσα",
    "mp3", "2024", "42", "x86",
]
_SEPARATORS = [" "] * 12 + [", ", ". ", "; ", ": ", " — ", "! ", "? ", "\n", "\n\n", " (", ") ",
                            " \"", "\" ", " 🙂 ", " 👍🏽 ", " 🇫🇷 ", " 👩\u200d💻 ", "\t"]


def make_text(n_words, seed=2):
    """Deterministic multilingual text of `n_words` words."""
    rng = random.Random(seed)
    # Zipf-like: a few words are very common, most are rare, as in real text.
    weights = [1.0 / (rank + 1) for rank in range(len(_VOCABULARY))]
    words = rng.choices(_VOCABULARY, weights=weights, k=n_words)
    separators = rng.choices(_SEPARATORS, k=n_words)
    return "".join(word + separator for word, separator in zip(words, separators))


def make_word_counts_input():
    """About 400 KB of text (as UTF-8), the same on every run."""
    return (make_text(60_000),)
