"""lessongrader.differential: what a differential test reports when the extension differs."""
import pytest

from lessongrader.differential import check_class, check_function


class PanicException(BaseException):
    """Stands in for pyo3_runtime.PanicException, which derives from BaseException."""


def original(xs: list[int], n: int) -> list[int]:
    return xs[:n] if n >= 0 else []


def test_a_matching_extension_passes():
    check_function(original, lambda xs, n: list(xs[:n]) if n >= 0 else [])


def test_a_wrong_value_is_shrunk_to_the_smallest_call():
    def short_by_one(xs, n):
        return xs[: max(n - 1, 0)]

    with pytest.raises(AssertionError) as failure:
        check_function(original, short_by_one)
    assert str(failure.value) == "original(xs=[0], n=1) returned []; the original returned [0]"


def test_a_panic_is_shrunk_and_named_like_any_other_difference():
    def panics_past_the_end(xs, n):
        if n > len(xs):
            raise PanicException(f"range end index {n} out of range for slice of length {len(xs)}")
        return original(xs, n)

    with pytest.raises(AssertionError) as failure:
        check_function(original, panics_past_the_end)
    assert str(failure.value) == (
        "original(xs=[], n=1) raised PanicException('range end index 1 out of range for slice of "
        "length 0'); the original returned []"
    )


def test_keyboard_interrupt_still_stops_the_run():
    def interrupted(xs, n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_function(original, interrupted)


def test_an_explicit_example_runs_first_and_is_named_as_given():
    # Wrong only on a long list with a large n: one drawn example would not find it; the example does.
    def wrong_far_out(xs, n):
        return [] if len(xs) == 7 and n == 5 else original(xs, n)

    check_function(original, wrong_far_out, max_examples=1)
    with pytest.raises(AssertionError) as failure:
        check_function(original, wrong_far_out, examples=[{"xs": [1] * 7, "n": 5}], max_examples=1)
    assert str(failure.value) == (
        "original(xs=[1, 1, 1, 1, 1, 1, 1], n=5) returned []; the original returned [1, 1, 1, 1, 1]"
    )


class Counter:
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    def add(self, n: int) -> int:
        self.count += n
        return self.count


def test_a_class_example_is_a_constructor_and_a_sequence_of_calls():
    class Wrong(Counter):
        def add(self, n):
            return super().add(n) if n != 31337 else -1

    check_class(Counter, Wrong, max_examples=1)
    with pytest.raises(AssertionError) as failure:
        check_class(Counter, Wrong, examples=[({"name": "c"}, [("add", {"n": 1}), ("add", {"n": 31337})])],
                    max_examples=1)
    assert str(failure.value) == (
        "Counter(name='c'); then .add(n=1).add(n=31337) returned -1; the original returned 31338"
    )
