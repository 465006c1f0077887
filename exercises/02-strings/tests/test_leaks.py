"""Call-level leak checks for exercise 2: every function, on its normal path and on its error paths.

`assert_no_leaks(f, *args, raises=E)` calls `f(*args)` many times (expecting `E` each time when given)
and fails if the arguments' reference counts, the allocated memory blocks or the live objects grow.
"""
import pytest

from lessongrader import assert_no_leaks

import textkit

# These tests are leak checks already; the automatic hunt need not run them again.
pytestmark = pytest.mark.no_leak_check(reason="calls assert_no_leaks itself")

TEXT = "Zürich, cafe\u0301 and 👩\u200d💻: ΟΔΟΣ don't stop — 10\u00a0km!\nZürich again."


def test_graphemes_does_not_leak():
    assert_no_leaks(textkit.graphemes, TEXT)


def test_word_counts_does_not_leak():
    assert_no_leaks(textkit.word_counts, TEXT)


def test_wrap_does_not_leak():
    assert_no_leaks(textkit.wrap, TEXT, 12)


def test_edit_distance_does_not_leak():
    assert_no_leaks(textkit.edit_distance, TEXT, TEXT[::-1])


def test_decode_lines_does_not_leak():
    assert_no_leaks(textkit.decode_lines, TEXT.encode("utf-8"))


def test_wrap_value_error_does_not_leak():
    assert_no_leaks(textkit.wrap, TEXT, 0, raises=ValueError)


def test_wrap_type_error_does_not_leak():
    assert_no_leaks(textkit.wrap, TEXT, 2.5, raises=TypeError)


def test_edit_distance_type_error_does_not_leak():
    assert_no_leaks(textkit.edit_distance, TEXT, TEXT.encode("utf-8"), raises=TypeError)


def test_decode_lines_unicode_decode_error_does_not_leak():
    assert_no_leaks(textkit.decode_lines, b"fine\nbroken \xff here", raises=UnicodeDecodeError)


def test_str_instead_of_bytes_does_not_leak():
    assert_no_leaks(textkit.decode_lines, TEXT, raises=TypeError)


def test_bytes_instead_of_str_does_not_leak():
    assert_no_leaks(textkit.word_counts, TEXT.encode("utf-8"), raises=TypeError)


def test_lone_surrogate_does_not_leak():
    assert_no_leaks(textkit.graphemes, "bad \ud800 text", raises=UnicodeEncodeError)
