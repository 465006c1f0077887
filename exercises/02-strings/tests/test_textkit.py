"""Public tests for exercise 2 (`textkit`). Convention: `assert actual == expected`.

"A character" in these tests is a user-perceived character (an extended grapheme cluster):
"e\u0301" (e + combining acute), "👍🏽" (thumbs up + skin tone) and "🇫🇷" (two regional
indicators) are one character each, two code points for Python's len(), and 3, 8 and 8 bytes in
UTF-8.
"""
import pytest

import baseline
import textkit

E_ACUTE = "e\u0301"          # 'e' + COMBINING ACUTE ACCENT: 2 code points, 1 character
TECHNOLOGIST = "👩\u200d💻"  # woman + ZERO WIDTH JOINER + laptop: 3 code points, 1 character
THUMBS_UP = "👍🏽"            # thumbs up + skin tone modifier: 2 code points, 1 character
FRANCE = "🇫🇷"               # two regional indicator symbols: 2 code points, 1 character


# --- graphemes -------------------------------------------------------------------------------

def test_graphemes_ascii():
    assert textkit.graphemes("Rust!") == ["R", "u", "s", "t", "!"]


def test_graphemes_empty():
    assert textkit.graphemes("") == []


def test_graphemes_non_ascii_letters_are_one_character_each():
    assert textkit.graphemes("Zoë Łódź") == ["Z", "o", "ë", " ", "Ł", "ó", "d", "ź"]


def test_graphemes_keep_combining_marks_with_their_letter():
    assert textkit.graphemes("cafe\u0301!") == ["c", "a", "f", E_ACUTE, "!"]


def test_graphemes_emoji_sequences_are_one_character():
    text = f"a{TECHNOLOGIST}{THUMBS_UP}{FRANCE}b"
    assert textkit.graphemes(text) == ["a", TECHNOLOGIST, THUMBS_UP, FRANCE, "b"]


def test_graphemes_crlf_is_one_character():
    assert textkit.graphemes("a\r\nb") == ["a", "\r\n", "b"]


def test_code_points_bytes_and_characters_differ():
    # Python's len() counts code points, UTF-8 (what a Rust &str holds) counts bytes.
    assert (len(TECHNOLOGIST), len(TECHNOLOGIST.encode("utf-8"))) == (3, 11)
    assert len(textkit.graphemes(TECHNOLOGIST)) == 1


def test_graphemes_joined_give_back_the_text():
    text = f"Ça {E_ACUTE}tait {THUMBS_UP} — fin.\n"
    assert "".join(textkit.graphemes(text)) == text


# --- word_counts -----------------------------------------------------------------------------

