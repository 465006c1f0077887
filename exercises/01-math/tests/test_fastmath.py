"""Public tests for exercise 1 (`fastmath`). Convention: `assert actual == expected`.

`baseline.py` beside this file holds the pure-Python reference implementations: read it for the
exact behaviour, error messages included.
"""

import math
import random
import statistics

import pytest

import baseline
import fastmath
from lessongrader import assert_no_leaks


def close(expected, rel=1e-12):
    """`pytest.approx` without its absolute tolerance, which would accept anything near 0."""
    return pytest.approx(expected, rel=rel, abs=0.0)


def random_floats(count, seed, low=-1000.0, high=1000.0):
    generator = random.Random(seed)
    return [generator.uniform(low, high) for _ in range(count)]


# (value, type name in the message) for elements that are not numbers
NOT_NUMBERS = [("2.0", "str"), (None, "NoneType"), ([3.0], "list"), (1j, "complex"), (b"4", "bytes")]


# ---------------------------------------------------------------- part 1: primes_below


def test_primes_below_100():
    assert fastmath.primes_below(100) == [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47,
        53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, []), (1, []), (2, []), (3, [2]), (4, [2, 3]), (5, [2, 3]), (6, [2, 3, 5]), (12, [2, 3, 5, 7, 11])],
)
def test_primes_below_small_n(n, expected):
    assert fastmath.primes_below(n) == expected


def test_primes_below_excludes_n_itself():
    assert fastmath.primes_below(97)[-1] == 89
    assert fastmath.primes_below(98)[-1] == 97


@pytest.mark.parametrize("n", [10, 25, 49, 121, 1000, 7919, 7920, 10_007])
def test_primes_below_matches_baseline(n):
    assert fastmath.primes_below(n) == baseline.primes_below(n)


def test_primes_below_one_million():
    primes = fastmath.primes_below(1_000_000)
    assert (len(primes), primes[:3], primes[-1]) == (78_498, [2, 3, 5], 999_983)


def test_primes_below_returns_a_list_of_ints():
    primes = fastmath.primes_below(30)
    assert (type(primes), {type(p) for p in primes}) == (list, {int})


@pytest.mark.parametrize("n", [-1, -100])
def test_primes_below_negative_n_is_value_error(n):
    with pytest.raises(ValueError) as excinfo:
        fastmath.primes_below(n)
    assert str(excinfo.value) == f"n must be non-negative, got {n}"


@pytest.mark.parametrize("bad", [10.0, "10", None])
def test_primes_below_n_must_be_an_int(bad):
    assert fastmath.primes_below(10) == [2, 3, 5, 7]
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        fastmath.primes_below(bad)


# ---------------------------------------------------------------- part 2: reductions


def test_sum_of_squares_small():
    assert fastmath.sum_of_squares([1.0, 2.0, 3.0]) == 14.0


def test_sum_of_squares_negative_numbers_and_ints_mixed_with_floats():
    assert fastmath.sum_of_squares([-3, 4.0, -0.5, 2]) == 29.25


def test_sum_of_squares_of_ints_is_a_float():
    result = fastmath.sum_of_squares([3, 4])
    assert (type(result), result) == (float, 25.0)


def test_sum_of_squares_empty_is_zero():
    assert fastmath.sum_of_squares([]) == 0.0


@pytest.mark.parametrize(
    ("xs", "expected"),
    [((1, 2, 2), 9.0), (range(10), 285.0), ((0.5,), 0.25), ((), 0.0)],
    ids=["tuple", "range", "one-tuple", "empty-tuple"],
)
def test_sum_of_squares_accepts_other_sequences(xs, expected):
    assert fastmath.sum_of_squares(xs) == expected


def test_sum_of_squares_matches_baseline():
    xs = random_floats(10_000, seed=1)
    assert fastmath.sum_of_squares(xs) == close(baseline.sum_of_squares(xs))


def test_sum_of_squares_very_large_values_overflow_to_inf():
    # 1e200 * 1e200 is beyond the largest float: IEEE arithmetic gives inf, as Python's does.
    assert fastmath.sum_of_squares([1.0, 1e200]) == math.inf


def test_sum_of_squares_very_small_values():
    assert fastmath.sum_of_squares([1e-150, -1e-150]) == close(2e-300)
    assert fastmath.sum_of_squares([1e-200]) == 0.0  # 1e-400 underflows to 0.0


def test_sum_of_squares_int_too_large_for_a_float_is_overflow_error():
    with pytest.raises(OverflowError, match="int too large to convert to float"):
        fastmath.sum_of_squares([1.0, 10**400])


