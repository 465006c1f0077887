"""Public tests for exercise 0. Convention: `assert actual == expected`."""
import pytest

import hello


def test_hello_world():
    assert hello.hello_world() == "Hello from Rust!"


def test_greet():
    assert hello.greet("Ada") == "Hello, Ada!"


def test_greet_strips_whitespace():
    assert hello.greet("  Grace \n") == "Hello, Grace!"


def test_greet_unicode():
    assert hello.greet("Zoë 🐍") == "Hello, Zoë 🐍!"


def test_greet_empty_name_is_value_error():
    with pytest.raises(ValueError, match="name must not be empty"):
        hello.greet("   ")


@pytest.mark.parametrize("bad", [42, None, b"Ada", ["Ada"]])
def test_greet_wrong_type_is_type_error(bad):
    with pytest.raises(TypeError):
        hello.greet(bad)


def test_greet_leaks_nothing_on_success_or_error():
    from lessongrader import assert_no_leaks

    name = "".join(["Ad", "a"])  # a fresh str: its refcount must not move
    assert_no_leaks(hello.greet, name)
    assert_no_leaks(hello.greet, "".join([" ", " "]), raises=ValueError)
    assert_no_leaks(hello.greet, [name], raises=TypeError)