def test_word_counts_simple():
    assert textkit.word_counts("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_word_counts_returns_a_dict_of_int():
    counts = textkit.word_counts("one two two")
    assert (type(counts), type(counts["two"])) == (dict, int)


def test_word_counts_ignores_case():
    assert textkit.word_counts("Rust rust RUST rUsT") == {"rust": 4}


def test_word_counts_punctuation_and_emoji_are_not_words():
    text = f"Hello, world! {THUMBS_UP} (hello) — {FRANCE} world?"
    assert textkit.word_counts(text) == {"hello": 2, "world": 2}


def test_word_counts_keeps_apostrophes_inside_words():
    assert textkit.word_counts("Don't stop. don’t 'quote'") == {"don't": 1, "don’t": 1, "stop": 1, "quote": 1}


def test_word_counts_non_ascii_letters():
    text = "Zürich Łódź Москва Αθήνα Zürich"
    assert textkit.word_counts(text) == {"zürich": 2, "łódź": 1, "москва": 1, "αθήνα": 1}


def test_word_counts_combining_marks_stay_in_the_word():
    # Decomposed "café": the accent is a separate code point but belongs to the word.
    assert textkit.word_counts(f"cafe\u0301 CAFE\u0301") == {f"cafe\u0301": 2}


def test_word_counts_lowercases_a_final_sigma():
    # Greek lower-cases Σ to ς at the end of a word and to σ elsewhere.
    assert textkit.word_counts("ΟΔΟΣ ΣΟΦΟΣ") == {"οδος": 1, "σοφος": 1}


def test_word_counts_numbers_are_words():
    assert textkit.word_counts("mp3 2024 3.14 2024") == {"mp3": 1, "2024": 2, "3.14": 1}


def test_word_counts_no_words():
    assert textkit.word_counts(f"  ... !? {TECHNOLOGIST} \n") == {}


def test_word_counts_agrees_with_baseline_on_the_perf_text():
    (text,) = baseline.make_word_counts_input()
    assert textkit.word_counts(text) == baseline.word_counts(text)


# --- wrap ------------------------------------------------------------------------------------

def test_wrap_short_text_is_one_line():
    assert textkit.wrap("a short line", 20) == "a short line"


def test_wrap_breaks_between_words():
    text = "The quick brown fox jumps over the lazy dog"
    assert textkit.wrap(text, 15) == "The quick brown\nfox jumps over\nthe lazy dog"


def test_wrap_long_words():
    text = "Supercalifragilistic is a long word"
    assert textkit.wrap(text, 10) == "Supercalif\nragilistic\nis a long\nword"


def test_wrap_a_line_may_be_exactly_width_long():
    assert textkit.wrap("abc def ghi", 7) == "abc def\nghi"


def test_wrap_width_one():
    assert textkit.wrap("ab c", 1) == "a\nb\nc"


def test_wrap_collapses_whitespace_and_newlines():
    text = "  one\ttwo \n\n three\u3000four  "  # U+3000 is the ideographic space
    assert textkit.wrap(text, 80) == "one two three four"


def test_wrap_never_breaks_at_a_no_break_space():
    assert textkit.wrap("it is 10\u00a0km away", 6) == "it is\n10\u00a0km\naway"


def test_wrap_counts_characters_not_code_points():
    # Each word is 4 characters but 5, 5 and 8 code points long.
    text = f"caf{E_ACUTE} {THUMBS_UP}ok! {FRANCE}{FRANCE}{THUMBS_UP}{THUMBS_UP}"
    assert textkit.wrap(text, 9) == f"caf{E_ACUTE} {THUMBS_UP}ok!\n{FRANCE}{FRANCE}{THUMBS_UP}{THUMBS_UP}"


def test_wrap_never_cuts_through_a_character():
    text = f"{E_ACUTE * 5}"
    assert textkit.wrap(text, 2) == f"{E_ACUTE * 2}\n{E_ACUTE * 2}\n{E_ACUTE}"


def test_wrap_empty_and_blank_text():
    assert [textkit.wrap("", 10), textkit.wrap(" \n\t ", 10)] == ["", ""]


def test_wrap_every_line_fits():
    (text,) = baseline.make_word_counts_input()
    text = text[:20_000]
    lines = textkit.wrap(text, 30).split("\n")
    too_long = [line for line in lines if len(textkit.graphemes(line)) > 30]
    assert too_long == []
    assert " ".join(lines).split() == text.split()


@pytest.mark.parametrize("width", [0, -1, -100])
def test_wrap_width_below_one_is_value_error(width):
    with pytest.raises(ValueError, match=f"width must be at least 1, got {width}"):
        textkit.wrap("some text", width)


@pytest.mark.parametrize("args", [(b"some text", 10), (None, 10), ("some text", 2.5), ("some text", "10")])
def test_wrap_wrong_types_are_type_error(args):
    with pytest.raises(TypeError):
        textkit.wrap(*args)


# --- edit_distance ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("", "abc", 3),
        ("abc", "", 3),
        ("", "", 0),
        ("same", "same", 0),
        ("naïve", "naive", 1),
        ("Straße", "Strasse", 2),
    ],
)
def test_edit_distance(a, b, expected):
    assert textkit.edit_distance(a, b) == expected