@pytest.mark.parametrize(("bad", "type_name"), NOT_NUMBERS)
def test_sum_of_squares_names_the_bad_element(bad, type_name):
    with pytest.raises(TypeError) as excinfo:
        fastmath.sum_of_squares([1.0, 2, 3.5, bad, 5.0])
    assert str(excinfo.value) == f"xs[3] must be an int or float, not {type_name}"


def test_sum_of_squares_bad_first_element_in_a_tuple():
    with pytest.raises(TypeError) as excinfo:
        fastmath.sum_of_squares(("1", 2.0))
    assert str(excinfo.value) == "xs[0] must be an int or float, not str"


def test_sum_of_squares_of_a_str_is_type_error():
    # A str is a sequence too, but of one-character strs.
    with pytest.raises(TypeError) as excinfo:
        fastmath.sum_of_squares("12")
    assert str(excinfo.value) == "xs[0] must be an int or float, not str"


def test_sum_of_squares_of_a_non_sequence_is_type_error():
    with pytest.raises(TypeError, match="'float' object is not iterable"):
        fastmath.sum_of_squares(4.0)


def test_mean_small():
    assert fastmath.mean([1, 2, 3, 4]) == 2.5


@pytest.mark.parametrize(
    ("xs", "expected"),
    [([5], 5.0), ([-1.5, 1.5], 0.0), ((-2, -4.0, -6), -4.0), ([0.1, 0.2, 0.3, 0.4], 0.25), ([True, 0], 0.5)],
)
def test_mean_edge_cases(xs, expected):
    assert fastmath.mean(xs) == close(expected)


def test_mean_matches_baseline_and_statistics():
    xs = random_floats(5_000, seed=2)
    assert fastmath.mean(xs) == close(baseline.mean(xs))
    assert fastmath.mean(xs) == close(statistics.fmean(xs), rel=1e-9)


def test_mean_very_large_and_very_small_values():
    assert fastmath.mean([1e300, 3e300]) == close(2e300)
    assert fastmath.mean([1e-320, 3e-320]) == close(2e-320, rel=1e-3)  # subnormals: few digits
    assert fastmath.mean([1.0, math.inf]) == math.inf


@pytest.mark.parametrize("empty", [[], ()])
def test_mean_of_empty_sequence_is_value_error(empty):
    with pytest.raises(ValueError) as excinfo:
        fastmath.mean(empty)
    assert str(excinfo.value) == "mean requires at least one value"


@pytest.mark.parametrize(("bad", "type_name"), NOT_NUMBERS)
def test_mean_names_the_bad_element(bad, type_name):
    with pytest.raises(TypeError) as excinfo:
        fastmath.mean((bad, 1.0))
    assert str(excinfo.value) == f"xs[0] must be an int or float, not {type_name}"


def test_variance_small():
    assert fastmath.variance([2, 4, 4, 4, 5, 5, 7, 9]) == 4.0


@pytest.mark.parametrize(
    ("xs", "expected"),
    [([3.5], 0.0), ([-1, -2, -3], 2 / 3), ((1, 1.0, 1), 0.0), ([-1e3, 1e3], 1e6)],
)
def test_variance_edge_cases(xs, expected):
    assert fastmath.variance(xs) == close(expected)


def test_variance_matches_baseline_and_statistics():
    xs = random_floats(5_000, seed=3)
    assert fastmath.variance(xs) == close(baseline.variance(xs))
    assert fastmath.variance(xs) == close(statistics.pvariance(xs), rel=1e-9)


def test_variance_of_large_values_close_together():
    # E[x²] − E[x]² gives -128.0 here: the squares (about 1e18) have no digits left for the spread.
    xs = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]
    assert fastmath.variance(xs) == close(22.5, rel=1e-9)


def test_variance_of_very_large_and_very_small_values():
    assert fastmath.variance([1e150, -1e150]) == close(1e300)
    assert fastmath.variance([1e-150, 3e-150]) == close(1e-300)


def test_variance_of_empty_sequence_is_value_error():
    with pytest.raises(ValueError) as excinfo:
        fastmath.variance([])
    assert str(excinfo.value) == "variance requires at least one value"


def test_variance_names_the_bad_element():
    with pytest.raises(TypeError) as excinfo:
        fastmath.variance([1.0, 2.0, None])
    assert str(excinfo.value) == "xs[2] must be an int or float, not NoneType"


