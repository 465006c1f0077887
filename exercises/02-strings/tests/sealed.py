"""Sealed suite for exercise 2 (`textkit`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py)."""

from lessongrader.sealed.suite import Function, Leak, Speed, Suite, st

import baseline

# Text that exercises Unicode: combining accents, emoji with skin tones and ZWJ, CJK, Greek
# capitals (final sigma), apostrophes, and every kind of space and line break.
pieces = st.sampled_from(
    ["a", "Z", "é", "e\u0301", "ß", "ΟΔΟΣ", "οδός", "日本", "👍🏽", "👩\u200d💻", "🇫🇷", "don't", "it\u2019s",
     " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u2003", ",", ".", "-", "42", "x1"]
)
texts = st.one_of(st.lists(pieces, max_size=25).map("".join), st.text(max_size=30))
utf8 = texts.map(lambda text: text.encode("utf-8"))
broken = st.tuples(utf8, st.binary(min_size=1, max_size=4), utf8).map(lambda parts: b"".join(parts))


def text_input(rng, words=60_000):
    return [baseline.make_text(words, seed=rng.randrange(1000))]


SUITE = Suite(
    module="textkit",
    cases=[
        Function("graphemes", st.tuples(texts), examples=[("",), ("e\u0301👍🏽",)]),
        Function("word_counts", st.tuples(texts), examples=[("",), ("ΟΔΟΣ οδός Don't don't",)]),
        Function("wrap", st.tuples(texts, st.integers(-2, 20)), examples=[("abc def ghi", 7), ("abc", 0)]),
        Function("edit_distance", st.tuples(texts, texts), examples=[("", ""), ("kitten", "sitting")]),
        Function("decode_lines", st.tuples(st.one_of(utf8, broken)), examples=[(b"",), (b"a\r\nb\rc\n",), (b"ok\xff",)]),
    ],
    speed=Speed("word_counts", candidate="word_counts", baseline="word_counts", inputs=text_input, min_speedup=1.0),
    leaks=[
        Leak("word_counts", inputs=lambda rng: text_input(rng, 15_000)),
        Leak("graphemes", inputs=lambda rng: text_input(rng, 5_000)),
        Leak("decode_lines", inputs=lambda rng: [text_input(rng, 15_000)[0].encode()]),
    ],
)