def test_edit_distance_is_symmetric():
    a, b = "intention", "execution"
    assert (textkit.edit_distance(a, b), textkit.edit_distance(b, a)) == (5, 5)


def test_edit_distance_counts_characters_not_code_points():
    # Swapping two flags is 4 code-point edits but 2 character edits.
    assert textkit.edit_distance("🇫🇷🇩🇪", "🇩🇪🇫🇷") == 2
    # A different skin tone is a different character.
    assert textkit.edit_distance(f"{THUMBS_UP}!", "👍🏿!") == 1
    # Adding an accent to a letter changes one character, not zero or two.
    assert textkit.edit_distance("cafe", f"caf{E_ACUTE}") == 1


def test_edit_distance_long_strings():
    a = "ab" * 500
    b = "ba" * 500
    assert textkit.edit_distance(a, b) == 2


@pytest.mark.parametrize("args", [(b"a", "b"), ("a", b"b"), ("a", None), (1, 2)])
def test_edit_distance_wrong_types_are_type_error(args):
    with pytest.raises(TypeError):
        textkit.edit_distance(*args)


# --- decode_lines ----------------------------------------------------------------------------

def test_decode_lines_splits_at_newlines():
    assert textkit.decode_lines(b"first\nsecond\nthird") == ["first", "second", "third"]


def test_decode_lines_handles_crlf_and_keeps_a_lone_cr():
    assert textkit.decode_lines(b"a\r\nb\rc\n") == ["a", "b\rc"]


def test_decode_lines_keeps_empty_lines_but_not_a_final_newline():
    assert textkit.decode_lines(b"a\n\nb\n\n") == ["a", "", "b", ""]


def test_decode_lines_empty():
    assert textkit.decode_lines(b"") == []


def test_decode_lines_decodes_utf8():
    data = "Zürich\ncafe\u0301 👩\u200d💻\n".encode("utf-8")
    assert textkit.decode_lines(data) == ["Zürich", "cafe\u0301 👩\u200d💻"]


def test_decode_lines_returns_str():
    assert [type(line) for line in textkit.decode_lines(b"x\ny")] == [str, str]


def test_decode_lines_invalid_utf8_is_unicode_decode_error():
    data = b"ok\ncaf\xe9\n"  # Latin-1 'é', not UTF-8
    with pytest.raises(UnicodeDecodeError) as caught:
        textkit.decode_lines(data)
    error = caught.value
    assert (error.encoding, error.object, error.start, error.end) == ("utf-8", data, 6, 7)


def test_decode_lines_truncated_utf8_is_unicode_decode_error():
    data = "€".encode("utf-8")[:2]  # the first 2 of 3 bytes
    with pytest.raises(UnicodeDecodeError) as caught:
        textkit.decode_lines(data)
    assert (caught.value.start, caught.value.end) == (0, 2)


def test_unicode_decode_error_is_a_value_error():
    with pytest.raises(ValueError):
        textkit.decode_lines(b"\xff")


@pytest.mark.parametrize("bad", ["text", bytearray(b"text"), memoryview(b"text"), [116, 101], None])
def test_decode_lines_wants_bytes(bad):
    with pytest.raises(TypeError):
        textkit.decode_lines(bad)


# --- str, not bytes --------------------------------------------------------------------------

@pytest.mark.parametrize("function", [textkit.graphemes, textkit.word_counts])
@pytest.mark.parametrize("bad", [b"text", bytearray(b"text"), 42, None, ["text"]])
def test_text_functions_want_str(function, bad):
    with pytest.raises(TypeError):
        function(bad)


@pytest.mark.parametrize("function", [textkit.graphemes, textkit.word_counts])
def test_lone_surrogates_cannot_become_utf8(function):
    # A Python str may hold a lone surrogate; a Rust &str (valid UTF-8) cannot.
    with pytest.raises(UnicodeEncodeError):
        function("bad \ud800 text")