# ---------------------------------------------------------------- part 3: newton_sqrt


@pytest.mark.parametrize("x", [4.0, 2.0, 1.0, 0.25, 1e-10, 1e10, 12345.678, 5e-7])
def test_newton_sqrt_matches_math_sqrt(x):
    assert fastmath.newton_sqrt(x) == close(math.sqrt(x))


def test_newton_sqrt_matches_baseline():
    for x in random_floats(200, seed=4, low=0.0, high=1e6):
        assert fastmath.newton_sqrt(x) == close(baseline.newton_sqrt(x))


def test_newton_sqrt_of_zero_and_of_an_int():
    assert (fastmath.newton_sqrt(0.0), fastmath.newton_sqrt(16)) == (0.0, close(4.0))


def test_newton_sqrt_loose_tolerance_stops_early():
    loose = fastmath.newton_sqrt(2.0, tol=1e-3)
    assert loose == close(math.sqrt(2.0), rel=1e-3)
    assert loose != math.sqrt(2.0)  # it stopped before reaching the last digits


def test_newton_sqrt_huge_x_needs_more_iterations():
    assert fastmath.newton_sqrt(1e300, max_iter=1000) == close(1e150)
    # From y = 1e300, each step about halves y: reaching 1e150 takes ~500 steps, not 100.
    with pytest.raises(ValueError, match=r"^newton_sqrt\(.+\) did not converge within 100 iterations"):
        fastmath.newton_sqrt(1e300)


def test_newton_sqrt_non_convergence_is_value_error():
    with pytest.raises(ValueError, match=r"did not converge within 3 iterations"):
        fastmath.newton_sqrt(1e6, max_iter=3)


def test_newton_sqrt_negative_x_is_value_error():
    with pytest.raises(ValueError) as excinfo:
        fastmath.newton_sqrt(-4.0)
    assert str(excinfo.value) == "x must be a finite, non-negative number, got -4.0"


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, -1e-300])
def test_newton_sqrt_nan_and_infinite_x_are_value_errors(x):
    with pytest.raises(ValueError, match=r"^x must be a finite, non-negative number, got "):
        fastmath.newton_sqrt(x)


@pytest.mark.parametrize(("x", "shown"), [(math.nan, "nan"), (-1e-05, "-1e-05"), (-2.5e16, "-2.5e+16")])
def test_newton_sqrt_messages_write_floats_as_python_repr_does(x, shown):
    with pytest.raises(ValueError) as excinfo:
        fastmath.newton_sqrt(x)
    assert str(excinfo.value) == f"x must be a finite, non-negative number, got {shown}"
    with pytest.raises(ValueError) as excinfo:
        fastmath.newton_sqrt(1e-05, tol=1e-05, max_iter=1)
    assert str(excinfo.value) == "newton_sqrt(1e-05) did not converge within 1 iterations (tol = 1e-05)"


@pytest.mark.parametrize("tol", [0.0, -1e-9, math.nan])
def test_newton_sqrt_tol_must_be_positive(tol):
    with pytest.raises(ValueError, match=r"^tol must be positive, got "):
        fastmath.newton_sqrt(2.0, tol=tol)


def test_newton_sqrt_max_iter_must_be_at_least_one():
    with pytest.raises(ValueError) as excinfo:
        fastmath.newton_sqrt(2.0, max_iter=0)
    assert str(excinfo.value) == "max_iter must be at least 1, got 0"


def test_newton_sqrt_argument_types():
    assert fastmath.newton_sqrt(9.0, 1e-12, 50) == close(3.0)
    with pytest.raises(TypeError, match="must be real number, not str"):
        fastmath.newton_sqrt("4")
    # max_iter is a `usize`: PyO3 turns away negative ints before the body runs.
    with pytest.raises(OverflowError):
        fastmath.newton_sqrt(2.0, max_iter=-1)


# ---------------------------------------------------------------- leaks on error paths


def test_sum_of_squares_type_error_does_not_leak():
    assert_no_leaks(fastmath.sum_of_squares, [1.0, 2.0, "three", 4.0], raises=TypeError)


def test_mean_overflow_error_does_not_leak():
    assert_no_leaks(fastmath.mean, (1.0, 10**400), raises=OverflowError)


def test_variance_of_empty_sequence_does_not_leak():
    assert_no_leaks(fastmath.variance, [], raises=ValueError)


def test_newton_sqrt_non_convergence_does_not_leak():
    assert_no_leaks(fastmath.newton_sqrt, 1e6, max_iter=3, raises=ValueError)
